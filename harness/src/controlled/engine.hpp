// The controlled engine: deterministic execution of one scenario.
//
// Exactly one scenario thread runs at a time, each on its own fiber (see
// fiber_stacks.hpp). Every synchronization operation first calls schedule():
// the strategy picks which runnable thread performs the next operation. Given
// the same picks (and data choices) the execution is identical, so
// (scenario, params, schedule) is a complete replay token and trace_hash is
// stable.
//
// Threads: the scenario's fixed threads 0..n-1, then any started at run time
// (spawn_thread, tangle::Thread), numbered in start order, up to
// kMaxScenarioThreads alive per execution; sets of threads are ThreadSets (no
// fixed width). Each thread has a pending operation (what it will do when it
// next runs), which the strategy sees at every decision.
//
// Primitive semantics come from model/primitives.hpp (shared with every
// engine); this engine adds the scheduling points, blocking by fiber switch,
// the trace and the detectors.
//
// Shared<T> accesses are recorded and race-checked but, by default, are not
// scheduling points until a data race has been seen (Granularity below).
//
// Detectors observe what each operation did (detectors/detectors.hpp):
// happens-before and data races (HappensBeforeObserver), lock-order
// inversions (LockOrderObserver). The scheduler itself finds deadlock (no
// runnable thread while some are blocked; the wait-for cycle is read off the
// owners), the model the exact misuses (self_deadlock, unlock_not_owner,
// semaphore_overrelease); and invariant checks, a step bound (livelock) and
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

#include "controlled/baton.hpp"
#include "controlled/fiber_stacks.hpp"
#include "detectors/detectors.hpp"
#include "detectors/happens_before.hpp"
#include "detectors/lock_order.hpp"
#include "model/address_objects.hpp"
#include "model/events.hpp"
#include "model/finding.hpp"
#include "model/primitives.hpp"
#include "object_names.hpp"
#include "strategies/strategy.hpp"
#include "tangle/detail/runtime.hpp"
#include "tangle/report/model.hpp"
#include "tangle/scenario.hpp"

namespace tangle::detail {

struct ExecutionResult {
  std::vector<RawFinding> findings;
  std::uint64_t steps = 0;      // instrumented operations (the livelock bound counts these)
  std::uint64_t points = 0;     // scheduling points among them
  std::uint64_t decisions = 0;  // schedule entries: picks where two or more could run, and data choices
  std::uint64_t switches = 0;   // fiber switches, the main context's included
  // The strategy's new_execution said the search is over: nothing ran (an
  // exhaustive strategy explored everything; the run loop stops).
  bool search_over = false;
};

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

// What scenario threads run on (issue 11 item 2).
//
// `fibers` (default): every scenario thread is a fiber on the engine's own OS
// thread (fiber_stacks.hpp): a switch is a few register moves. Cost: the
// threads share one OS thread's thread_local variables, errno and every
// library's per-thread state.
// `threads`: every scenario thread is an OS thread passing a baton
// (baton.hpp), exactly one running at a time, so thread_local, errno and
// TLS-using libraries are per scenario thread, as in the real program. A
// switch is a futex hand-off (~800 fiber switches). The scheduler is the
// same: the same seed gives the same schedule, trace and trace_hash on both
// (unless the scenario's own behaviour depends on thread_local state, which
// is what this substrate is for). Every execution's threads are new OS
// threads (baton.hpp, "Pool"), so thread_local state starts fresh in each
// execution as it does in each run of a real program (purity), and each has
// a stack of EngineOptions::stack_size with a guard: an overflow is reported
// as one, as on fibers.
enum class Substrate : std::uint8_t { fibers, threads };

struct EngineOptions {
  std::uint64_t max_steps = 100000;  // per execution; beyond it: livelock
  std::size_t stack_size = 256 * 1024;
  Granularity granularity = Granularity::sync;
  // The scenario races (the run's calibration saw a data race, runner.hpp):
  // `sync` granularity starts every execution with Shared<T> accesses as
  // points. Without it, an execution's first race makes its own remaining
  // accesses points; nothing carries over to the next execution (purity).
  bool race_seen = false;
  // POSIX and C++ let a condition-variable wait return without a notify: with
  // this on, every wait is also a data choice (recorded, replayed) between
  // waiting and waking spuriously at once.
  bool spurious_wakeups = false;
  Substrate substrate = Substrate::fibers;
};

struct ExecutionSnapshot;

// Hash of a trace: what happened, in order (see ControlledEngine::trace_hash).
std::uint64_t hash_trace(std::span<const TraceEntry> trace);

// An access is named by its trace index (4 bytes; the thread, operation and
// line are in the trace).
using TraceSite = std::uint32_t;

class ControlledEngine final : public Runtime, private DetectorHost<TraceSite> {
 public:
  ControlledEngine(const ScenarioInfo& info, const Params& params, EngineOptions options = {});
  ~ControlledEngine() override;

  const ExecutionResult& run(Strategy& strategy, const ExecutionStart& start);
  // The execution with seed `seed`, index 0 (tests).
  const ExecutionResult& run(Strategy& strategy, std::uint64_t seed) { return run(strategy, ExecutionStart{seed, 0, n_}); }

  // The last execution, for reports and replay tokens.
  std::span<const TraceEntry> trace() const { return {trace_.data(), trace_len_}; }
  // Hash of the last execution's trace: equal on every replay of it.
  std::uint64_t trace_hash() const;
  // The schedule of the last execution: one entry per pick (a thread) or data
  // choice (a value), in order (a copy: for tokens).
  std::vector<std::uint32_t> schedule() const {
    return {schedule_.begin(), schedule_.begin() + static_cast<std::ptrdiff_t>(schedule_len_)};
  }
  std::span<const std::uint32_t> schedule_view() const { return {schedule_.data(), schedule_len_}; }
  // Whether Shared<T> accesses were scheduling points from the start of the
  // last execution (a replay token records it; a race within it switches
  // them on at the same place in a replay).
  bool data_points() const { return start_data_points_; }
  void set_race_seen(bool seen) { race_seen_ = seen; }
  std::string object_name(ObjectId id) const override;
  // The scenario's fixed thread count; threads_started(): of the last (or
  // current) execution, run-time ones included.
  int threads() const { return n_; }
  int threads_started() const { return nthreads_; }

  // Copies the execution in progress into `out`, for a process about to die
  // (see snapshot.hpp). Async-signal-safe: loads, stores, memcpy; call it
  // only on the engine's own OS thread or, on the threads substrate, on the
  // scenario thread that holds the baton (a signal handler there): exactly
  // one of them runs at a time, and the hand-off orders their writes.
  void snapshot(ExecutionSnapshot& out) const noexcept;
  // Instrumented operations of the execution in progress (for a watchdog:
  // it does not move while scenario code runs without tangle operations).
  // A relaxed atomic load: on the threads substrate the watchdog's tick runs
  // on another OS thread than the one counting (bump_steps).
  std::uint64_t steps_in_progress() const noexcept { return __atomic_load_n(&result_.steps, __ATOMIC_RELAXED); }
  // The scenario thread whose stack guard (its fiber's, or on the threads
  // substrate its OS thread's) holds `address`, or -1.
  int stack_overflowed(const void* address) const noexcept {
    if (on_threads_) return baton_ ? baton_->guard_of(address) : -1;
    const int slot = stacks_.guard_page_of(address);
    return slot < nthreads_ ? slot : -1;
  }

  // Runtime
  ObjectId create_object(ObjectKind kind, const char* name, std::int64_t initial, Loc loc,
                         std::int64_t limit) override;
  void name_object(ObjectId id, std::string_view name) override;
  ObjectId object_at(const void* a, ObjectKind kind, Loc loc) override { return addresses_.object_at(*this, a, kind, loc); }
  void forget_address(const void* a, std::size_t size) override { addresses_.forget(a, size); }
  void memory_access(const void* a, std::size_t size, bool write, Loc loc) override {
    AddressObjects::memory_access(*this, a, size, write, loc);
  }
  int spawn_thread(ThreadBody* body, Loc loc) override;
  void join_thread(int thread, Loc loc, bool in_destructor) override;
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
  int thread_index() const override { return flags_.in_threads ? current_ : -1; }

 private:
  enum class Status : std::uint8_t { runnable, blocked, finished };
  static constexpr int kMain = -1;  // the main context (not a scenario thread)
  struct ThreadState {
    Status status = Status::runnable;
    ObjectId blocked_on = kNoObject;
    int joining = -1;             // blocked in join_thread on this thread
    Loc blocked_loc;
    std::uint64_t blocked_event = 0;  // trace index of its latest `blocked`
    bool notified = false;        // condvar: a notify picked this waiter
    bool joined = false;          // somebody joined it (a second join is a misuse)
    HeldLocks held;               // locks held, in acquisition order
    std::vector<int> joiners;     // threads blocked joining this one
    std::unique_ptr<ThreadBody> body;  // a thread started at run time
  };
  // The model's state plus what this engine keeps per object (the
  // detectors keep their own).
  struct ObjectState : model::ObjectState {
    std::vector<int> waiters;     // threads blocked on it (condvars: model queue instead)
  };

  static void fiber_entry(Transfer t);
  // Fibers: never returns (its final switch never comes back). Threads: returns
  // after BatonThreads::finish; the baton goes on once the entry returned.
  void thread_body(int index);
  // The threads substrate (EngineOptions::substrate): out of line, off the
  // fibers' path, which pays one branch on on_threads_ per switch.
  static void baton_entry(void* self, int index);
  [[gnu::noinline]] void baton_switch(int from, int to);
  [[gnu::noinline]] void baton_finish(int index, int next);
  Context& ctx(int thread) { return ctx_[static_cast<std::size_t>(thread + 1)]; }
  // Inline into every operation: a resumed fiber then returns straight to
  // scenario code. Each return after a switch is mispredicted (the return
  // stack holds the other fiber's calls), so every call level between the
  // operation and the jump costs ~5 ns per switch.
  [[gnu::always_inline]] void switch_to(int next) {
    last_ = current_;
    current_ = next;
    ++result_.switches;
    if (on_threads_) [[unlikely]] return baton_switch(last_, next);
    Transfer t = switch_fiber(stacks_.tsan_fiber(next), ctx(next), this);
    // Resumed: `last_` is whoever switched to us; keep its context.
    ctx(last_) = t.fctx;
  }
  // Who runs next. Inline fast path: one runnable thread needs no decision.
  // `running`: the current thread can go on (it is at a scheduling point,
  // not blocked or finished) — the caller knows, so decide() need not ask
  // the runnable set.
  [[gnu::always_inline]] int next_thread(bool yielded, bool running) {
    if (runnable_.count() <= 1) [[likely]] return runnable_.count() == 0 ? -1 : runnable_.first();
    return decide(yielded, running);
  }
  int decide(bool yielded, bool running);
  void record_choice(std::uint32_t value) {
    if (schedule_len_ == schedule_cap_) [[unlikely]] grow_schedule();
    schedule_[schedule_len_++] = value;
  }
  [[gnu::noinline]] void grow_schedule();
  int after_finish();
  // Entry of every operation; `op`/`o` become the thread's pending operation
  // (what strategies see it about to do). Returns false when the operation
  // must be a no-op: outside scenario threads (constructor, check()), or once
  // the execution is being aborted, for an operation in a destructor running
  // during the unwinding or a `releasing` one (unlock, release, set, notify,
  // atomic store, a join in a destructor): those run in destructors, where
  // throwing AbortExecution would call std::terminate. Any other operation
  // throws it.
  [[gnu::always_inline]] bool begin(EventOp op, ObjectId o, bool yielded = false, bool releasing = false) {
    if (!flags_.in_threads) [[unlikely]] return false;
    if (!flags_.aborting) [[likely]] {
      pending_[static_cast<std::size_t>(current_)] = {op, o};
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
    if (bump_steps() > options_.max_steps) [[unlikely]] return step_bound_exceeded(releasing);
    ++result_.points;
    data_run_ = 0;
    const int next = next_thread(yielded, true);
    if (next != current_) switch_to(next);
  }
  // ++result_.steps as a relaxed atomic store (steps_in_progress): a plain
  // load, add and store on x86, no locked instruction; atomic for TSan.
  [[gnu::always_inline]] std::uint64_t bump_steps() {
    const std::uint64_t n = result_.steps + 1;
    __atomic_store_n(&result_.steps, n, __ATOMIC_RELAXED);
    return n;
  }
  // A livelock finding; then throws AbortExecution, except at a releasing
  // operation (it may run in a destructor, where a throw would terminate):
  // that one only marks the execution aborted and becomes a no-op.
  void step_bound_exceeded(bool releasing);
  // Parks the running thread on object `o` (or, with `joining` >= 0, on that
  // thread's end) until somebody wakes it; `listed`: it goes on the object's
  // waiters (a condvar's waiters are the model's queue instead).
  void block_on(ObjectId o, Loc loc, bool listed = true);
  void block_on_join(int thread, Loc loc);
  // A blocked thread becomes runnable; the caller takes it off its object's
  // waiters.
  void wake(int thread) {
    ThreadState& t = threads_[static_cast<std::size_t>(thread)];
    t.status = Status::runnable;
    t.blocked_on = kNoObject;
    t.joining = -1;
    runnable_.insert(thread);
  }
  // Inline: on every unlock, release, set and barrier (out of line it was a
  // call per operation).
  [[gnu::always_inline]] void wake_all(ObjectState& o) {
    for (const int t : o.waiters) wake(t);
    o.waiters.clear();
  }
  // Appends to the trace: a bounds check and one store (std::vector's
  // push_back kept an out-of-line growth path on every operation).
  [[gnu::always_inline]] std::uint64_t record(EventOp op, ObjectId o, Loc loc, std::uint8_t order = 0) {
    if (trace_len_ == trace_cap_) [[unlikely]] grow_trace();
    trace_[trace_len_] = {o, static_cast<std::int16_t>(current_), op, order, loc};
    return trace_len_++;
  }
  [[gnu::noinline]] void grow_trace();
  std::uint64_t last_event() const { return trace_len_ - 1; }
  [[noreturn]] void abort_execution();
  ThreadState& me() { return threads_[static_cast<std::size_t>(current_)]; }
  ObjectState& obj(ObjectId id) { return objects_[id]; }

  // Findings: every one goes through add_finding (deduplicated per
  // execution); a data race also makes the rest of the execution's Shared<T>
  // accesses scheduling points (Granularity).
  void add_finding(RawFinding f);
  // DetectorHost: what the observers need of this engine (called through
  // the base, on finding paths only).
  DetectorHost<TraceSite>& host() { return *this; }
  void report(RawFinding f) override { add_finding(std::move(f)); }
  Loc site_loc(TraceSite site) const override { return trace_[site].loc; }
  bool site_event(TraceSite site, std::uint64_t& event) const override {
    event = site;
    return true;
  }
  bool last_event(std::uint64_t& event) const override {
    event = last_event();
    return true;
  }
  // A misuse at the operation just recorded: one finding for the running
  // thread at `loc` (and `also`, e.g. where a lock was first taken).
  void misuse(report::FindingKind kind, std::string message, Loc loc, const Loc* also = nullptr);
  [[gnu::always_inline]] void acquire_lock(ObjectId m, Loc loc, bool shared = false);
  [[gnu::always_inline]] void release_lock(ObjectState& o, ObjectId m, bool shared = false);
  [[gnu::always_inline]] void note_lock_order(ObjectId m, Loc loc) {
    const auto& held = me().held;
    if (!held.empty()) detectors_.lock_requested(current_, m, loc, held.span(), host());
  }
  [[noreturn]] void report_deadlock();
  std::string thread_name(int t) const;
  // Makes thread `index`'s fiber, state and clocks (fixed threads at the
  // start of an execution, the rest when spawned).
  void add_thread(int index, int parent);
  [[gnu::noinline]] void new_thread_slot(int index);

  const ScenarioInfo& info_;
  Params params_;
  EngineOptions options_;
  int n_;                           // the scenario's fixed threads
  bool on_threads_ = options_.substrate == Substrate::threads;
  FiberStacks stacks_;
  std::unique_ptr<BatonThreads> baton_;  // the threads substrate, made by the first run()
  std::vector<Context> ctx_ = std::vector<Context>(1);  // the main context, then one per thread
  // Per thread, storage reused by every execution: entries [0, nthreads_)
  // belong to the execution in progress.
  std::vector<ThreadState> threads_;
  int nthreads_ = 0;
  std::vector<PendingOp> pending_;  // by thread: its next operation
  std::vector<ObjectState> objects_;  // storage: entries are reused across executions
  NameTable names_;                   // name_object's copies
  AddressObjects addresses_;          // objects keyed by address (cleared per execution)
  std::size_t objects_len_ = 0;
  std::vector<TraceEntry> trace_;  // storage: its size is the capacity
  std::size_t trace_len_ = 0;
  std::size_t trace_cap_ = 0;      // trace_.size(), kept at hand
  std::vector<std::uint32_t> schedule_;  // storage, as trace_
  std::size_t schedule_len_ = 0;
  std::size_t schedule_cap_ = 0;         // schedule_.size(), kept at hand
  DetectorSet<HappensBeforeObserver<TraceSite>, LockOrderObserver> detectors_;
  ExecutionResult result_;
  Scenario* scenario_ = nullptr;
  std::unique_ptr<Scenario> owned_scenario_;  // when the info has no `construct`
  void* scenario_storage_ = nullptr;          // reused by every execution
  Strategy* strategy_ = nullptr;
  ThreadSet runnable_;
  // The strategy's view, built once: decide() sets the fields that change
  // per decision (the set and the pending operations are read in place;
  // add_thread re-points `pending` when its storage grows).
  Decision decision_{runnable_, -1, false, {}, 0};
  int data_run_ = 0;             // Shared<T> accesses since the last scheduling point
  bool race_seen_ = false;       // EngineOptions::race_seen, for the next executions
  bool start_data_points_ = false;  // flags_.data_points at the start of the execution
  std::uint8_t phase_ = 0;       // ExecutionSnapshot::Phase of the execution in progress
  int current_ = kMain;          // running thread, or kMain
  int last_ = kMain;             // who switched to the current context
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
