// Shared<T>: a plain variable whose every read and write is race-checked.
//
// On the controlled engine each access is a scheduling point and goes through
// the happens-before detector (vector clocks, FastTrack-style; see
// harness/src/detectors/race_detector.hpp). Accesses from the scenario's
// constructor and check() are outside the threads and not checked.
#pragma once

#include <utility>

#include "tangle/detail/runtime.hpp"

namespace tangle {

template <class T>
class Shared {
 public:
  explicit Shared(T initial = T{}, const char* name = nullptr, Loc loc = Loc::current())
      : id_(detail::current_runtime().create_object(detail::ObjectKind::shared, name, 0, loc)),
        value_(std::move(initial)) {}
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;

  T read(Loc loc = Loc::current()) const {
    detail::current_runtime().shared_access(id_, false, loc);
    return value_;
  }
  void write(T value, Loc loc = Loc::current()) {
    detail::current_runtime().shared_access(id_, true, loc);
    value_ = std::move(value);
  }
  // One read access for inspecting a large value in place.
  const T& view(Loc loc = Loc::current()) const {
    detail::current_runtime().shared_access(id_, false, loc);
    return value_;
  }
  // One write access for modifying a large value in place (push_back, …).
  T& modify(Loc loc = Loc::current()) {
    detail::current_runtime().shared_access(id_, true, loc);
    return value_;
  }
  // Read-modify-write as two accesses: reads the value, applies `f` to a
  // copy, writes it back, returns the new value. Another thread's access in
  // between is the lost update it is in real code.
  template <class F>
  T update(F&& f, Loc loc = Loc::current()) {
    T x = read(loc);
    f(x);
    write(x, loc);
    return x;
  }

  // Compound assignment: update() by another name. An operator cannot take
  // the caller's line as a defaulted argument, so it records its return
  // address (hence noinline: inlined, it would be its caller's caller's),
  // symbolized to the caller's file:line when a finding names it — given
  // line tables (-g or -g1), else function+offset.
  template <class U>
  [[gnu::noinline]] T operator+=(const U& v) {
    return update([&](T& x) { x += v; }, Loc::from_pc(__builtin_return_address(0)));
  }
  template <class U>
  [[gnu::noinline]] T operator-=(const U& v) {
    return update([&](T& x) { x -= v; }, Loc::from_pc(__builtin_return_address(0)));
  }
  template <class U>
  [[gnu::noinline]] T operator*=(const U& v) {
    return update([&](T& x) { x *= v; }, Loc::from_pc(__builtin_return_address(0)));
  }
  template <class U>
  [[gnu::noinline]] T operator|=(const U& v) {
    return update([&](T& x) { x |= v; }, Loc::from_pc(__builtin_return_address(0)));
  }
  template <class U>
  [[gnu::noinline]] T operator&=(const U& v) {
    return update([&](T& x) { x &= v; }, Loc::from_pc(__builtin_return_address(0)));
  }
  template <class U>
  [[gnu::noinline]] T operator^=(const U& v) {
    return update([&](T& x) { x ^= v; }, Loc::from_pc(__builtin_return_address(0)));
  }
  [[gnu::noinline]] T operator++() {
    return update([](T& x) { ++x; }, Loc::from_pc(__builtin_return_address(0)));
  }
  [[gnu::noinline]] T operator--() {
    return update([](T& x) { --x; }, Loc::from_pc(__builtin_return_address(0)));
  }
  [[gnu::noinline]] T operator++(int) {
    const Loc loc = Loc::from_pc(__builtin_return_address(0));
    const T old = read(loc);
    write(old + 1, loc);
    return old;
  }
  [[gnu::noinline]] T operator--(int) {
    const Loc loc = Loc::from_pc(__builtin_return_address(0));
    const T old = read(loc);
    write(old - 1, loc);
    return old;
  }

  // Unchecked access, for the scenario's check() after all threads finished.
  const T& final_value() const { return value_; }

  detail::ObjectId id() const { return id_; }

 private:
  detail::ObjectId id_;
  T value_;
};

}  // namespace tangle
