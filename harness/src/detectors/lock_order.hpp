// Lock-order inversion detector, shared by the controlled and stress engines.
//
// The lock-order graph of one execution has an edge A→B when a thread asks
// for B while holding A. It is kept acyclic by GraphCycles (Pearce–Kelly
// incremental topological order): an edge that would close a cycle is
// refused, and the existing path B→…→A plus the new edge is the cycle. Edges
// are noted when a lock is *requested*, so an execution that deadlocks on
// two locks still reports the inversion; a cycle whose edges all come from
// one thread is not reported (one thread cannot deadlock with itself).
//
// Costs: a request while holding h locks inserts h edges, each O(1) when it
// agrees with the current order; a reported cycle costs a BFS.
// Threading: single-threaded; the stress engine calls it under its mutex.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "detectors/graph_cycles.hpp"
#include "source_path.hpp"
#include "tangle/detail/runtime.hpp"
#include "tangle/report/model.hpp"

namespace tangle::detail {

class LockOrderDetector {
 public:
  struct Inversion {
    std::vector<report::CycleEdge> cycle;  // holds→wants per thread, in cycle order
    std::vector<Loc> locs;                 // each edge's request, then its first lock
    std::vector<int> threads;
    std::string message;
  };

  void reset() {
    graph_.reset();
    edges_.clear();
  }
  int add_lock() { return graph_.add_node(); }
  bool has_edge(int from, int to) const { return graph_.has_edge(from, to); }

  // `thread` requests lock node `to` at `loc` while holding `held` locks:
  // `held_at(i)` gives the i-th as {node, where it was locked}. `name_of(node)`
  // names a lock for the report. Calls `report(Inversion&&)` per cycle closed.
  template <class HeldAt, class NameOf, class Report>
  void on_request(int thread, int to, Loc loc, std::size_t held, HeldAt held_at, NameOf name_of,
                  Report report) {
    for (std::size_t i = 0; i < held; ++i) {
      const auto [from, from_loc] = held_at(i);
      if (graph_.has_edge(from, to)) continue;
      if (graph_.insert_edge(from, to)) {
        edges_.push_back({from, to, thread, from_loc, loc});
        continue;
      }
      // from→to closes a cycle: the path to→…→from already exists.
      Inversion inv;
      auto add_edge = [&](const Edge& e) {
        inv.cycle.push_back({e.thread, name_of(e.from), name_of(e.to), -1, location_string(e.to_loc)});
        inv.locs.push_back(e.to_loc);
        inv.locs.push_back(e.from_loc);
        if (std::find(inv.threads.begin(), inv.threads.end(), e.thread) == inv.threads.end())
          inv.threads.push_back(e.thread);
      };
      add_edge({from, to, thread, from_loc, loc});
      const std::vector<int> path = graph_.find_path(to, from);
      for (std::size_t k = 0; k + 1 < path.size(); ++k)
        for (const Edge& e : edges_)
          if (e.from == path[k] && e.to == path[k + 1]) {
            add_edge(e);
            break;
          }
      if (inv.threads.size() < 2) continue;  // one thread alone cannot deadlock
      for (std::size_t k = 0; k < inv.cycle.size(); ++k)
        inv.cycle[k].other_thread = inv.cycle[(k + 1) % inv.cycle.size()].thread;
      std::string order;
      for (const auto& e : inv.cycle)
        order += (order.empty() ? "" : "; ") + ("thread " + std::to_string(e.thread)) + " takes " + e.wants +
                 " while holding " + e.holds + " (" + e.location + ")";
      inv.message = "locks are taken in inconsistent orders, which can deadlock: " + order;
      report(std::move(inv));
    }
  }

 private:
  struct Edge {
    int from, to;  // graph nodes
    int thread;
    Loc from_loc, to_loc;
  };
  GraphCycles graph_;
  std::vector<Edge> edges_;
};

}  // namespace tangle::detail
