// ExecutionSnapshot: the controlled engine's execution in progress, copied out
// of a process that is about to die.
//
// An isolated child (isolation/crash_capture.hpp) runs executions; when one
// of them crashes the process, calls exit, spins without a tangle operation
// or stops the process, a handler in the child copies the engine's state into
// a snapshot that lives in memory shared with the parent (MAP_SHARED, mapped
// before fork, so at the same address in both), and the child exits. The
// parent then turns the snapshot into a finding with a trace and a replay
// token exactly as if the execution had ended normally — nothing is re-run.
//
// Plain data only: ControlledEngine::snapshot fills it with loads, stores and
// memcpy (async-signal-safe: no allocation, no lock). Pointers it holds (the
// `file` of each Loc, object names) point into the executable's read-only
// data, which the parent has at the same addresses; the parent checks each
// one (dladdr) before reading it.
//
// Capacity: the trace keeps its last `trace_capacity` events (trace_hash is
// over the whole trace all the same); a schedule longer than
// `schedule_capacity` cannot be replayed and says so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <span>

#include "controlled/engine.hpp"

namespace tangle::detail {

struct SnapshotObject {
  const char* name;  // as given to the primitive (null: unnamed)
  ObjectKind kind;
};

struct ExecutionSnapshot {
  enum class Phase : std::uint8_t { construct, threads, check };
  static constexpr int kMaxThreads = 1024;

  // Capacities, set by whoever lays the snapshot out (layout_snapshot).
  std::uint64_t trace_capacity = 0;
  std::uint64_t schedule_capacity = 0;
  std::uint64_t object_capacity = 0;

  Phase phase = Phase::construct;
  bool data_points = false;
  std::int32_t current = -1;          // running scenario thread; -1 outside threads
  std::int32_t threads = 0;
  std::uint64_t steps = 0;
  std::uint64_t trace_length = 0;     // events in the whole execution
  std::uint64_t trace_hash = 0;       // of the whole execution (ControlledEngine::trace_hash)
  std::uint64_t trace_stored = 0;     // the last trace_stored events are kept
  std::uint64_t schedule_length = 0;  // schedule entries so far (picks and data choices)
  std::uint64_t objects_total = 0;    // objects created so far
  std::uint8_t thread_status[kMaxThreads] = {};  // 0 runnable, 1 blocked, 2 finished

  TraceEntry* trace() { return reinterpret_cast<TraceEntry*>(this + 1); }
  const TraceEntry* trace() const { return reinterpret_cast<const TraceEntry*>(this + 1); }
  SnapshotObject* objects() { return reinterpret_cast<SnapshotObject*>(trace() + trace_capacity); }
  const SnapshotObject* objects() const {
    return reinterpret_cast<const SnapshotObject*>(trace() + trace_capacity);
  }
  std::uint32_t* schedule() { return reinterpret_cast<std::uint32_t*>(objects() + object_capacity); }
  const std::uint32_t* schedule() const {
    return reinterpret_cast<const std::uint32_t*>(objects() + object_capacity);
  }
  bool schedule_complete() const { return schedule_length <= schedule_capacity; }
  std::span<const TraceEntry> stored_trace() const { return {trace(), trace_stored}; }
  std::span<const std::uint32_t> stored_schedule() const {
    return {schedule(), schedule_complete() ? schedule_length : 0};
  }
};

// Bytes a snapshot with these capacities needs.
inline std::size_t snapshot_bytes(std::uint64_t trace_capacity, std::uint64_t schedule_capacity,
                                  std::uint64_t object_capacity) {
  return sizeof(ExecutionSnapshot) + trace_capacity * sizeof(TraceEntry) +
         object_capacity * sizeof(SnapshotObject) + schedule_capacity * sizeof(std::uint32_t);
}

// Constructs an empty snapshot with these capacities at `memory`
// (snapshot_bytes(...) bytes, suitably aligned).
inline ExecutionSnapshot* layout_snapshot(void* memory, std::uint64_t trace_capacity,
                                          std::uint64_t schedule_capacity,
                                          std::uint64_t object_capacity) {
  auto* s = new (memory) ExecutionSnapshot;
  s->trace_capacity = trace_capacity;
  s->schedule_capacity = schedule_capacity;
  s->object_capacity = object_capacity;
  return s;
}

}  // namespace tangle::detail
