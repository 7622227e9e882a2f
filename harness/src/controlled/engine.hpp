// The controlled engine: deterministic execution of one scenario.
//
// Exactly one scenario thread runs at a time, each on its own fiber (see
// fiber_stacks.hpp). Every synchronization operation first calls schedule():
// the strategy picks which runnable thread performs the next operation. Given
// the same picks the execution is identical, so (scenario, params, picks) is a
// complete replay token and trace_hash is stable.
//
// Shared<T> accesses are recorded and race-checked but, by default, are not
// scheduling points until a data race has been seen (Granularity below).
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

#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
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

// The dedup key of a finding: kind and source lines (file names, not their
// addresses), or the message when there is no line.
std::uint64_t finding_signature(report::FindingKind kind, std::span<const Loc> locs, std::string_view message);

struct ExecutionResult {
  std::vector<RawFinding> findings;
  std::uint64_t steps = 0;      // instrumented operations (the livelock bound counts these)
  std::uint64_t points = 0;     // scheduling points among them
  std::uint64_t decisions = 0;  // points where the strategy chose (two or more could run)
  std::uint64_t switches = 0;   // fiber switches, the main context's included
};

// Thrown through scenario code to unwind an aborted execution.
struct AbortExecution {};

// Where the scheduler may switch threads.
//
// `all`: before every instrumented operation.
// `sync` (default): before every synchronization operation (mutex, semaphore,
// event, condition variable, atomic, yield), and before Shared<T> accesses
// only once this engine has seen a data race. The reduction is CHESS's
// (Musuvathi et al., "Finding and Reproducing Heisenbugs in Concurrent
// Programs", OSDI 2008): in an execution without data races, a thread's plain
// accesses between two of its synchronization operations cannot conflict with
// anything another thread does in between (that would be a race), so running
// them without a switch reaches the same states, with the same
// happens-before order, values and verdicts. A racy execution is still
// found — happens-before does not depend on where the switches fall — and
// from then on every Shared<T> access is a point, so the bugs a race causes
// (a lost update) are explored at full granularity. Half of counter/locked's
// operations are plain accesses: this halves its decisions and switches.
// Relacy goes further: its rl::var accesses are never scheduling points.
// The kDataRun-th plain access in a row without a point is a point anyway, so a loop spinning on a plain flag lets the writer run (and
// the race show) instead of exhausting the step bound.
enum class Granularity : std::uint8_t { sync, all };

struct EngineOptions {
  std::uint64_t max_steps = 100000;  // per execution; beyond it: livelock
  std::size_t stack_size = 256 * 1024;
  Granularity granularity = Granularity::sync;
  // A data race was already seen (by an earlier process of the same run):
  // `sync` granularity starts with Shared<T> accesses as points.
  bool race_seen = false;
};

struct ExecutionSnapshot;

// Hash of a trace: what happened, in order (see ControlledEngine::trace_hash).
std::uint64_t hash_trace(std::span<const TraceEntry> trace);

class ControlledEngine final : public Runtime {
 public:
  ControlledEngine(const ScenarioInfo& info, const Params& params, EngineOptions options = {});
  ~ControlledEngine() override;

  const ExecutionResult& run(Strategy& strategy, std::uint64_t seed);

  // The last execution, for reports and replay tokens.
  std::span<const TraceEntry> trace() const { return {trace_.data(), trace_len_}; }
  // Hash of the last execution's trace: equal on every replay of it.
  std::uint64_t trace_hash() const;
  // The picks of the last execution, one per decision (a copy: for tokens).
  std::vector<std::uint8_t> schedule() const {
    return {schedule_.begin(), schedule_.begin() + static_cast<std::ptrdiff_t>(schedule_len_)};
  }
  std::span<const std::uint8_t> schedule_view() const { return {schedule_.data(), schedule_len_}; }
  // Whether Shared<T> accesses were scheduling points in the last execution
  // (a replay token records it).
  bool data_points() const { return flags_.data_points; }
  std::string object_name(ObjectId id) const;
  int threads() const { return n_; }

  // Copies the execution in progress into `out`, for a process about to die
  // (see snapshot.hpp). Async-signal-safe: loads, stores, memcpy; call it
  // only on the engine's own OS thread (a signal handler there).
  void snapshot(ExecutionSnapshot& out) const noexcept;
  // Instrumented operations of the execution in progress (for a watchdog:
  // it does not move while scenario code runs without tangle operations).
  std::uint64_t steps_in_progress() const noexcept { return result_.steps; }
  // The scenario thread whose fiber stack's guard page holds `address`, or -1.
  int stack_overflowed(const void* address) const noexcept {
    const int slot = stacks_.guard_page_of(address);
    return slot < n_ ? slot : -1;
  }

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
  int thread_index() const override { return flags_.in_threads ? current_ : -1; }

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
    std::uint64_t waiters = 0;    // bit t: thread t is blocked on this object
    std::uint64_t ordered_after = 0;  // bit j: lock-order edge object j → this (j < 64) noted
    int sync = -1;                // race-detector clock, made on first use
    int var = -1;                 // race-detector variable
    int node = -1;                // lock-order graph node, made on first nesting
    bool raced = false;           // one race report per variable and execution
  };

  static void fiber_entry(Transfer t);
  [[noreturn]] void thread_body(int index);
  // Inline into every operation: a resumed fiber then returns straight to
  // scenario code. Each return after a switch is mispredicted (the return
  // stack holds the other fiber's calls), so every call level between the
  // operation and the jump costs ~5 ns per switch.
  [[gnu::always_inline]] void switch_to(int next) {
    last_ = current_;
    current_ = next;
    ++result_.switches;
    Transfer t = switch_fiber(stacks_.tsan_fiber(next == n_ ? -1 : next), ctx_[next], this);
    // Resumed: `last_` is whoever switched to us; keep its context.
    ctx_[last_] = t.fctx;
  }
  // Who runs next. Inline fast path: one runnable thread needs no decision.
  [[gnu::always_inline]] int choose(bool yielded) {
    if ((runnable_ & (runnable_ - 1)) == 0) return runnable_ == 0 ? -1 : std::countr_zero(runnable_);
    return decide(yielded);
  }
  int decide(bool yielded);
  [[gnu::noinline]] void grow_schedule();
  int after_finish();
  // Entry of every operation. Returns false when the operation must be a
  // no-op: outside scenario threads (constructor, check()), or once the
  // execution is being aborted, for an operation in a destructor running
  // during the unwinding or a `releasing` one (unlock, release, set,
  // notify, atomic store): those run in destructors, where throwing
  // AbortExecution would call std::terminate. Any other operation throws it.
  [[gnu::always_inline]] bool begin(bool yielded = false, bool releasing = false) {
    if (!flags_.in_threads) [[unlikely]] return false;
    if (!flags_.aborting) [[likely]] {
      schedule(yielded, releasing);
      if (!flags_.aborting) [[likely]] return true;
    }
    return abort_pending(releasing);
  }
  bool abort_pending(bool releasing);
  // A Shared<T> access that is a scheduling point, or in any other unusual
  // state (outside threads, aborting, step bound). Whether an access is a
  // point must depend on the execution alone — never on engine state such as
  // buffer capacities — or a replay would place its points elsewhere.
  [[gnu::noinline]] void shared_access_slow(ObjectId v, bool write, Loc loc);
  void check_access(ObjectId v, bool write, Loc loc);
  static constexpr int kDataRun = 64;
  // A scheduling point: the strategy picks who performs the next operation.
  // (Every call comes through begin(), which passes `releasing` on.)
  [[gnu::always_inline]] void schedule(bool yielded, bool releasing) {
    if (++result_.steps > options_.max_steps) [[unlikely]] return step_bound_exceeded(releasing);
    ++result_.points;
    data_run_ = 0;
    const int next = choose(yielded);
    if (next != current_) switch_to(next);
  }
  // A livelock finding; then throws AbortExecution, except at a releasing
  // operation (it may run in a destructor, where a throw would terminate):
  // that one only marks the execution aborted and becomes a no-op.
  void step_bound_exceeded(bool releasing);
  void block_on(ObjectId o, Loc loc);
  // A blocked thread becomes runnable; the caller takes it off its object's
  // `waiters`.
  void wake(int thread) {
    threads_[thread].status = Status::runnable;
    threads_[thread].blocked_on = kNoObject;
    runnable_ |= 1ULL << thread;
  }
  void wake_all(ObjectState& o) {
    for (std::uint64_t w = o.waiters; w != 0; w &= w - 1) wake(std::countr_zero(w));
    o.waiters = 0;
  }
  // Appends to the trace: a bounds check and one store (std::vector's
  // push_back kept an out-of-line growth path on every operation).
  [[gnu::always_inline]] std::uint64_t record(EventOp op, ObjectId o, Loc loc) {
    if (trace_len_ == trace_cap_) [[unlikely]] grow_trace();
    trace_[trace_len_] = {o, static_cast<std::int16_t>(current_), op, loc};
    return trace_len_++;
  }
  [[gnu::noinline]] void grow_trace();
  std::uint64_t last_event() const { return trace_len_ - 1; }
  [[noreturn]] void abort_execution();

  // Detectors and their findings.
  void add_finding(RawFinding f);
  [[gnu::always_inline]] void acquire_mutex(ObjectState& o, ObjectId m, Loc loc);
  [[gnu::always_inline]] void release_mutex(ObjectState& o, ObjectId m);
  // Lock order is noted when the lock is requested, so a run that deadlocks
  // on these two locks still reports the inversion.
  // Requests whose every held→m edge is already in this execution's graph
  // change nothing and are skipped here (ObjectState::ordered_after).
  void note_lock_order(ObjectId m, Loc loc) {
    const auto& held = threads_[current_].held;
    if (held.empty()) return;
    for (const auto& h : held)
      if (h.mutex >= 64 || ((objects_[m].ordered_after >> h.mutex) & 1) == 0) return note_nested_lock(m, loc);
  }
  void note_nested_lock(ObjectId m, Loc loc);
  std::string node_name(int lock_node) const;
  // The race detector names an access by its trace index.
  using RaceDetector = BasicRaceDetector<std::uint32_t>;
  void report_race(ObjectState& o, ObjectId v, const RaceDetector::Race& race);
  [[noreturn]] void report_deadlock();
  int sync_of(ObjectState& o) {
    if (o.sync < 0) [[unlikely]] o.sync = race_.add_sync();
    return o.sync;
  }
  int node_of(ObjectState& o) {
    if (o.node < 0) o.node = lock_order_.add_lock();
    return o.node;
  }
  std::string thread_name(int t) const;

  const ScenarioInfo& info_;
  Params params_;
  EngineOptions options_;
  int n_;
  FiberStacks stacks_;
  std::vector<Context> ctx_;  // n_ fibers, then the main context at n_
  std::vector<ThreadState> threads_;
  std::vector<ObjectState> objects_;
  std::vector<TraceEntry> trace_;  // storage: its size is the capacity
  std::size_t trace_len_ = 0;
  std::size_t trace_cap_ = 0;      // trace_.size(), kept at hand
  std::vector<std::uint8_t> schedule_;  // storage, as trace_
  std::size_t schedule_len_ = 0;
  RaceDetector race_;
  LockOrderDetector lock_order_;
  ExecutionResult result_;
  Scenario* scenario_ = nullptr;
  std::unique_ptr<Scenario> owned_scenario_;  // when the info has no `construct`
  void* scenario_storage_ = nullptr;          // reused by every execution
  Strategy* strategy_ = nullptr;
  std::uint64_t runnable_ = 0;   // bit t: thread t is runnable
  std::uint64_t wait_seq_ = 0;
  int data_run_ = 0;             // Shared<T> accesses since the last scheduling point
  bool race_seen_ = false;       // a data race was found by an earlier execution
  std::uint8_t phase_ = 0;       // ExecutionSnapshot::Phase of the execution in progress
  int current_ = 0;              // running thread; n_ = main context
  int last_ = 0;                 // who switched to the current context
  // The state every operation tests first, in one word so the common case
  // is one compare (Flags::kQuietRunning).
  struct Flags {
    bool in_threads = false;   // scenario threads are running (not ctor/check())
    bool aborting = false;     // the execution is being unwound
    bool data_points = false;  // this execution: Shared<T> accesses are points
    bool unused = false;
    // In threads, not aborting, Shared<T> accesses not points.
    static constexpr std::uint32_t kQuietRunning = std::bit_cast<std::uint32_t>(
        std::array<bool, 4>{true, false, false, false});
    std::uint32_t word() const { return std::bit_cast<std::uint32_t>(*this); }
  };
  static_assert(sizeof(Flags) == 4);
  Flags flags_;
};

}  // namespace tangle::detail
