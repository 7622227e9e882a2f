// The engine interface every instrumented primitive calls.
//
// A primitive (Mutex, Shared<T>, …) is a thin handle: an object id plus calls
// into the Runtime of the current execution. The Runtime decides what an
// operation means on its engine: on the controlled engine every call is a
// scheduling point on a fiber; a stress engine performs it on real threads with
// perturbation; a future interposer can feed the same calls from pthread hooks.
// Keeping the event interface independent of where events come from is what
// lets those engines share the primitives and the scenario source.
//
// Threading rule: `current_runtime()` is per OS thread. The controlled engine
// runs all scenario threads as fibers on one OS thread, so it needs no locking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <string>

namespace tangle {

// A source location: a line captured at the call site by a defaulted
// argument (`Loc loc = Loc::current()`), or a program counter (`from_pc`:
// where no argument can be added, e.g. an operator, and from compiler
// instrumentation), symbolized only when a finding is reported. Not
// std::source_location: clang 14 (our TSan compiler) cannot compile
// libstdc++'s <source_location>, and the Relacy build of scenarios is C++17;
// __builtin_FILE/__builtin_LINE work in both. Two words either way: a pc
// sits in `file` with the line kPcLine (traces hold a Loc per event).
struct Loc {
  const char* file = "";
  std::uint32_t line_number = 0;

  static constexpr std::uint32_t kPcLine = 0xffffffffu;

  static constexpr Loc current(const char* file = __builtin_FILE(),
                               std::uint32_t line = __builtin_LINE()) noexcept {
    return Loc{file, line};
  }
  // A return address in the caller (e.g. __builtin_return_address(0)).
  static Loc from_pc(const void* pc) noexcept { return Loc{static_cast<const char*>(pc), kPcLine}; }
  constexpr bool is_pc() const noexcept { return line_number == kPcLine; }
  const void* pc() const noexcept { return is_pc() ? static_cast<const void*>(file) : nullptr; }
  // "" for a pc (symbolize it: location_string in the harness).
  constexpr const char* file_name() const noexcept { return is_pc() ? "" : file; }
  // kPcLine for a pc: nonzero, so "has a location" tests hold for both.
  constexpr std::uint32_t line() const noexcept { return line_number; }
};

}  // namespace tangle

namespace tangle::detail {

using tangle::Loc;
using ObjectId = std::uint32_t;

enum class ObjectKind : std::uint8_t {
  mutex,
  recursive_mutex,
  semaphore,
  bounded_semaphore,  // count never above `limit` (its initial value unless given)
  event,
  condvar,
  shared,
  atomic,
  // engine core v2
  rwlock,             // readers-writer lock (std::shared_mutex, pthread_rwlock_t)
  barrier,            // `limit` threads meet; reusable (std::barrier, pthread_barrier_t)
  latch,              // counts down from `initial` once (std::latch)
  once,               // std::once_flag, pthread_once_t
};

// Atomic read-modify-write flavours, for the trace.
enum class AtomicOp : std::uint8_t { load, store, rmw, cas };

// The memory order an atomic operation was called with. Recorded; every
// engine still gives every order seq_cst semantics (relaxed memory is its own
// issue), so a bug that needs a weaker order is not found yet. Same values
// as std::memory_order's enumerators, without including <atomic> here.
enum class MemoryOrder : std::uint8_t { relaxed, consume, acquire, release, acq_rel, seq_cst };

// A thread started at run time (tangle::Thread): the body the engine runs.
// Owned by the engine from spawn_thread on; it is destroyed after the body
// returns (or unwinds).
class ThreadBody {
 public:
  virtual ~ThreadBody() = default;
  virtual void run() = 0;
};

class Runtime {
 public:
  virtual ~Runtime() = default;

  // Registers an object for this execution; ids are dense and deterministic
  // (creation order), so they mean the same thing on replay. `limit`: the
  // bound of a bounded semaphore (0: its initial count), a barrier's party
  // count.
  virtual ObjectId create_object(ObjectKind kind, const char* name, std::int64_t initial,
                                 Loc loc, std::int64_t limit = 0) = 0;
  // The object's handle is gone (its destructor ran). Later operations on the
  // id are bugs in the caller; an engine may reuse nothing of it. Default: no-op.
  virtual void destroy_object(ObjectId o) { (void)o; }
  // Names object `o` after its construction (tangle::set_name, for objects
  // made by generic code that cannot pass a name to the constructor). The
  // engine keeps a copy of `name`. Default: no-op (the name stays "kind #id").
  virtual void name_object(ObjectId o, std::string_view name) { (void)o, (void)name; }

  // Objects keyed by address (sources without a constructor call: a pthread
  // interposer, instrumentation hooks): the object at `address`, created as
  // `kind` on its first use; forget_address is its destruction (a later
  // object at the same address is a new one). See model/address_objects.hpp.
  virtual ObjectId object_at(const void* address, ObjectKind kind, Loc loc) = 0;
  virtual void forget_address(const void* address, std::size_t size) = 0;
  // A plain load or store of `size` bytes at `address` (compiler
  // instrumentation: __tsan_read4 …), race-checked like a Shared<T> access.
  virtual void memory_access(const void* address, std::size_t size, bool is_write, Loc loc) = 0;

  // Threads started at run time. Returns the new thread's index (dense, in
  // spawn order after the scenario's fixed threads). A spawn is a scheduling
  // point: the new thread may run before the spawner's next operation.
  virtual int spawn_thread(ThreadBody* body, Loc loc) = 0;
  // Blocks until `thread` has finished; its writes then happen before the
  // joiner's next operation. `in_destructor`: called from a destructor, so it
  // must not throw; while the execution is being aborted it returns at once.
  virtual void join_thread(int thread, Loc loc, bool in_destructor = false) = 0;

  virtual void mutex_lock(ObjectId m, Loc loc) = 0;
  virtual bool mutex_try_lock(ObjectId m, Loc loc) = 0;
  virtual void mutex_unlock(ObjectId m, Loc loc) = 0;

  // Readers-writer lock: `shared` is a reader's lock / unlock.
  virtual void rwlock_lock(ObjectId l, bool shared, Loc loc) = 0;
  virtual bool rwlock_try_lock(ObjectId l, bool shared, Loc loc) = 0;
  virtual void rwlock_unlock(ObjectId l, bool shared, Loc loc) = 0;

  virtual void semaphore_acquire(ObjectId s, Loc loc) = 0;
  virtual bool semaphore_try_acquire(ObjectId s, Loc loc) = 0;
  virtual void semaphore_release(ObjectId s, std::int64_t n, Loc loc) = 0;

  virtual void event_set(ObjectId e, Loc loc) = 0;
  virtual void event_clear(ObjectId e, Loc loc) = 0;
  virtual void event_wait(ObjectId e, Loc loc) = 0;
  virtual bool event_is_set(ObjectId e, Loc loc) = 0;

  // Atomically releases `m`, waits for a notification on `cv`, re-acquires `m`.
  virtual void condvar_wait(ObjectId cv, ObjectId m, Loc loc) = 0;
  virtual void condvar_notify(ObjectId cv, bool all, Loc loc) = 0;

  // Barrier: arrive and wait until `limit` threads of this phase arrived.
  // Latch: count down by n (n > 0) and, with `wait`, wait for zero; n == 0
  // with `wait` only waits.
  virtual void barrier_arrive_and_wait(ObjectId b, Loc loc) = 0;
  virtual void latch_count_down(ObjectId l, std::int64_t n, bool wait, Loc loc) = 0;
  // Once: true when the caller must run the function (then call once_end);
  // false when it already ran (the caller waited for it to finish).
  // once_end(completed = false): the function threw, another caller runs it.
  virtual bool once_begin(ObjectId o, Loc loc) = 0;
  virtual void once_end(ObjectId o, bool completed, Loc loc) = 0;

  // Shared<T>: called before the plain access happens; checks for data races.
  virtual void shared_access(ObjectId v, bool write, Loc loc) = 0;

  // Atomic<T>: called before the access; the access itself is done by the
  // caller on a std::atomic (every order is treated as seq_cst, see
  // MemoryOrder).
  virtual void atomic_access(ObjectId a, AtomicOp op, MemoryOrder order, Loc loc) = 0;
  // Blocks while `still_equal(ctx)` is true, until a notify on `a`.
  virtual void atomic_wait(ObjectId a, bool (*still_equal)(const void*), const void* ctx,
                           Loc loc) = 0;
  virtual void atomic_notify(ObjectId a, bool all, Loc loc) = 0;

  // A data choice in [0, n), n >= 1 (simulated loss, a random input): the
  // controlled engine asks its strategy and records the answer in the
  // schedule, so a replay makes the same choice; a stress engine draws it
  // from the execution's seed.
  virtual std::uint64_t choose(std::uint64_t n, Loc loc) = 0;

  // A scheduling hint: `spinning` says the caller busy-waits, so the scheduler
  // should run somebody else (keeps spin loops from livelocking the search).
  virtual void yield(bool spinning, Loc loc) = 0;

  // The scenario's own check failed (an invariant_violation).
  virtual void check_failed(const std::string& message, Loc loc) = 0;

  // Index of the calling scenario thread, or -1 outside scenario threads.
  virtual int thread_index() const = 0;
};

// The runtime of the execution running on this OS thread. Aborts with a clear
// message when an instrumented primitive is used outside tangle. Inline: it
// sits on every instrumented operation.
inline thread_local Runtime* tls_runtime = nullptr;
[[noreturn]] void no_runtime();
inline Runtime& current_runtime() {
  Runtime* r = tls_runtime;
  if (r == nullptr) [[unlikely]] no_runtime();
  return *r;
}
inline void set_current_runtime(Runtime* runtime) { tls_runtime = runtime; }
inline Runtime* current_runtime_or_null() { return tls_runtime; }

}  // namespace tangle::detail
