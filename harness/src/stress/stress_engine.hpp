// The stress engine: one execution of a scenario on real OS threads.
//
// Scenario threads run freely on std::threads; every instrumented operation
// is a perturbation point (perturbation.hpp) and then performs the
// primitive's semantics with real blocking. Object state — mutex owner and
// recursion, semaphore count, event flag, condvar waiters, who is blocked on
// what — lives here under one internal std::mutex (`mu_`); a blocked thread
// sleeps on its own std::condition_variable and is woken by whoever changes
// the object it waits for (the waker marks it runnable, as on the controlled
// engine). Because every primitive's state changes under `mu_`, the order of
// those critical sections *is* the synchronization order, which makes the
// detectors exact on real threads:
//   - self_deadlock, unlock_not_owner, semaphore_overrelease: checked at the
//     operation, same messages as the controlled engine;
//   - lock_order_inversion: LockOrderDetector (Pearce–Kelly) per execution;
//   - deadlock: checked whenever a thread blocks or finishes — a wait-for
//     cycle through mutex owners, or every live thread blocked in a tangle
//     primitive (nobody is left to wake them). Found at once, no timeout;
//   - data_race (option): RaceDetector vector clocks, with the happens-before
//     edges of the primitives taken under `mu_`. Atomic<T> accesses happen
//     after atomic_access returns, so their acquire half is applied at the
//     thread's next operation (a deferred acquire: never a false race, may
//     hide a race that follows a later release of the same atomic);
//   - invariant_violation (check_failed) and crash (an exception escaping a
//     thread body);
//   - the watchdog (the driver thread): no operation started for
//     `watchdog_ms` → `hang` (threads alive outside tangle primitives) or
//     `deadlock` (all blocked); an execution past `execution_timeout_ms`
//     while operations still complete → `livelock`.
// After a finding that stops the execution, `aborting_` is set and every
// blocked thread is woken; each unwinds by AbortExecution thrown from its
// pending (or next) operation, and operations called by destructors during
// that unwinding are no-ops. A thread that never reaches an operation again
// (an infinite loop outside tangle) cannot be unwound: it is detached, the
// execution is marked `unjoinable`, and the engine and scenario instance must
// then be leaked (the thread still uses them). Process isolation
// (isolation/) is what makes that safe.
//
// Threading: run() is called by one driver thread; the Runtime operations by
// the scenario threads of the running execution, or by the driver during the
// scenario's constructor and check() (where they are no-ops, except
// create_object and check_failed).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "detectors/lock_order.hpp"
#include "detectors/race_detector.hpp"
#include "stress/perturbation.hpp"
#include "tangle/detail/runtime.hpp"
#include "tangle/report/model.hpp"
#include "tangle/scenario.hpp"

namespace tangle::detail {

struct StressEngineOptions {
  int watchdog_ms = 1000;
  std::int64_t execution_timeout_ms = 30000;  // 0: none
  bool race_detection = true;
  bool perturb = true;
};

// A finding as the stress engine sees it. `key` is the deduplication key:
// kind + source lines (+ the message when there is no line), the same rule as
// the controlled runner's signature.
struct StressFinding {
  report::FindingKind kind;
  std::string message;
  std::vector<int> threads;
  std::vector<std::string> locations;
  std::vector<report::CycleEdge> cycle;
  std::string key;
};

struct StressExecution {
  std::vector<StressFinding> findings;
  std::uint64_t operations = 0;
  // A scenario thread could not be unwound and was detached: the engine (and
  // the scenario instance, already leaked) must never be destroyed and no
  // further execution may run in this process.
  bool unjoinable = false;
};

class StressEngine final : public Runtime {
 public:
  StressEngine(const ScenarioInfo& info, const Params& params, StressEngineOptions options = {});
  ~StressEngine() override;

  // Called by the driver every few milliseconds while an execution runs
  // (heartbeat), and with each finding as soon as the driver sees it (before
  // unwinding), e.g. to stream it to a parent process.
  std::function<void()> on_tick;
  std::function<void(const StressFinding&)> on_finding;

  const StressExecution& run(std::uint64_t seed);
  int threads() const { return n_; }

  // Runtime
  ObjectId create_object(ObjectKind kind, const char* name, std::int64_t initial,
                         Loc loc, std::int64_t) override { return create_object(kind, name, initial, loc); }
  ObjectId create_object(ObjectKind kind, const char* name, std::int64_t initial, Loc loc);
  int spawn_thread(ThreadBody*, Loc) override { throw 1; }
  void join_thread(int, Loc, bool) override { throw 1; }
  void rwlock_lock(ObjectId, bool, Loc) override { throw 1; }
  bool rwlock_try_lock(ObjectId, bool, Loc) override { throw 1; }
  void rwlock_unlock(ObjectId, bool, Loc) override { throw 1; }
  void barrier_arrive_and_wait(ObjectId, Loc) override { throw 1; }
  void latch_count_down(ObjectId, std::int64_t, bool, Loc) override { throw 1; }
  bool once_begin(ObjectId, Loc) override { throw 1; }
  void once_end(ObjectId, bool, Loc) override { throw 1; }
  std::uint64_t choose(std::uint64_t, Loc) override { return 0; }
  void atomic_access(ObjectId a, AtomicOp op, MemoryOrder, Loc loc) override { atomic_access(a, op, loc); }
  void mutex_lock(ObjectId m, Loc loc) override;
  bool mutex_try_lock(ObjectId m, Loc loc) override;
  void mutex_unlock(ObjectId m, Loc loc) override;
  void semaphore_acquire(ObjectId s, Loc loc) override;
  bool semaphore_try_acquire(ObjectId s, Loc loc) override;
  void semaphore_release(ObjectId s, std::int64_t n, Loc loc) override;
  void event_set(ObjectId e, Loc loc) override;
  void event_clear(ObjectId e, Loc loc) override;
  void event_wait(ObjectId e, Loc loc) override;
  bool event_is_set(ObjectId e, Loc loc) override;
  void condvar_wait(ObjectId cv, ObjectId m, Loc loc) override;
  void condvar_notify(ObjectId cv, bool all, Loc loc) override;
  void shared_access(ObjectId v, bool write, Loc loc) override;
  void atomic_access(ObjectId a, AtomicOp op, Loc loc);
  void atomic_wait(ObjectId a, bool (*still_equal)(const void*), const void* ctx,
                   Loc loc) override;
  void atomic_notify(ObjectId a, bool all, Loc loc) override;
  void yield(bool spinning, Loc loc) override;
  void check_failed(const std::string& message, Loc loc) override;
  int thread_index() const override;

  struct Worker;  // one scenario thread's state (stress_engine.cpp)

 private:
  enum class Status : std::uint8_t { running, blocked, finished };
  struct ObjectState {
    ObjectKind kind;
    const char* name;
    int owner = -1;               // mutexes
    int recursion = 0;
    std::int64_t count = 0;       // semaphores; event flag
    std::int64_t initial = 0;
    int sync = -1;                // race-detector clock
    int var = -1;                 // race-detector variable
    int node = -1;                // lock-order graph node
    bool raced = false;           // one race report per variable and execution
  };
  using Lock = std::unique_lock<std::mutex>;

  void worker_main(int index);
  Worker* enter(Loc loc, bool releasing = false);
  void block_on(Lock& lk, Worker& w, ObjectId o, Loc loc);
  void wake_all(ObjectId o);
  void wake_one_waiter(ObjectId o);
  void wake(Worker& w);
  [[noreturn]] void abort_execution(Lock& lk);
  void start_abort();
  void apply_pending(Worker& w);
  int sync_of(ObjectState& o);

  void acquire_mutex(Worker& w, ObjectId m, Loc loc);
  void release_mutex(Worker& w, ObjectId m);
  void note_lock_order(Worker& w, ObjectId m, Loc loc);
  std::string node_name(int lock_node) const;
  int waits_for(int t) const;
  bool deadlocked(int from) const;
  void report_deadlock();
  void report_stall(bool blocked_only, std::int64_t ms);
  void add_finding(StressFinding f);
  void add_finding(report::FindingKind kind, std::string message, std::vector<int> threads,
                   std::vector<Loc> locs);
  std::string object_name(ObjectId id) const;
  static std::string thread_name(int t);
  void watch();
  std::uint64_t operations() const;
  void publish_findings();

  const ScenarioInfo& info_;
  Params params_;
  StressEngineOptions options_;
  int n_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;

  std::mutex mu_;  // guards everything below, up to `result_`
  std::vector<ObjectState> objects_;
  BasicRaceDetector<Loc> race_;  // an access is named by its source line
  LockOrderDetector lock_order_;
  StressExecution result_;
  int live_ = 0;                // threads started and not finished
  int blocked_ = 0;             // of which blocked in a primitive
  std::uint64_t wait_seq_ = 0;  // condvar FIFO
  std::condition_variable driver_cv_;  // a thread finished / a finding appeared

  std::atomic<bool> aborting_{false};
  std::atomic<bool> go_{false};
  std::size_t published_ = 0;   // findings passed to on_finding (driver only)
  std::unique_ptr<Scenario> scenario_;
};

}  // namespace tangle::detail
