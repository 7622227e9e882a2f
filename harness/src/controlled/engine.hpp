// The controlled engine: deterministic execution of one scenario.
//
// Exactly one scenario thread runs at a time, each on its own fiber (see
// fiber_stacks.hpp). Every instrumented operation first calls schedule(): the
// strategy picks which runnable thread performs the next operation. Given the
// same picks the execution is identical, so (scenario, params, picks) is a
// complete replay token and trace_hash is stable.
//
// Detectors run inline on the operations: happens-before races
// (RaceDetector), lock-order inversions (LockOrderDetector), deadlock (no runnable
// thread while some are blocked; the wait-for cycle is read off the owners),
// and the exact misuse checks (self_deadlock, unlock_not_owner,
// semaphore_overrelease), invariant checks, a step bound (livelock) and
// escaping exceptions (crash).
//
// An execution that must stop (deadlock, misuse, crash, step bound) is
// aborted: every unfinished fiber is resumed once and unwinds by an
// AbortExecution exception thrown from its pending operation; operations
// called by destructors during that unwinding are no-ops.
//
// Per-execution cost is kept small: the engine, its stacks, vectors and
// detector state are reused across executions (cleared, not freed); only the
// scenario instance is new.
// Threading: one engine per OS thread; it installs itself as the current
// Runtime for the duration of run().
#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "controlled/fiber_stacks.hpp"
#include "detectors/lock_order.hpp"
#include "detectors/race_detector.hpp"
#include "strategies/strategy.hpp"
#include "tangle/detail/runtime.hpp"
#include "tangle/report/model.hpp"
#include "tangle/scenario.hpp"

namespace tangle::detail {

enum class EventOp : std::uint8_t {
  thread_start,
  thread_end,
  lock,
  acquired,  // a blocked lock/acquire/wait finally succeeded
  try_lock,
  unlock,
  acquire,
  try_acquire,
  release,
  set,
  clear,
  wait,
  is_set,
  cv_wait,
  notify_one,
  notify_all,
  read,
  write,
  atomic_load,
  atomic_store,
  atomic_rmw,
  atomic_cas,
  atomic_wait,
  atomic_notify,
  yield,
  spin,
  blocked,
  check_failed,
};
const char* to_string(EventOp op);

struct TraceEntry {
  ObjectId object;  // kNoObject for thread events
  std::int16_t thread;
  EventOp op;
  Loc loc;
};
inline constexpr ObjectId kNoObject = 0xffffffffu;

// A finding as the engine sees it: cheap to make, converted to the report
// model only when it is new (see runner.cpp).
struct RawFinding {
  report::FindingKind kind;
  std::string message;
  std::vector<int> threads;
  std::vector<Loc> locs;
  std::vector<std::uint64_t> events;  // trace indices to highlight
  std::vector<report::CycleEdge> cycle;
  std::uint64_t signature = 0;        // kind + source lines: dedup key
};

struct ExecutionResult {
  std::vector<RawFinding> findings;
  std::uint64_t steps = 0;      // scheduling points
  std::uint64_t decisions = 0;  // points where the strategy chose
};

// Thrown through scenario code to unwind an aborted execution.
struct AbortExecution {};

struct EngineOptions {
  std::uint64_t max_steps = 100000;  // per execution; beyond it: livelock
  std::size_t stack_size = 256 * 1024;
};

class ControlledEngine final : public Runtime {
 public:
  ControlledEngine(const ScenarioInfo& info, const Params& params, EngineOptions options = {});
  ~ControlledEngine() override;

  const ExecutionResult& run(Strategy& strategy, std::uint64_t seed);

  // The last execution, for reports and replay tokens.
  const std::vector<TraceEntry>& trace() const { return trace_; }
  // Hash of the last execution's trace: equal on every replay of it.
  std::uint64_t trace_hash() const;
  const std::vector<std::uint8_t>& schedule() const { return schedule_; }
  std::string object_name(ObjectId id) const;
  int threads() const { return n_; }

  // Runtime
  ObjectId create_object(ObjectKind kind, const char* name, std::int64_t initial,
                         Loc loc) override;
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
  void atomic_access(ObjectId a, AtomicOp op, Loc loc) override;
  void atomic_wait(ObjectId a, bool (*still_equal)(const void*), const void* ctx,
                   Loc loc) override;
  void atomic_notify(ObjectId a, bool all, Loc loc) override;
  void yield(bool spinning, Loc loc) override;
  void check_failed(const std::string& message, Loc loc) override;
  int thread_index() const override { return in_threads_ ? current_ : -1; }

 private:
  enum class Status : std::uint8_t { runnable, blocked, finished };
  struct ThreadState {
    Status status = Status::runnable;
    ObjectId blocked_on = kNoObject;
    Loc blocked_loc;
    std::uint64_t blocked_event = 0;  // trace index of its latest `blocked`
    bool notified = false;        // condvar: a notify picked this waiter
    std::uint64_t wait_seq = 0;   // condvar: FIFO order of waiters
    struct Held {
      ObjectId mutex;
      Loc loc;                    // where it was locked
    };
    std::vector<Held> held;       // mutexes held, in acquisition order
  };
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

  static void fiber_entry(Transfer t);
  [[noreturn]] void thread_body(int index);
  void switch_to(int next);
  // Who runs next. Inline fast path: one runnable thread needs no decision.
  int choose(bool yielded) {
    if ((runnable_ & (runnable_ - 1)) == 0) return runnable_ == 0 ? -1 : std::countr_zero(runnable_);
    return decide(yielded);
  }
  int decide(bool yielded);
  int after_finish();
  // Entry of every operation. Returns false when the operation must be a
  // no-op: outside scenario threads (constructor, check()), or once the
  // execution is being aborted, for an operation in a destructor running
  // during the unwinding or a `releasing` one (unlock, release, set,
  // notify, atomic store): those run in destructors, where throwing
  // AbortExecution would call std::terminate. Any other operation throws it.
  bool begin(bool yielded = false, bool releasing = false) {
    if (!in_threads_) [[unlikely]] return false;
    if (!aborting_) [[likely]] {
      schedule(yielded);
      if (!aborting_) [[likely]] return true;
    }
    return abort_pending(releasing);
  }
  bool abort_pending(bool releasing);
  // A scheduling point: the strategy picks who performs the next operation.
  void schedule(bool yielded) {
    if (++result_.steps > options_.max_steps) [[unlikely]] step_bound_exceeded();
    const int next = choose(yielded);
    if (next != current_) switch_to(next);
  }
  [[noreturn]] void step_bound_exceeded();
  void block_on(ObjectId o, Loc loc);
  void wake(int thread);  // a blocked thread becomes runnable
  void wake_all(ObjectId o);
  [[gnu::always_inline]] std::uint64_t record(EventOp op, ObjectId o, Loc loc) {
    trace_.push_back({o, static_cast<std::int16_t>(current_), op, loc});
    return trace_.size() - 1;
  }
  [[noreturn]] void abort_execution();

  // Detectors and their findings.
  void add_finding(RawFinding f);
  void acquire_mutex(ObjectState& o, ObjectId m, Loc loc);
  void release_mutex(ObjectState& o, ObjectId m);
  void note_lock_order(ObjectId m, Loc loc);
  std::string node_name(int lock_node) const;
  void report_race(ObjectState& o, ObjectId v, const RaceDetector::Race& race);
  [[noreturn]] void report_deadlock();
  int sync_of(ObjectState& o);
  std::string thread_name(int t) const;

  const ScenarioInfo& info_;
  Params params_;
  EngineOptions options_;
  int n_;
  FiberStacks stacks_;
  std::vector<Context> ctx_;  // n_ fibers, then the main context at n_
  std::vector<ThreadState> threads_;
  std::vector<ObjectState> objects_;
  std::vector<TraceEntry> trace_;
  std::vector<std::uint8_t> schedule_;
  int enabled_[64];
  RaceDetector race_;
  LockOrderDetector lock_order_;
  ExecutionResult result_;
  Scenario* scenario_ = nullptr;
  std::unique_ptr<Scenario> owned_scenario_;  // when the info has no `construct`
  void* scenario_storage_ = nullptr;          // reused by every execution
  Strategy* strategy_ = nullptr;
  std::uint64_t runnable_ = 0;   // bit t: thread t is runnable
  std::uint64_t wait_seq_ = 0;
  int current_ = 0;              // running thread; n_ = main context
  int last_ = 0;                 // who switched to the current context
  bool in_threads_ = false;
  bool aborting_ = false;
};

}  // namespace tangle::detail
