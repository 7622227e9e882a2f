// The Relacy engine (see relacy_engine.hpp): tangle's Runtime interface on top
// of Relacy's simulated primitives, and the Relacy test suites that run a
// tangle scenario.
//
// Memory rule. While Relacy simulates, the global operator new it installs
// allocates from the simulation context (is_ctx()), which is torn down with
// the simulation; outside it, operator new is malloc. Memory must therefore be
// freed on the side it was allocated: everything the runtime keeps across the
// simulation boundary (the finding of the failing iteration) lives in
// fixed-size buffers, and Relacy's output goes to an rl::ostringstream
// (malloc-backed) that is copied into a std::string after rl::simulate returns.
//
// Determinism rule. Relacy re-runs the failing iteration to collect its
// history and RL_VERIFYs that the verdict repeats, so all runtime state is
// reset at the start of every iteration (Suite::before).

// Every standard and tangle header first: <relacy/relacy.hpp> #defines new,
// delete, malloc, free, assert, errno and the memory_order_* names.
#include "relacy_engine.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <cxxabi.h>
#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "model/misuse.hpp"
#include "model/primitives.hpp"
#include "object_names.hpp"
#include "source_path.hpp"
#include "tangle/detail/runtime.hpp"
#include "tangle/scenario.hpp"
#include "token.hpp"  // detail::hash_hex

#include <relacy/relacy.hpp>

// Undo Relacy's keyword macros: this file uses placement new and calls the
// primitives' Relacy API with explicit debug_info instead.
#undef new
#undef delete
#undef malloc
#undef calloc
#undef realloc
#undef free
#undef assert
#undef errno
#undef memory_order_relaxed
#undef memory_order_consume
#undef memory_order_acquire
#undef memory_order_release
#undef memory_order_acq_rel
#undef memory_order_seq_cst

// Relacy replaces operator new/new[]/delete/delete[] with inline definitions,
// which the compiler may inline away instead of emitting; and it does not
// replace the sized deletes (C++14), which std::allocator calls. Left alone,
// a block allocated from the simulation context would be handed to libc's
// free() by another translation unit (heap corruption). So: emit Relacy's
// unsized operators as real symbols (they then replace libstdc++'s for the
// whole executable), and route the sized and aligned-free variants to them.
namespace {
[[gnu::used]] void* (*const keep_new)(std::size_t) = &::operator new;
[[gnu::used]] void* (*const keep_new_array)(std::size_t) = &::operator new[];
[[gnu::used]] void (*const keep_delete)(void*) noexcept = &::operator delete;
[[gnu::used]] void (*const keep_delete_array)(void*) noexcept = &::operator delete[];
}  // namespace
void operator delete(void* p, std::size_t) noexcept { ::operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { ::operator delete[](p); }

namespace tangle::relacy {
namespace {

using detail::AtomicOp;
using detail::ObjectId;
using detail::ObjectKind;
using report::FindingKind;

struct Tag;  // one tag for every Relacy primitive type used here

using RlMutex = rl::generic_mutex<Tag>;
using RlCondVar = rl::condvar<Tag>;
using RlSemaphore = rl::semaphore<Tag>;
using RlEvent = rl::generic_event;
using RlVar = rl::var<int>;
using RlAtomic = rl::generic_atomic<int, true>;

// One instrumented object of the current iteration: its Relacy state is built
// in place (no allocation) and torn down at the end of the iteration, before
// Relacy's leak checks run.
struct Slot {
  ObjectKind kind = ObjectKind::mutex;
  const char* name = "";  // the object's name: Relacy prints it as the "function"
  bool live = false;
  bool waiters = false;  // wait_mutex + wait_cv initialised
  // The model's state of the object (model/primitives.hpp). Locks: a shadow
  // of Relacy's own state, consulted before each Relacy call so a misuse is
  // judged and worded as on every engine. Barrier, latch, once: the state
  // itself, guarded by wait_mutex (Relacy has none of the three).
  detail::model::ObjectState model;
  Loc locked_at;                  // where the (exclusive) owner locked it
  Loc read_locked_at[kMaxThreads];
  std::uint8_t readers[kMaxThreads] = {};  // rwlock: read locks held per thread

  // One Relacy object per kind; an atomic also gets a mutex + condvar pair for
  // wait/notify, built on first use, and a barrier, latch or once flag is
  // that pair around its model state.
  union {
    RlMutex mutex;
    RlSemaphore semaphore;
    RlEvent event;
    RlCondVar condvar;
    RlVar var;
    RlAtomic atomic;
  };
  RlMutex wait_mutex;
  RlCondVar wait_cv;

  Slot() {}
  ~Slot() {}
};

// The finding the runtime itself recognised (check failure, over-release,
// crash) before it made Relacy fail the iteration. Fixed-size: see the memory
// rule above.
struct Pending {
  bool set = false;
  FindingKind kind = FindingKind::crash;
  int thread = -1;
  char message[512] = {};
  char file[512] = {};
  std::uint32_t line = 0;
  bool symbolized = false;  // `file` holds a program counter's location string

  void record(FindingKind k, int t, const char* text, Loc loc) {
    if (set) return;  // keep the first
    set = true;
    kind = k;
    thread = t;
    std::snprintf(message, sizeof message, "%s", text);
    symbolized = loc.is_pc();
    std::snprintf(file, sizeof file, "%s", symbolized ? detail::location_string(loc).c_str() : loc.file_name());
    line = symbolized ? 0 : loc.line();
  }
};

class RelacyRuntime final : public detail::Runtime {
 public:
  static constexpr int kMaxObjects = 256;

  RelacyRuntime(const ScenarioInfo& info, const Params& params, IterationObserver* observer,
                std::uint64_t first_iteration)
      : info_(info), params_(params), observer_(observer), first_iteration_(first_iteration),
        storage_(static_cast<unsigned char*>(::operator new(info.size, std::align_val_t(
                                                                         std::max(info.align, alignof(std::max_align_t))))),
                 Freer{std::max(info.align, alignof(std::max_align_t))}) {}

  // --- iteration lifecycle, called from the Relacy test suite -------------

  void begin_iteration() {
    // Relacy does not expose its iteration number; it is first_iteration_ +
    // the iterations begun in this pass. A new pass (a new Relacy context, so
    // a new ctx_seq) is either the first or the history re-run, which starts
    // again at the iteration that failed — the last one begun.
    const unsigned seq = rl::ctx().get_ctx_seq();
    if (seq != ctx_seq_) {
      next_iteration_ = passes_++ == 0 ? first_iteration_ : iteration_;
      ctx_seq_ = seq;
    }
    iteration_ = next_iteration_++;
    if (observer_ != nullptr) observer_->iteration_begin(iteration_);
    count_ = 0;
    scenario_ = nullptr;
    pending_ = Pending{};
    special_ = true;
    detail::set_current_runtime(this);
    bool failed = false;
    try {
      scenario_ = info_.construct(storage_.get(), params_);
    } catch (const std::exception& e) {
      pending_.record(FindingKind::crash, -1, e.what(), Loc{info_.file.c_str(), 0});
      failed = true;
    } catch (...) {
      record_unknown_exception(-1, "the scenario constructor threw an exception");
      failed = true;
    }
    special_ = false;
    if (failed) fail("scenario constructor threw", Loc{});
  }

  void run_thread(int index) {
    bool failed = false;
    try {
      scenario_->thread(index);
    } catch (const std::exception& e) {
      pending_.record(FindingKind::crash, index,
                      (std::string("unhandled exception: ") + e.what()).c_str(), Loc{});
      failed = true;
    } catch (...) {
      record_unknown_exception(index, "unhandled exception");
      failed = true;
    }
    // Fail outside the catch block: the C++ runtime's caught-exception stack is
    // per OS thread, not per Relacy fiber.
    if (failed) fail("unhandled exception", Loc{});
  }

  void end_iteration() {
    special_ = true;
    bool failed = false;
    try {
      scenario_->check();  // a failed check fails the iteration right here
    } catch (const std::exception& e) {
      pending_.record(FindingKind::crash, -1, (std::string("check() threw: ") + e.what()).c_str(), Loc{});
      failed = true;
    } catch (...) {
      record_unknown_exception(-1, "check() threw an exception");
      failed = true;
    }
    if (failed) fail("check() threw", Loc{});  // outside the catch block, as in run_thread
    scenario_->~Scenario();
    scenario_ = nullptr;
    destroy_objects();
    special_ = false;
    if (observer_ != nullptr) observer_->iteration_end();
  }

  const Pending& pending() const { return pending_; }
  std::uint64_t last_iteration() const { return iteration_; }
  std::string object_summary() const;

  // --- tangle::detail::Runtime --------------------------------------------

  ObjectId create_object(ObjectKind kind, const char* name, std::int64_t initial, Loc loc,
                         std::int64_t limit) override {
    if (count_ >= kMaxObjects) {
      pending_.record(FindingKind::crash, thread_index(),
                      "more than 256 instrumented objects in one execution (Relacy engine limit)", loc);
      fail("too many objects", loc);
    }
    Slot& s = slots_[count_];
    s.kind = kind;
    s.name = name != nullptr ? name : detail::kind_word(kind);
    s.model = detail::model::make_object(kind, name, initial, limit);
    s.locked_at = Loc{};
    std::fill(std::begin(s.readers), std::end(s.readers), 0);
    s.waiters = false;
    const rl::debug_info info = at(s, loc);
    switch (kind) {
      case ObjectKind::mutex:
      case ObjectKind::recursive_mutex:
        ::new (&s.mutex) RlMutex();
        // Not read-write, recursive only for RecursiveMutex, and try_lock never
        // fails spuriously (tangle's try_lock is strong).
        s.mutex.init(false, kind == ObjectKind::recursive_mutex, false, false, info);
        break;
      case ObjectKind::rwlock:
        ::new (&s.mutex) RlMutex();
        // Read-write; readers may re-lock (the model lets a reader read-lock
        // again), writers may not.
        s.mutex.init(true, false, true, false, info);
        break;
      case ObjectKind::semaphore:
      case ObjectKind::bounded_semaphore: {
        ::new (&s.semaphore) RlSemaphore();
        const unsigned init = static_cast<unsigned>(std::max<std::int64_t>(initial, 0));
        // A bounded semaphore's maximum is its bound (the model's limit): a
        // post past it fails in Relacy, and the runtime reports
        // semaphore_overrelease.
        const auto bound = static_cast<unsigned>(std::clamp<std::int64_t>(s.model.limit, 0, INT_MAX));
        s.semaphore.init(false, init, kind == ObjectKind::bounded_semaphore ? bound : INT_MAX, info);
        break;
      }
      case ObjectKind::barrier:
      case ObjectKind::latch:
      case ObjectKind::once:
        ensure_waiters(s, info);
        break;
      case ObjectKind::event:
        ::new (&s.event) RlEvent();
        s.event.init(/*manual_reset=*/true, /*initial_state=*/false, info);
        break;
      case ObjectKind::condvar:
        ::new (&s.condvar) RlCondVar();
        s.condvar.init(/*allow_spurious_wakeups=*/false, info);  // tangle's contract
        break;
      case ObjectKind::shared:
        ::new (&s.var) RlVar(0);
        break;
      case ObjectKind::atomic:
        ::new (&s.atomic) RlAtomic();
        break;
    }
    s.live = true;
    return static_cast<ObjectId>(count_++);
  }

  // Locks: the model judges a re-lock (self_deadlock) and an unlock by a
  // non-owner first, on a copy or the shadow, and words the finding; Relacy
  // then does the real work (blocking, happens-before, its own checks).
  void mutex_lock(ObjectId m, Loc loc) override {
    Slot& s = slot(m);
    const int t = thread_index();
    detail::model::ObjectState probe = s.model;  // locks never queue: no allocation
    if (detail::model::lock(probe, t) == detail::model::Lock::self_deadlock) self_deadlock(m, s.locked_at, loc);
    s.mutex.lock_exclusive(at(s, loc));
    if (detail::model::lock(s.model, t) == detail::model::Lock::acquired) s.locked_at = loc;
  }
  bool mutex_try_lock(ObjectId m, Loc loc) override {
    Slot& s = slot(m);
    if (!s.mutex.try_lock_exclusive(at(s, loc))) return false;
    if (detail::model::lock(s.model, thread_index()) == detail::model::Lock::acquired) s.locked_at = loc;
    return true;
  }
  void mutex_unlock(ObjectId m, Loc loc) override {
    Slot& s = slot(m);
    const int t = thread_index();
    if (detail::model::unlock(s.model, t) == detail::model::Unlock::not_owner) not_owner(s, m, false, loc);
    s.mutex.unlock_exclusive(at(s, loc));
  }

  void rwlock_lock(ObjectId l, bool shared, Loc loc) override {
    Slot& s = slot(l);
    const int t = thread_index();
    const bool reading = s.readers[t] > 0;
    detail::model::ObjectState probe = s.model;
    if (detail::model::rw_lock(probe, t, shared, reading) == detail::model::Lock::self_deadlock)
      self_deadlock(l, s.model.owner == t ? s.locked_at : s.read_locked_at[t], loc);
    if (shared) s.mutex.lock_shared(at(s, loc));
    else s.mutex.lock_exclusive(at(s, loc));
    locked_rw(s, t, shared, loc);
  }
  bool rwlock_try_lock(ObjectId l, bool shared, Loc loc) override {
    Slot& s = slot(l);
    const bool ok = shared ? s.mutex.try_lock_shared(at(s, loc)) : s.mutex.try_lock_exclusive(at(s, loc));
    if (ok) locked_rw(s, thread_index(), shared, loc);
    return ok;
  }
  void rwlock_unlock(ObjectId l, bool shared, Loc loc) override {
    Slot& s = slot(l);
    const int t = thread_index();
    if (detail::model::rw_unlock(s.model, t, shared, s.readers[t] > 0) == detail::model::Unlock::not_owner)
      not_owner(s, l, shared, loc);
    if (shared) {
      --s.readers[t];
      s.mutex.unlock_shared(at(s, loc));
    } else {
      s.mutex.unlock_exclusive(at(s, loc));
    }
  }

  void semaphore_acquire(ObjectId id, Loc loc) override {
    Slot& s = slot(id);
    s.semaphore.wait(false, false, at(s, loc));
  }
  bool semaphore_try_acquire(ObjectId id, Loc loc) override {
    Slot& s = slot(id);
    return s.semaphore.wait(true, false, at(s, loc)) == rl::sema_wakeup_reason_success;
  }
  void semaphore_release(ObjectId id, std::int64_t n, Loc loc) override {
    Slot& s = slot(id);
    unsigned previous = 0;
    if (n <= 0) return;
    if (!s.semaphore.post(static_cast<unsigned>(n), previous, at(s, loc))) {
      record(FindingKind::semaphore_overrelease,
             detail::model::overrelease_message(thread_name(), object_name(id), static_cast<std::int64_t>(previous) + n,
                                                s.model.limit),
             loc);
      fail("semaphore over-release", loc);
    }
  }

  void event_set(ObjectId e, Loc loc) override {
    Slot& s = slot(e);
    s.event.set(at(s, loc));
  }
  void event_clear(ObjectId e, Loc loc) override {
    Slot& s = slot(e);
    s.event.reset(at(s, loc));
  }
  void event_wait(ObjectId e, Loc loc) override {
    Slot& s = slot(e);
    s.event.wait(false, false, at(s, loc));
  }
  bool event_is_set(ObjectId e, Loc loc) override {
    Slot& s = slot(e);
    // A try-wait on a manual-reset event: does not consume the signal, and
    // acquires like Python's Event.is_set() observing a set() does.
    return s.event.wait(true, false, at(s, loc)) == rl::sema_wakeup_reason_success;
  }

  void condvar_wait(ObjectId cv, ObjectId m, Loc loc) override {
    Slot& c = slot(cv);
    Slot& mu = slot(m);
    const int t = thread_index();
    if (mu.model.owner != t) {
      record(FindingKind::unlock_not_owner,
             detail::model::wait_without_mutex_message(thread_name(), object_name(cv), object_name(m)), loc);
      fail("condvar wait without its mutex", loc);
    }
    // The shadow follows Relacy: released fully during the wait, then
    // re-locked at its old depth.
    const int depth = mu.model.recursion;
    const Loc locked_at = mu.locked_at;
    mu.model.owner = -1;
    mu.model.recursion = 0;
    c.condvar.wait(mu.mutex, false, at(c, loc));
    mu.model.owner = t;
    mu.model.recursion = depth;
    mu.locked_at = locked_at;
  }
  void condvar_notify(ObjectId cv, bool all, Loc loc) override {
    Slot& c = slot(cv);
    if (all) c.condvar.notify_all(at(c, loc));
    else c.condvar.notify_one(at(c, loc));
  }

  // Barrier, latch and once: the model's state under a Relacy mutex, waits
  // on a Relacy condvar (no spurious wakeups). Every arrival, count-down and
  // once_end unlocks that mutex after changing the state, and every waiter
  // re-locks it before going on, so Relacy sees exactly the model's
  // happens-before edges (primitives.hpp).
  void barrier_arrive_and_wait(ObjectId b, Loc loc) override {
    Slot& s = slot(b);
    const rl::debug_info info = at(s, loc);
    s.wait_mutex.lock_exclusive(info);
    const std::uint64_t phase = detail::model::arrive(s.model);
    if (detail::model::phase_done(s.model, phase)) s.wait_cv.notify_all(info);
    while (!detail::model::phase_done(s.model, phase)) s.wait_cv.wait(s.wait_mutex, false, info);
    s.wait_mutex.unlock_exclusive(info);
  }
  void latch_count_down(ObjectId l, std::int64_t n, bool wait, Loc loc) override {
    Slot& s = slot(l);
    const rl::debug_info info = at(s, loc);
    s.wait_mutex.lock_exclusive(info);
    if (n > 0) {
      const std::int64_t left = s.model.count;
      const detail::model::CountDown r = detail::model::count_down(s.model, n);
      if (r == detail::model::CountDown::below_zero) {
        s.wait_mutex.unlock_exclusive(info);
        record(FindingKind::invariant_violation,
               detail::model::latch_below_zero_message(thread_name(), object_name(l), n, left), loc);
        fail("latch below zero", loc);
      }
      if (r == detail::model::CountDown::reached_zero) s.wait_cv.notify_all(info);
    }
    if (wait)
      while (!detail::model::latch_open(s.model)) s.wait_cv.wait(s.wait_mutex, false, info);
    s.wait_mutex.unlock_exclusive(info);
  }
  bool once_begin(ObjectId o, Loc loc) override {
    Slot& s = slot(o);
    const rl::debug_info info = at(s, loc);
    s.wait_mutex.lock_exclusive(info);
    for (;;) {
      switch (detail::model::once_begin(s.model, thread_index())) {
        case detail::model::Once::run: s.wait_mutex.unlock_exclusive(info); return true;
        case detail::model::Once::done: s.wait_mutex.unlock_exclusive(info); return false;
        case detail::model::Once::busy: s.wait_cv.wait(s.wait_mutex, false, info); break;
        case detail::model::Once::self_deadlock:
          s.wait_mutex.unlock_exclusive(info);
          record(FindingKind::self_deadlock, detail::model::once_reentered_message(thread_name(), object_name(o)),
                 loc);
          fail("call_once re-entered", loc);
      }
    }
  }
  void once_end(ObjectId o, bool completed, Loc loc) override {
    Slot& s = slot(o);
    const rl::debug_info info = at(s, loc);
    s.wait_mutex.lock_exclusive(info);
    detail::model::once_end(s.model, completed);
    s.wait_cv.notify_all(info);  // done: all go on; threw: one of them runs it
    s.wait_mutex.unlock_exclusive(info);
  }

  // Relacy simulates the threads a test suite declares, a number fixed
  // before the first iteration: nothing can start one at run time. The
  // runner reports such scenarios not run (ScenarioInfo::spawns_threads);
  // this is for a scenario that starts a thread without saying so.
  // Objects keyed by address come from sources other than scenario handles
  // (an interposer, instrumentation hooks: `tangle exec`), which run on the
  // controlled engine; Relacy's simulation sees only handles.
  ObjectId object_at(const void*, ObjectKind, Loc loc) override {
    record(FindingKind::crash, kAddressUnsupported, loc);
    fail("an object keyed by address on the Relacy engine", loc);
    return 0;
  }
  void forget_address(const void*, std::size_t) override {}
  void memory_access(const void*, std::size_t, bool, Loc loc) override {
    record(FindingKind::crash, kAddressUnsupported, loc);
    fail("an instrumented memory access on the Relacy engine", loc);
  }
  int spawn_thread(detail::ThreadBody* body, Loc loc) override {
    delete body;  // allocated inside the simulation: freed inside it
    record(FindingKind::crash, kSpawnUnsupported, loc);
    fail("tangle::Thread on the Relacy engine", loc);
    return -1;
  }
  void join_thread(int, Loc loc, bool) override {
    record(FindingKind::crash, kSpawnUnsupported, loc);
    fail("tangle::Thread on the Relacy engine", loc);
  }

  // Relacy's own data choice: part of its schedule, so its exhaustive
  // schedulers enumerate the answers and a replayed iteration repeats them.
  std::uint64_t choose(std::uint64_t n, Loc) override {
    return rl::rand(static_cast<unsigned>(std::min<std::uint64_t>(n, UINT_MAX)));
  }

  void shared_access(ObjectId v, bool write, Loc loc) override {
    Slot& s = slot(v);
    // The shadow var sees the same reads and writes as the real value, so
    // Relacy's happens-before check judges the real access pattern. (Relacy's
    // history prints the shadow's value, always 0.)
    if (write) {
      s.var(at(s, loc)) = 0;
    } else {
      const int seen = s.var(at(s, loc));
      (void)seen;
    }
  }

  void atomic_access(ObjectId a, AtomicOp op, detail::MemoryOrder, Loc loc) override {
    Slot& s = slot(a);
    const rl::debug_info info = at(s, loc);
    // tangle treats every order as seq_cst (atomic.hpp); so does the shadow.
    // CAS is modelled as an RMW whether or not it succeeds (the runtime is
    // called before the operation): a failed CAS gets release semantics it
    // does not have, which can hide — never invent — a race.
    switch (op) {
      case AtomicOp::load: (void)s.atomic.load(rl::mo_seq_cst, info); break;
      case AtomicOp::store: s.atomic.store(0, rl::mo_seq_cst, info); break;
      case AtomicOp::rmw:
      case AtomicOp::cas: (void)s.atomic.fetch_add(0, rl::mo_seq_cst, info); break;
    }
  }

  void atomic_wait(ObjectId a, bool (*still_equal)(const void*), const void* ctx, Loc loc) override {
    Slot& s = slot(a);
    const rl::debug_info info = at(s, loc);
    (void)s.atomic.load(rl::mo_seq_cst, info);
    ensure_waiters(s, info);
    // The notifier stores before it takes wait_mutex to notify, so checking
    // the value under wait_mutex cannot miss a notification.
    s.wait_mutex.lock_exclusive(info);
    while (still_equal(ctx)) s.wait_cv.wait(s.wait_mutex, false, info);
    s.wait_mutex.unlock_exclusive(info);
  }
  void atomic_notify(ObjectId a, bool all, Loc loc) override {
    Slot& s = slot(a);
    const rl::debug_info info = at(s, loc);
    ensure_waiters(s, info);
    s.wait_mutex.lock_exclusive(info);
    if (all) s.wait_cv.notify_all(info);
    else s.wait_cv.notify_one(info);
    s.wait_mutex.unlock_exclusive(info);
  }

  void yield(bool /*spinning*/, Loc loc) override {
    // Relacy's schedulers treat a yield as "let somebody else run", which is
    // what keeps spin loops from counting as livelock.
    rl::ctx().yield(1, rl::debug_info("yield", loc.file_name(), loc.line()));
  }

  void check_failed(const std::string& message, Loc loc) override {
    pending_.record(FindingKind::invariant_violation, thread_index(), message.c_str(), loc);
    fail("tangle::check failed", loc);
  }

  int thread_index() const override {
    if (special_ || !rl::is_ctx()) return -1;
    rl::context& c = rl::ctx();
    return c.threadx_ != nullptr ? static_cast<int>(c.threadx_->index_) : -1;
  }

 private:
  struct Freer {
    std::size_t align;
    void operator()(unsigned char* p) const { ::operator delete(p, std::align_val_t(align)); }
  };

  Slot& slot(ObjectId id) { return slots_[id]; }

  static constexpr const char* kAddressUnsupported =
      "objects keyed by address and instrumented memory accesses are not supported on the Relacy engine";
  static constexpr const char* kSpawnUnsupported =
      "tangle::Thread started a thread at run time: the Relacy engine runs a fixed thread count";

  std::string thread_name() const { return detail::thread_display_name(thread_index()); }
  std::string object_name(ObjectId id) const {
    return detail::display_name(slots_[id].kind, slots_[id].model.name, id);
  }
  // Records a finding the runtime judged itself; `message` is freed before
  // the caller fails the iteration (Relacy never returns from that).
  void record(FindingKind kind, const std::string& message, Loc loc) {
    pending_.record(kind, thread_index(), message.c_str(), loc);
  }
  void record(FindingKind kind, const char* message, Loc loc) { pending_.record(kind, thread_index(), message, loc); }
  [[noreturn]] void self_deadlock(ObjectId id, Loc first, Loc loc) {
    record(FindingKind::self_deadlock, detail::model::self_deadlock_message(thread_name(), object_name(id), first), loc);
    fail("self deadlock", loc);
    __builtin_unreachable();
  }
  [[noreturn]] void not_owner(Slot& s, ObjectId id, bool shared, Loc loc) {
    const int owner = s.model.owner;
    record(FindingKind::unlock_not_owner,
           shared ? detail::model::unlock_shared_not_reader_message(thread_name(), object_name(id))
                  : detail::model::unlock_not_owner_message(thread_name(), object_name(id),
                                                            owner >= 0 ? detail::thread_display_name(owner) : ""),
           loc);
    fail("unlock by a non-owner", loc);
    __builtin_unreachable();
  }
  void locked_rw(Slot& s, int t, bool shared, Loc loc) {
    (void)detail::model::rw_lock(s.model, t, shared, s.readers[t] > 0);
    if (shared) {
      if (s.readers[t]++ == 0) s.read_locked_at[t] = loc;
    } else {
      s.locked_at = loc;
    }
  }

  static rl::debug_info at(const Slot& s, Loc loc) {
    return rl::debug_info(s.name, loc.file_name(), loc.line());
  }

  // Makes Relacy fail the current iteration. Relacy switches straight back to
  // its main fiber: the scenario thread never resumes.
  void fail(const char* what, Loc loc) {
    if (observer_ != nullptr) observer_->iteration_end();
    rl::ctx().fail_test(what, rl::test_result_user_assert_failed,
                        rl::debug_info("tangle", loc.file_name(), loc.line()));
  }

  // Inside a catch (...) block: the exception's type, demangled
  // ("unhandled exception of type int"). __cxa_demangle allocates with
  // malloc (not Relacy's operator new) and the text goes to a fixed buffer.
  void record_unknown_exception(int thread, const char* what) {
    char text[512];
    const std::type_info* type = abi::__cxa_current_exception_type();
    int status = -1;
    char* name = type != nullptr ? abi::__cxa_demangle(type->name(), nullptr, nullptr, &status) : nullptr;
    std::snprintf(text, sizeof text, "%s of type %s (not a std::exception)", what,
                  name != nullptr ? name : (type != nullptr ? type->name() : "unknown"));
    std::free(name);
    pending_.record(FindingKind::crash, thread, text, Loc{});
  }

  void ensure_waiters(Slot& s, const rl::debug_info& info) {
    if (s.waiters) return;
    ::new (&s.wait_mutex) RlMutex();
    s.wait_mutex.init(false, false, false, false, info);
    ::new (&s.wait_cv) RlCondVar();
    s.wait_cv.init(false, info);
    s.waiters = true;
  }

  void destroy_objects() {
    const rl::debug_info info("tangle", __FILE__, __LINE__);
    for (int i = count_ - 1; i >= 0; --i) {
      Slot& s = slots_[i];
      if (!s.live) continue;
      switch (s.kind) {
        case ObjectKind::mutex:
        case ObjectKind::recursive_mutex:
        case ObjectKind::rwlock: s.mutex.deinit(info); s.mutex.~RlMutex(); break;
        case ObjectKind::barrier:
        case ObjectKind::latch:
        case ObjectKind::once: break;  // only the wait pair, below
        case ObjectKind::semaphore:
        case ObjectKind::bounded_semaphore: s.semaphore.deinit(info); s.semaphore.~RlSemaphore(); break;
        case ObjectKind::event: s.event.deinit(info); s.event.~RlEvent(); break;
        case ObjectKind::condvar: s.condvar.deinit(info); s.condvar.~RlCondVar(); break;
        case ObjectKind::shared: s.var.~RlVar(); break;
        case ObjectKind::atomic: s.atomic.~RlAtomic(); break;
      }
      if (s.waiters) {
        s.wait_cv.deinit(info);
        s.wait_cv.~RlCondVar();
        s.wait_mutex.deinit(info);
        s.wait_mutex.~RlMutex();
        s.waiters = false;
      }
      s.live = false;
    }
    count_ = 0;
  }

  const ScenarioInfo& info_;
  const Params& params_;
  IterationObserver* observer_;
  std::uint64_t first_iteration_;
  unsigned ctx_seq_ = 0;  // Relacy context of the pass in progress (0: none yet)
  int passes_ = 0;
  std::uint64_t iteration_ = 0, next_iteration_ = 0;
  std::unique_ptr<unsigned char, Freer> storage_;  // the scenario instance
  Scenario* scenario_ = nullptr;
  Slot slots_[kMaxObjects];
  int count_ = 0;
  bool special_ = false;  // constructor / check(): not a scenario thread
  Pending pending_;
};

// The runtime of the simulation in progress (Relacy constructs test suites
// itself, with their default constructor).
RelacyRuntime* g_runtime = nullptr;

template <int N>
struct Suite : rl::test_suite<Suite<N>, N> {
  void before() { g_runtime->begin_iteration(); }
  void thread(unsigned index) { g_runtime->run_thread(static_cast<int>(index)); }
  void after() { g_runtime->end_iteration(); }
};

rl::scheduler_type_e to_relacy(Scheduler s) {
  switch (s) {
    case Scheduler::random: return rl::random_scheduler_type;
    case Scheduler::full: return rl::fair_full_search_scheduler_type;
    case Scheduler::context: return rl::fair_context_bound_scheduler_type;
  }
  return rl::random_scheduler_type;
}

template <int N>
void simulate_n(int threads, rl::test_params& params) {
  if constexpr (N <= kMaxThreads) {
    if (threads == N) {
      rl::simulate<Suite<N>>(params);
      return;
    }
    simulate_n<N + 1>(threads, params);
  } else {
    throw std::invalid_argument("Relacy engine simulates at most " + std::to_string(kMaxThreads) +
                                " threads, scenario has " + std::to_string(threads));
  }
}

// Relacy's verdict as a tangle finding kind. Exhaustive, no default: a new
// Relacy result is a compile warning here. Results outside tangle's
// vocabulary (memory errors, misuse of Relacy objects) become `crash`, with
// Relacy's words in the message.
FindingKind map_result(rl::test_result_e r, const Pending& pending) {
  switch (r) {
    case rl::test_result_data_race: return FindingKind::data_race;
    case rl::test_result_deadlock: return FindingKind::deadlock;
    case rl::test_result_livelock: return FindingKind::livelock;
    case rl::test_result_recursion_on_nonrecursive_mutex: return FindingKind::self_deadlock;
    case rl::test_result_unlocking_mutex_wo_ownership: return FindingKind::unlock_not_owner;
    // A rwlock re-locked for the other side by its holder waits for itself
    // (model::rw_lock); the runtime reports the plain cases before Relacy.
    case rl::test_result_mutex_write_to_read_upgrade:
    case rl::test_result_mutex_read_to_write_upgrade: return FindingKind::self_deadlock;
    case rl::test_result_user_assert_failed:
    case rl::test_result_user_invariant_failed:
      // Only this runtime asserts: it recorded what it saw first.
      return pending.set ? pending.kind : FindingKind::invariant_violation;
    case rl::test_result_success:
    case rl::test_result_until_condition_hit:
    case rl::test_result_inconsistent_test_suite:
    case rl::test_result_access_to_freed_memory:
    case rl::test_result_double_free:
    case rl::test_result_memory_leak:
    case rl::test_result_resource_leak:
    case rl::test_result_unitialized_access:
    case rl::test_result_destroying_owned_mutex:
    case rl::test_result_double_initialization_of_mutex:
    case rl::test_result_usage_of_non_initialized_mutex:
    case rl::test_result_double_initialization_of_condvar:
    case rl::test_result_usage_of_non_initialized_condvar:
    case rl::test_result_double_initialization_of_semaphore:
    case rl::test_result_usage_of_non_initialized_semaphore:
    case rl::test_result_double_initialization_of_event:
    case rl::test_result_usage_of_non_initialized_event:
    case rl::test_result_thread_signal:
      return FindingKind::crash;
  }
  return FindingKind::crash;
}

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// "file(line)" at the end of a Relacy history line -> "dir/file.cpp:line",
// relative to the source root; Relacy's own headers yield "".
std::string history_location(const std::string& tail) {
  const auto open = tail.rfind('(');
  const auto close = tail.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  const std::string file = tail.substr(0, open);
  if (file.empty() || file.find("/relacy/") != std::string::npos) return "";
  const std::string line = tail.substr(open + 1, close - open - 1);
  return detail::relative_source_path(file.c_str()) + ":" + line;
}

// A short verb for the console's op column (tangle's trace vocabulary where
// one fits); the full Relacy text stays in the event's detail.
std::string short_op(const std::string& what) {
  static const std::pair<const char*, const char*> kOps[] = {
      {"DATA RACE", "DATA RACE"},       {"DEADLOCK", "DEADLOCK"},
      {"LIVELOCK", "LIVELOCK"},         {"USER ASSERT", "FAILED"},
      {"RECURSION ON", "RECURSION"},    {"UNLOCKING MUTEX", "BAD UNLOCK"},
      {"recursive exclusive lock", "relock"}, {"exclusive unlock", "unlock"},
      {"exclusive lock", "lock"},       {"try lock", "try_lock"},
      {"blocking current thread", "blocked"}, {"unblocking thread", "unblock"},
      {"mutex: blocking", "wait lock"}, {"wait enter", "cv_wait"},
      {"wait exit", "cv_woken"},        {"notify one", "notify_one"},
      {"notify all", "notify_all"},     {"semaphore: post FAILED", "overrelease"},
      {"semaphore: post", "release"},   {"semaphore: wait", "acquire"},
      {"event: set", "set"},            {"event: reset", "clear"},
      {"event: wait", "wait"},          {"fetch_add", "rmw"},
      {"load", "load"},                 {"store", "store"},
      {"yield", "yield"},
  };
  for (const auto& [needle, op] : kOps)
    if (what.find(needle) != std::string::npos) return op;
  if (!what.empty() && what[0] == '[') return what;  // [THREAD FINISHED], [CTOR BEGIN], …
  return what.substr(0, 11);
}

// Relacy's "execution history" section, one TraceEvent per line:
//   [12] 1: <0x55..> exclusive lock, in counter_lock, /src/scenarios/x.cpp(14)
// object is the tangle object (Relacy's "function" slot, which this runtime
// fills with the object's name).
std::vector<report::TraceEvent> parse_history(const std::string& text, std::uint64_t* length) {
  std::vector<report::TraceEvent> events;
  std::istringstream in(text);
  std::string line;
  bool in_history = false;
  while (std::getline(in, line)) {
    if (line.rfind("execution history", 0) == 0) {
      in_history = true;
      continue;
    }
    if (!in_history) continue;
    if (line.empty()) break;  // the per-thread sections follow
    if (line[0] != '[') continue;
    report::TraceEvent e;
    const auto close = line.find(']');
    const auto colon = line.find(':', close);
    if (close == std::string::npos || colon == std::string::npos) continue;
    e.step = std::strtoull(line.c_str() + 1, nullptr, 10);
    e.thread = std::atoi(line.c_str() + close + 1);
    std::string rest = line.substr(colon + 1);
    if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
    const auto in_pos = rest.rfind(", in ");
    std::string what = in_pos == std::string::npos ? rest : rest.substr(0, in_pos);
    if (in_pos != std::string::npos) {
      const std::string where = rest.substr(in_pos + 5);  // "func, file(line)"
      const auto comma = where.find(", ");
      if (comma != std::string::npos) {
        const std::string func = where.substr(0, comma);
        e.location = history_location(where.substr(comma + 2));
        if (!e.location.empty()) e.object = func;
      }
    }
    // Drop the object address Relacy prints first: it differs between runs.
    if (what.size() > 2 && what[0] == '<') {
      const auto gt = what.find("> ");
      if (gt != std::string::npos) what.erase(0, gt + 2);
    }
    // op: a short verb; detail: the history line without the address. The
    // value Relacy prints for a Shared/Atomic is the shadow's (always 0): dropped.
    if (const auto v = what.find(", value="); v != std::string::npos) what.erase(v);
    // Heap addresses ("addr=0x…") differ between processes (ASLR): elide them.
    for (auto x = what.find("0x"); x != std::string::npos; x = what.find("0x", x + 2)) {
      auto end = x + 2;
      while (end < what.size() && std::isxdigit(static_cast<unsigned char>(what[end]))) ++end;
      what.replace(x, end - x, "0x?");
    }
    e.op = short_op(what);
    e.detail = "relacy: [" + std::to_string(e.step) + "] " + std::to_string(e.thread) + ": " + what +
               (in_pos == std::string::npos ? "" : rest.substr(in_pos));
    events.push_back(std::move(e));
  }
  *length = events.size();
  return events;
}

// The wait-for edges of a deadlock, rebuilt from the history: for each blocked
// thread, the object it waits on and who holds it (the last thread whose lock
// of it was not followed by its unlock). Condition variables and events have
// no holder: other_thread stays -1.
void fill_wait_for(report::Finding& f) {
  std::map<std::string, int> holder;              // mutex -> owning thread
  std::map<int, std::vector<std::string>> holds;  // thread -> mutexes held
  std::map<int, const report::TraceEvent*> waiting;
  for (const auto& e : f.trace) {
    if (e.object.empty()) continue;
    if (e.op == "lock" || e.op == "relock" || e.op == "try_lock") {
      holder[e.object] = e.thread;
      auto& h = holds[e.thread];
      if (std::find(h.begin(), h.end(), e.object) == h.end()) h.push_back(e.object);
    } else if (e.op == "unlock") {
      holder.erase(e.object);
      auto& h = holds[e.thread];
      h.erase(std::remove(h.begin(), h.end(), e.object), h.end());
    } else if (e.op == "blocked") {
      waiting[e.thread] = &e;
    }
  }
  std::string text;
  for (int t : f.threads) {
    auto w = waiting.find(t);
    if (w == waiting.end()) continue;
    report::CycleEdge edge;
    edge.thread = t;
    edge.wants = w->second->object;
    edge.location = w->second->location;
    if (auto h = holder.find(edge.wants); h != holder.end() && h->second != t) edge.other_thread = h->second;
    for (const auto& m : holds[t]) edge.holds += (edge.holds.empty() ? "" : ",") + m;
    text += (text.empty() ? "" : "; ") + std::string("T") + std::to_string(t) + " waits for " + edge.wants +
            (edge.other_thread >= 0 ? " held by T" + std::to_string(edge.other_thread) : "");
    f.cycle.push_back(std::move(edge));
  }
  if (!text.empty()) f.message += ": " + text;
}

}  // namespace

const char* const kSpawnsThreadsReason =
    "the scenario starts threads at run time (tangle::MainScenario); Relacy runs a fixed thread count";

bool relacy_can_report(FindingKind kind) {
  switch (kind) {
    case FindingKind::data_race:
    case FindingKind::deadlock:
    case FindingKind::self_deadlock:
    case FindingKind::semaphore_overrelease:
    case FindingKind::unlock_not_owner:
    case FindingKind::invariant_violation:
    case FindingKind::livelock:
    case FindingKind::crash:
    case FindingKind::hang:  // the supervising parent's watchdog (relacy_isolation.hpp)
      return true;
    case FindingKind::lock_order_inversion:  // needs a lock-order graph across a whole run
    case FindingKind::tsan_report:           // ThreadSanitizer only
      return false;
  }
  return false;
}

Expressibility expressibility(const ScenarioInfo& info, const Params& params) {
  Expressibility e;
  if (info.spawns_threads) {
    // Runnable in the CLI's sense (a run over a glob goes on), but the
    // runner reports it not run.
    e.note = std::string("not run: ") + kSpawnsThreadsReason;
    return e;
  }
  const int threads = info.thread_count(params);
  if (threads < 1 || threads > kMaxThreads) {
    e.runnable = false;
    e.note = "not runnable: " + std::to_string(threads) + " threads (Relacy engine: 1.." +
             std::to_string(kMaxThreads) + ")";
    return e;
  }
  for (FindingKind k : info.expected)
    if (!relacy_can_report(k)) e.missing.push_back(k);
  if (!e.missing.empty()) {
    std::string kinds;
    for (FindingKind k : e.missing) kinds += (kinds.empty() ? "" : ",") + std::string(report::to_string(k));
    bool other = false;
    for (FindingKind k : info.expected) other |= relacy_can_report(k);
    e.note = (other ? "partial: Relacy cannot express " : "no: Relacy cannot express ") + kinds +
             (other ? " (the other expected kinds still decide the verdict)" : "");
  }
  return e;
}

std::uint64_t first_iteration(const Options& options) {
  if (options.scheduler != Scheduler::random) return 1;
  return options.first_iteration != 0 ? options.first_iteration
                                      : (options.seed == 0 ? 0 : options.seed - 1) * options.executions + 1;
}

Outcome run_relacy(const ScenarioInfo& info, const Params& params, const Options& options) {
  const int threads = info.thread_count(params);
  if (threads < 1 || threads > kMaxThreads)
    throw std::invalid_argument(info.name + ": " + std::to_string(threads) +
                                " threads, the Relacy engine simulates 1.." + std::to_string(kMaxThreads));

  Outcome out;

  rl::ostringstream output;    // malloc-backed: Relacy writes it inside the simulation
  rl::ostringstream progress;  // Relacy's "n% (i/total)" lines, discarded
  rl::test_params p;
  p.search_type = to_relacy(options.scheduler);
  p.context_bound = options.context_bound;
  p.execution_depth_limit = static_cast<unsigned>(std::min<std::uint64_t>(options.max_steps, UINT_MAX));
  p.output_stream = &output;
  p.progress_stream = &progress;
  if (options.scheduler == Scheduler::random) {
    // Relacy seeds iteration i with i and runs [start, iteration_count].
    const std::uint64_t first = first_iteration(options);
    out.first_iteration = first;
    p.iteration_count = first + options.executions - 1;
    if (first > 1) p.initial_state = std::to_string(first).c_str();
  }
  RelacyRuntime runtime(info, params, options.observer, out.first_iteration);
  g_runtime = &runtime;
  detail::Runtime* previous = detail::current_runtime_or_null();

  const auto start = std::chrono::steady_clock::now();
  simulate_n<1>(threads, p);
  out.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  g_runtime = nullptr;
  detail::set_current_runtime(previous);
  if (options.observer != nullptr) options.observer->iteration_end();

  out.failed = p.test_result != rl::test_result_success;
  const std::uint64_t stop = static_cast<std::uint64_t>(p.stop_iteration);
  out.executions = stop >= out.first_iteration ? stop - out.first_iteration + 1 : stop;
  if (!out.failed) return out;

  out.failing_iteration = stop;
  // The runtime counts iterations itself (for a supervisor, while they run);
  // it must agree with Relacy, or tokens of crashed iterations would lie.
  if (runtime.last_iteration() != stop)
    throw std::logic_error("relacy engine: iteration count " + std::to_string(runtime.last_iteration()) +
                           " disagrees with Relacy's " + std::to_string(stop));
  out.history = std::string(output.str().c_str());
  const Pending& pending = runtime.pending();
  // Relacy's first output line is the test name, the second its verdict.
  {
    std::istringstream in(out.history);
    std::string line;
    std::getline(in, line);
    std::getline(in, line);
    out.relacy_verdict = line.empty() ? rl::test_result_str(p.test_result) : line;
  }

  report::Finding& f = out.finding;
  f.kind = map_result(p.test_result, pending);
  f.source = "relacy";
  f.first_execution = out.executions;
  f.trace = parse_history(out.history, &f.trace_length);
  if (pending.set) {
    f.message = pending.message;
    if (pending.symbolized) f.locations.push_back(pending.file);
    else if (pending.line != 0) f.locations.push_back(detail::location_string(Loc{pending.file, pending.line}));
    if (pending.thread >= 0) f.threads.push_back(pending.thread);
  } else {
    f.message = "Relacy: " + out.relacy_verdict;
  }
  // The failing event is Relacy's last history line; the events of the
  // failing thread just before it name the racing / blocking operation.
  if (!f.trace.empty()) {
    report::TraceEvent& last = f.trace.back();
    last.highlight = true;
    if (f.threads.empty()) f.threads.push_back(last.thread);
    for (auto it = f.trace.rbegin(); it != f.trace.rend(); ++it) {
      if (it->thread != last.thread || it->location.empty()) continue;
      it->highlight = true;
      if (f.locations.empty() || f.locations.back() != it->location) {
        if (std::find(f.locations.begin(), f.locations.end(), it->location) == f.locations.end())
          f.locations.push_back(it->location);
      }
      break;
    }
    // For a deadlock, every thread whose last event is "blocked" is involved.
    if (f.kind == FindingKind::deadlock) {
      std::vector<int> last_op_thread;
      for (auto it = f.trace.rbegin(); it != f.trace.rend(); ++it) {
        if (std::find(last_op_thread.begin(), last_op_thread.end(), it->thread) != last_op_thread.end())
          continue;
        last_op_thread.push_back(it->thread);
        if (it->op == "blocked" || it->op == "DEADLOCK") {
          it->highlight = true;
          if (std::find(f.threads.begin(), f.threads.end(), it->thread) == f.threads.end())
            f.threads.push_back(it->thread);
          if (!it->location.empty() &&
              std::find(f.locations.begin(), f.locations.end(), it->location) == f.locations.end())
            f.locations.push_back(it->location);
        }
      }
      std::sort(f.threads.begin(), f.threads.end());
      fill_wait_for(f);
    }
    // For a data race, the other side is the last access to the same object
    // by another thread.
    if (f.kind == FindingKind::data_race) {
      std::string object;
      for (auto it = f.trace.rbegin(); it != f.trace.rend(); ++it)
        if (it->thread == last.thread && !it->object.empty()) {
          object = it->object;
          break;
        }
      for (auto it = f.trace.rbegin(); it != f.trace.rend(); ++it)
        if (it->thread != last.thread && it->object == object && !object.empty()) {
          it->highlight = true;
          if (std::find(f.threads.begin(), f.threads.end(), it->thread) == f.threads.end())
            f.threads.push_back(it->thread);
          if (std::find(f.locations.begin(), f.locations.end(), it->location) == f.locations.end())
            f.locations.push_back(it->location);
          break;
        }
    }
  }
  // Over the parsed events, which leave out object addresses (ASLR): the same
  // iteration hashes the same in every process.
  std::string canonical;
  for (const auto& e : f.trace) canonical += e.detail + "\n";
  f.trace_hash = detail::hash_hex(fnv1a(canonical));
  return out;
}

}  // namespace tangle::relacy
