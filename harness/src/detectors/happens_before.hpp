// The happens-before observer (detectors.hpp): which operations synchronize,
// written once for every engine, and the data races that follow from it.
//
// Synchronizes-with, per C++ [intro.races] and POSIX:
//   - a lock's release → its next acquisition (a mutex, a rwlock's writer);
//     a reader's unlock → only a later writer's lock (readers do not order
//     each other: they release into the lock's second clock, which only
//     writers acquire — TSan's read clock);
//   - a semaphore post, event set, latch count-down, once end, atomic store
//     → the wait or take that observes it (`released` → `acquired`);
//   - a barrier phase's arrivals → every party leaving that phase. Phase p
//     uses clock p % 2: no party can arrive at p + 2 (the same clock) before
//     every party left p and arrived at p + 1, so a clock never mixes two
//     phases' arrivals;
//   - a thread's start and end → its first event and its joiner's next
//     (fork/join edges).
// Atomics are seq_cst for now whatever their order (runtime.hpp, MemoryOrder).
//
// The clocks are BasicRaceDetector's (vector clocks, FastTrack write epochs);
// this class adds the per-object state (clocks made on first use, the
// variable of a Shared<T>, one race report per variable and execution) and
// the finding. Costs: as BasicRaceDetector's, plus one indexed load per hook.
// Threading: as the engine's (detectors.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "detectors/detectors.hpp"
#include "detectors/race_detector.hpp"
#include "model/misuse.hpp"

namespace tangle::detail {

template <class Site>
class HappensBeforeObserver {
 public:
  using Clocks = BasicRaceDetector<Site>;

  // Per-object storage is kept across executions (ids are dense from 0 in
  // each): object_created overwrites, nothing is cleared or reallocated.
  void reset() { clocks_.reset(0); }
  void object_created(ObjectId id, ObjectKind kind) {
    if (id >= objects_.size()) [[unlikely]] objects_.resize(id + 1);
    objects_[id] = {};
    if (kind == ObjectKind::shared) objects_[id].var = clocks_.add_variable();
  }
  void thread_started(int child, int parent) {
    clocks_.add_thread();  // its row is `child`: both count every thread of the execution
    if (parent >= 0) clocks_.fork(parent, child);
  }
  void thread_joined(int joiner, int joined) { clocks_.join(joiner, joined); }

  [[gnu::always_inline]] void lock_acquired(int t, ObjectId l, bool shared) {
    PerObject& o = objects_[l];
    clocks_.acquire(t, sync(o, 0));
    if (!shared && o.sync[1] >= 0) clocks_.acquire(t, o.sync[1]);
  }
  [[gnu::always_inline]] void lock_released(int t, ObjectId l, bool shared) {
    clocks_.release(t, sync(objects_[l], shared ? 1 : 0));
  }
  [[gnu::always_inline]] void acquired(int t, ObjectId o) { clocks_.acquire(t, sync(objects_[o], 0)); }
  [[gnu::always_inline]] void released(int t, ObjectId o) { clocks_.release(t, sync(objects_[o], 0)); }
  [[gnu::always_inline]] void acquired_released(int t, ObjectId o) { clocks_.acquire_release(t, sync(objects_[o], 0)); }
  void barrier_arrived(int t, ObjectId b, std::uint64_t phase) {
    clocks_.release(t, sync(objects_[b], static_cast<int>(phase % 2)));
  }
  void barrier_passed(int t, ObjectId b, std::uint64_t phase) {
    clocks_.acquire(t, sync(objects_[b], static_cast<int>(phase % 2)));
  }

  // A plain access of Shared<T> (or memory) `v`; true when it completes a
  // race not yet reported for `v` in this execution (then reported).
  template <class Host>
  [[gnu::always_inline]] bool access(int t, ObjectId v, bool write, Site site, Host& host) {
    PerObject& o = objects_[v];
    const bool race = write ? clocks_.write(t, o.var, site) : clocks_.read(t, o.var, site);
    if (race && !o.raced) [[unlikely]] {
      o.raced = true;
      report_race(v, host);
      return true;
    }
    return false;
  }

  // The clocks themselves (tests, and the stress engine's atomics, whose
  // acquire half it applies at the thread's next operation).
  Clocks& clocks() { return clocks_; }

 private:
  struct PerObject {
    // sync[0]: what the object's releases publish; sync[1]: a rwlock's read
    // unlocks, a barrier's odd phases. Made on first use.
    int sync[2] = {-1, -1};
    int var = -1;        // a Shared<T>'s variable
    bool raced = false;  // reported in this execution
  };
  int sync(PerObject& o, int which) {
    if (o.sync[which] < 0) [[unlikely]] o.sync[which] = clocks_.add_sync();
    return o.sync[which];
  }
  template <class Host>
  [[gnu::noinline]] void report_race(ObjectId v, Host& host) {
    const auto& race = clocks_.last_race();
    auto access = [&](const typename Clocks::Access& a) {
      return model::RaceAccess{a.thread, a.write, host.site_loc(a.site)};
    };
    RawFinding f{report::FindingKind::data_race,
                 model::data_race_message(host.object_name(v), access(race.later), access(race.earlier)),
                 {race.earlier.thread, race.later.thread},
                 {host.site_loc(race.later.site), host.site_loc(race.earlier.site)},
                 {},
                 {}};
    f.object = host.object_name(v);  // the dedup key: the variable and its two lines, unordered
    std::uint64_t event = 0;
    if (host.site_event(race.earlier.site, event)) f.events.push_back(event);
    if (host.site_event(race.later.site, event)) f.events.push_back(event);
    host.report(std::move(f));
  }

  Clocks clocks_;
  std::vector<PerObject> objects_;
};

}  // namespace tangle::detail
