#include "stress/stress_engine.hpp"

#include "exceptions.hpp"
#include "isolation/crash_capture.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <typeinfo>

#include "detectors/deadlock.hpp"
#include "model/misuse.hpp"
#include "object_names.hpp"
#include "source_path.hpp"

namespace tangle::detail {

using report::CycleEdge;
using report::FindingKind;

namespace {

constexpr ObjectId kNone = 0xffffffffu;

std::string loc_text(const Loc& l) { return l.line() == 0 ? "" : location_string(l); }

}  // namespace

// One scenario thread. Fields above `ops` are guarded by the engine's mu_;
// `ops` and `last_loc` are written only by the thread itself and read by the
// watchdog (relaxed: a progress counter, not a synchronization).
struct StressEngine::Worker {
  StressEngine* engine = nullptr;
  int index = 0;
  Status status = Status::running;
  ObjectId blocked_on = kNone;
  int join_target = -1;           // blocked in join_thread: the thread it waits for
  Loc blocked_loc;
  bool notified = false;          // condvar: a notify picked this waiter
  bool joined = false;            // spawned: somebody joined (or is joining) it
  std::uint64_t wait_seq = 0;     // mutex waiters: who is woken first
  HeldLocks held;                 // locks held, in acquisition order
  ObjectId pending_acquire = kNone;  // deferred acquire of an atomic's release
  std::unique_ptr<ThreadBody> body;  // spawned threads: what they run
  std::thread os;                 // the OS thread (joined by run())
  std::condition_variable cv;
  Perturber perturb;              // the thread's own
  alignas(64) std::atomic<std::uint64_t> ops{0};
  // The last operation's line, for hang reports (two words, read racily: a
  // torn pair only mislabels a report line, never a decision).
  std::atomic<const char*> last_file{nullptr};
  std::atomic<std::uint32_t> last_line{0};

  Loc last_loc() const {
    const char* file = last_file.load(std::memory_order_relaxed);
    return file == nullptr ? Loc{} : Loc{file, last_line.load(std::memory_order_relaxed)};
  }
  void reset(std::uint64_t seed, std::uint32_t gap, bool starved) {
    status = Status::running;
    blocked_on = kNone;
    join_target = -1;
    notified = joined = false;
    held.clear();
    pending_acquire = kNone;
    ops.store(0, std::memory_order_relaxed);
    last_file.store(nullptr, std::memory_order_relaxed);
    last_line.store(0, std::memory_order_relaxed);
    perturb.reset(seed, gap, starved);
  }
};

namespace {
thread_local StressEngine::Worker* tls_worker = nullptr;
}

StressEngine::StressEngine(const ScenarioInfo& info, const Params& params,
                           StressEngineOptions options)
    : info_(info), params_(params), options_(options), n_(info.thread_count(params)) {
  if (n_ < 1 || n_ > kMaxScenarioThreads)
    throw std::invalid_argument("a scenario needs 1 to " + std::to_string(kMaxScenarioThreads) + " threads");
  for (int i = 0; i < n_; ++i) {
    fixed_.push_back(std::make_unique<Worker>());
    fixed_.back()->engine = this;
    fixed_.back()->index = i;
  }
}

StressEngine::~StressEngine() {
  for (Worker* w : workers_)
    if (w->os.joinable()) w->os.join();
}

int StressEngine::thread_index() const {
  const Worker* w = tls_worker;
  return w != nullptr && w->engine == this ? w->index : -1;
}

// ---------------------------------------------------------------------------
// Executions

const StressExecution& StressEngine::run(std::uint64_t seed) {
  if (result_.unjoinable)
    throw std::logic_error("stress engine reused after an unjoinable execution");
  // The execution's perturbation profile: density and the starved subset.
  Rng rng(seed);
  static constexpr std::uint32_t kGaps[] = {1, 3, 10, 40, 300};
  {
    // Before mu_: addresses_mu_ is always taken first (object_at → create_object).
    std::lock_guard<std::mutex> addresses(addresses_mu_);
    addresses_.clear();
  }
  {
    Lock lk(mu_);
    for (Worker* w : workers_)
      if (w->os.joinable()) w->os.join();  // a previous execution's (already finished)
    objects_.clear();
    detectors_.reset();
    for (int i = 0; i < n_; ++i) detectors_.thread_started(i, -1);
    result_ = {};
    spawned_.clear();
    workers_.clear();
    gap_ = kGaps[rng.below(5)];
    for (auto& w : fixed_) {
      const bool starved = n_ > 1 && rng.below(2) == 0;
      w->reset(rng.next(), gap_, starved);
      workers_.push_back(w.get());
    }
    rng_.reseed(rng.next());
    live_ = n_;
    finished_ = 0;
    blocked_ = 0;
    wait_seq_ = 0;
  }
  aborting_.store(false);
  go_.store(false);
  published_ = 0;

  Runtime* outer = current_runtime_or_null();
  set_current_runtime(this);
  try {
    scenario_ = info_.make(params_);
  } catch (...) {
    Lock lk(mu_);
    add_finding(FindingKind::crash, threw_message("the scenario's constructor"), {}, {});
  }
  if (scenario_) {
    int started = 0;
    try {
      for (; started < n_; ++started) fixed_[started]->os = std::thread(&StressEngine::worker_main, this,
                                                                        std::ref(*fixed_[started]));
    } catch (...) {
      // Out of threads: let the ones started run into the abort, then fail.
      {
        Lock lk(mu_);
        start_abort();
      }
      go_.store(true);
      go_.notify_all();
      for (int i = 0; i < started; ++i) fixed_[i]->os.join();
      scenario_.reset();
      set_current_runtime(outer);
      throw;
    }
    // Every fixed thread is created before any runs: they start together.
    go_.store(true);
    go_.notify_all();
    watch();
    if (result_.unjoinable) {
      // A thread still runs scenario code: it keeps the scenario and this
      // engine alive for good (see the header).
      // A copy: a stuck thread may still spawn (workers_ grows under mu_).
      Lock lk(mu_);
      const std::vector<Worker*> all = workers_;
      for (Worker* w : all) {
        if (!w->os.joinable()) continue;
        if (w->status == Status::finished) {
          lk.unlock();
          w->os.join();
          lk.lock();
        } else {
          w->os.detach();
        }
      }
      (void)scenario_.release();
    } else {
      // live_ == 0: nobody spawns any more, workers_ is final.
      for (Worker* w : workers_)
        if (w->os.joinable()) w->os.join();
      if (!aborting_.load()) {
        try {
          scenario_->check();
        } catch (...) {
          Lock lk(mu_);
          add_finding(FindingKind::crash, threw_message("check()"), {}, {});
        }
      }
      scenario_.reset();
    }
  }
  set_current_runtime(outer);
  {
    Lock lk(mu_);
    result_.operations = operations();
  }
  publish_findings();
  return result_;
}

void StressEngine::worker_main(Worker& w) {
  const crash_capture::ThreadAltStack alt_stack;  // a stack overflow is still a crash finding
  set_current_runtime(this);
  tls_worker = &w;
  // Fixed threads start together; a spawned one starts at once (its spawner
  // made it fully before creating the OS thread).
  if (w.body == nullptr) go_.wait(false);
  try {
    if (w.body != nullptr) w.body->run();
    else scenario_->thread(w.index);
  } catch (const AbortExecution&) {
  } catch (...) {
    Lock lk(mu_);
    add_finding(FindingKind::crash, threw_message(thread_name(w.index)), {w.index}, {});
    start_abort();
  }
  // The body is destroyed after it returned (thread.hpp's contract), on the
  // thread that ran it: its destructor may use tangle primitives.
  try {
    w.body.reset();
  } catch (...) {
  }
  finish(w);
  tls_worker = nullptr;
  set_current_runtime(nullptr);
}

void StressEngine::finish(Worker& w) {
  Lock lk(mu_);
  w.status = Status::finished;
  --live_;
  ++finished_;
  for (Worker* j : workers_)
    if (j->status == Status::blocked && j->join_target == w.index) wake(*j);
  // The last running thread left: whoever still waits waits forever.
  if (!aborting_.load() && live_ > 0 && blocked_ == live_) {
    report_deadlock();
    start_abort();
  }
  driver_cv_.notify_all();
}

// Called under mu_.
std::uint64_t StressEngine::operations() const {
  std::uint64_t sum = 0;
  for (const Worker* w : workers_) sum += w->ops.load(std::memory_order_relaxed);
  return sum;
}

// The watchdog, on the driver thread: publishes findings, detects a stall
// (no operation for watchdog_ms), an overlong execution, and threads that do
// not unwind after an abort.
void StressEngine::watch() {
  using Clock = std::chrono::steady_clock;
  const auto watchdog = std::chrono::milliseconds(options_.watchdog_ms);
  const auto start = Clock::now();
  auto last_progress = start;
  std::uint64_t last_mark = 0;
  bool abort_seen = false;
  Lock lk(mu_);
  for (;;) {
    if (live_ == 0) return;
    driver_cv_.wait_for(lk, std::chrono::milliseconds(5));
    if (live_ == 0) return;
    lk.unlock();
    publish_findings();
    if (on_tick) on_tick();
    lk.lock();
    const auto now = Clock::now();
    const std::uint64_t mark = operations() + static_cast<std::uint64_t>(finished_);
    if (mark != last_mark) {
      last_mark = mark;
      last_progress = now;
    }
    if (aborting_.load() && !abort_seen) {
      abort_seen = true;
      last_progress = now;  // give the unwinding a full watchdog period
    }
    if (now - last_progress < watchdog) {
      if (!abort_seen && options_.execution_timeout_ms > 0 &&
          now - start >= std::chrono::milliseconds(options_.execution_timeout_ms)) {
        std::string running;
        std::vector<int> threads;
        for (const Worker* w : workers_)
          if (w->status != Status::finished) {
            running += (running.empty() ? "" : ", ") + std::to_string(w->index);
            threads.push_back(w->index);
          }
        add_finding(FindingKind::livelock,
                    "the execution ran for more than " +
                        std::to_string(options_.execution_timeout_ms) +
                        " ms while still making progress (threads still running: " + running + ")",
                    threads, {});
        start_abort();
      }
      continue;
    }
    if (!abort_seen) {
      report_stall(false, options_.watchdog_ms);
      start_abort();
      continue;
    }
    // Aborted, yet some thread made no progress for a whole period: it runs
    // outside tangle primitives and cannot be unwound.
    report_stall(true, options_.watchdog_ms);
    result_.unjoinable = true;
    return;
  }
}

// Called under mu_. `after_abort`: the execution was already aborted and the
// threads still running did not come back to a tangle operation.
void StressEngine::report_stall(bool after_abort, std::int64_t ms) {
  std::vector<int> running;
  for (const Worker* w : workers_)
    if (w->status == Status::running) running.push_back(w->index);
  if (running.empty()) {
    if (!after_abort) report_deadlock();
    return;
  }
  RawFinding f;
  f.kind = FindingKind::hang;
  std::string text;
  for (int t : running) {
    const Loc last = workers_[t]->last_loc();
    f.threads.push_back(t);
    if (last.line() != 0) f.locs.push_back(last);
    text += (text.empty() ? "" : "; ") + thread_name(t) + " runs outside tangle primitives" +
            (last.line() != 0 ? " (last operation at " + location_string(last) + ")" : " (no operation yet)");
  }
  for (const Worker* w : workers_) {
    if (w->status != Status::blocked) continue;
    f.threads.push_back(w->index);
    f.cycle.push_back({w->index, held_names(*w), wanted_name(*w), waits_for(w->index), loc_text(w->blocked_loc)});
    text += "; " + thread_name(w->index) + " waits for " + wanted_name(*w) + " at " + loc_text(w->blocked_loc);
  }
  f.message = after_abort ? "a thread did not stop within " + std::to_string(ms) +
                                " ms after the execution was aborted: " + text
                          : "no progress for " + std::to_string(ms) + " ms: " + text;
  // One hang per execution: the second (after the abort) replaces nothing.
  for (const auto& g : result_.findings)
    if (g.kind == FindingKind::hang) return;
  add_finding(std::move(f));
}

void StressEngine::publish_findings() {
  if (!on_finding) return;
  std::vector<RawFinding> fresh;
  {
    Lock lk(mu_);
    for (std::size_t i = published_; i < result_.findings.size(); ++i)
      fresh.push_back(result_.findings[i]);
    published_ = result_.findings.size();
  }
  for (const auto& f : fresh) on_finding(f);
}

// ---------------------------------------------------------------------------
// Operation entry, blocking, waking

// Entry of every operation: nullptr means "no-op" (outside scenario threads,
// in a destructor while an aborted execution unwinds, or a releasing
// operation — unlock, release, set, notify, atomic store, once_end, a join
// from a destructor — after an abort: those run in destructors, where
// throwing would call std::terminate).
StressEngine::Worker* StressEngine::enter(Loc loc, bool releasing) {
  Worker* w = tls_worker;
  if (w == nullptr || w->engine != this) return nullptr;
  if (aborting_.load(std::memory_order_relaxed)) [[unlikely]] {
    if (releasing || std::uncaught_exceptions() > 0) return nullptr;
    throw AbortExecution{};  // scenario code swallowed the unwinding; resume it
  }
  w->ops.store(w->ops.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  w->last_file.store(loc.file, std::memory_order_relaxed);  // raw: a pc stays a pc
  w->last_line.store(loc.line(), std::memory_order_relaxed);
  if (options_.perturb) w->perturb.point();
  return w;
}

bool StressEngine::block_on(Lock& lk, Worker& w, ObjectId o, Loc loc, bool nothrow) {
  const auto stop = [&] {
    if (nothrow) return false;
    throw AbortExecution{};
  };
  if (aborting_.load()) return stop();
  w.status = Status::blocked;
  w.blocked_on = o;
  w.blocked_loc = loc;
  ++blocked_;
  if (deadlocked(w.index)) {
    report_deadlock();
    start_abort();
  }
  while (w.status == Status::blocked && !aborting_.load()) w.cv.wait(lk);
  if (w.status == Status::blocked) {
    w.status = Status::running;
    w.blocked_on = kNone;
    --blocked_;
  }
  if (aborting_.load()) return stop();
  return true;
}

void StressEngine::wake(Worker& w) {
  if (w.status != Status::blocked) return;
  w.status = Status::running;
  w.blocked_on = kNone;
  --blocked_;
  w.cv.notify_one();
}

void StressEngine::wake_all(ObjectId o) {
  for (Worker* w : workers_)
    if (w->status == Status::blocked && w->blocked_on == o) wake(*w);
}

// A released mutex needs one waiter awake: it takes the mutex or, if another
// thread barged in first, blocks again until that one's unlock wakes it.
void StressEngine::wake_one_waiter(ObjectId o) {
  Worker* pick = nullptr;
  for (Worker* w : workers_)
    if (w->status == Status::blocked && w->blocked_on == o && (pick == nullptr || w->wait_seq < pick->wait_seq))
      pick = w;
  if (pick != nullptr) wake(*pick);
}

void StressEngine::start_abort() {
  aborting_.store(true);
  for (Worker* w : workers_) w->cv.notify_all();
  driver_cv_.notify_all();
}

void StressEngine::abort_execution(Lock&) {
  start_abort();
  throw AbortExecution{};
}

void StressEngine::apply_pending(Worker& w) {
  if (w.pending_acquire == kNone) return;
  detectors_.acquired(w.index, w.pending_acquire);
  w.pending_acquire = kNone;
}

// ---------------------------------------------------------------------------
// Objects and threads

ObjectId StressEngine::create_object(ObjectKind kind, const char* name, std::int64_t initial, Loc,
                                     std::int64_t limit) {
  Lock lk(mu_);
  Object o;
  o.state = model::make_object(kind, name, initial, limit);
  objects_.push_back(std::move(o));
  const auto id = static_cast<ObjectId>(objects_.size() - 1);
  detectors_.object_created(id, kind);
  return id;
}

void StressEngine::name_object(ObjectId id, std::string_view name) {
  Lock lk(mu_);
  if (id != kNone && id < objects_.size()) objects_[id].state.name = names_.intern(name);
}

std::string StressEngine::object_name(ObjectId id) const {
  if (id == kNone || id >= objects_.size()) return "";
  return display_name(objects_[id].state.kind, objects_[id].state.name, id);
}

std::string StressEngine::thread_name(int t) { return thread_display_name(t); }

// A spawn: the child gets the next dense index, the spawner's history (a
// fork edge), its own perturbation stream from the execution's RNG, and an
// OS thread. Made under mu_ so that the index, workers_ and the clocks agree
// for every other thread at once.
int StressEngine::spawn_thread(ThreadBody* body, Loc loc) {
  std::unique_ptr<ThreadBody> owned(body);
  Worker* parent = enter(loc);
  if (parent == nullptr) {
    if (tls_worker == nullptr || tls_worker->engine != this)
      throw std::logic_error("tangle::Thread started outside a scenario thread (in a constructor or check())");
    throw AbortExecution{};  // during unwinding: nothing new starts
  }
  Lock lk(mu_);
  apply_pending(*parent);
  if (live_ >= kMaxScenarioThreads) {
    add_finding(FindingKind::crash,
                thread_name(parent->index) + " starts a thread while " + std::to_string(live_) +
                    " are alive: tangle runs at most " + std::to_string(kMaxScenarioThreads) + " at once",
                {parent->index}, {loc});
    abort_execution(lk);
  }
  auto child = std::make_unique<Worker>();
  Worker& c = *child;
  c.engine = this;
  c.index = static_cast<int>(workers_.size());
  c.reset(rng_.next(), gap_, rng_.below(2) == 0);
  c.body = std::move(owned);
  detectors_.thread_started(c.index, parent->index);
  workers_.push_back(&c);
  spawned_.push_back(std::move(child));
  ++live_;
  try {
    c.os = std::thread(&StressEngine::worker_main, this, std::ref(c));
  } catch (const std::system_error& e) {
    c.status = Status::finished;
    c.joined = true;
    --live_;
    ++finished_;
    add_finding(FindingKind::crash, thread_name(parent->index) + " could not start a thread: " + e.what(),
                {parent->index}, {loc});
    abort_execution(lk);
  }
  return c.index;
}

void StressEngine::join_thread(int thread, Loc loc, bool in_destructor) {
  Worker* w = enter(loc, in_destructor);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  model::BadJoin why = model::BadJoin::none;
  if (thread == w->index) why = model::BadJoin::self;
  else if (thread < n_ || thread >= static_cast<int>(workers_.size())) why = model::BadJoin::not_started;
  else if (workers_[thread]->joined) why = model::BadJoin::already_joined;
  if (why != model::BadJoin::none) {
    add_finding(FindingKind::invariant_violation,
                model::bad_join_message(thread_name(w->index), thread_name(thread), why), {w->index}, {loc});
    return;  // nothing to wait for
  }
  Worker& t = *workers_[thread];
  t.joined = true;
  w->join_target = thread;
  while (t.status != Status::finished)
    if (!block_on(lk, *w, kNone, loc, in_destructor)) break;
  w->join_target = -1;
  if (t.status == Status::finished) detectors_.thread_joined(w->index, thread);
}

// ---------------------------------------------------------------------------
// Locks: mutexes and rwlocks. A lock's success acquires (for a writer both
// of a rwlock's clocks, for a reader the writers' only), an unlock releases
// into the clock of its side.

void StressEngine::on_locked(Worker& w, ObjectId l, Loc loc, bool shared) {
  w.held.push({l, shared, loc});
  detectors_.lock_acquired(w.index, l, shared);
}

void StressEngine::on_unlocked(Worker& w, ObjectId l, bool shared) {
  Object& o = objects_[l];
  w.held.drop(l, shared);
  detectors_.lock_released(w.index, l, shared);
  // A rwlock's waiters may be many readers: all of them re-check.
  if (o.state.kind == ObjectKind::rwlock) wake_all(l);
  else wake_one_waiter(l);
}

bool StressEngine::holds_shared(const Worker& w, ObjectId l) const {
  return w.held.holds_shared(l);
}

void StressEngine::self_deadlock(Lock& lk, Worker& w, ObjectId l, Loc loc) {
  const Loc first = w.held.first_locked(l, loc);
  add_finding(FindingKind::self_deadlock, model::self_deadlock_message(thread_name(w.index), object_name(l), first),
              {w.index}, {loc, first});
  abort_execution(lk);
}

// No throw: unlock often runs in a destructor.
void StressEngine::not_owner(Worker& w, ObjectId l, Loc loc, bool shared) {
  const int owner = state(l).owner;
  add_finding(FindingKind::unlock_not_owner,
              shared ? model::unlock_shared_not_reader_message(thread_name(w.index), object_name(l))
                     : model::unlock_not_owner_message(thread_name(w.index), object_name(l),
                                                       owner >= 0 ? thread_name(owner) : ""),
              {w.index}, {loc});
  start_abort();
}

void StressEngine::mutex_lock(ObjectId m, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  model::Lock r = model::lock(state(m), w->index);
  if (r == model::Lock::recursed) return;
  if (r == model::Lock::self_deadlock) self_deadlock(lk, *w, m, loc);
  // Noted when requested, so a run that deadlocks on these locks still
  // reports the inversion.
  note_lock_order(*w, m, loc);
  if (r == model::Lock::busy) {
    w->wait_seq = ++wait_seq_;
    do block_on(lk, *w, m, loc);
    while (model::lock(state(m), w->index) == model::Lock::busy);
  }
  on_locked(*w, m, loc, false);
}

bool StressEngine::mutex_try_lock(ObjectId m, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return false;
  Lock lk(mu_);
  apply_pending(*w);
  switch (model::try_lock(state(m), w->index)) {
    case model::Lock::acquired: on_locked(*w, m, loc, false); return true;
    case model::Lock::recursed: return true;
    case model::Lock::busy:
    case model::Lock::self_deadlock: return false;
  }
  return false;
}

void StressEngine::mutex_unlock(ObjectId m, Loc loc) {
  Worker* w = enter(loc, true);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  switch (model::unlock(state(m), w->index)) {
    case model::Unlock::not_owner: not_owner(*w, m, loc, false); return;
    case model::Unlock::still_held: return;
    case model::Unlock::released: on_unlocked(*w, m, false); return;
  }
}

void StressEngine::rwlock_lock(ObjectId l, bool shared, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  model::Lock r = model::rw_lock(state(l), w->index, shared, holds_shared(*w, l));
  if (r == model::Lock::self_deadlock) self_deadlock(lk, *w, l, loc);
  note_lock_order(*w, l, loc);
  while (r == model::Lock::busy) {
    block_on(lk, *w, l, loc);
    r = model::rw_lock(state(l), w->index, shared, holds_shared(*w, l));
  }
  on_locked(*w, l, loc, shared);
}

bool StressEngine::rwlock_try_lock(ObjectId l, bool shared, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return false;
  Lock lk(mu_);
  apply_pending(*w);
  if (model::rw_try_lock(state(l), w->index, shared, holds_shared(*w, l)) != model::Lock::acquired) return false;
  on_locked(*w, l, loc, shared);
  return true;
}

void StressEngine::rwlock_unlock(ObjectId l, bool shared, Loc loc) {
  Worker* w = enter(loc, true);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  switch (model::rw_unlock(state(l), w->index, shared, holds_shared(*w, l))) {
    case model::Unlock::not_owner: not_owner(*w, l, loc, shared); return;
    case model::Unlock::still_held: return;
    case model::Unlock::released: on_unlocked(*w, l, shared); return;
  }
}

void StressEngine::note_lock_order(Worker& w, ObjectId m, Loc loc) {
  if (!w.held.empty()) detectors_.lock_requested(w.index, m, loc, w.held.span(), host());
}

// ---------------------------------------------------------------------------
// Semaphores and events

void StressEngine::semaphore_acquire(ObjectId s, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  while (!model::try_acquire(state(s))) block_on(lk, *w, s, loc);
  detectors_.acquired(w->index, s);
}

bool StressEngine::semaphore_try_acquire(ObjectId s, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return false;
  Lock lk(mu_);
  apply_pending(*w);
  if (!model::try_acquire(state(s))) return false;
  detectors_.acquired(w->index, s);
  return true;
}

void StressEngine::semaphore_release(ObjectId s, std::int64_t n, Loc loc) {
  Worker* w = enter(loc, true);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  model::ObjectState& o = state(s);
  if (model::release(o, n) == model::Release::overrelease) {
    add_finding(FindingKind::semaphore_overrelease,
                model::overrelease_message(thread_name(w->index), object_name(s), o.count + n, o.limit), {w->index},
                {loc});
    start_abort();  // no throw: release often runs in a destructor
    return;
  }
  detectors_.released(w->index, s);
  wake_all(s);
}

void StressEngine::event_set(ObjectId e, Loc loc) {
  Worker* w = enter(loc, true);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  model::set(state(e));
  detectors_.released(w->index, e);
  wake_all(e);
}

void StressEngine::event_clear(ObjectId e, Loc loc) {
  Worker* w = enter(loc, true);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  model::clear(state(e));
}

void StressEngine::event_wait(ObjectId e, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  while (!model::is_set(state(e))) block_on(lk, *w, e, loc);
  detectors_.acquired(w->index, e);
}

bool StressEngine::event_is_set(ObjectId e, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return false;
  Lock lk(mu_);
  apply_pending(*w);
  if (!model::is_set(state(e))) return false;
  detectors_.acquired(w->index, e);
  return true;
}

// ---------------------------------------------------------------------------
// Condition variables: the model's FIFO queue picks who a notify wakes; the
// woken thread then competes for the mutex like any other locker.

void StressEngine::condvar_wait(ObjectId cv, ObjectId m, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  model::ObjectState& mutex = state(m);
  if (mutex.owner != w->index) {
    add_finding(FindingKind::unlock_not_owner,
                model::wait_without_mutex_message(thread_name(w->index), object_name(cv), object_name(m)),
                {w->index}, {loc});
    abort_execution(lk);
  }
  // Released fully, whatever the recursion depth, and restored after.
  const int depth = mutex.recursion;
  mutex.recursion = 1;
  (void)model::unlock(mutex, w->index);
  on_unlocked(*w, m, false);
  w->notified = false;
  model::enqueue_waiter(state(cv), w->index);
  // No spurious wakeups: only a notify ends the wait.
  while (!w->notified) block_on(lk, *w, cv, loc);
  w->wait_seq = ++wait_seq_;
  while (model::lock(state(m), w->index) == model::Lock::busy) block_on(lk, *w, m, loc);
  state(m).recursion = depth;
  on_locked(*w, m, loc, false);
}

void StressEngine::condvar_notify(ObjectId cv, bool all, Loc loc) {
  Worker* w = enter(loc, true);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  model::notify(state(cv), all, [this](int t) {
    workers_[t]->notified = true;
    wake(*workers_[t]);
  });
}

// ---------------------------------------------------------------------------
// Barriers, latches, once

void StressEngine::barrier_arrive_and_wait(ObjectId b, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  // Phase p's arrivals release into clock p % 2 and its waiters acquire it
  // once p completed: no thread can arrive at phase p + 2 (the same clock)
  // before every waiter of p left p + 1, so each phase's clock holds exactly
  // the arrivals before it.
  const std::uint64_t phase = model::arrive(state(b));
  detectors_.barrier_arrived(w->index, b, phase);
  if (model::phase_done(state(b), phase)) wake_all(b);
  while (!model::phase_done(state(b), phase)) block_on(lk, *w, b, loc);
  detectors_.barrier_passed(w->index, b, phase);
}

void StressEngine::latch_count_down(ObjectId l, std::int64_t n, bool wait, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  model::ObjectState& o = state(l);
  if (n > 0) {
    const std::int64_t left = o.count;
    const model::CountDown r = model::count_down(o, n);
    detectors_.released(w->index, l);
    // Below zero is undefined behaviour in C++: reported, and the latch is
    // open (the model leaves it at zero), so the execution goes on.
    if (r == model::CountDown::below_zero)
      add_finding(FindingKind::invariant_violation,
                  model::latch_below_zero_message(thread_name(w->index), object_name(l), n, left), {w->index}, {loc});
    if (r != model::CountDown::counted) wake_all(l);
  }
  if (!wait) return;
  while (!model::latch_open(state(l))) block_on(lk, *w, l, loc);
  detectors_.acquired(w->index, l);
}

bool StressEngine::once_begin(ObjectId o, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return false;
  Lock lk(mu_);
  apply_pending(*w);
  for (;;) {
    switch (model::once_begin(state(o), w->index)) {
      // An active execution starts after the previous one (that threw)
      // completed: C++ [thread.once.callonce] orders them, so it acquires too.
      case model::Once::run: detectors_.acquired(w->index, o); return true;
      case model::Once::done: detectors_.acquired(w->index, o); return false;
      case model::Once::self_deadlock:
        add_finding(FindingKind::self_deadlock, model::once_reentered_message(thread_name(w->index), object_name(o)),
                    {w->index}, {loc});
        abort_execution(lk);
      case model::Once::busy: block_on(lk, *w, o, loc); break;
    }
  }
}

void StressEngine::once_end(ObjectId o, bool completed, Loc loc) {
  Worker* w = enter(loc, true);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  model::once_end(state(o), completed);
  detectors_.released(w->index, o);
  wake_all(o);  // done: all go on; threw: one of them runs it
}

// ---------------------------------------------------------------------------
// Shared variables, atomics, data choices

void StressEngine::shared_access(ObjectId v, bool write, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr || !options_.race_detection) return;
  Lock lk(mu_);
  apply_pending(*w);
  (void)detectors_.access(w->index, v, write, loc, host());
}

// Every order gets seq_cst semantics (runtime.hpp's MemoryOrder): the order
// is accepted and not yet used, so a race that needs a weaker order is
// missed, never invented.
void StressEngine::atomic_access(ObjectId a, AtomicOp op, MemoryOrder, Loc loc) {
  Worker* w = enter(loc, op != AtomicOp::load);
  if (w == nullptr || !options_.race_detection) return;
  Lock lk(mu_);
  apply_pending(*w);
  // seq_cst: the release half now (before the access), the acquire half at
  // the thread's next operation (after the access; see the header).
  detectors_.released(w->index, a);
  w->pending_acquire = a;
}

void StressEngine::atomic_wait(ObjectId a, bool (*still_equal)(const void*), const void* ctx, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  // The value is stored outside mu_, but the notify that follows a store
  // takes mu_: checking under mu_ cannot miss it.
  while (still_equal(ctx)) block_on(lk, *w, a, loc);
  detectors_.acquired(w->index, a);
}

void StressEngine::atomic_notify(ObjectId a, bool, Loc loc) {
  Worker* w = enter(loc, true);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  wake_all(a);
}

// Drawn from the execution's RNG under mu_: the sequence of answers depends
// on the seed alone, which thread gets which answer on the real schedule
// (not recorded: stress findings have no replay).
std::uint64_t StressEngine::choose(std::uint64_t n, Loc loc) {
  if (n <= 1) return 0;
  Lock lk(mu_, std::defer_lock);
  if (enter(loc) != nullptr) lk.lock();
  else return 0;  // outside scenario threads: the first choice
  // Lemire's multiply-shift, as Rng::below, for a 64-bit bound.
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(rng_.next()) * n) >> 64);
}

void StressEngine::yield(bool spinning, Loc loc) {
  if (enter(loc) == nullptr) return;
  // A busy-waiting thread gives its core away: with more threads than cores
  // the thread it waits for may need it.
  if (spinning) std::this_thread::yield();
}

void StressEngine::check_failed(const std::string& message, Loc loc) {
  Worker* w = tls_worker != nullptr && tls_worker->engine == this ? tls_worker : nullptr;
  if (aborting_.load() && std::uncaught_exceptions() > 0) return;
  Lock lk(mu_);
  add_finding(FindingKind::invariant_violation, message,
              w != nullptr ? std::vector<int>{w->index} : std::vector<int>{}, {loc});
}

// ---------------------------------------------------------------------------
// Deadlock: a wait-for cycle through lock owners and joined threads, or every
// live thread blocked. Both are exact under mu_: a blocked thread is woken
// only by a running one, and the waker marks it running under mu_.

int StressEngine::waits_for(int t) const {
  const Worker& w = *workers_[t];
  if (w.status != Status::blocked) return -1;
  if (w.join_target >= 0) return w.join_target;
  if (w.blocked_on == kNone) return -1;
  const model::ObjectState& o = objects_[w.blocked_on].state;
  // A rwlock's readers are a count, not a thread: only its writer is an edge.
  return model::is_lock(o.kind) ? o.owner : -1;
}

bool StressEngine::deadlocked(int from) const {
  if (live_ > 0 && blocked_ == live_) return true;
  // Only `from`'s edge is new, so a new cycle passes through it.
  int t = waits_for(from);
  for (std::size_t steps = 0; t >= 0 && steps < workers_.size(); ++steps) {
    if (t == from) return true;
    t = waits_for(t);
  }
  return false;
}

std::string StressEngine::wanted_name(const Worker& w) const {
  return w.join_target >= 0 ? thread_name(w.join_target) : object_name(w.blocked_on);
}

std::string StressEngine::held_names(const Worker& w) const {
  std::string holds;
  for (const HeldLock& h : w.held) holds += (holds.empty() ? "" : ", ") + object_name(h.lock);
  return holds;
}

void StressEngine::report_deadlock() {
  DeadlockDescription d = describe_deadlock(
      static_cast<int>(workers_.size()), [this](int t) { return waits_for(t); },
      [this](int t) { return workers_[t]->status == Status::blocked; },
      [this](int t) { return workers_[t]->status == Status::finished; },
      [this](int t) {
        const Worker& w = *workers_[t];
        return BlockedThread{held_names(w), wanted_name(w), w.blocked_loc};
      });
  RawFinding f;
  f.kind = FindingKind::deadlock;
  f.message = std::move(d.message);
  f.threads = std::move(d.involved);
  f.cycle = std::move(d.cycle);
  for (const Loc& l : d.locs)
    if (l.line() != 0) f.locs.push_back(l);
  add_finding(std::move(f));
}

// ---------------------------------------------------------------------------

void StressEngine::add_finding(report::FindingKind kind, std::string message, std::vector<int> threads,
                               std::vector<Loc> locs) {
  RawFinding f;
  f.kind = kind;
  f.message = std::move(message);
  f.threads = std::move(threads);
  for (const Loc& l : locs)
    if (l.line() != 0) f.locs.push_back(l);
  add_finding(std::move(f));
}

// Called under mu_ (or by the driver while no scenario thread runs).
void StressEngine::add_finding(RawFinding f) {
  f.signature = finding_signature(f.kind, f.locs, f.message, f.object);
  for (const auto& g : result_.findings)
    if (g.signature == f.signature) return;  // once per execution
  result_.findings.push_back(std::move(f));
  driver_cv_.notify_all();
}

}  // namespace tangle::detail
