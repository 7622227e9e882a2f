// GraphCycles: a directed graph that stays acyclic, with incremental cycle
// detection by the dynamic topological order of Pearce & Kelly ("A Dynamic
// Topological Sort Algorithm for Directed Acyclic Graphs", JEA 2006), shaped
// after abseil's absl/synchronization/internal/graphcycles.h.
//
// Contract:
// - Nodes are dense ints 0..size()-1, added with add_node().
// - insert_edge(x, y) adds x→y and returns true, or returns false and leaves
//   the graph unchanged when the edge would close a cycle (x == y included).
//   Inserting an existing edge is a no-op that returns true.
// - find_path(x, y) returns a shortest path x…y (both ends included), or empty.
// Costs: insert_edge is O(1) when the edge agrees with the current order, else
// proportional to the nodes and edges whose order lies between x and y (the
// "affected region"); find_path is a BFS. reset() keeps capacity.
// Threading: single-threaded.
#pragma once

#include <vector>

namespace tangle::detail {

class GraphCycles {
 public:
  // Adjacency lists, ranks and marks stay allocated for the next
  // execution's nodes (visited_ is all zero between calls: every search
  // clears its marks). Inline: it runs at every execution's start.
  void reset() { nodes_ = 0; }
  int add_node();
  int size() const { return static_cast<int>(nodes_); }
  bool insert_edge(int x, int y);
  bool has_edge(int x, int y) const {
    for (int z : out_[static_cast<std::size_t>(x)])
      if (z == y) return true;
    return false;
  }
  std::vector<int> find_path(int x, int y) const;

 private:
  // Collects into `out` the nodes reachable from `start` whose rank is < upper
  // (forward) or > lower (backward); returns false if `target` was reached.
  bool forward_dfs(int start, int upper, int target);
  void backward_dfs(int start, int lower);
  void reorder();

  std::size_t nodes_ = 0;
  std::vector<std::vector<int>> out_;
  std::vector<std::vector<int>> in_;
  std::vector<int> rank_;      // position in the topological order
  std::vector<char> visited_;
  std::vector<int> delta_f_;   // scratch: forward region
  std::vector<int> delta_b_;   // scratch: backward region
  std::vector<int> merged_;    // scratch: ranks to reassign
  std::vector<int> stack_;
};

}  // namespace tangle::detail
