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
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "detectors/detectors.hpp"
#include "detectors/graph_cycles.hpp"
#include "source_path.hpp"
#include "tangle/detail/runtime.hpp"
#include "model/finding.hpp"
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

// The lock-order observer (detectors.hpp): an execution's lock-order graph
// over its locks, nodes made on a lock's first nesting. Requests whose every
// held→requested edge is already in the graph change nothing and cost one
// bit test per held lock (PerObject::ordered_after, for the first 64 ids).
class LockOrderObserver {
 public:
  // As HappensBeforeObserver's: per-object storage is overwritten, not cleared.
  void reset() {
    detector_.reset();
    node_objects_.clear();
  }
  void object_created(ObjectId id, ObjectKind) {
    if (id >= objects_.size()) [[unlikely]] objects_.resize(id + 1);
    objects_[id] = {};
  }
  // Lock order is noted when a lock is requested, so an execution that
  // deadlocks on these two locks still reports the inversion.
  template <class Host>
  [[gnu::always_inline]] void lock_requested(int t, ObjectId l, Loc loc, std::span<const HeldLock> held, Host& host) {
    for (const HeldLock& h : held)
      if (h.lock >= 64 || ((objects_[l].ordered_after >> h.lock) & 1) == 0) return note_nested(t, l, loc, held, host);
  }

 private:
  struct PerObject {
    std::uint64_t ordered_after = 0;  // bit j: the edge j → this object is in the graph
    int node = -1;                    // graph node, made on first nesting
  };
  int node_of(ObjectId id) {
    PerObject& o = objects_[id];
    if (o.node < 0) {
      o.node = detector_.add_lock();
      node_objects_.push_back(id);  // nodes are dense, in creation order
    }
    return o.node;
  }
  template <class Host>
  [[gnu::noinline]] void note_nested(int t, ObjectId l, Loc loc, std::span<const HeldLock> held, Host& host) {
    // Held locks' nodes first: a node's initial rank is its creation order,
    // so the usual held→requested edge then agrees with the order and costs
    // no Pearce–Kelly reordering.
    for (const HeldLock& h : held) node_of(h.lock);
    const int to = node_of(l);
    detector_.on_request(
        t, to, loc, held.size(),
        [&](std::size_t i) { return std::pair{objects_[held[i].lock].node, held[i].loc}; },
        [&](int node) { return host.object_name(node_objects_[static_cast<std::size_t>(node)]); },
        [&](LockOrderDetector::Inversion&& inv) {
          RawFinding f{report::FindingKind::lock_order_inversion, std::move(inv.message), std::move(inv.threads),
                       std::move(inv.locs), {}, std::move(inv.cycle)};
          std::uint64_t event = 0;
          if (host.last_event(event)) f.events.push_back(event);
          host.report(std::move(f));
        });
    // Only edges now in the graph: a refused one (a cycle) must be looked at
    // again when another request closes it from elsewhere.
    for (const HeldLock& h : held)
      if (h.lock < 64 && detector_.has_edge(objects_[h.lock].node, to)) objects_[l].ordered_after |= 1ULL << h.lock;
  }

  LockOrderDetector detector_;
  std::vector<PerObject> objects_;
  std::vector<ObjectId> node_objects_;  // graph node -> object
};

}  // namespace tangle::detail
