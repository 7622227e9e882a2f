// tangle::check: the scenario states what must hold.
//
// A failed check is an `invariant_violation` finding at the caller's line; the
// execution goes on (later findings of the same execution are kept), the
// check's message is the finding's message.
#pragma once

#include <string>

#include "tangle/detail/runtime.hpp"

namespace tangle {

inline bool check(bool condition, const std::string& message, Loc loc = Loc::current()) {
  if (!condition) detail::current_runtime().check_failed(message, loc);
  return condition;
}

}  // namespace tangle
