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
#include "object_names.hpp"
#include "source_path.hpp"

namespace tangle::detail {

using report::CycleEdge;
using report::FindingKind;

const char* to_string(EventOp op) {
  switch (op) {
    case EventOp::thread_start: return "start";
    case EventOp::thread_end: return "end";
    case EventOp::lock: return "lock";
    case EventOp::acquired: return "acquired";
    case EventOp::try_lock: return "try_lock";
    case EventOp::unlock: return "unlock";
    case EventOp::acquire: return "acquire";
    case EventOp::try_acquire: return "try_acquire";
    case EventOp::release: return "release";
    case EventOp::set: return "set";
    case EventOp::clear: return "clear";
    case EventOp::wait: return "wait";
    case EventOp::is_set: return "is_set";
    case EventOp::cv_wait: return "cv_wait";
    case EventOp::notify_one: return "notify_one";
    case EventOp::notify_all: return "notify_all";
    case EventOp::read: return "read";
    case EventOp::write: return "write";
    case EventOp::atomic_load: return "load";
    case EventOp::atomic_store: return "store";
    case EventOp::atomic_rmw: return "rmw";
    case EventOp::atomic_cas: return "cas";
    case EventOp::atomic_wait: return "atomic_wait";
    case EventOp::atomic_notify: return "atomic_notify";
    case EventOp::yield: return "yield";
    case EventOp::spin: return "spin";
    case EventOp::blocked: return "blocked";
    case EventOp::check_failed: return "check_failed";
  }
  return "?";
}

namespace {

constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

std::uint64_t fnv(std::uint64_t h, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    h ^= (v >> (8 * i)) & 0xff;
    h *= kFnvPrime;
  }
  return h;
}

}  // namespace

ControlledEngine::ControlledEngine(const ScenarioInfo& info, const Params& params,
                                   EngineOptions options)
    : info_(info), params_(params), options_(options), n_(info.thread_count(params)),
      stacks_(options.stack_size), race_seen_(options.race_seen) {
  if (n_ < 1 || n_ > 64) throw std::invalid_argument("a scenario needs 1 to 64 threads");
  if (info_.construct) scenario_storage_ = ::operator new(info_.size, std::align_val_t(info_.align));
  stacks_.reserve(n_);
  ctx_.resize(static_cast<std::size_t>(n_) + 1);
  threads_.resize(static_cast<std::size_t>(n_));
}

ControlledEngine::~ControlledEngine() {
  if (scenario_storage_) ::operator delete(scenario_storage_, std::align_val_t(info_.align));
}

// ---------------------------------------------------------------------------
// Executions and fibers

const ExecutionResult& ControlledEngine::run(Strategy& strategy, std::uint64_t seed) {
  strategy_ = &strategy;
  strategy.new_execution(seed, n_);
  result_.findings.clear();
  result_.steps = result_.points = result_.decisions = result_.switches = 0;
  flags_.data_points = options_.granularity == Granularity::all || race_seen_;
  data_run_ = 0;
  trace_len_ = 0;
  schedule_len_ = 0;
  objects_.clear();
  lock_order_.reset();
  race_.reset(n_);
  wait_seq_ = 0;
  flags_.aborting = false;
  flags_.in_threads = false;
  for (auto& t : threads_) {
    t.status = Status::runnable;
    t.blocked_on = kNoObject;
    t.notified = false;
    t.held.clear();
  }
  runnable_ = n_ == 64 ? ~0ULL : (1ULL << n_) - 1;
  phase_ = static_cast<std::uint8_t>(ExecutionSnapshot::Phase::construct);

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
    stacks_.tsan_begin_execution(n_);
    for (int i = 0; i < n_; ++i) ctx_[i] = stacks_.make(i, &ControlledEngine::fiber_entry);
    flags_.in_threads = true;
    current_ = n_;
    // The first pick is a decision too: who starts matters.
    switch_to(choose(false));
    // Back on the main context: every fiber has finished.
    flags_.in_threads = false;
    stacks_.tsan_end_execution(n_);
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
  std::uint64_t h = kFnvOffset;
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
  self->ctx_[self->last_] = t.fctx;
  self->thread_body(self->current_);
}

void ControlledEngine::thread_body(int index) {
  if (!flags_.aborting) {
    try {
      record(EventOp::thread_start, kNoObject, {});
      scenario_->thread(index);
      record(EventOp::thread_end, kNoObject, {});
    } catch (const AbortExecution&) {
    } catch (...) {
      add_finding({FindingKind::crash, threw_message(thread_name(index)), {index}, {}, {}, {}});
      flags_.aborting = true;
    }
  }
  threads_[index].status = Status::finished;
  runnable_ &= ~(1ULL << index);
  const int next = after_finish();
  last_ = index;
  current_ = next;
  ++result_.switches;
  switch_fiber(stacks_.tsan_fiber(next == n_ ? -1 : next), ctx_[next], this);
  __builtin_unreachable();  // a finished fiber is never resumed
}


// Who runs after a thread finished: the strategy's pick among the runnable;
// nobody runnable but somebody blocked is a deadlock; while aborting, every
// unfinished fiber in turn (to unwind it); then the main context.
int ControlledEngine::after_finish() {
  if (!flags_.aborting) {
    if (runnable_ != 0) return choose(false);
    for (const auto& t : threads_)
      if (t.status == Status::blocked) {
        try {
          report_deadlock();
        } catch (const AbortExecution&) {
        }
        break;
      }
  }
  if (flags_.aborting)
    for (int i = 0; i < n_; ++i)
      if (threads_[i].status != Status::finished) return i;
  return n_;
}

int ControlledEngine::decide(bool yielded) {
  const int cur = current_ < n_ && ((runnable_ >> current_) & 1) ? current_ : -1;
  const int pick = strategy_->pick(runnable_, cur, yielded);
  if (schedule_len_ == schedule_.size()) [[unlikely]] grow_schedule();
  schedule_[schedule_len_++] = static_cast<std::uint8_t>(pick);
  return pick;
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
  for (int i = 0; i < n_; ++i)
    if (threads_[i].status != Status::finished) running += (running.empty() ? "" : ", ") + std::to_string(i);
  RawFinding f{FindingKind::livelock,
               "the execution exceeded " + std::to_string(options_.max_steps) +
                   " operations without finishing (threads still running: " + running + ")",
               {current_}, {}, {}, {}};
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

void ControlledEngine::block_on(ObjectId o, Loc loc) {
  ThreadState& t = threads_[current_];
  t.status = Status::blocked;
  t.blocked_on = o;
  t.blocked_loc = loc;
  runnable_ &= ~(1ULL << current_);
  objects_[o].waiters |= 1ULL << current_;
  t.blocked_event = record(EventOp::blocked, o, loc);
  const int next = choose(false);
  if (next < 0) report_deadlock();
  switch_to(next);
  if (flags_.aborting) throw AbortExecution{};
}

void ControlledEngine::grow_schedule() {
  schedule_.resize(std::max<std::size_t>(256, 2 * schedule_.size()));
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
// Objects

ObjectId ControlledEngine::create_object(ObjectKind kind, const char* name, std::int64_t initial,
                                         Loc) {
  ObjectState o{kind, name};
  o.count = o.initial = initial;
  if (kind == ObjectKind::shared) o.var = race_.add_variable();
  objects_.push_back(o);
  return static_cast<ObjectId>(objects_.size() - 1);
}

std::string ControlledEngine::object_name(ObjectId id) const {
  if (id == kNoObject || id >= objects_.size()) return "";
  return display_name(objects_[id].kind, objects_[id].name, id);
}

std::string ControlledEngine::thread_name(int t) const { return thread_display_name(t); }

// ---------------------------------------------------------------------------
// Mutexes

inline void ControlledEngine::acquire_mutex(ObjectState& o, ObjectId m, Loc loc) {
  o.owner = current_;
  o.recursion = 1;
  threads_[current_].held.push_back({m, loc});
  race_.acquire(current_, sync_of(o));
}

inline void ControlledEngine::release_mutex(ObjectState& o, ObjectId m) {
  o.owner = -1;
  o.recursion = 0;
  auto& held = threads_[current_].held;
  // Usually the last one locked (LIFO).
  if (held.back().mutex == m) [[likely]] {
    held.pop_back();
  } else {
    for (std::size_t i = held.size() - 1; i-- > 0;)
      if (held[i].mutex == m) {
        held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
  }
  race_.release(current_, sync_of(o));
  wake_all(o);
}

void ControlledEngine::mutex_lock(ObjectId m, Loc loc) {
  if (!begin()) return;
  ObjectState& o = objects_[m];
  record(EventOp::lock, m, loc);
  if (o.owner == current_) {
    if (o.kind == ObjectKind::recursive_mutex) {
      ++o.recursion;
      return;
    }
    const auto& t = threads_[current_];
    Loc first = loc;
    for (const auto& h : t.held)
      if (h.mutex == m) first = h.loc;
    add_finding({FindingKind::self_deadlock,
                 thread_name(current_) + " locks " + object_name(m) +
                     " again while holding it (locked at " + location_string(first) +
                     "); a non-recursive mutex waits for itself forever",
                 {current_}, {loc, first}, {last_event()}, {}});
    abort_execution();
  }
  note_lock_order(m, loc);
  if (o.owner >= 0) {
    while (objects_[m].owner >= 0) block_on(m, loc);
    record(EventOp::acquired, m, loc);
  }
  acquire_mutex(objects_[m], m, loc);
}

bool ControlledEngine::mutex_try_lock(ObjectId m, Loc loc) {
  if (!begin()) return false;
  ObjectState& o = objects_[m];
  record(EventOp::try_lock, m, loc);
  if (o.owner == current_ && o.kind == ObjectKind::recursive_mutex) {
    ++o.recursion;
    return true;
  }
  if (o.owner >= 0) return false;  // held (by us, for a plain mutex: std says UB; we say no)
  acquire_mutex(o, m, loc);
  return true;
}

void ControlledEngine::mutex_unlock(ObjectId m, Loc loc) {
  if (!begin(false, true)) return;
  ObjectState& o = objects_[m];
  record(EventOp::unlock, m, loc);
  if (o.owner != current_) {
    add_finding({FindingKind::unlock_not_owner,
                 thread_name(current_) + " unlocks " + object_name(m) + ", which " +
                     (o.owner < 0 ? std::string("nobody holds")
                                  : "is held by " + thread_name(o.owner)),
                 {current_}, {loc}, {last_event()}, {}});
    flags_.aborting = true;  // no throw here: unlock often runs in a destructor
    return;
  }
  if (--o.recursion > 0) return;
  release_mutex(o, m);
}

void ControlledEngine::note_nested_lock(ObjectId m, Loc loc) {
  const ThreadState& t = threads_[current_];
  // Graph nodes are made on first nesting, held locks first: a node's initial
  // rank is its creation order, so the usual held→requested edge then agrees
  // with the order and costs no Pearce–Kelly reordering.
  for (const auto& h : t.held) node_of(objects_[h.mutex]);
  const int to = node_of(objects_[m]);
  lock_order_.on_request(
      current_, to, loc, t.held.size(),
      [&](std::size_t i) { return std::pair{node_of(objects_[t.held[i].mutex]), t.held[i].loc}; },
      [this](int node) { return node_name(node); },
      [this](LockOrderDetector::Inversion&& inv) {
        add_finding({FindingKind::lock_order_inversion, std::move(inv.message), std::move(inv.threads),
                     std::move(inv.locs), {last_event()}, std::move(inv.cycle)});
      });
  // Only edges now in the graph: a refused one (a cycle) must be looked at
  // again when another request closes it from elsewhere.
  for (const auto& h : t.held)
    if (h.mutex < 64 && lock_order_.has_edge(objects_[h.mutex].node, to))
      objects_[m].ordered_after |= 1ULL << h.mutex;
}

std::string ControlledEngine::node_name(int node) const {
  for (ObjectId id = 0; id < objects_.size(); ++id)
    if (objects_[id].node == node) return object_name(id);
  return "?";
}

// ---------------------------------------------------------------------------
// Semaphores and events

void ControlledEngine::semaphore_acquire(ObjectId s, Loc loc) {
  if (!begin()) return;
  record(EventOp::acquire, s, loc);
  if (objects_[s].count <= 0) {
    while (objects_[s].count <= 0) block_on(s, loc);
    record(EventOp::acquired, s, loc);
  }
  ObjectState& o = objects_[s];
  --o.count;
  race_.acquire(current_, sync_of(o));
}

bool ControlledEngine::semaphore_try_acquire(ObjectId s, Loc loc) {
  if (!begin()) return false;
  record(EventOp::try_acquire, s, loc);
  ObjectState& o = objects_[s];
  if (o.count <= 0) return false;
  --o.count;
  race_.acquire(current_, sync_of(o));
  return true;
}

void ControlledEngine::semaphore_release(ObjectId s, std::int64_t n, Loc loc) {
  if (!begin(false, true)) return;
  record(EventOp::release, s, loc);
  ObjectState& o = objects_[s];
  if (o.kind == ObjectKind::bounded_semaphore && o.count + n > o.initial) {
    add_finding({FindingKind::semaphore_overrelease,
                 thread_name(current_) + " releases " + object_name(s) + ", raising its count to " +
                     std::to_string(o.count + n) + " above its bound " + std::to_string(o.initial) +
                     ": it was released more often than acquired",
                 {current_}, {loc}, {last_event()}, {}});
    flags_.aborting = true;  // no throw here: release often runs in a destructor
    return;
  }
  o.count += n;
  race_.release(current_, sync_of(o));
  wake_all(o);
}

void ControlledEngine::event_set(ObjectId e, Loc loc) {
  if (!begin(false, true)) return;
  record(EventOp::set, e, loc);
  ObjectState& o = objects_[e];
  o.count = 1;
  race_.release(current_, sync_of(o));
  wake_all(o);
}

void ControlledEngine::event_clear(ObjectId e, Loc loc) {
  if (!begin(false, true)) return;
  record(EventOp::clear, e, loc);
  objects_[e].count = 0;
}

void ControlledEngine::event_wait(ObjectId e, Loc loc) {
  if (!begin()) return;
  record(EventOp::wait, e, loc);
  if (objects_[e].count == 0) {
    while (objects_[e].count == 0) block_on(e, loc);
    record(EventOp::acquired, e, loc);
  }
  race_.acquire(current_, sync_of(objects_[e]));
}

bool ControlledEngine::event_is_set(ObjectId e, Loc loc) {
  if (!begin()) return false;
  record(EventOp::is_set, e, loc);
  ObjectState& o = objects_[e];
  if (o.count == 0) return false;
  race_.acquire(current_, sync_of(o));
  return true;
}

// ---------------------------------------------------------------------------
// Condition variables

void ControlledEngine::condvar_wait(ObjectId cv, ObjectId m, Loc loc) {
  if (!begin()) return;
  record(EventOp::cv_wait, cv, loc);
  ObjectState& mo = objects_[m];
  if (mo.owner != current_) {
    add_finding({FindingKind::unlock_not_owner,
                 thread_name(current_) + " waits on " + object_name(cv) + " without holding " +
                     object_name(m),
                 {current_}, {loc}, {last_event()}, {}});
    abort_execution();
  }
  const int depth = mo.recursion;
  release_mutex(mo, m);
  ThreadState& t = threads_[current_];
  t.notified = false;
  t.wait_seq = ++wait_seq_;
  // No spurious wakeups: only a notify ends the wait.
  while (!threads_[current_].notified) block_on(cv, loc);
  while (objects_[m].owner >= 0) block_on(m, loc);
  record(EventOp::acquired, m, loc);
  acquire_mutex(objects_[m], m, loc);
  objects_[m].recursion = depth;
}

void ControlledEngine::condvar_notify(ObjectId cv, bool all, Loc loc) {
  if (!begin(false, true)) return;
  record(all ? EventOp::notify_all : EventOp::notify_one, cv, loc);
  // notify_one wakes the longest waiter (FIFO); who then gets the mutex first
  // is still the strategy's choice, which is what exposes if-instead-of-while.
  ObjectState& o = objects_[cv];
  int chosen = -1;
  for (std::uint64_t w = o.waiters; w != 0; w &= w - 1) {
    const int i = std::countr_zero(w);
    if (all) {
      threads_[i].notified = true;
      wake(i);
    } else if (chosen < 0 || threads_[i].wait_seq < threads_[chosen].wait_seq) {
      chosen = i;
    }
  }
  if (all) {
    o.waiters = 0;
  } else if (chosen >= 0) {
    threads_[chosen].notified = true;
    wake(chosen);
    o.waiters &= ~(1ULL << chosen);
  }
}

// ---------------------------------------------------------------------------
// Shared variables and atomics

// Not a scheduling point in the common case (Granularity): then only the step
// count, the trace and the race check, with no call on the way.
void ControlledEngine::shared_access(ObjectId v, bool write, Loc loc) {
  if (flags_.word() != Flags::kQuietRunning || ++data_run_ >= kDataRun ||
      result_.steps >= options_.max_steps) [[unlikely]]
    return shared_access_slow(v, write, loc);
  ++result_.steps;
  check_access(v, write, loc);
}

void ControlledEngine::shared_access_slow(ObjectId v, bool write, Loc loc) {
  if (!begin()) return;
  check_access(v, write, loc);
}

inline void ControlledEngine::check_access(ObjectId v, bool write, Loc loc) {
  // An execution's trace stays far below 2^32 events (max_steps bounds it).
  const auto ev = static_cast<std::uint32_t>(record(write ? EventOp::write : EventOp::read, v, loc));
  ObjectState& o = objects_[v];
  const bool race = write ? race_.write(current_, o.var, ev) : race_.read(current_, o.var, ev);
  if (race && !o.raced) [[unlikely]] report_race(o, v, race_.last_race());
}

void ControlledEngine::report_race(ObjectState& o, ObjectId v, const RaceDetector::Race& race) {
  o.raced = true;
  race_seen_ = true;  // the next executions schedule at Shared<T> accesses too
  auto access = [this](const RaceDetector::Access& a) {
    return thread_name(a.thread) + (a.write ? " writes" : " reads") + " at " +
           location_string(trace_[a.site].loc);
  };
  add_finding({FindingKind::data_race,
               "data race on " + object_name(v) + ": " + access(race.later) +
                   ", unordered with the earlier access: " + access(race.earlier),
               {race.earlier.thread, race.later.thread},
               {trace_[race.later.site].loc, trace_[race.earlier.site].loc},
               {race.earlier.site, race.later.site},
               {}});
}

void ControlledEngine::atomic_access(ObjectId a, AtomicOp op, Loc loc) {
  if (!begin(false, op != AtomicOp::load)) return;
  static constexpr EventOp kOps[] = {EventOp::atomic_load, EventOp::atomic_store,
                                     EventOp::atomic_rmw, EventOp::atomic_cas};
  record(kOps[static_cast<int>(op)], a, loc);
  // seq_cst: every atomic operation both acquires and releases.
  const int s = sync_of(objects_[a]);
  race_.acquire(current_, s);
  race_.release(current_, s);
}

void ControlledEngine::atomic_wait(ObjectId a, bool (*still_equal)(const void*), const void* ctx,
                                   Loc loc) {
  if (!begin()) return;
  record(EventOp::atomic_wait, a, loc);
  if (still_equal(ctx)) {
    while (still_equal(ctx)) block_on(a, loc);
    record(EventOp::acquired, a, loc);
  }
  race_.acquire(current_, sync_of(objects_[a]));
}

void ControlledEngine::atomic_notify(ObjectId a, bool, Loc loc) {
  if (!begin(false, true)) return;
  record(EventOp::atomic_notify, a, loc);
  // Waking every waiter is allowed (atomic waits may wake spuriously); each
  // re-checks its value.
  wake_all(objects_[a]);
}

void ControlledEngine::yield(bool spinning, Loc loc) {
  if (!begin(spinning)) return;
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
  out.data_points = flags_.data_points;
  out.current = flags_.in_threads && current_ < n_ ? current_ : -1;
  out.threads = n_;
  out.steps = result_.steps;
  out.trace_length = trace_len_;
  out.trace_hash = trace_hash();
  out.trace_stored = std::min<std::uint64_t>(trace_len_, out.trace_capacity);
  std::memcpy(out.trace(), trace_.data() + (trace_len_ - out.trace_stored),
              out.trace_stored * sizeof(TraceEntry));
  out.schedule_length = schedule_len_;
  if (out.schedule_complete()) std::memcpy(out.schedule(), schedule_.data(), schedule_len_);
  out.objects_total = objects_.size();
  const std::size_t objects = std::min<std::size_t>(objects_.size(), out.object_capacity);
  for (std::size_t i = 0; i < objects; ++i) out.objects()[i] = {objects_[i].name, objects_[i].kind};
  for (int t = 0; t < n_ && t < ExecutionSnapshot::kMaxThreads; ++t)
    out.thread_status[t] = static_cast<std::uint8_t>(threads_[t].status);
}

// ---------------------------------------------------------------------------
// Deadlock: no runnable thread while some are blocked.

void ControlledEngine::report_deadlock() {
  auto waits_for = [this](int t) {
    const ThreadState& s = threads_[t];
    if (s.status != Status::blocked || s.blocked_on == kNoObject) return -1;
    const ObjectState& o = objects_[s.blocked_on];
    return is_mutex(o.kind) ? o.owner : -1;
  };
  DeadlockDescription d = describe_deadlock(
      n_, waits_for, [this](int t) { return threads_[t].status == Status::blocked; },
      [this](int t) { return threads_[t].status == Status::finished; },
      [this](int t) {
        const ThreadState& s = threads_[t];
        std::string holds;
        for (const auto& h : s.held) holds += (holds.empty() ? "" : ", ") + object_name(h.mutex);
        return BlockedThread{holds, object_name(s.blocked_on), s.blocked_loc};
      });
  RawFinding f{FindingKind::deadlock, std::move(d.message), d.involved, std::move(d.locs), {}, std::move(d.cycle)};
  for (int t : d.involved) f.events.push_back(threads_[t].blocked_event);  // each one's own wait
  add_finding(std::move(f));
  abort_execution();
}

// ---------------------------------------------------------------------------

std::uint64_t finding_signature(report::FindingKind kind, std::span<const Loc> locs, std::string_view message) {
  std::uint64_t h = fnv(kFnvOffset, static_cast<std::uint64_t>(kind));
  for (const Loc& l : locs) {
    // The file's name, not its address: one header's name may sit at
    // different addresses in different translation units.
    for (const char* c = l.file_name(); *c != '\0'; ++c) h = fnv(h, static_cast<unsigned char>(*c));
    h = fnv(h, l.line());
  }
  // Without a source line (a crash) the message tells findings apart.
  if (locs.empty())
    for (char c : message) h = fnv(h, static_cast<unsigned char>(c));
  return h;
}

void ControlledEngine::add_finding(RawFinding f) {
  const std::uint64_t h = finding_signature(f.kind, f.locs, f.message);
  f.signature = h;
  for (const RawFinding& g : result_.findings)
    if (g.signature == h) return;  // once per execution
  result_.findings.push_back(std::move(f));
}

}  // namespace tangle::detail
