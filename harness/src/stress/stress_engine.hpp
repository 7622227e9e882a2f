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
//   - self_deadlock, unlock_not_owner, semaphore_overrelease, a latch counted
//     below zero, a bad join: checked at the operation by the model
//     (model/primitives.hpp), worded by model/misuse.hpp;
//   - lock_order_inversion: LockOrderObserver (Pearce–Kelly) per execution;
//   - deadlock: checked whenever a thread blocks or finishes — a wait-for
//     cycle through lock owners and joined threads, or every live thread blocked in a tangle
//     primitive (nobody is left to wake them). Found at once, no timeout;
//   - data_race (option): HappensBeforeObserver's vector clocks, with the
//     happens-before edges of the primitives taken under `mu_`. Atomic<T> accesses happen
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
// Primitive semantics — who may proceed, who blocks, what is a misuse — are
// model/primitives.hpp's, the same as on the controlled engine; misuse
// findings are worded by model/misuse.hpp and deadlocks by
// detectors/deadlock.hpp. What this engine adds is real blocking, waking and
// the happens-before edges each model operation names.
//
// Threads started at run time (tangle::Thread, spawn_thread) are real
// std::threads too, with the next dense index after the scenario's fixed
// threads. A spawn is a fork edge and a join a join edge in the race
// detector; a thread blocked in join waits for the joined thread, so the
// deadlock check follows that edge like a mutex owner's (a main joining a
// worker that waits forever is a deadlock). Up to kMaxScenarioThreads threads
// may be alive at once; indices are not reused within an execution.
//
// Threading: run() is called by one driver thread; the Runtime operations by
// the scenario threads of the running execution, or by the driver during the
// scenario's constructor and check() (where they are no-ops, except
// create_object and check_failed). `workers_` grows at run time (spawns), so
// it is touched under `mu_` only; a Worker itself never moves.
//
// Costs: every operation takes `mu_` once (a contended lock on every
// instrumented operation is the price of exact detection on real threads);
// with race detection an acquire/release is O(threads), so executions with
// hundreds of threads slow down linearly in their thread count; blocking and
// waking scan the threads (O(threads) per wake).
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

#include "detectors/detectors.hpp"
#include "detectors/happens_before.hpp"
#include "detectors/lock_order.hpp"
#include "model/address_objects.hpp"
#include "model/finding.hpp"
#include "model/primitives.hpp"
#include "object_names.hpp"
#include "rng.hpp"
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

struct StressExecution {
  std::vector<RawFinding> findings;  // deduplicated by RawFinding::signature
  std::uint64_t operations = 0;
  // A scenario thread could not be unwound and was detached: the engine (and
  // the scenario instance, already leaked) must never be destroyed and no
  // further execution may run in this process.
  bool unjoinable = false;
};

class StressEngine final : public Runtime, private DetectorHost<Loc> {
 public:
  StressEngine(const ScenarioInfo& info, const Params& params, StressEngineOptions options = {});
  ~StressEngine() override;

  // Called by the driver every few milliseconds while an execution runs
  // (heartbeat), and with each finding as soon as the driver sees it (before
  // unwinding), e.g. to stream it to a parent process.
  std::function<void()> on_tick;
  std::function<void(const RawFinding&)> on_finding;

  const StressExecution& run(std::uint64_t seed);
  // The fixed thread count (threads spawned at run time come on top).
  int threads() const { return n_; }

  // Runtime
  ObjectId create_object(ObjectKind kind, const char* name, std::int64_t initial, Loc loc,
                         std::int64_t limit = 0) override;
  // Objects keyed by address: the map has its own lock, taken before mu_
  // (create_object takes mu_), never after it.
  void name_object(ObjectId id, std::string_view name) override;
  ObjectId object_at(const void* a, ObjectKind kind, Loc loc) override {
    std::lock_guard<std::mutex> lock(addresses_mu_);
    return addresses_.object_at(*this, a, kind, loc);
  }
  void forget_address(const void* a, std::size_t size) override {
    std::lock_guard<std::mutex> lock(addresses_mu_);
    addresses_.forget(a, size);
  }
  void memory_access(const void* a, std::size_t size, bool write, Loc loc) override {
    AddressObjects::memory_access(*this, a, size, write, loc);
  }
  int spawn_thread(ThreadBody* body, Loc loc) override;
  void join_thread(int thread, Loc loc, bool in_destructor = false) override;
  void mutex_lock(ObjectId m, Loc loc) override;
  bool mutex_try_lock(ObjectId m, Loc loc) override;
  void mutex_unlock(ObjectId m, Loc loc) override;
  void rwlock_lock(ObjectId l, bool shared, Loc loc) override;
  bool rwlock_try_lock(ObjectId l, bool shared, Loc loc) override;
  void rwlock_unlock(ObjectId l, bool shared, Loc loc) override;
  void semaphore_acquire(ObjectId s, Loc loc) override;
  bool semaphore_try_acquire(ObjectId s, Loc loc) override;
  void semaphore_release(ObjectId s, std::int64_t n, Loc loc) override;
  void event_set(ObjectId e, Loc loc) override;
  void event_clear(ObjectId e, Loc loc) override;
  void event_wait(ObjectId e, Loc loc) override;
  bool event_is_set(ObjectId e, Loc loc) override;
  void condvar_wait(ObjectId cv, ObjectId m, Loc loc) override;
  void condvar_notify(ObjectId cv, bool all, Loc loc) override;
  void barrier_arrive_and_wait(ObjectId b, Loc loc) override;
  void latch_count_down(ObjectId l, std::int64_t n, bool wait, Loc loc) override;
  bool once_begin(ObjectId o, Loc loc) override;
  void once_end(ObjectId o, bool completed, Loc loc) override;
  void shared_access(ObjectId v, bool write, Loc loc) override;
  void atomic_access(ObjectId a, AtomicOp op, MemoryOrder order, Loc loc) override;
  void atomic_wait(ObjectId a, bool (*still_equal)(const void*), const void* ctx,
                   Loc loc) override;
  void atomic_notify(ObjectId a, bool all, Loc loc) override;
  std::uint64_t choose(std::uint64_t n, Loc loc) override;
  void yield(bool spinning, Loc loc) override;
  void check_failed(const std::string& message, Loc loc) override;
  int thread_index() const override;

  struct Worker;  // one scenario thread's state (stress_engine.cpp)

 private:
  enum class Status : std::uint8_t { running, blocked, finished };
  // One object: the model's state (the detectors keep their own).
  struct Object {
    model::ObjectState state;
  };
  using Lock = std::unique_lock<std::mutex>;

  void worker_main(Worker& w);
  void finish(Worker& w);
  Worker* enter(Loc loc, bool releasing = false);
  // Parks `w` until woken. `nothrow`: from a destructor; returns false
  // instead of throwing AbortExecution when the execution is aborted.
  bool block_on(Lock& lk, Worker& w, ObjectId o, Loc loc, bool nothrow = false);
  void wake_all(ObjectId o);
  void wake_one_waiter(ObjectId o);
  void wake(Worker& w);
  [[noreturn]] void abort_execution(Lock& lk);
  void start_abort();
  void apply_pending(Worker& w);
  model::ObjectState& state(ObjectId id) { return objects_[id].state; }

  void on_locked(Worker& w, ObjectId l, Loc loc, bool shared);
  void on_unlocked(Worker& w, ObjectId l, bool shared);
  bool holds_shared(const Worker& w, ObjectId l) const;
  [[noreturn]] void self_deadlock(Lock& lk, Worker& w, ObjectId l, Loc loc);
  void not_owner(Worker& w, ObjectId l, Loc loc, bool shared);
  void note_lock_order(Worker& w, ObjectId m, Loc loc);
  int waits_for(int t) const;
  bool deadlocked(int from) const;
  void report_deadlock();
  void report_stall(bool blocked_only, std::int64_t ms);
  void add_finding(RawFinding f);
  void add_finding(report::FindingKind kind, std::string message, std::vector<int> threads,
                   std::vector<Loc> locs);
  std::string object_name(ObjectId id) const override;
  // DetectorHost: an access is named by its source line; no trace.
  DetectorHost<Loc>& host() { return *this; }
  void report(RawFinding f) override { add_finding(std::move(f)); }
  Loc site_loc(Loc site) const override { return site; }
  bool site_event(Loc, std::uint64_t&) const override { return false; }
  bool last_event(std::uint64_t&) const override { return false; }
  std::string wanted_name(const Worker& w) const;
  std::string held_names(const Worker& w) const;
  static std::string thread_name(int t);
  void watch();
  std::uint64_t operations() const;
  void publish_findings();

  const ScenarioInfo& info_;
  Params params_;
  StressEngineOptions options_;
  int n_;
  std::vector<std::unique_ptr<Worker>> fixed_;  // the n_ fixed threads, kept across executions

  std::mutex addresses_mu_;  // guards addresses_
  AddressObjects addresses_;
  std::mutex mu_;  // guards everything below, up to `driver_cv_`
  std::vector<Worker*> workers_;                 // by index: fixed_, then spawned_
  std::vector<std::unique_ptr<Worker>> spawned_; // this execution's run-time threads
  std::vector<Object> objects_;
  NameTable names_;  // name_object's copies (under mu_)
  DetectorSet<HappensBeforeObserver<Loc>, LockOrderObserver> detectors_;
  StressExecution result_;
  Rng rng_;                     // choose() and spawned threads' perturbation seeds
  std::uint32_t gap_ = 1;       // the execution's perturbation profile
  int live_ = 0;                // threads started and not finished
  int blocked_ = 0;             // of which blocked in a primitive
  int finished_ = 0;            // threads finished (a progress mark)
  std::uint64_t wait_seq_ = 0;  // mutex waiters: who is woken first
  std::condition_variable driver_cv_;  // a thread finished / a finding appeared

  std::atomic<bool> aborting_{false};
  std::atomic<bool> go_{false};
  std::size_t published_ = 0;   // findings passed to on_finding (driver only)
  std::unique_ptr<Scenario> scenario_;
};

}  // namespace tangle::detail
