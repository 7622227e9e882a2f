// classify_op (trace_ops.hpp): the operation strings every producer emits get
// the class the writers draw, the engine v2 operations included, and HTML,
// SARIF and the console all follow that one classification.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tangle/report/console.hpp"
#include "tangle/report/trace_ops.hpp"
#include "tangle/report/writers.hpp"

namespace tangle::report {
namespace {

struct Case {
  const char* op;
  OpClass want;
};

// The controlled engine's strings today (controlled/engine.cpp to_string),
// the engine v2 operations, and Relacy's (relacy_engine.cpp short_op).
const Case kCases[] = {
    {"start", OpClass::thread},         {"end", OpClass::thread},
    {"lock", OpClass::acquire},         {"acquired", OpClass::acquire},
    {"try_lock", OpClass::acquire},     {"unlock", OpClass::release},
    {"acquire", OpClass::acquire},      {"try_acquire", OpClass::acquire},
    {"release", OpClass::release},      {"set", OpClass::signal},
    {"clear", OpClass::signal},         {"wait", OpClass::wait},
    {"is_set", OpClass::other},         {"cv_wait", OpClass::wait},
    {"notify_one", OpClass::signal},    {"notify_all", OpClass::signal},
    {"read", OpClass::read},            {"write", OpClass::write},
    {"load", OpClass::read},            {"store", OpClass::write},
    {"rmw", OpClass::write},            {"cas", OpClass::write},
    {"atomic_wait", OpClass::wait},     {"atomic_notify", OpClass::signal},
    {"yield", OpClass::other},          {"spin", OpClass::other},
    {"blocked", OpClass::wait},         {"check_failed", OpClass::failure},
    // engine core v2
    {"spawn", OpClass::thread},         {"join", OpClass::thread},
    {"lock_shared", OpClass::acquire},  {"try_lock_shared", OpClass::acquire},
    {"unlock_shared", OpClass::release}, {"arrive", OpClass::wait},
    {"once_begin", OpClass::acquire},   {"once_end", OpClass::release},
    {"choose", OpClass::choice},
    // Relacy
    {"relock", OpClass::acquire},       {"cv_woken", OpClass::acquire},
    {"wait lock", OpClass::wait},       {"DATA RACE", OpClass::failure},
    // unknown, and matching is exact
    {"frobnicate", OpClass::other},     {"", OpClass::other},
    {"LOCK", OpClass::other},           {"lock ", OpClass::other},
};

TEST(TraceOps, EveryProducersOperationHasItsClass) {
  for (const Case& c : kCases)
    EXPECT_EQ(to_string(classify_op(c.op)), to_string(c.want)) << "op '" << c.op << "'";
}

TEST(TraceOps, ClassNamesAreDistinct) {
  const OpClass all[] = {OpClass::acquire, OpClass::release, OpClass::read,  OpClass::write,   OpClass::wait,
                         OpClass::signal,  OpClass::thread,  OpClass::choice, OpClass::failure, OpClass::other};
  std::set<std::string_view> names;
  for (OpClass c : all) names.insert(to_string(c));
  EXPECT_EQ(names.size(), std::size(all));
}

// One scenario whose finding's trace holds the new operations.
RunReport v2_report() {
  RunReport r;
  r.version = "test";
  r.run_id = "ops";
  ScenarioResult s;
  s.name = "ops/v2";
  s.threads = 2;
  s.expected = {FindingKind::invariant_violation};
  s.executions = 1;
  Finding f;
  f.kind = FindingKind::invariant_violation;
  f.message = "broken";
  f.locations = {"scenarios/ops/v2.cpp:1"};
  const char* ops[] = {"spawn", "lock_shared", "unlock_shared", "arrive", "choose", "join", "check_failed"};
  std::uint64_t step = 0;
  for (const char* op : ops) {
    f.trace.push_back({step, static_cast<int>(step % 2), op, "obj", "scenarios/ops/v2.cpp:" + std::to_string(step + 1),
                       "", false});
    ++step;
  }
  f.trace_length = f.trace.size();
  s.findings.push_back(f);
  r.scenarios.push_back(s);
  return r;
}

TEST(TraceOps, HtmlDrawsEachOperationWithItsClass) {
  std::ostringstream out;
  write_html(v2_report(), out);
  const std::string html = out.str();
  for (const auto& [op, cls] : std::vector<std::pair<std::string, std::string>>{
           {"spawn", "op-thread"}, {"lock_shared", "op-acquire"}, {"unlock_shared", "op-release"},
           {"arrive", "op-wait"}, {"choose", "op-choice"}, {"join", "op-thread"}, {"check_failed", "op-failure"}}) {
    // The mark whose tooltip names the operation carries the class.
    const auto title = html.find(" " + op + " obj\n");
    ASSERT_NE(title, std::string::npos) << op;
    const auto mark = html.rfind("<g class=\"ev ", title);
    ASSERT_NE(mark, std::string::npos) << op;
    EXPECT_EQ(html.compare(mark, 13 + cls.size() + 1, "<g class=\"ev " + cls + "\""), 0)
        << op << ": " << html.substr(mark, 40);
  }
  // Every class drawn has a colour and a legend entry.
  for (const char* cls : {"op-thread", "op-acquire", "op-release", "op-wait", "op-choice", "op-failure", "op-signal"}) {
    EXPECT_NE(html.find("." + std::string(cls) + " circle"), std::string::npos) << cls;
    EXPECT_NE(html.find("<i class=\"" + std::string(cls) + "\">"), std::string::npos) << cls;
  }
}

TEST(TraceOps, SarifThreadFlowKindsFollowTheClass) {
  std::ostringstream out;
  write_sarif(v2_report(), out);
  const auto j = nlohmann::json::parse(out.str());
  std::map<std::string, std::vector<std::string>> kinds;  // op -> kinds
  for (const auto& flow : j["runs"][0]["results"][0]["codeFlows"][0]["threadFlows"])
    for (const auto& loc : flow["locations"]) {
      std::string text = loc["location"]["message"]["text"];  // "T0 spawn obj"
      std::string op = text.substr(text.find(' ') + 1);
      op = op.substr(0, op.find(' '));
      kinds[op] = loc.value("kinds", std::vector<std::string>{});
    }
  using V = std::vector<std::string>;
  EXPECT_EQ(kinds["lock_shared"], (V{"acquire", "lock"}));
  EXPECT_EQ(kinds["unlock_shared"], (V{"release", "lock"}));
  EXPECT_EQ(kinds["arrive"], (V{"acquire", "lock"}));
  EXPECT_EQ(kinds["choose"], (V{"value"}));
  EXPECT_EQ(kinds["spawn"], V{});
  EXPECT_EQ(kinds["join"], V{});
  EXPECT_EQ(kinds["check_failed"], (V{"danger"}));
  EXPECT_EQ(kinds.size(), 7u);
}

TEST(TraceOps, ConsoleMarksAFailureThatIsNotHighlighted) {
  RunReport r = v2_report();
  r.scenarios[0].findings[0].trace[1].highlight = true;  // lock_shared
  std::ostringstream out;
  ConsoleOptions options;
  options.events_per_finding = 100;
  write_console(r, out, options);
  const std::string text = out.str();
  auto line_of = [&](const std::string& op) {
    const auto at = text.find("  " + op + " ");
    if (at == std::string::npos) return std::string();
    const auto begin = text.rfind('\n', at) + 1;
    return text.substr(begin, text.find('\n', at) - begin);
  };
  EXPECT_EQ(line_of("check_failed").rfind("    ! ", 0), 0u) << line_of("check_failed");
  EXPECT_EQ(line_of("lock_shared").rfind("    > ", 0), 0u) << line_of("lock_shared");
  EXPECT_EQ(line_of("spawn").rfind("      #", 0), 0u) << line_of("spawn");
}

}  // namespace
}  // namespace tangle::report
