// tangle::check: the scenario states what must hold.
//
// A failed check is an `invariant_violation` finding at the caller's line; the
// execution goes on (later findings of the same execution are kept), the
// check's message is the finding's message.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include "tangle/detail/runtime.hpp"

namespace tangle {

inline bool check(bool condition, std::string_view message, Loc loc = Loc::current()) {
  if (!condition) detail::current_runtime().check_failed(std::string(message), loc);
  return condition;
}

// The message is built only when the check fails: keeps string formatting out
// of every passing execution. `make_message` returns something convertible
// to std::string.
template <class MakeMessage>
  requires std::is_invocable_v<MakeMessage>
bool check(bool condition, MakeMessage&& make_message, Loc loc = Loc::current()) {
  if (!condition) detail::current_runtime().check_failed(std::string(make_message()), loc);
  return condition;
}

}  // namespace tangle
