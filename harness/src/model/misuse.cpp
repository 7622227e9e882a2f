#include "model/misuse.hpp"

#include "object_names.hpp"
#include "source_path.hpp"

namespace tangle::detail::model {

namespace {
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (std::string_view p : parts) s += p;
  return s;
}
}  // namespace

std::string self_deadlock_message(std::string_view thread, std::string_view object, Loc first) {
  return cat({thread, " locks ", object, " again while holding it (locked at ", location_string(first),
              "); a non-recursive lock waits for itself forever"});
}

std::string once_reentered_message(std::string_view thread, std::string_view object) {
  return cat({thread, " calls ", object, " again from inside its own function; it waits for itself forever"});
}

std::string unlock_not_owner_message(std::string_view thread, std::string_view object, std::string_view owner) {
  if (owner.empty()) return cat({thread, " unlocks ", object, ", which nobody holds"});
  return cat({thread, " unlocks ", object, ", which is held by ", owner});
}

std::string unlock_shared_not_reader_message(std::string_view thread, std::string_view object) {
  return cat({thread, " unlocks its read lock on ", object, ", but holds none"});
}

std::string wait_without_mutex_message(std::string_view thread, std::string_view condvar, std::string_view mutex) {
  return cat({thread, " waits on ", condvar, " without holding ", mutex});
}

std::string overrelease_message(std::string_view thread, std::string_view semaphore, std::int64_t count,
                                std::int64_t bound) {
  return cat({thread, " releases ", semaphore, ", raising its count to ", std::to_string(count),
              " above its bound ", std::to_string(bound), ": it was released more often than acquired"});
}

std::string latch_below_zero_message(std::string_view thread, std::string_view latch, std::int64_t n,
                                     std::int64_t left) {
  return cat({thread, " counts ", latch, " down by ", std::to_string(n), " with only ", std::to_string(left),
              " left: a latch must not go below zero"});
}

std::string bad_join_message(std::string_view thread, std::string_view target, BadJoin why) {
  std::string_view what = "is joinable";
  switch (why) {
    case BadJoin::self: what = "is the joining thread itself"; break;
    case BadJoin::not_started: what = "was not started by tangle::Thread"; break;
    case BadJoin::already_joined: what = "was already joined"; break;
    case BadJoin::none: break;
  }
  return cat({thread, " joins ", target, ", which ", what});
}

std::string data_race_message(std::string_view object, const RaceAccess& later, const RaceAccess& earlier) {
  auto access = [](const RaceAccess& a) {
    return thread_display_name(a.thread) + (a.write ? " writes" : " reads") + " at " + location_string(a.loc);
  };
  return cat({"data race on ", object, ": ", access(later), ", unordered with the earlier access: ", access(earlier)});
}

std::string step_bound_message(std::uint64_t max_steps, std::string_view running_threads) {
  return cat({"the execution exceeded ", std::to_string(max_steps),
              " operations without finishing (threads still running: ", running_threads, ")"});
}

}  // namespace tangle::detail::model
