#include "sample_report.hpp"

#include <atomic>
#include <fstream>
#include <map>
#include <unistd.h>

namespace tangle::report::testing {
namespace {

TraceEvent ev(std::uint64_t step, int thread, std::string op, std::string object,
              std::string location, std::string detail = "", bool highlight = false) {
  return {step, thread, std::move(op), std::move(object), std::move(location),
          std::move(detail), highlight};
}

ScenarioResult counter_unprotected() {
  ScenarioResult s;
  s.name = "counter/unprotected";
  s.params = {{"threads", "2"}, {"iterations", "2"}};
  s.threads = 2;
  s.expected = {FindingKind::data_race, FindingKind::invariant_violation};
  s.verdict = Verdict::pass;
  s.executions = 412;
  s.first_failure_execution = 3;
  s.duration_s = 0.05;
  s.steps = 9000;
  Finding race;
  race.kind = FindingKind::data_race;
  race.message = "T0 and T1 access counter without synchronisation";
  race.threads = {0, 1};
  race.locations = {"scenarios/counter/unprotected.cpp:31", "scenarios/counter/unprotected.cpp:30"};
  race.replay = "c1.random.7.AbCdEf";
  race.trace_hash = "9f2c41d07a3be611";
  race.first_execution = 3;
  race.occurrences = 17;
  race.trace = {
      ev(0, 0, "start", "", ""),
      ev(1, 1, "start", "", ""),
      ev(2, 0, "read", "counter", "scenarios/counter/unprotected.cpp:30", "value=0"),
      ev(3, 1, "read", "counter", "scenarios/counter/unprotected.cpp:30", "value=0"),
      ev(4, 0, "write", "counter", "scenarios/counter/unprotected.cpp:31", "value=1", true),
      ev(5, 1, "write", "counter", "scenarios/counter/unprotected.cpp:31", "value=1", true),
      ev(6, 0, "finish", "", ""),
      ev(7, 1, "finish", "", ""),
  };
  race.trace_length = 8;
  s.findings.push_back(race);
  Finding lost;
  lost.kind = FindingKind::invariant_violation;
  lost.message = "counter == 4 failed: counter is 2 (lost update)";
  lost.threads = {0, 1};
  lost.locations = {"scenarios/counter/unprotected.cpp:40"};
  lost.replay = "c1.random.7.XyZ";
  lost.trace_hash = "77aa";
  lost.first_execution = 5;
  lost.trace = race.trace;
  lost.trace_length = 8;
  s.findings.push_back(lost);
  return s;
}

ScenarioResult deadlock_lock_order() {
  ScenarioResult s;
  s.name = "deadlock/lock-order";
  s.params = {{"threads", "2"}};
  s.threads = 2;
  s.expected = {FindingKind::deadlock, FindingKind::lock_order_inversion};
  s.verdict = Verdict::pass;
  s.executions = 64;
  s.first_failure_execution = 1;
  s.duration_s = 0.004;
  const char* f = "scenarios/deadlock/lock_order.cpp";
  std::string l20 = std::string(f) + ":20", l21 = std::string(f) + ":21",
              l27 = std::string(f) + ":27", l28 = std::string(f) + ":28";
  Finding dl;
  dl.kind = FindingKind::deadlock;
  dl.message = "T0 and T1 wait for each other: mutex A -> mutex B -> mutex A";
  dl.threads = {0, 1};
  dl.locations = {l21, l28};
  dl.replay = "c1.pct3.42.QmV0dGVy";
  dl.trace_hash = "d34db33fcafe0001";
  dl.first_execution = 1;
  dl.occurrences = 31;
  dl.trace = {ev(0, 0, "start", "", ""),
              ev(1, 0, "lock", "mutex A", l20),
              ev(2, 1, "start", "", ""),
              ev(3, 1, "lock", "mutex B", l27),
              ev(4, 0, "lock", "mutex B", l21, "blocked", true),
              ev(5, 1, "lock", "mutex A", l28, "blocked", true)};
  dl.trace_length = 6;
  dl.cycle = {{0, "mutex A", "mutex B", 1, l21}, {1, "mutex B", "mutex A", 0, l28}};
  s.findings.push_back(dl);
  Finding inv = dl;
  inv.kind = FindingKind::lock_order_inversion;
  inv.message = "mutex A -> mutex B (T0) and mutex B -> mutex A (T1)";
  inv.replay = "c1.pct3.42.SW52";
  inv.occurrences = 64;
  s.findings.push_back(inv);
  return s;
}

ScenarioResult counter_locked() {
  ScenarioResult s;
  s.name = "counter/locked";
  s.params = {{"threads", "2"}};
  s.threads = 2;
  s.verdict = Verdict::pass;
  s.executions = 1000;
  s.duration_s = 0.2;
  return s;
}

// Fails: a clean scenario with a TSan finding.
ScenarioResult event_gate_with_tsan() {
  ScenarioResult s;
  s.name = "event/gate";
  s.threads = 2;
  s.verdict = Verdict::fail;
  s.verdict_reason = "clean scenario, but found data_race";
  s.executions = 50;
  s.first_failure_execution = 12;
  s.duration_s = 1.5;
  Finding t;
  t.kind = FindingKind::data_race;
  t.source = "tsan";
  t.message = "WARNING: ThreadSanitizer: data race (pid=4242)";
  t.threads = {1, 2};
  t.locations = {"scenarios/event/gate.cpp:14", "/usr/include/c++/12/bits/atomic_base.h:505"};
  t.stacks = {{"#0 Gate::open() scenarios/event/gate.cpp:14:5 (tangle+0x1234)",
               "#1 run_thread /work/main/harness/src/runtime.cpp:88 (tangle+0x99)"},
              {"#0 Gate::wait() scenarios/event/gate.cpp:9:12 (tangle+0x2234)"}};
  t.replay = "s1.stress.9.T1";
  t.trace_hash = "abc";
  t.first_execution = 12;
  s.findings.push_back(t);
  return s;
}

// Fails: an expected bug that was missed (no findings).
ScenarioResult missed() {
  ScenarioResult s;
  s.name = "prodcons/lost-wakeup";
  s.threads = 2;
  s.expected = {FindingKind::deadlock};
  s.verdict = Verdict::fail;
  s.verdict_reason = "expected deadlock, but found nothing in 1000 executions";
  s.executions = 1000;
  s.duration_s = 0.3;
  return s;
}

// Fails: hostile strings everywhere.
ScenarioResult hostile() {
  ScenarioResult s;
  s.name = kHostileName;
  s.params = {{"<b>k</b>", "\"><img src=x onerror=alert(2)>"}, {"bytes", "bad\xFF\xFEutf8 \x01 ctl"}};
  s.threads = 2;
  s.verdict = Verdict::fail;
  s.verdict_reason = "clean scenario, but found crash & <unlock_not_owner>";
  s.executions = 7;
  s.first_failure_execution = 2;
  s.duration_s = 0.001;
  Finding f;
  f.kind = FindingKind::unlock_not_owner;
  f.message = "<script>alert('msg')</script> & \"quotes\"";
  f.threads = {0};
  f.locations = {"scenarios/evil/<x>.cpp:3", "../../../etc/passwd:1"};
  f.replay = "tok\"en<script>";
  f.trace_hash = "<hash>";
  f.first_execution = 2;
  f.trace = {ev(0, 0, "lock", "<mutex \"M\">", "scenarios/evil/<x>.cpp:2", "</title><script>alert(3)</script>"),
             ev(1, 1, "unlock", "<mutex \"M\">", "scenarios/evil/<x>.cpp:3", "'single'", true)};
  f.trace_length = 2;
  f.cycle = {{0, "<lock\"a\">", "</text><script>alert(4)</script>", 1, "<loc>"}};
  f.stacks = {{"#0 <frame> & \"x\""}};
  s.findings.push_back(f);
  Finding c;
  c.kind = FindingKind::crash;
  c.message = "std::runtime_error: ]]> --> <!-- \x7f";
  c.first_execution = 2;
  s.findings.push_back(c);
  return s;
}

}  // namespace

RunReport sample_report() {
  RunReport r;
  r.version = "0.1.0";
  r.engine = "controlled";
  r.strategy = "pct";
  r.depth = 3;
  r.seed = 42;
  r.command = "tangle run --strategy pct --seed 42";
  r.duration_s = 2.1;
  r.scenarios = {counter_unprotected(), counter_locked(), deadlock_lock_order(),
                 event_gate_with_tsan(), missed(), hostile()};
  return r;
}

RunReport deadlock_report() {
  RunReport r = sample_report();
  r.scenarios = {deadlock_lock_order()};
  return r;
}

RunReport large_report(int scenarios, int per_scenario, int events) {
  RunReport r;
  r.version = "0.1.0";
  r.engine = "controlled";
  r.strategy = "random";
  r.seed = 1;
  for (int i = 0; i < scenarios; ++i) {
    ScenarioResult s;
    s.name = "bulk/scenario-" + std::to_string(i);
    s.threads = 4;
    s.expected = {FindingKind::data_race};
    s.verdict = i % 3 == 0 ? Verdict::fail : Verdict::pass;
    s.executions = 10000;
    s.first_failure_execution = 1;
    s.duration_s = 0.5;
    for (int j = 0; j < per_scenario; ++j) {
      Finding f;
      f.kind = j % 10 == 0 ? FindingKind::deadlock : FindingKind::data_race;
      f.message = "finding " + std::to_string(j) + " of scenario " + std::to_string(i);
      f.threads = {0, 1};
      f.locations = {"scenarios/counter/unprotected.cpp:" + std::to_string(30 + j % 5)};
      f.replay = "c1.random." + std::to_string(i) + "." + std::to_string(j);
      f.trace_hash = std::to_string(i * 100000 + j);
      f.first_execution = static_cast<std::uint64_t>(j);
      for (int k = 0; k < events; ++k)
        f.trace.push_back(ev(static_cast<std::uint64_t>(k), k % 4, k % 2 ? "write" : "lock",
                             "obj" + std::to_string(k % 7),
                             "scenarios/counter/unprotected.cpp:" + std::to_string(20 + k % 20),
                             "", k == events - 1));
      f.trace_length = static_cast<std::uint64_t>(events) * 3;
      if (f.kind == FindingKind::deadlock)
        f.cycle = {{0, "A", "B", 1, "x.cpp:1"}, {1, "B", "A", 0, "x.cpp:2"}};
      s.findings.push_back(std::move(f));
    }
    r.scenarios.push_back(std::move(s));
  }
  return r;
}

std::filesystem::path temp_dir(const std::string& tag) {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path() /
             ("tangle-report-test-" + tag + "-" + std::to_string(::getpid()) + "-" +
              std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::filesystem::path make_source_root() {
  auto root = temp_dir("src");
  auto write = [&](const std::string& rel, int lines, std::map<int, std::string> text) {
    auto path = root / rel;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path);
    for (int i = 1; i <= lines; ++i)
      out << (text.count(i) ? text[i] : "// line " + std::to_string(i)) << "\n";
  };
  write("scenarios/counter/unprotected.cpp", 45,
        {{29, "  for (int i = 0; i < iterations; ++i) {"},
         {30, "    int seen = counter.load();      // read"},
         {31, "    counter.store(seen + 1);        // write <- races"},
         {32, "  }"},
         {40, "  TANGLE_CHECK(counter == threads * iterations);"}});
  write("scenarios/deadlock/lock_order.cpp", 35,
        {{19, "void first(Ctx& c) {"},
         {20, "  std::lock_guard a(c.mutex_a);"},
         {21, "  std::lock_guard b(c.mutex_b);   // waits for T1"},
         {26, "void second(Ctx& c) {"},
         {27, "  std::lock_guard b(c.mutex_b);"},
         {28, "  std::lock_guard a(c.mutex_a);   // waits for T0"}});
  write("scenarios/event/gate.cpp", 20, {{14, "  open_ = true;  // <b>not escaped?</b>"}});
  return root;
}

}  // namespace tangle::report::testing
