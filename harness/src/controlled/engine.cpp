#include "controlled/engine.hpp"

#include "detectors/deadlock.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <exception>
#include <new>
#include <typeinfo>

#include "controlled/snapshot.hpp"
#include "exceptions.hpp"
#include "isolation/crash_capture.hpp"
#include "model/misuse.hpp"
#include "object_names.hpp"
#include "source_path.hpp"

namespace tangle::detail {

using report::CycleEdge;
using report::FindingKind;

ControlledEngine::ControlledEngine(const ScenarioInfo& info, const Params& params,
                                   EngineOptions options)
    : info_(info), params_(params), options_(options), n_(info.thread_count(params)),
      stacks_(options.stack_size), race_seen_(options.race_seen) {
  if (n_ < 1 || n_ > kMaxScenarioThreads)
    throw std::invalid_argument("a scenario needs 1 to " + std::to_string(kMaxScenarioThreads) + " threads");
  if (info_.construct) scenario_storage_ = ::operator new(info_.size, std::align_val_t(info_.align));
  stacks_.reserve(n_);
  runnable_.reserve(n_);
}

ControlledEngine::~ControlledEngine() {
  if (scenario_storage_) ::operator delete(scenario_storage_, std::align_val_t(info_.align));
}

// ---------------------------------------------------------------------------
// Executions and fibers

// A thread slot never used before (the storage only grows).
void ControlledEngine::new_thread_slot(int index) {
  threads_.emplace_back();
  pending_.emplace_back();
  decision_.pending = pending_;
  ctx_.emplace_back();
  stacks_.reserve(index + 1);
}

// Inline: run() starts every fixed thread through it, once per thread and
// execution (out of line, its call and frame were a fifth of its cost).
inline void ControlledEngine::add_thread(int index, int parent) {
  const auto i = static_cast<std::size_t>(index);
  if (i == threads_.size()) [[unlikely]] new_thread_slot(index);
  ++nthreads_;
  // The slot's storage is reused: its vectors keep their capacity (a fresh
  // vector per thread and execution was a malloc and a free on every
  // thread's first lock, ~6% of counter/locked).
  ThreadState& t = threads_[i];
  t.status = Status::runnable;
  t.blocked_on = kNoObject;
  t.joining = -1;
  t.notified = false;
  t.joined = false;
  t.held.clear();
  t.joiners.clear();
  t.body.reset();
  pending_[i] = {EventOp::thread_start, kNoObject};
  if (on_threads_) [[unlikely]] {
    baton_->start(index, &ControlledEngine::baton_entry, this);
  } else {
    stacks_.tsan_ensure(index + 1);
    ctx_[i + 1] = stacks_.make(index, &ControlledEngine::fiber_entry);
  }
  detectors_.thread_started(index, parent);
  runnable_.insert(index);
}

const ExecutionResult& ControlledEngine::run(Strategy& strategy, const ExecutionStart& start) {
  strategy_ = &strategy;
  result_.findings.clear();
  result_.steps = result_.points = result_.decisions = result_.switches = 0;
  result_.search_over = !strategy.new_execution(start);
  if (result_.search_over) return result_;
  flags_.data_points = start_data_points_ = options_.granularity == Granularity::all || race_seen_;
  data_run_ = 0;
  trace_len_ = 0;
  schedule_len_ = 0;
  objects_len_ = 0;
  addresses_.clear();
  detectors_.reset();
  flags_.aborting = false;
  flags_.in_threads = false;
  nthreads_ = 0;
  runnable_.clear();
  phase_ = static_cast<std::uint8_t>(ExecutionSnapshot::Phase::construct);
  if (on_threads_ && !baton_) [[unlikely]] {
    BatonThreads::Options baton;
    baton.stack_size = options_.stack_size;
    baton_ = std::make_unique<BatonThreads>(baton);
  }

  Runtime* outer = current_runtime_or_null();
  set_current_runtime(this);
  bool constructed = false;
  try {
    if (info_.construct) {
      scenario_ = info_.construct(scenario_storage_, params_);
    } else {
      owned_scenario_ = info_.make(params_);
      scenario_ = owned_scenario_.get();
    }
    constructed = true;
  } catch (...) {
    add_finding({FindingKind::crash, threw_message("the scenario's constructor"), {}, {}, {}, {}});
  }
  if (constructed) {
    phase_ = static_cast<std::uint8_t>(ExecutionSnapshot::Phase::threads);
    const FpControl fp = fp_control();
    if (!on_threads_) stacks_.tsan_begin_execution(n_);
    for (int i = 0; i < n_; ++i) add_thread(i, -1);
    flags_.in_threads = true;
    current_ = kMain;
    // The first pick is a decision too: who starts matters.
    switch_to(next_thread(false, false));
    // Back on the main context: every fiber has finished.
    flags_.in_threads = false;
    if (on_threads_) {
      baton_->reap();  // this execution's OS threads end with it
    } else {
      stacks_.tsan_end_execution(nthreads_);
    }
    restore_fp_control(fp);
    phase_ = static_cast<std::uint8_t>(ExecutionSnapshot::Phase::check);
    if (!flags_.aborting) {
      try {
        scenario_->check();
      } catch (...) {
        add_finding({FindingKind::crash, threw_message("check()"), {}, {}, {}, {}});
      }
    }
  }
  if (owned_scenario_) {
    owned_scenario_.reset();
  } else if (constructed) {
    scenario_->~Scenario();
  }
  scenario_ = nullptr;
  // Threads started at run time that never ran (an abort) still own their
  // closures (the fixed threads have none).
  for (int t = n_; t < nthreads_; ++t) threads_[static_cast<std::size_t>(t)].body.reset();
  set_current_runtime(outer);
  result_.decisions = schedule_len_;
  strategy.end_execution(result_.decisions);
  return result_;
}

// trace_hash: what happened, in order — thread, operation, object, line —
// never addresses, so it is the same in every process and build of the same
// source. One multiply-xorshift round per event; computed on demand, since
// only executions with findings (and tests) need it.
std::uint64_t ControlledEngine::trace_hash() const { return hash_trace(trace()); }

std::uint64_t hash_trace(std::span<const TraceEntry> trace) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const TraceEntry& e : trace) {
    const std::uint64_t word = static_cast<std::uint64_t>(static_cast<std::uint16_t>(e.thread)) << 48 |
                               static_cast<std::uint64_t>(e.op) << 40 |
                               ((static_cast<std::uint64_t>(e.loc.line()) << 20) ^ e.object);
    h = (h ^ word) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
  }
  return h;
}

void ControlledEngine::fiber_entry(Transfer t) {
  auto* self = static_cast<ControlledEngine*>(t.data);
  self->ctx(self->last_) = t.fctx;
  self->thread_body(self->current_);
  __builtin_unreachable();  // a fiber's thread_body never returns
}

// The threads substrate. Each scenario thread runs on its own pooled OS
// thread, which needs what the engine's own thread has: the current Runtime
// (thread_local), and in an isolated child an alternate signal stack and the
// mark that its crash is the scenario's (crash_capture.hpp).
void ControlledEngine::baton_entry(void* arg, int index) {
  auto* self = static_cast<ControlledEngine*>(arg);
  crash_capture::enter_scenario_thread();
  crash_capture::note_running_thread();
  set_current_runtime(self);
  self->thread_body(index);
  set_current_runtime(nullptr);
}

// Returns holding the baton again: this thread runs scenario (or engine)
// code from here on, so the parent's report signal is to come here.
void ControlledEngine::baton_switch(int from, int to) {
  baton_->pass(from, to);
  crash_capture::note_running_thread();
}

// The thread's last act: the baton goes to `next` once its entry has returned.
void ControlledEngine::baton_finish(int index, int next) { baton_->finish(index, next); }

void ControlledEngine::thread_body(int index) {
  if (!flags_.aborting) {
    try {
      record(EventOp::thread_start, kNoObject, {});
      if (index < n_) {
        scenario_->thread(index);
      } else {
        threads_[static_cast<std::size_t>(index)].body->run();
      }
      record(EventOp::thread_end, kNoObject, {});
    } catch (const AbortExecution&) {
    } catch (...) {
      add_finding({FindingKind::crash, threw_message(thread_name(index)), {index}, {}, {}, {}});
      flags_.aborting = true;
    }
  }
  // The closure's captures die here, on its own thread, as they would with
  // std::thread; a tangle operation in one of their destructors still runs.
  try {
    threads_[static_cast<std::size_t>(index)].body.reset();
  } catch (...) {
  }
  ThreadState& me = threads_[static_cast<std::size_t>(index)];
  me.status = Status::finished;
  runnable_.erase(index);
  // Joiners go on; the join's happens-before edge is theirs to take. Only
  // those still blocked: a joiner unwound by an abort has finished already,
  // and waking it would switch to its dead fiber.
  for (const int j : me.joiners)
    if (threads_[static_cast<std::size_t>(j)].status == Status::blocked) wake(j);
  me.joiners.clear();
  const int next = after_finish();
  last_ = index;
  current_ = next;
  ++result_.switches;
  if (on_threads_) [[unlikely]] return baton_finish(index, next);
  switch_fiber(stacks_.tsan_fiber(next), ctx(next), this);
  __builtin_unreachable();  // a finished fiber is never resumed
}

// Who runs after a thread finished: the strategy's pick among the runnable;
// nobody runnable but somebody blocked is a deadlock; while aborting, every
// unfinished fiber in turn (to unwind it); then the main context.
int ControlledEngine::after_finish() {
  if (!flags_.aborting) {
    if (!runnable_.empty()) return next_thread(false, false);
    for (int i = 0; i < nthreads_; ++i)
      if (threads_[static_cast<std::size_t>(i)].status == Status::blocked) {
        try {
          report_deadlock();
        } catch (const AbortExecution&) {
        }
        break;
      }
  }
  if (flags_.aborting)
    for (int i = 0; i < nthreads_; ++i)
      if (threads_[static_cast<std::size_t>(i)].status != Status::finished) return i;
  return kMain;
}

int ControlledEngine::decide(bool yielded, bool running) {
  decision_.current = running ? current_ : -1;
  decision_.yielded = yielded;
  decision_.index = schedule_len_;
  const int pick = strategy_->pick(decision_);
  record_choice(static_cast<std::uint32_t>(pick));
  return pick;
}

std::uint64_t ControlledEngine::choose(std::uint64_t n, Loc loc) {
  if (n <= 1 || !flags_.in_threads || flags_.aborting) return 0;
  const std::uint64_t value = strategy_->choose(n);
  record_choice(static_cast<std::uint32_t>(value));
  record(EventOp::choose, static_cast<ObjectId>(value), loc);
  return value;
}

// An operation while the execution is being aborted: a destructor running
// during the unwinding does nothing; anything else means scenario code
// swallowed the AbortExecution, so it is thrown again.
bool ControlledEngine::abort_pending(bool releasing) {
  if (releasing || std::uncaught_exceptions() > 0) return false;
  throw AbortExecution{};
}

void ControlledEngine::step_bound_exceeded(bool releasing) {
  std::string running;
  for (int i = 0; i < nthreads_; ++i)
    if (threads_[static_cast<std::size_t>(i)].status != Status::finished)
      running += (running.empty() ? "" : ", ") + std::to_string(i);
  RawFinding f{FindingKind::livelock, model::step_bound_message(options_.max_steps, running), {current_}, {}, {}, {}};
  if (trace_len_ > 0) {
    f.locs.push_back(trace_[last_event()].loc);
    f.events.push_back(last_event());
  }
  add_finding(std::move(f));
  if (releasing) {
    flags_.aborting = true;
    return;
  }
  abort_execution();
}

void ControlledEngine::block_on(ObjectId o, Loc loc, bool listed) {
  ThreadState& t = me();
  t.status = Status::blocked;
  t.blocked_on = o;
  t.blocked_loc = loc;
  runnable_.erase(current_);
  if (listed) objects_[o].waiters.push_back(current_);
  t.blocked_event = record(EventOp::blocked, o, loc);
  const int next = next_thread(false, false);
  if (next < 0) report_deadlock();
  switch_to(next);
  if (flags_.aborting) throw AbortExecution{};
}

void ControlledEngine::block_on_join(int thread, Loc loc) {
  ThreadState& t = me();
  t.status = Status::blocked;
  t.joining = thread;
  t.blocked_loc = loc;
  runnable_.erase(current_);
  threads_[static_cast<std::size_t>(thread)].joiners.push_back(current_);
  t.blocked_event = record(EventOp::blocked, static_cast<ObjectId>(thread), loc);
  const int next = next_thread(false, false);
  if (next < 0) report_deadlock();
  switch_to(next);
  if (flags_.aborting) throw AbortExecution{};
}

void ControlledEngine::grow_schedule() {
  schedule_.resize(std::max<std::size_t>(256, 2 * schedule_.size()));
  schedule_cap_ = schedule_.size();
}

void ControlledEngine::grow_trace() {
  trace_.resize(std::max<std::size_t>(256, 2 * trace_.size()));
  trace_cap_ = trace_.size();
}

void ControlledEngine::abort_execution() {
  flags_.aborting = true;
  throw AbortExecution{};
}

// ---------------------------------------------------------------------------
// Threads started at run time

int ControlledEngine::spawn_thread(ThreadBody* body, Loc loc) {
  std::unique_ptr<ThreadBody> owned(body);
  if (!flags_.in_threads) {
    // The constructor or check(): there is no scenario thread to start it from.
    if (!flags_.aborting)
      add_finding({FindingKind::crash,
                   "a tangle::Thread was started outside the scenario's threads (in its constructor or check())",
                   {}, {loc}, {}, {}});
    return -1;
  }
  if (!begin(EventOp::spawn, kNoObject)) return -1;
  const int index = nthreads_;
  if (index >= kMaxScenarioThreads) {
    record(EventOp::spawn, kNoObject, loc);
    misuse(FindingKind::crash,
           thread_name(current_) + " starts more than " + std::to_string(kMaxScenarioThreads) +
               " threads in one execution",
           loc);
    abort_execution();
  }
  record(EventOp::spawn, static_cast<ObjectId>(index), loc);
  add_thread(index, current_);
  threads_[static_cast<std::size_t>(index)].body = std::move(owned);
  return index;
}

void ControlledEngine::join_thread(int thread, Loc loc, bool in_destructor) {
  if (!begin(EventOp::join, static_cast<ObjectId>(thread), false, in_destructor)) return;
  record(EventOp::join, static_cast<ObjectId>(thread), loc);
  model::BadJoin why = model::BadJoin::none;
  if (thread < 0 || thread >= nthreads_) {
    why = model::BadJoin::not_started;
  } else if (thread == current_) {
    why = model::BadJoin::self;
  } else if (threads_[static_cast<std::size_t>(thread)].joined) {
    why = model::BadJoin::already_joined;
  }
  if (why != model::BadJoin::none) {
    misuse(FindingKind::invariant_violation, model::bad_join_message(thread_name(current_), thread_name(thread), why),
           loc);
    return;
  }
  ThreadState& target = threads_[static_cast<std::size_t>(thread)];
  target.joined = true;
  if (target.status != Status::finished) {
    while (threads_[static_cast<std::size_t>(thread)].status != Status::finished) block_on_join(thread, loc);
    record(EventOp::acquired, static_cast<ObjectId>(thread), loc);
  }
  detectors_.thread_joined(current_, thread);
}

// ---------------------------------------------------------------------------
// Objects

ObjectId ControlledEngine::create_object(ObjectKind kind, const char* name, std::int64_t initial, Loc,
                                         std::int64_t limit) {
  if (objects_len_ == objects_.size()) objects_.emplace_back();
  ObjectState& o = objects_[objects_len_];
  // Reused storage: the vectors keep their capacity (no allocation per
  // object and execution once a scenario has run).
  model::reset_object(o, kind, name, initial, limit);
  o.waiters.clear();
  const auto id = static_cast<ObjectId>(objects_len_++);
  detectors_.object_created(id, kind);
  return id;
}

void ControlledEngine::name_object(ObjectId id, std::string_view name) {
  if (id != kNoObject && id < objects_len_) objects_[id].name = names_.intern(name);
}

std::string ControlledEngine::object_name(ObjectId id) const {
  if (id == kNoObject || id >= objects_len_) return "";
  return display_name(objects_[id].kind, objects_[id].name, id);
}

std::string ControlledEngine::thread_name(int t) const { return thread_display_name(t); }

// ---------------------------------------------------------------------------
// Findings at an operation

void ControlledEngine::misuse(FindingKind kind, std::string message, Loc loc, const Loc* also) {
  RawFinding f{kind, std::move(message), {current_}, {loc}, {last_event()}, {}};
  if (also != nullptr) f.locs.push_back(*also);
  add_finding(std::move(f));
}

void ControlledEngine::add_finding(RawFinding f) {
  // The rest of this execution schedules at Shared<T> accesses too, so the
  // lost update a race allows is explored (the same place in a replay).
  if (f.kind == FindingKind::data_race) flags_.data_points = true;
  const std::uint64_t h = finding_signature(f.kind, f.locs, f.message, f.object);
  f.signature = h;
  for (const RawFinding& g : result_.findings)
    if (g.signature == h) return;  // once per execution
  result_.findings.push_back(std::move(f));
}

// ---------------------------------------------------------------------------
// Locks: mutexes (plain, recursive) and rwlocks. The model decides; here the
// held list, happens-before, lock order and waking.

// Readers-writer locks (C++ [thread.sharedmutex.requirements]): unlock()
// synchronizes with lock() and lock_shared(); unlock_shared() only with a
// later lock(), never with another reader's lock_shared(). So readers release
// into their own clock, which only a writer acquires.
inline void ControlledEngine::acquire_lock(ObjectId m, Loc loc, bool shared) {
  me().held.push({m, shared, loc});
  detectors_.lock_acquired(current_, m, shared);
}

inline void ControlledEngine::release_lock(ObjectState& o, ObjectId m, bool shared) {
  me().held.drop(m, shared);
  detectors_.lock_released(current_, m, shared);
  wake_all(o);
}

void ControlledEngine::mutex_lock(ObjectId m, Loc loc) {
  if (!begin(EventOp::lock, m)) return;
  record(EventOp::lock, m, loc);
  switch (model::lock(obj(m), current_)) {
    case model::Lock::recursed: return;
    case model::Lock::self_deadlock: {
      const Loc first = me().held.first_locked(m, loc);
      misuse(FindingKind::self_deadlock, model::self_deadlock_message(thread_name(current_), object_name(m), first),
             loc, &first);
      abort_execution();
    }
    case model::Lock::acquired: break;
    case model::Lock::busy:
      note_lock_order(m, loc);
      do block_on(m, loc);
      while (model::lock(obj(m), current_) == model::Lock::busy);
      record(EventOp::acquired, m, loc);
      acquire_lock(m, loc);
      return;
  }
  note_lock_order(m, loc);
  acquire_lock(m, loc);
}

bool ControlledEngine::mutex_try_lock(ObjectId m, Loc loc) {
  if (!begin(EventOp::try_lock, m)) return false;
  record(EventOp::try_lock, m, loc);
  switch (model::try_lock(obj(m), current_)) {
    case model::Lock::recursed: return true;
    case model::Lock::acquired: acquire_lock(m, loc); return true;
    case model::Lock::busy:
    case model::Lock::self_deadlock: return false;
  }
  return false;
}

void ControlledEngine::mutex_unlock(ObjectId m, Loc loc) {
  if (!begin(EventOp::unlock, m, false, true)) return;
  record(EventOp::unlock, m, loc);
  ObjectState& o = obj(m);
  const int owner = o.owner;
  switch (model::unlock(o, current_)) {
    case model::Unlock::still_held: return;
    case model::Unlock::released: release_lock(o, m); return;
    case model::Unlock::not_owner:
      misuse(FindingKind::unlock_not_owner,
             model::unlock_not_owner_message(thread_name(current_), object_name(m),
                                             owner < 0 ? std::string() : thread_name(owner)),
             loc);
      flags_.aborting = true;  // no throw here: unlock often runs in a destructor
      return;
  }
}

void ControlledEngine::rwlock_lock(ObjectId l, bool shared, Loc loc) {
  const EventOp op = shared ? EventOp::lock_shared : EventOp::lock;
  if (!begin(op, l)) return;
  record(op, l, loc);
  const bool reading = me().held.holds_shared(l);
  switch (model::rw_lock(obj(l), current_, shared, reading)) {
    case model::Lock::self_deadlock: {
      const Loc first = me().held.first_locked(l, loc);
      misuse(FindingKind::self_deadlock, model::self_deadlock_message(thread_name(current_), object_name(l), first),
             loc, &first);
      abort_execution();
    }
    case model::Lock::recursed:
    case model::Lock::acquired: break;
    case model::Lock::busy:
      note_lock_order(l, loc);
      do block_on(l, loc);
      while (model::rw_lock(obj(l), current_, shared, reading) == model::Lock::busy);
      record(EventOp::acquired, l, loc);
      acquire_lock(l, loc, shared);
      return;
  }
  note_lock_order(l, loc);
  acquire_lock(l, loc, shared);
}

bool ControlledEngine::rwlock_try_lock(ObjectId l, bool shared, Loc loc) {
  const EventOp op = shared ? EventOp::try_lock_shared : EventOp::try_lock;
  if (!begin(op, l)) return false;
  record(op, l, loc);
  if (model::rw_try_lock(obj(l), current_, shared, me().held.holds_shared(l)) != model::Lock::acquired) return false;
  acquire_lock(l, loc, shared);
  return true;
}

void ControlledEngine::rwlock_unlock(ObjectId l, bool shared, Loc loc) {
  const EventOp op = shared ? EventOp::unlock_shared : EventOp::unlock;
  if (!begin(op, l, false, true)) return;
  record(op, l, loc);
  ObjectState& o = obj(l);
  const int owner = o.owner;
  if (model::rw_unlock(o, current_, shared, me().held.holds_shared(l)) == model::Unlock::released) {
    release_lock(o, l, shared);
    return;
  }
  misuse(FindingKind::unlock_not_owner,
         shared ? model::unlock_shared_not_reader_message(thread_name(current_), object_name(l))
                : model::unlock_not_owner_message(thread_name(current_), object_name(l),
                                                  owner < 0 ? std::string() : thread_name(owner)),
         loc);
  flags_.aborting = true;  // no throw: unlock often runs in a destructor
}

// ---------------------------------------------------------------------------
// Semaphores and events

void ControlledEngine::semaphore_acquire(ObjectId s, Loc loc) {
  if (!begin(EventOp::acquire, s)) return;
  record(EventOp::acquire, s, loc);
  if (!model::try_acquire(obj(s))) {
    do block_on(s, loc);
    while (!model::try_acquire(obj(s)));
    record(EventOp::acquired, s, loc);
  }
  detectors_.acquired(current_, s);
}

bool ControlledEngine::semaphore_try_acquire(ObjectId s, Loc loc) {
  if (!begin(EventOp::try_acquire, s)) return false;
  record(EventOp::try_acquire, s, loc);
  if (!model::try_acquire(obj(s))) return false;
  detectors_.acquired(current_, s);
  return true;
}

void ControlledEngine::semaphore_release(ObjectId s, std::int64_t n, Loc loc) {
  if (!begin(EventOp::release, s, false, true)) return;
  record(EventOp::release, s, loc);
  ObjectState& o = obj(s);
  if (model::release(o, n) == model::Release::overrelease) {
    misuse(FindingKind::semaphore_overrelease,
           model::overrelease_message(thread_name(current_), object_name(s), o.count + n, o.limit), loc);
    flags_.aborting = true;  // no throw here: release often runs in a destructor
    return;
  }
  detectors_.released(current_, s);
  wake_all(o);
}

void ControlledEngine::event_set(ObjectId e, Loc loc) {
  if (!begin(EventOp::set, e, false, true)) return;
  record(EventOp::set, e, loc);
  ObjectState& o = obj(e);
  model::set(o);
  detectors_.released(current_, e);
  wake_all(o);
}

void ControlledEngine::event_clear(ObjectId e, Loc loc) {
  if (!begin(EventOp::clear, e, false, true)) return;
  record(EventOp::clear, e, loc);
  model::clear(obj(e));
}

void ControlledEngine::event_wait(ObjectId e, Loc loc) {
  if (!begin(EventOp::wait, e)) return;
  record(EventOp::wait, e, loc);
  if (!model::is_set(obj(e))) {
    do block_on(e, loc);
    while (!model::is_set(obj(e)));
    record(EventOp::acquired, e, loc);
  }
  detectors_.acquired(current_, e);
}

bool ControlledEngine::event_is_set(ObjectId e, Loc loc) {
  if (!begin(EventOp::is_set, e)) return false;
  record(EventOp::is_set, e, loc);
  if (!model::is_set(obj(e))) return false;
  detectors_.acquired(current_, e);
  return true;
}

// ---------------------------------------------------------------------------
// Condition variables

void ControlledEngine::condvar_wait(ObjectId cv, ObjectId m, Loc loc) {
  if (!begin(EventOp::cv_wait, cv)) return;
  record(EventOp::cv_wait, cv, loc);
  ObjectState& mo = obj(m);
  if (mo.owner != current_) {
    misuse(FindingKind::unlock_not_owner,
           model::wait_without_mutex_message(thread_name(current_), object_name(cv), object_name(m)), loc);
    abort_execution();
  }
  const int depth = mo.recursion;
  mo.owner = -1;
  mo.recursion = 0;
  release_lock(mo, m);
  // A spurious wake-up is a data choice (1: wake without a notify).
  const bool spurious = options_.spurious_wakeups && choose(2, loc) == 1;
  if (!spurious) {
    me().notified = false;
    model::enqueue_waiter(obj(cv), current_);
    while (!me().notified) block_on(cv, loc, false);
  }
  while (model::lock(obj(m), current_) == model::Lock::busy) block_on(m, loc);
  obj(m).recursion = depth;
  record(EventOp::acquired, m, loc);
  acquire_lock(m, loc);
}

void ControlledEngine::condvar_notify(ObjectId cv, bool all, Loc loc) {
  if (!begin(all ? EventOp::notify_all : EventOp::notify_one, cv, false, true)) return;
  record(all ? EventOp::notify_all : EventOp::notify_one, cv, loc);
  model::notify(obj(cv), all, [this](int t) {
    threads_[static_cast<std::size_t>(t)].notified = true;
    wake(t);
  });
}

// ---------------------------------------------------------------------------
// Barriers, latches, once-flags

void ControlledEngine::barrier_arrive_and_wait(ObjectId b, Loc loc) {
  if (!begin(EventOp::arrive, b)) return;
  record(EventOp::arrive, b, loc);
  ObjectState& o = obj(b);
  const std::uint64_t phase = model::arrive(o);
  detectors_.barrier_arrived(current_, b, phase);
  if (model::phase_done(o, phase)) {
    wake_all(o);
  } else {
    do block_on(b, loc);
    while (!model::phase_done(obj(b), phase));
    record(EventOp::acquired, b, loc);
  }
  // Each party acquires its own phase's arrivals (happens_before.hpp: a
  // faster party's arrival at the next phase goes to the other clock).
  detectors_.barrier_passed(current_, b, phase);
}

void ControlledEngine::latch_count_down(ObjectId l, std::int64_t n, bool wait, Loc loc) {
  const EventOp op = n > 0 ? EventOp::arrive : EventOp::wait;
  if (!begin(op, l, false, n > 0 && !wait)) return;
  record(op, l, loc);
  ObjectState& o = obj(l);
  if (n > 0) {
    const std::int64_t left = o.count;
    detectors_.released(current_, l);
    switch (model::count_down(o, n)) {
      case model::CountDown::below_zero:
        misuse(FindingKind::invariant_violation,
               model::latch_below_zero_message(thread_name(current_), object_name(l), n, left), loc);
        [[fallthrough]];
      case model::CountDown::reached_zero: wake_all(o); break;
      case model::CountDown::counted: break;
    }
  }
  if (!wait) return;
  if (!model::latch_open(obj(l))) {
    do block_on(l, loc);
    while (!model::latch_open(obj(l)));
    record(EventOp::acquired, l, loc);
  }
  detectors_.acquired(current_, l);
}

bool ControlledEngine::once_begin(ObjectId o, Loc loc) {
  if (!begin(EventOp::once_begin, o)) return false;
  record(EventOp::once_begin, o, loc);
  for (;;) {
    switch (model::once_begin(obj(o), current_)) {
      // An active execution starts after the previous one (that threw)
      // completed: C++ [thread.once.callonce] orders them, so it acquires too.
      case model::Once::run: detectors_.acquired(current_, o); return true;
      case model::Once::done: detectors_.acquired(current_, o); return false;
      case model::Once::self_deadlock:
        misuse(FindingKind::self_deadlock, model::once_reentered_message(thread_name(current_), object_name(o)), loc);
        abort_execution();
      case model::Once::busy: block_on(o, loc); break;
    }
  }
}

void ControlledEngine::once_end(ObjectId o, bool completed, Loc loc) {
  if (!begin(EventOp::once_end, o, false, true)) return;
  record(EventOp::once_end, o, loc);
  model::once_end(obj(o), completed);
  detectors_.released(current_, o);
  wake_all(obj(o));
}

// ---------------------------------------------------------------------------
// Shared variables and atomics

// Not a scheduling point in the common case (Granularity): then only the step
// count, the trace and the race check, with no call on the way.
void ControlledEngine::shared_access(ObjectId v, bool write, Loc loc) {
  if (flags_.word() != Flags::kQuietRunning || ++data_run_ >= kDataRun ||
      result_.steps >= options_.max_steps) [[unlikely]]
    return shared_access_slow(v, write, loc);
  bump_steps();
  check_access(v, write, loc);
}

void ControlledEngine::shared_access_slow(ObjectId v, bool write, Loc loc) {
  if (!begin(write ? EventOp::write : EventOp::read, v)) return;
  check_access(v, write, loc);
}

inline void ControlledEngine::check_access(ObjectId v, bool write, Loc loc) {
  // An execution's trace stays far below 2^32 events (max_steps bounds it).
  const auto ev = static_cast<std::uint32_t>(record(write ? EventOp::write : EventOp::read, v, loc));
  (void)detectors_.access(current_, v, write, ev, host());
}

void ControlledEngine::atomic_access(ObjectId a, AtomicOp op, MemoryOrder order, Loc loc) {
  static constexpr EventOp kOps[] = {EventOp::atomic_load, EventOp::atomic_store, EventOp::atomic_rmw,
                                     EventOp::atomic_cas};
  const EventOp e = kOps[static_cast<int>(op)];
  if (!begin(e, a, false, op != AtomicOp::load)) return;
  record(e, a, loc, static_cast<std::uint8_t>(order));
  // seq_cst whatever the order (MemoryOrder): every atomic operation both
  // acquires and releases.
  detectors_.acquired_released(current_, a);
}

void ControlledEngine::atomic_wait(ObjectId a, bool (*still_equal)(const void*), const void* ctx,
                                   Loc loc) {
  if (!begin(EventOp::atomic_wait, a)) return;
  record(EventOp::atomic_wait, a, loc);
  if (still_equal(ctx)) {
    while (still_equal(ctx)) block_on(a, loc);
    record(EventOp::acquired, a, loc);
  }
  detectors_.acquired(current_, a);
}

void ControlledEngine::atomic_notify(ObjectId a, bool, Loc loc) {
  if (!begin(EventOp::atomic_notify, a, false, true)) return;
  record(EventOp::atomic_notify, a, loc);
  // Waking every waiter is allowed (atomic waits may wake spuriously); each
  // re-checks its value.
  wake_all(obj(a));
}

void ControlledEngine::yield(bool spinning, Loc loc) {
  if (!begin(spinning ? EventOp::spin : EventOp::yield, kNoObject, spinning)) return;
  record(spinning ? EventOp::spin : EventOp::yield, kNoObject, loc);
}

void ControlledEngine::check_failed(const std::string& message, Loc loc) {
  if (flags_.aborting && std::uncaught_exceptions() > 0) return;
  std::uint64_t ev = 0;
  if (flags_.in_threads) {
    ev = record(EventOp::check_failed, kNoObject, loc);
  } else {
    // check(): after the threads; the event closes the trace.
    const int running = current_;
    current_ = -1;
    ev = record(EventOp::check_failed, kNoObject, loc);
    current_ = running;
  }
  add_finding({FindingKind::invariant_violation, message,
               flags_.in_threads ? std::vector<int>{current_} : std::vector<int>{}, {loc}, {ev}, {}});
}

// ---------------------------------------------------------------------------
// Snapshot of the execution in progress (a signal handler in an isolated
// child calls this): plain copies only, see snapshot.hpp.

void ControlledEngine::snapshot(ExecutionSnapshot& out) const noexcept {
  out.phase = static_cast<ExecutionSnapshot::Phase>(phase_);
  out.data_points = start_data_points_;
  out.current = flags_.in_threads && current_ >= 0 ? current_ : -1;
  out.threads = nthreads_;
  out.steps = result_.steps;
  out.trace_length = trace_len_;
  out.trace_hash = trace_hash();
  out.trace_stored = std::min<std::uint64_t>(trace_len_, out.trace_capacity);
  std::memcpy(out.trace(), trace_.data() + (trace_len_ - out.trace_stored),
              out.trace_stored * sizeof(TraceEntry));
  out.schedule_length = schedule_len_;
  if (out.schedule_complete()) std::memcpy(out.schedule(), schedule_.data(), schedule_len_ * sizeof(std::uint32_t));
  out.objects_total = objects_len_;
  const std::size_t objects = std::min<std::size_t>(objects_len_, out.object_capacity);
  for (std::size_t i = 0; i < objects; ++i) out.objects()[i] = {objects_[i].name, objects_[i].kind};
  for (std::size_t t = 0; t < static_cast<std::size_t>(nthreads_) && t < ExecutionSnapshot::kMaxThreads; ++t)
    out.thread_status[t] = static_cast<std::uint8_t>(threads_[t].status);
}

// ---------------------------------------------------------------------------
// Deadlock: no runnable thread while some are blocked. Wait-for edges: a
// thread blocked on a lock waits for its writer/owner; one blocked in a join
// waits for the joined thread.

void ControlledEngine::report_deadlock() {
  auto waits_for = [this](int t) {
    const ThreadState& s = threads_[static_cast<std::size_t>(t)];
    if (s.status != Status::blocked) return -1;
    if (s.joining >= 0) return s.joining;
    if (s.blocked_on == kNoObject) return -1;
    const ObjectState& o = objects_[s.blocked_on];
    return model::is_lock(o.kind) ? o.owner : -1;
  };
  DeadlockDescription d = describe_deadlock(
      nthreads_, waits_for,
      [this](int t) { return threads_[static_cast<std::size_t>(t)].status == Status::blocked; },
      [this](int t) { return threads_[static_cast<std::size_t>(t)].status == Status::finished; },
      [this](int t) {
        const ThreadState& s = threads_[static_cast<std::size_t>(t)];
        std::string holds;
        for (const auto& h : s.held) holds += (holds.empty() ? "" : ", ") + object_name(h.lock);
        return BlockedThread{holds, s.joining >= 0 ? "the end of " + thread_name(s.joining) : object_name(s.blocked_on),
                             s.blocked_loc};
      });
  RawFinding f{FindingKind::deadlock, std::move(d.message), d.involved, std::move(d.locs), {}, std::move(d.cycle)};
  for (int t : d.involved) f.events.push_back(threads_[static_cast<std::size_t>(t)].blocked_event);  // each one's own wait
  add_finding(std::move(f));
  abort_execution();
}

}  // namespace tangle::detail
