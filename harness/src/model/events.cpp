#include "model/events.hpp"

#include <array>

namespace tangle::detail {

namespace {
constexpr std::array kNames = {
    "start",        "end",          "lock",          "acquired",      "try_lock",   "unlock",
    "acquire",      "try_acquire",  "release",       "set",           "clear",      "wait",
    "is_set",       "cv_wait",      "notify_one",    "notify_all",    "read",       "write",
    "load",         "store",        "rmw",           "cas",           "atomic_wait", "atomic_notify",
    "yield",        "spin",         "blocked",       "check_failed",  "spawn",      "join",
    "lock_shared",  "unlock_shared", "try_lock_shared", "arrive",     "once_begin", "once_end",
    "choose",
};
static_assert(kNames.size() == static_cast<std::size_t>(EventOp::choose) + 1, "one name per EventOp");
}  // namespace

const char* to_string(EventOp op) {
  const auto i = static_cast<std::size_t>(op);
  return i < kNames.size() ? kNames[i] : "?";
}

}  // namespace tangle::detail
