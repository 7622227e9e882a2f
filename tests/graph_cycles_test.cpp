// GraphCycles against a naive model, as abseil tests its cycle detector:
// random edge insertions; the model keeps an explicit edge set and answers
// reachability by DFS. Insertions must be refused exactly when the model says
// the edge would close a cycle, and find_path must return a real path.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <utility>
#include <vector>

#include "detectors/graph_cycles.hpp"

namespace tangle::detail {
namespace {

struct NaiveGraph {
  int n = 0;
  std::set<std::pair<int, int>> edges;
  bool reaches(int from, int to) const {
    std::vector<int> stack{from};
    std::vector<char> seen(static_cast<std::size_t>(n), 0);
    while (!stack.empty()) {
      int x = stack.back();
      stack.pop_back();
      if (x == to) return true;
      if (seen[x]) continue;
      seen[x] = 1;
      for (const auto& [a, b] : edges)
        if (a == x) stack.push_back(b);
    }
    return false;
  }
};

TEST(GraphCycles, RefusesSelfLoopAndTwoCycle) {
  GraphCycles g;
  int a = g.add_node(), b = g.add_node();
  EXPECT_FALSE(g.insert_edge(a, a));
  EXPECT_TRUE(g.insert_edge(a, b));
  EXPECT_TRUE(g.insert_edge(a, b));  // duplicate is fine
  EXPECT_FALSE(g.insert_edge(b, a));
  EXPECT_EQ(g.find_path(a, b), (std::vector<int>{a, b}));
  EXPECT_TRUE(g.find_path(b, a).empty());
}

TEST(GraphCycles, ReorderKeepsDetectingLongCycles) {
  GraphCycles g;
  for (int i = 0; i < 5; ++i) g.add_node();
  // Insert against the initial order so every insertion reorders.
  EXPECT_TRUE(g.insert_edge(4, 3));
  EXPECT_TRUE(g.insert_edge(3, 2));
  EXPECT_TRUE(g.insert_edge(2, 1));
  EXPECT_TRUE(g.insert_edge(1, 0));
  EXPECT_FALSE(g.insert_edge(0, 4));
  EXPECT_EQ(g.find_path(4, 0), (std::vector<int>{4, 3, 2, 1, 0}));
}

TEST(GraphCycles, RandomAgainstNaiveModel) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 200; ++round) {
    GraphCycles g;
    NaiveGraph model;
    const int nodes = 2 + static_cast<int>(rng() % 12);
    for (int i = 0; i < nodes; ++i) g.add_node();
    model.n = nodes;
    for (int op = 0; op < 60; ++op) {
      const int x = static_cast<int>(rng() % nodes), y = static_cast<int>(rng() % nodes);
      const bool would_cycle = x == y || model.reaches(y, x);
      ASSERT_EQ(g.insert_edge(x, y), !would_cycle) << "round " << round << " edge " << x << "->" << y;
      if (!would_cycle) model.edges.insert({x, y});
      // Path queries agree with reachability, and paths use real edges.
      const int p = static_cast<int>(rng() % nodes), q = static_cast<int>(rng() % nodes);
      const auto path = g.find_path(p, q);
      ASSERT_EQ(!path.empty(), model.reaches(p, q));
      for (std::size_t i = 0; i + 1 < path.size(); ++i)
        ASSERT_TRUE(model.edges.count({path[i], path[i + 1]}));
    }
  }
}

TEST(GraphCycles, ResetForgetsEdgesButReusesStorage) {
  GraphCycles g;
  int a = g.add_node(), b = g.add_node();
  ASSERT_TRUE(g.insert_edge(a, b));
  g.reset();
  a = g.add_node();
  b = g.add_node();
  EXPECT_FALSE(g.has_edge(a, b));
  EXPECT_TRUE(g.insert_edge(b, a));
}

}  // namespace
}  // namespace tangle::detail
