#include "stress/stress_engine.hpp"

#include "exceptions.hpp"
#include "isolation/crash_capture.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <typeinfo>

#include "controlled/engine.hpp"  // AbortExecution
#include "rng.hpp"
#include "detectors/deadlock.hpp"
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
  Loc blocked_loc;
  bool notified = false;        // condvar: a notify picked this waiter
  std::uint64_t wait_seq = 0;   // condvar: FIFO order of waiters
  std::vector<ObjectId> held;   // mutexes held, in acquisition order
  std::vector<Loc> held_loc;
  int pending_sync = -1;        // deferred acquire of an atomic's clock
  std::condition_variable cv;
  Perturber perturb;            // the thread's own
  alignas(64) std::atomic<std::uint64_t> ops{0};
  // The last operation's line, for hang reports (two words, read racily: a
  // torn pair only mislabels a report line, never a decision).
  std::atomic<const char*> last_file{nullptr};
  std::atomic<std::uint32_t> last_line{0};

  std::string last_location() const {
    const char* file = last_file.load(std::memory_order_relaxed);
    const std::uint32_t line = last_line.load(std::memory_order_relaxed);
    if (file == nullptr || line == 0) return "";
    return relative_source_path(file) + ":" + std::to_string(line);
  }
};

namespace {
thread_local StressEngine::Worker* tls_worker = nullptr;
}

StressEngine::StressEngine(const ScenarioInfo& info, const Params& params,
                           StressEngineOptions options)
    : info_(info), params_(params), options_(options), n_(info.thread_count(params)) {
  if (n_ < 1 || n_ > 256) throw std::invalid_argument("a scenario needs 1 to 256 threads");
  for (int i = 0; i < n_; ++i) {
    workers_.push_back(std::make_unique<Worker>());
    workers_.back()->engine = this;
    workers_.back()->index = i;
  }
}

StressEngine::~StressEngine() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
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
  {
    Lock lk(mu_);
    objects_.clear();
    race_.reset(n_);
    lock_order_.reset();
    result_ = {};
    live_ = n_;
    blocked_ = 0;
    wait_seq_ = 0;
  }
  aborting_.store(false);
  go_.store(false);
  published_ = 0;

  // The execution's perturbation profile: density and the starved subset.
  Rng rng(seed);
  static constexpr std::uint32_t kGaps[] = {1, 3, 10, 40, 300};
  const std::uint32_t gap = kGaps[rng.below(5)];
  for (auto& w : workers_) {
    w->status = Status::running;
    w->blocked_on = kNone;
    w->notified = false;
    w->held.clear();
    w->held_loc.clear();
    w->pending_sync = -1;
    w->ops.store(0, std::memory_order_relaxed);
    w->last_file.store(nullptr, std::memory_order_relaxed);
    w->last_line.store(0, std::memory_order_relaxed);
    const bool starved = n_ > 1 && rng.below(2) == 0;
    w->perturb.reset(rng.next(), gap, starved);
  }

  Runtime* outer = current_runtime_or_null();
  set_current_runtime(this);
  try {
    scenario_ = info_.make(params_);
  } catch (...) {
    Lock lk(mu_);
    add_finding(FindingKind::crash, threw_message("the scenario's constructor"), {}, {});
  }
  if (scenario_) {
    threads_.clear();
    try {
      for (int i = 0; i < n_; ++i) threads_.emplace_back(&StressEngine::worker_main, this, i);
    } catch (...) {
      // Out of threads: let the ones started run into the abort, then fail.
      {
        Lock lk(mu_);
        start_abort();
      }
      go_.store(true);
      go_.notify_all();
      for (auto& t : threads_) t.join();
      scenario_.reset();
      set_current_runtime(outer);
      throw;
    }
    // Every thread is created before any runs: they start together.
    go_.store(true);
    go_.notify_all();
    watch();
    if (result_.unjoinable) {
      // A thread still runs scenario code: it keeps the scenario and this
      // engine alive for good (see the header).
      for (int i = 0; i < n_; ++i) {
        Lock lk(mu_);
        const bool done = workers_[i]->status == Status::finished;
        lk.unlock();
        if (done) threads_[i].join();
        else threads_[i].detach();
      }
      (void)scenario_.release();
    } else {
      for (auto& t : threads_) t.join();
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
  result_.operations = operations();
  publish_findings();
  return result_;
}

void StressEngine::worker_main(int index) {
  const crash_capture::ThreadAltStack alt_stack;  // a stack overflow is still a crash finding
  Worker& w = *workers_[index];
  set_current_runtime(this);
  tls_worker = &w;
  go_.wait(false);
  try {
    scenario_->thread(index);
  } catch (const AbortExecution&) {
  } catch (...) {
    Lock lk(mu_);
    add_finding(FindingKind::crash, threw_message(thread_name(index)), {index}, {});
    start_abort();
  }
  {
    Lock lk(mu_);
    w.status = Status::finished;
    --live_;
    // The last running thread left: whoever still waits waits forever.
    if (!aborting_.load() && live_ > 0 && blocked_ == live_) {
      report_deadlock();
      start_abort();
    }
    driver_cv_.notify_all();
  }
  tls_worker = nullptr;
  set_current_runtime(nullptr);
}

std::uint64_t StressEngine::operations() const {
  std::uint64_t sum = 0;
  for (const auto& w : workers_) sum += w->ops.load(std::memory_order_relaxed);
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
    const std::uint64_t mark = operations() + static_cast<std::uint64_t>(n_ - live_);
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
        for (const auto& w : workers_)
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
  for (const auto& w : workers_)
    if (w->status == Status::running) running.push_back(w->index);
  if (running.empty()) {
    if (!after_abort) report_deadlock();
    return;
  }
  std::vector<int> threads;
  std::vector<std::string> locs;
  std::vector<CycleEdge> cycle;
  std::string text;
  for (int t : running) {
    const std::string last = workers_[t]->last_location();
    threads.push_back(t);
    if (!last.empty()) locs.push_back(last);
    text += (text.empty() ? "" : "; ") + thread_name(t) + " runs outside tangle primitives" +
            (!last.empty() ? " (last operation at " + last + ")" : " (no operation yet)");
  }
  for (const auto& w : workers_) {
    if (w->status != Status::blocked) continue;
    std::string holds;
    for (ObjectId h : w->held) holds += (holds.empty() ? "" : ", ") + object_name(h);
    const int other = waits_for(w->index);
    threads.push_back(w->index);
    cycle.push_back({w->index, holds, object_name(w->blocked_on), other, loc_text(w->blocked_loc)});
    text += "; " + thread_name(w->index) + " waits for " + object_name(w->blocked_on) + " at " +
            loc_text(w->blocked_loc);
  }
  StressFinding f{FindingKind::hang,
                  after_abort ? "a thread did not stop within " + std::to_string(ms) +
                                    " ms after the execution was aborted: " + text
                              : "no progress for " + std::to_string(ms) + " ms: " + text,
                  threads, locs, cycle, ""};
  // One hang per execution: the second (after the abort) replaces nothing.
  for (const auto& g : result_.findings)
    if (g.kind == FindingKind::hang) return;
  add_finding(std::move(f));
}

void StressEngine::publish_findings() {
  if (!on_finding) return;
  std::vector<StressFinding> fresh;
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
// operation — unlock, release, set, notify, atomic store — after an abort:
// those run in destructors, where throwing would call std::terminate).
StressEngine::Worker* StressEngine::enter(Loc loc, bool releasing) {
  Worker* w = tls_worker;
  if (w == nullptr || w->engine != this) return nullptr;
  if (aborting_.load(std::memory_order_relaxed)) [[unlikely]] {
    if (releasing || std::uncaught_exceptions() > 0) return nullptr;
    throw AbortExecution{};  // scenario code swallowed the unwinding; resume it
  }
  w->ops.store(w->ops.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  w->last_file.store(loc.file_name(), std::memory_order_relaxed);
  w->last_line.store(loc.line(), std::memory_order_relaxed);
  if (options_.perturb) w->perturb.point();
  return w;
}

void StressEngine::block_on(Lock& lk, Worker& w, ObjectId o, Loc loc) {
  if (aborting_.load()) throw AbortExecution{};
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
  if (aborting_.load()) throw AbortExecution{};
}

void StressEngine::wake(Worker& w) {
  if (w.status != Status::blocked) return;
  w.status = Status::running;
  w.blocked_on = kNone;
  --blocked_;
  w.cv.notify_one();
}

void StressEngine::wake_all(ObjectId o) {
  for (auto& w : workers_)
    if (w->status == Status::blocked && w->blocked_on == o) wake(*w);
}

// A released mutex needs one waiter awake: it takes the mutex or, if another
// thread barged in first, blocks again until that one's unlock wakes it.
void StressEngine::wake_one_waiter(ObjectId o) {
  Worker* pick = nullptr;
  for (auto& w : workers_)
    if (w->status == Status::blocked && w->blocked_on == o &&
        (pick == nullptr || w->wait_seq < pick->wait_seq))
      pick = w.get();
  if (pick != nullptr) wake(*pick);
}

void StressEngine::start_abort() {
  aborting_.store(true);
  for (auto& w : workers_) w->cv.notify_all();
  driver_cv_.notify_all();
}

void StressEngine::abort_execution(Lock&) {
  start_abort();
  throw AbortExecution{};
}

void StressEngine::apply_pending(Worker& w) {
  if (w.pending_sync < 0) return;
  race_.acquire(w.index, w.pending_sync);
  w.pending_sync = -1;
}

int StressEngine::sync_of(ObjectState& o) {
  if (o.sync < 0) o.sync = race_.add_sync();
  return o.sync;
}

// ---------------------------------------------------------------------------
// Objects

ObjectId StressEngine::create_object(ObjectKind kind, const char* name, std::int64_t initial,
                                     Loc) {
  Lock lk(mu_);
  ObjectState o{kind, name};
  o.count = o.initial = initial;
  if (kind == ObjectKind::shared) o.var = race_.add_variable();
  if (is_mutex(kind)) o.node = lock_order_.add_lock();
  objects_.push_back(o);
  return static_cast<ObjectId>(objects_.size() - 1);
}

std::string StressEngine::object_name(ObjectId id) const {
  if (id == kNone || id >= objects_.size()) return "";
  return display_name(objects_[id].kind, objects_[id].name, id);
}

std::string StressEngine::thread_name(int t) { return thread_display_name(t); }

// ---------------------------------------------------------------------------
// Mutexes

void StressEngine::acquire_mutex(Worker& w, ObjectId m, Loc loc) {
  ObjectState& o = objects_[m];
  o.owner = w.index;
  o.recursion = 1;
  w.held.push_back(m);
  w.held_loc.push_back(loc);
  race_.acquire(w.index, sync_of(o));
}

void StressEngine::release_mutex(Worker& w, ObjectId m) {
  ObjectState& o = objects_[m];
  o.owner = -1;
  o.recursion = 0;
  for (std::size_t i = w.held.size(); i-- > 0;)
    if (w.held[i] == m) {
      w.held.erase(w.held.begin() + static_cast<std::ptrdiff_t>(i));
      w.held_loc.erase(w.held_loc.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  race_.release(w.index, sync_of(o));
  wake_one_waiter(m);
}

void StressEngine::mutex_lock(ObjectId m, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  ObjectState& o = objects_[m];
  if (o.owner == w->index) {
    if (o.kind == ObjectKind::recursive_mutex) {
      ++o.recursion;
      return;
    }
    Loc first = loc;
    for (std::size_t i = 0; i < w->held.size(); ++i)
      if (w->held[i] == m) first = w->held_loc[i];
    add_finding(FindingKind::self_deadlock,
                thread_name(w->index) + " locks " + object_name(m) +
                    " again while holding it (locked at " + location_string(first) +
                    "); a non-recursive mutex waits for itself forever",
                {w->index}, {loc, first});
    abort_execution(lk);
  }
  // Noted when requested, so a run that deadlocks on these locks still
  // reports the inversion.
  note_lock_order(*w, m, loc);
  if (objects_[m].owner >= 0) {
    w->wait_seq = ++wait_seq_;
    while (objects_[m].owner >= 0) block_on(lk, *w, m, loc);
  }
  acquire_mutex(*w, m, loc);
}

bool StressEngine::mutex_try_lock(ObjectId m, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return false;
  Lock lk(mu_);
  apply_pending(*w);
  ObjectState& o = objects_[m];
  if (o.owner == w->index && o.kind == ObjectKind::recursive_mutex) {
    ++o.recursion;
    return true;
  }
  if (o.owner >= 0) return false;
  acquire_mutex(*w, m, loc);
  return true;
}

void StressEngine::mutex_unlock(ObjectId m, Loc loc) {
  Worker* w = enter(loc, true);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  ObjectState& o = objects_[m];
  if (o.owner != w->index) {
    add_finding(FindingKind::unlock_not_owner,
                thread_name(w->index) + " unlocks " + object_name(m) + ", which " +
                    (o.owner < 0 ? std::string("nobody holds")
                                 : "is held by " + thread_name(o.owner)),
                {w->index}, {loc});
    start_abort();  // no throw: unlock often runs in a destructor
    return;
  }
  if (--o.recursion > 0) return;
  release_mutex(*w, m);
}

void StressEngine::note_lock_order(Worker& w, ObjectId m, Loc loc) {
  if (w.held.empty()) return;
  lock_order_.on_request(
      w.index, objects_[m].node, loc, w.held.size(),
      [&](std::size_t i) { return std::pair{objects_[w.held[i]].node, w.held_loc[i]}; },
      [this](int node) { return node_name(node); },
      [this](LockOrderDetector::Inversion&& inv) {
        StressFinding f{FindingKind::lock_order_inversion, std::move(inv.message), std::move(inv.threads), {},
                        std::move(inv.cycle), ""};
        for (const Loc& l : inv.locs) {
          std::string s = location_string(l);
          if (std::find(f.locations.begin(), f.locations.end(), s) == f.locations.end())
            f.locations.push_back(std::move(s));
        }
        add_finding(std::move(f));
      });
}

std::string StressEngine::node_name(int node) const {
  for (ObjectId id = 0; id < objects_.size(); ++id)
    if (objects_[id].node == node) return object_name(id);
  return "?";
}

// ---------------------------------------------------------------------------
// Semaphores and events

void StressEngine::semaphore_acquire(ObjectId s, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  while (objects_[s].count <= 0) block_on(lk, *w, s, loc);
  ObjectState& o = objects_[s];
  --o.count;
  race_.acquire(w->index, sync_of(o));
}

bool StressEngine::semaphore_try_acquire(ObjectId s, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return false;
  Lock lk(mu_);
  apply_pending(*w);
  ObjectState& o = objects_[s];
  if (o.count <= 0) return false;
  --o.count;
  race_.acquire(w->index, sync_of(o));
  return true;
}

void StressEngine::semaphore_release(ObjectId s, std::int64_t n, Loc loc) {
  Worker* w = enter(loc, true);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  ObjectState& o = objects_[s];
  if (o.kind == ObjectKind::bounded_semaphore && o.count + n > o.initial) {
    add_finding(FindingKind::semaphore_overrelease,
                thread_name(w->index) + " releases " + object_name(s) +
                    ", raising its count to " + std::to_string(o.count + n) + " above its bound " +
                    std::to_string(o.initial) + ": it was released more often than acquired",
                {w->index}, {loc});
    start_abort();  // no throw: release often runs in a destructor
    return;
  }
  o.count += n;
  race_.release(w->index, sync_of(o));
  wake_all(s);
}

void StressEngine::event_set(ObjectId e, Loc loc) {
  Worker* w = enter(loc, true);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  ObjectState& o = objects_[e];
  o.count = 1;
  race_.release(w->index, sync_of(o));
  wake_all(e);
}

void StressEngine::event_clear(ObjectId e, Loc loc) {
  Worker* w = enter(loc, true);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  objects_[e].count = 0;
}

void StressEngine::event_wait(ObjectId e, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  while (objects_[e].count == 0) block_on(lk, *w, e, loc);
  race_.acquire(w->index, sync_of(objects_[e]));
}

bool StressEngine::event_is_set(ObjectId e, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return false;
  Lock lk(mu_);
  apply_pending(*w);
  ObjectState& o = objects_[e];
  if (o.count == 0) return false;
  race_.acquire(w->index, sync_of(o));
  return true;
}

// ---------------------------------------------------------------------------
// Condition variables

void StressEngine::condvar_wait(ObjectId cv, ObjectId m, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  if (objects_[m].owner != w->index) {
    add_finding(FindingKind::unlock_not_owner,
                thread_name(w->index) + " waits on " + object_name(cv) + " without holding " +
                    object_name(m),
                {w->index}, {loc});
    abort_execution(lk);
  }
  const int depth = objects_[m].recursion;
  release_mutex(*w, m);
  w->notified = false;
  w->wait_seq = ++wait_seq_;
  // No spurious wakeups: only a notify ends the wait.
  while (!w->notified) block_on(lk, *w, cv, loc);
  while (objects_[m].owner >= 0) block_on(lk, *w, m, loc);
  acquire_mutex(*w, m, loc);
  objects_[m].recursion = depth;
}

void StressEngine::condvar_notify(ObjectId cv, bool all, Loc loc) {
  Worker* w = enter(loc, true);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  // notify_one wakes the longest waiter (FIFO), as on the controlled engine.
  Worker* chosen = nullptr;
  for (auto& t : workers_) {
    if (t->status != Status::blocked || t->blocked_on != cv) continue;
    if (all) {
      t->notified = true;
      wake(*t);
    } else if (chosen == nullptr || t->wait_seq < chosen->wait_seq) {
      chosen = t.get();
    }
  }
  if (chosen != nullptr) {
    chosen->notified = true;
    wake(*chosen);
  }
}

// ---------------------------------------------------------------------------
// Shared variables and atomics

void StressEngine::shared_access(ObjectId v, bool write, Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr || !options_.race_detection) return;
  Lock lk(mu_);
  apply_pending(*w);
  ObjectState& o = objects_[v];
  const bool raced =
      write ? race_.write(w->index, o.var, loc) : race_.read(w->index, o.var, loc);
  if (!raced || o.raced) return;
  o.raced = true;
  const auto* race = &race_.last_race();
  auto access = [](const auto& a) {
    return thread_name(a.thread) + (a.write ? " writes" : " reads") + " at " +
           location_string(a.site);
  };
  add_finding(FindingKind::data_race,
              "data race on " + object_name(v) + ": " + access(race->later) +
                  ", unordered with the earlier access: " + access(race->earlier),
              {race->earlier.thread, race->later.thread}, {race->later.site, race->earlier.site});
}

void StressEngine::atomic_access(ObjectId a, AtomicOp op, Loc loc) {
  Worker* w = enter(loc, op != AtomicOp::load);
  if (w == nullptr || !options_.race_detection) return;
  Lock lk(mu_);
  apply_pending(*w);
  // seq_cst: the release half now (before the access), the acquire half at
  // the thread's next operation (after the access; see the header).
  const int s = sync_of(objects_[a]);
  race_.release(w->index, s);
  w->pending_sync = s;
}

void StressEngine::atomic_wait(ObjectId a, bool (*still_equal)(const void*), const void* ctx,
                               Loc loc) {
  Worker* w = enter(loc);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  // The value is stored outside mu_, but the notify that follows a store
  // takes mu_: checking under mu_ cannot miss it.
  while (still_equal(ctx)) block_on(lk, *w, a, loc);
  race_.acquire(w->index, sync_of(objects_[a]));
}

void StressEngine::atomic_notify(ObjectId a, bool, Loc loc) {
  Worker* w = enter(loc, true);
  if (w == nullptr) return;
  Lock lk(mu_);
  apply_pending(*w);
  wake_all(a);
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
// Deadlock: a wait-for cycle through mutex owners, or every live thread
// blocked. Both are exact under mu_: a blocked thread is woken only by a
// running one, and the waker marks it running under mu_.

int StressEngine::waits_for(int t) const {
  const Worker& w = *workers_[t];
  if (w.status != Status::blocked || w.blocked_on == kNone) return -1;
  const ObjectState& o = objects_[w.blocked_on];
  return is_mutex(o.kind) ? o.owner : -1;
}

bool StressEngine::deadlocked(int from) const {
  if (live_ > 0 && blocked_ == live_) return true;
  // Only `from`'s edge is new, so a new cycle passes through it.
  int t = waits_for(from);
  for (int steps = 0; t >= 0 && steps < n_; ++steps) {
    if (t == from) return true;
    t = waits_for(t);
  }
  return false;
}

void StressEngine::report_deadlock() {
  DeadlockDescription d = describe_deadlock(
      n_, [this](int t) { return waits_for(t); },
      [this](int t) { return workers_[t]->status == Status::blocked; },
      [this](int t) { return workers_[t]->status == Status::finished; },
      [this](int t) {
        const Worker& w = *workers_[t];
        std::string holds;
        for (ObjectId h : w.held) holds += (holds.empty() ? "" : ", ") + object_name(h);
        return BlockedThread{holds, object_name(w.blocked_on), w.blocked_loc};
      });
  StressFinding f{FindingKind::deadlock, std::move(d.message), d.involved, {}, std::move(d.cycle), ""};
  for (const Loc& l : d.locs) {
    const std::string where = loc_text(l);
    if (!where.empty() && std::find(f.locations.begin(), f.locations.end(), where) == f.locations.end())
      f.locations.push_back(where);
  }
  add_finding(std::move(f));
}

// ---------------------------------------------------------------------------

void StressEngine::add_finding(report::FindingKind kind, std::string message,
                               std::vector<int> threads, std::vector<Loc> locs) {
  StressFinding f{kind, std::move(message), std::move(threads), {}, {}, ""};
  for (const Loc& l : locs) {
    std::string s = loc_text(l);
    if (!s.empty() && std::find(f.locations.begin(), f.locations.end(), s) == f.locations.end())
      f.locations.push_back(std::move(s));
  }
  add_finding(std::move(f));
}

// Called under mu_ (or by the driver while no scenario thread runs).
void StressEngine::add_finding(StressFinding f) {
  std::string key(to_string(f.kind));
  for (const auto& l : f.locations) key += "|" + l;
  // Without a source line (a crash, a hang) the message tells findings apart.
  if (f.locations.empty()) key += "|" + f.message;
  f.key = std::move(key);
  for (const auto& g : result_.findings)
    if (g.key == f.key) return;  // once per execution
  result_.findings.push_back(std::move(f));
  driver_cv_.notify_all();
}

}  // namespace tangle::detail
