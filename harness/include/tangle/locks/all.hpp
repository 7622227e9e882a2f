// Umbrella header: every lock strategy plus the compile-time strategy list.
//
// Adding a strategy is one edit: write its header (a class template over
// `template <class> class Atomic` with a `static constexpr LockInfo info`), include it
// here and append it to AllLocks. The benchmark (bench/locks), the tests
// (tests/locks) and the tangle scenarios (scenarios/locks) all iterate AllLocks.
//
// The contract for a strategy's code, so that it runs under tangle::Atomic too:
//   * touch the Atomic only through load/store/exchange/compare_exchange_*/fetch_*/
//     wait/notify_* (tests/locks checks this with a probe atomic that has nothing
//     else), initialised by constructor argument (`Atomic<int> x{0}`);
//   * call `spin_hint(a)` unqualified in every iteration of every spin loop;
//   * do not mark lock()/unlock()/try_lock() noexcept: the controlled engine ends an
//     execution (deadlock, step bound, budget) by unwinding scenario threads from
//     inside an instrumented operation, and noexcept turns that into std::terminate.
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "tangle/locks/broken_check_then_set_lock.hpp"
#include "tangle/locks/clh_lock.hpp"
#include "tangle/locks/futex_mutex.hpp"
#include "tangle/locks/lock_info.hpp"
#include "tangle/locks/mcs_lock.hpp"
#include "tangle/locks/rw_spin_lock.hpp"
#include "tangle/locks/spin_hint.hpp"
#include "tangle/locks/spin_then_park_mutex.hpp"
#include "tangle/locks/std_adapters.hpp"
#include "tangle/locks/tas_spin_lock.hpp"
#include "tangle/locks/ticket_lock.hpp"
#include "tangle/locks/ttas_backoff_lock.hpp"

namespace tangle::locks {

// A list of lock *templates* (not yet bound to an atomic type).
template <template <template <class> class> class... Locks>
struct LockList {
  static constexpr std::size_t size = sizeof...(Locks);
};

// The strategies, in report order: spin locks, queue locks, sleeping locks,
// reader-writer locks, std baselines, then the negative control.
using AllLocks = LockList<TasSpinLock, TtasBackoffLock, TicketLock, McsLock, ClhLock,
                          FutexMutex, SpinThenParkMutex, RwSpinLock, StdMutex,
                          StdSharedMutex, BrokenCheckThenSetLock>;

// Calls f.template operator()<Lock>() for every lock template in List, in order:
//   for_each_lock([]<template <template <class> class> class L>() {
//     using Bench = L<std::atomic>; ...
//   });
namespace detail {
template <class List>
struct ForEachLock;
template <template <template <class> class> class... Ls>
struct ForEachLock<LockList<Ls...>> {
  template <class F>
  static constexpr void apply(F& f) {
    (f.template operator()<Ls>(), ...);
  }
};
}  // namespace detail

template <class List = AllLocks, class F>
constexpr void for_each_lock(F&& f) {
  detail::ForEachLock<List>::apply(f);
}

// Binds every lock in List to one atomic type: BindAtomic<AllLocks, std::atomic,
// std::tuple> is std::tuple<TasSpinLock<std::atomic>, ...>. Holder is any variadic
// type template (std::tuple, ::testing::Types, ...).
template <class List, template <class> class Atomic, template <class...> class Holder>
struct BindAtomic;
template <template <template <class> class> class... Ls, template <class> class Atomic,
          template <class...> class Holder>
struct BindAtomic<LockList<Ls...>, Atomic, Holder> {
  using type = Holder<Ls<Atomic>...>;
};
template <class List, template <class> class Atomic, template <class...> class Holder>
using BindAtomicT = typename BindAtomic<List, Atomic, Holder>::type;

// Sub-lists selected by LockInfo, e.g. FilterLocksT<AllLocks, is_correct>.
namespace detail {
template <class A, class B>
struct ConcatLocks;
template <template <template <class> class> class... A,
          template <template <class> class> class... B>
struct ConcatLocks<LockList<A...>, LockList<B...>> {
  using type = LockList<A..., B...>;
};
}  // namespace detail

template <class List, bool (*Pred)(const LockInfo&)>
struct FilterLocks;
template <bool (*Pred)(const LockInfo&)>
struct FilterLocks<LockList<>, Pred> {
  using type = LockList<>;
};
template <template <template <class> class> class L,
          template <template <class> class> class... Ls, bool (*Pred)(const LockInfo&)>
struct FilterLocks<LockList<L, Ls...>, Pred> {
  using rest = typename FilterLocks<LockList<Ls...>, Pred>::type;
  using type = std::conditional_t<Pred(L<std::atomic>::info),
                                  typename detail::ConcatLocks<LockList<L>, rest>::type, rest>;
};
template <class List, bool (*Pred)(const LockInfo&)>
using FilterLocksT = typename FilterLocks<List, Pred>::type;

constexpr bool is_correct(const LockInfo& i) { return i.correct; }
constexpr bool is_reader_writer(const LockInfo& i) {
  return i.correct && i.kind == LockKind::reader_writer;
}
// What tangle's scenarios can verify: everything built on its Atomic parameter,
// including the broken lock (whose scenario must produce a finding).
constexpr bool is_instrumented(const LockInfo& i) { return i.instrumented; }

using CorrectLocks = FilterLocksT<AllLocks, is_correct>;
using ReaderWriterLocks = FilterLocksT<AllLocks, is_reader_writer>;
using InstrumentedLocks = FilterLocksT<AllLocks, is_instrumented>;

template <class L>
concept ReaderWriterLock = requires(L l) {
  l.lock_shared();
  l.unlock_shared();
  { l.try_lock_shared() } -> std::same_as<bool>;
};

}  // namespace tangle::locks
