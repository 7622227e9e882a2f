// Pearce–Kelly, in three steps, for a new edge x→y with rank[x] > rank[y]
// (edges with rank[x] < rank[y] already agree with the order and cost O(1)):
// 1. Forward DFS from y over nodes with rank < rank[x]: the region that must
//    move after x. Reaching x means the edge closes a cycle: refuse it.
// 2. Backward DFS from x over nodes with rank > rank[y]: the region that must
//    stay before y.
// 3. Give the union of both regions their own old ranks, sorted, backward
//    region first: every other node keeps its rank, and x now precedes y.
#include "detectors/graph_cycles.hpp"

#include <algorithm>
#include <deque>

namespace tangle::detail {

int GraphCycles::add_node() {
  if (nodes_ == out_.size()) {
    out_.emplace_back();
    in_.emplace_back();
    rank_.push_back(0);
    visited_.push_back(0);
  }
  out_[nodes_].clear();
  in_[nodes_].clear();
  rank_[nodes_] = static_cast<int>(nodes_);  // new nodes go last: no edges yet
  return static_cast<int>(nodes_++);
}

bool GraphCycles::insert_edge(int x, int y) {
  if (x == y) return false;         // a self-loop is a cycle
  if (has_edge(x, y)) return true;  // duplicate: nothing changes
  if (rank_[x] > rank_[y]) {
    // Order must change: steps 1–3.
    delta_f_.clear();
    delta_b_.clear();
    if (!forward_dfs(y, rank_[x], x)) {
      for (int n : delta_f_) visited_[n] = 0;
      return false;  // y reaches x: x→y would close a cycle
    }
    backward_dfs(x, rank_[y]);
    reorder();
  }
  out_[x].push_back(y);
  in_[y].push_back(x);
  return true;
}

bool GraphCycles::forward_dfs(int start, int upper, int target) {
  stack_.assign(1, start);
  while (!stack_.empty()) {
    int n = stack_.back();
    stack_.pop_back();
    if (visited_[n]) continue;
    visited_[n] = 1;
    delta_f_.push_back(n);
    for (int w : out_[n]) {
      if (w == target) return false;
      // Nodes ranked after x are already after it: no need to move them.
      if (!visited_[w] && rank_[w] < upper) stack_.push_back(w);
    }
  }
  return true;
}

void GraphCycles::backward_dfs(int start, int lower) {
  stack_.assign(1, start);
  while (!stack_.empty()) {
    int n = stack_.back();
    stack_.pop_back();
    if (visited_[n]) continue;
    visited_[n] = 1;
    delta_b_.push_back(n);
    for (int w : in_[n])
      // Nodes ranked before y are already before it.
      if (!visited_[w] && rank_[w] > lower) stack_.push_back(w);
  }
}

void GraphCycles::reorder() {
  auto by_rank = [this](int a, int b) { return rank_[a] < rank_[b]; };
  std::sort(delta_b_.begin(), delta_b_.end(), by_rank);
  std::sort(delta_f_.begin(), delta_f_.end(), by_rank);
  merged_.clear();
  for (int n : delta_b_) merged_.push_back(rank_[n]);
  for (int n : delta_f_) merged_.push_back(rank_[n]);
  std::sort(merged_.begin(), merged_.end());
  std::size_t i = 0;
  for (int n : delta_b_) rank_[n] = merged_[i++], visited_[n] = 0;
  for (int n : delta_f_) rank_[n] = merged_[i++], visited_[n] = 0;
}

std::vector<int> GraphCycles::find_path(int x, int y) const {
  std::vector<int> parent(nodes_, -1);
  std::deque<int> queue{x};
  parent[x] = x;
  while (!queue.empty()) {
    int n = queue.front();
    queue.pop_front();
    if (n == y) {
      std::vector<int> path{y};
      while (path.back() != x) path.push_back(parent[path.back()]);
      std::reverse(path.begin(), path.end());
      return path;
    }
    for (int w : out_[n])
      if (parent[w] < 0) parent[w] = n, queue.push_back(w);
  }
  return {};
}

}  // namespace tangle::detail
