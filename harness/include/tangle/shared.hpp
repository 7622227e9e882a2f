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
  // Unchecked access, for the scenario's check() after all threads finished.
  const T& final_value() const { return value_; }

 private:
  detail::ObjectId id_;
  T value_;
};

}  // namespace tangle
