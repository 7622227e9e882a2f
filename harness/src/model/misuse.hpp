// The words of every misuse finding, once for every engine (the model says
// *that* an operation is a misuse, primitives.hpp; this says it to the user).
// Findings are data — kind, threads, objects, locations — and these are the
// one formatter for their messages: an engine passes names it already has
// (object_names.hpp) and never writes a message of its own.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tangle/detail/runtime.hpp"

namespace tangle::detail::model {

// self_deadlock: `thread` locks `object` again while holding it (since `first`).
std::string self_deadlock_message(std::string_view thread, std::string_view object, Loc first);
// self_deadlock on a once-flag: the function re-entered its own call_once.
std::string once_reentered_message(std::string_view thread, std::string_view object);
// unlock_not_owner: `owner` is the holder's name, "" when nobody holds it.
std::string unlock_not_owner_message(std::string_view thread, std::string_view object, std::string_view owner);
// unlock_not_owner: a read unlock by a thread that holds no read lock.
std::string unlock_shared_not_reader_message(std::string_view thread, std::string_view object);
// unlock_not_owner: a condition-variable wait without holding its mutex.
std::string wait_without_mutex_message(std::string_view thread, std::string_view condvar, std::string_view mutex);
// semaphore_overrelease: the count would become `count`, above `bound`.
std::string overrelease_message(std::string_view thread, std::string_view semaphore, std::int64_t count,
                                std::int64_t bound);
// invariant_violation: a latch counted down by more than it had left.
std::string latch_below_zero_message(std::string_view thread, std::string_view latch, std::int64_t n,
                                     std::int64_t left);
// invariant_violation: a join of a thread that is not joinable. Why a join
// is bad is an enum, so that every engine says it in the same words.
enum class BadJoin : std::uint8_t { none, self, not_started, already_joined };
std::string bad_join_message(std::string_view thread, std::string_view target, BadJoin why);
// data_race: the later access and the earlier one it is unordered with.
struct RaceAccess {
  int thread;
  bool write;
  Loc loc;
};
std::string data_race_message(std::string_view object, const RaceAccess& later, const RaceAccess& earlier);
// livelock: the step bound.
std::string step_bound_message(std::uint64_t max_steps, std::string_view running_threads);

}  // namespace tangle::detail::model
