// Deadlock description, shared by the controlled and stress engines.
//
// Called when an engine has established a deadlock (no runnable thread while
// some are blocked, or a wait-for cycle). Wait-for edges go from a thread
// blocked on a mutex to the mutex's owner; following them from each blocked
// thread, a repeat is a cycle. Without a cycle (threads blocked on condition
// variables, events, semaphores) every blocked thread is reported, with the
// note that nobody is left to wake them.
// Cost: O(n²) over the n threads, once per deadlock.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "object_names.hpp"
#include "source_path.hpp"
#include "tangle/detail/runtime.hpp"
#include "tangle/report/model.hpp"

namespace tangle::detail {

struct BlockedThread {
  std::string holds;  // the mutexes it holds, named, comma-separated
  std::string wants;  // the object it is blocked on, named
  Loc where;          // where it blocked
};

struct DeadlockDescription {
  std::vector<int> involved;             // the cycle, or every blocked thread
  std::vector<report::CycleEdge> cycle;  // one edge per involved thread
  std::vector<Loc> locs;                 // where each involved thread blocked
  std::string message;
};

// `waits_for(t)`: the thread t waits for (a mutex owner) or -1;
// `blocked(t)`, `finished(t)`: thread states; `describe(t)` → BlockedThread.
template <class WaitsFor, class Blocked, class Finished, class Describe>
DeadlockDescription describe_deadlock(int n, WaitsFor waits_for, Blocked blocked, Finished finished,
                                      Describe describe) {
  std::vector<int> cycle;
  for (int start = 0; start < n && cycle.empty(); ++start) {
    std::vector<int> path;
    for (int t = start; t >= 0; t = waits_for(t)) {
      auto it = std::find(path.begin(), path.end(), t);
      if (it != path.end()) {
        cycle.assign(it, path.end());
        break;
      }
      path.push_back(t);
    }
  }
  DeadlockDescription d;
  d.involved = cycle;
  if (d.involved.empty())
    for (int t = 0; t < n; ++t)
      if (blocked(t)) d.involved.push_back(t);
  std::string text;
  for (int t : d.involved) {
    const BlockedThread b = describe(t);
    const int other = waits_for(t);
    const std::string where = b.where.line() == 0 ? "" : location_string(b.where);
    d.cycle.push_back({t, b.holds, b.wants, other, where});
    d.locs.push_back(b.where);
    text += (text.empty() ? "" : "; ") + thread_display_name(t) +
            (b.holds.empty() ? "" : " holds " + b.holds + " and") + " waits for " + b.wants + " at " + where +
            (other >= 0 ? " (held by " + thread_display_name(other) + ")" : "");
  }
  if (cycle.empty()) {
    int done = 0;
    for (int t = 0; t < n; ++t) done += finished(t) ? 1 : 0;
    text += "; no running thread is left to wake them (" + std::to_string(done) + " finished)";
  }
  d.message = (cycle.empty() ? "every live thread is blocked: " : "wait-for cycle: ") + text;
  return d;
}

}  // namespace tangle::detail
