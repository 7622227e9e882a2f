// How often does each buggy built-in show its bug in a fixed wall-time
// budget: run as plain std::thread code without tangle, versus under the
// stress engine? Same budget, same machine, same run; the ratio is the point.
//
//   build/release/bench/stress_vs_plain [--trials N] [--budget SEC] [--json FILE] [NAME…]
//
// A plain trial is a forked child that re-runs the plain program until the
// bug shows or the budget is spent. "Shows" means: a lost update is visible
// in the final count, the semaphore's count ends above its bound, or — for
// the deadlocks — the child is still running a grace period after the budget
// (it hung, and is killed). A stress trial is one `run_scenario_stress` with
// the same budget at the tutorial's sizes; it shows the bug when it reports
// a finding the scenario expects.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "runner.hpp"
#include "stress/stress_runner.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// ---- The plain programs: the same bugs, written with the standard library.
// Each returns true when this run shows the bug.

bool plain_counter() {  // 5 threads × 500,000 unprotected increments
  std::atomic<int> counter{0};  // load + store: the lost update, without UB
  std::vector<std::thread> ts;
  for (int t = 0; t < 5; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 500000; ++i) counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    });
  for (auto& t : ts) t.join();
  return counter.load() != 5 * 500000;
}

bool plain_lock_order() {  // hangs when it deadlocks
  std::mutex a, b;
  int moved = 0;
  std::thread t0([&] { std::lock_guard x(a); std::lock_guard y(b); ++moved; });
  std::thread t1([&] { std::lock_guard y(b); std::lock_guard x(a); ++moved; });
  t0.join();
  t1.join();
  return false;
}

bool plain_self_deadlock() {  // a non-recursive std::mutex locked twice hangs
  std::mutex m;
  std::thread t([&] { std::lock_guard x(m); std::lock_guard again(m); });
  t.join();
  return false;
}

bool plain_lost_wakeup() {  // hangs when the notify is lost
  std::mutex m;
  std::condition_variable cv;
  std::deque<int> items;
  std::thread producer([&] {
    for (int i = 0; i < 2; ++i) {
      std::lock_guard lk(m);
      items.push_back(i);
      cv.notify_one();
    }
  });
  std::thread consumer([&] {
    for (int i = 0; i < 2; ++i) {
      bool empty;
      { std::lock_guard lk(m); empty = items.empty(); }
      std::unique_lock lk(m);
      if (empty) cv.wait(lk);
      items.pop_front();
    }
  });
  producer.join();
  consumer.join();
  return false;
}

bool plain_over_release() {  // the count ends above the bound of 3
  std::counting_semaphore<8> slots(3);
  std::vector<std::thread> ts;
  for (int t = 0; t < 5; ++t)
    ts.emplace_back([&, t] {
      slots.acquire();
      slots.release();
      if (t == 0) slots.release();
    });
  for (auto& t : ts) t.join();
  int n = 0;
  while (slots.try_acquire()) ++n;
  return n > 3;
}

struct Case {
  std::string scenario;
  std::function<bool()> plain;
  tangle::Params::Map params;  // tutorial sizes for the stress run
};

std::vector<Case> cases() {
  return {{"counter/unprotected", plain_counter, {{"threads", 5}, {"iterations", 500000}}},
          {"deadlock/lock-order", plain_lock_order, {}},
          {"rlock/plain-mutex", plain_self_deadlock, {}},
          {"prodcons/lost-wakeup", plain_lost_wakeup, {}},
          {"semaphore/over-release", plain_over_release, {}}};
}

// One plain trial: true when the bug showed within the budget.
bool plain_trial(const Case& c, double budget_s) {
  const pid_t child = ::fork();
  if (child == 0) {
    const auto end = Clock::now() + std::chrono::duration<double>(budget_s);
    while (Clock::now() < end)
      if (c.plain()) ::_exit(1);
    ::_exit(0);
  }
  const auto deadline = Clock::now() + std::chrono::duration<double>(budget_s + 0.5);
  int status = 0;
  while (Clock::now() < deadline) {
    if (::waitpid(child, &status, WNOHANG) == child) return WIFEXITED(status) && WEXITSTATUS(status) == 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(child, SIGKILL);  // still running: it hung, the deadlock showed
  ::waitpid(child, &status, 0);
  return true;
}

bool stress_trial(const Case& c, double budget_s, std::uint64_t seed) {
  const tangle::ScenarioInfo* info = tangle::find_scenario(c.scenario);
  tangle::detail::StressOptions o;
  o.seed = seed;
  o.executions = 1u << 30;
  o.time_budget_s = budget_s;
  o.jobs = 1;
  o.watchdog_ms = 200;
  const auto r = tangle::detail::run_scenario_stress(*info, tangle::detail::effective_params(*info, c.params), o);
  for (const auto& f : r.findings)
    for (auto k : info->expected)
      if (f.kind == k) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  int trials = 10;
  double budget = 1.0;
  std::string json;
  std::vector<std::string> only;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--trials" && i + 1 < argc) trials = std::stoi(argv[++i]);
    else if (a == "--budget" && i + 1 < argc) budget = std::stod(argv[++i]);
    else if (a == "--json" && i + 1 < argc) json = argv[++i];
    else only.push_back(a);
  }
  std::printf("%d trials of %.1f s each, per scenario and mode (%u cores)\n\n", trials, budget,
              std::thread::hardware_concurrency());
  std::printf("%-24s %14s %14s %8s\n", "scenario", "plain shows", "stress shows", "ratio");
  std::string out = "{\"trials\":" + std::to_string(trials) + ",\"budget_s\":" + std::to_string(budget) + ",\"scenarios\":[";
  bool first = true;
  for (const Case& c : cases()) {
    if (!only.empty() && std::find(only.begin(), only.end(), c.scenario) == only.end()) continue;
    int plain = 0, stress = 0;
    for (int t = 0; t < trials; ++t) {
      plain += plain_trial(c, budget);
      stress += stress_trial(c, budget, static_cast<std::uint64_t>(t + 1));
    }
    const double p = static_cast<double>(plain) / trials, s = static_cast<double>(stress) / trials;
    char ratio[32];
    if (plain == 0) std::snprintf(ratio, sizeof ratio, "%s", stress ? "inf" : "-");
    else std::snprintf(ratio, sizeof ratio, "%.1fx", s / p);
    std::printf("%-24s %13.0f%% %13.0f%% %8s\n", c.scenario.c_str(), 100 * p, 100 * s, ratio);
    std::fflush(stdout);
    out += std::string(first ? "" : ",") + "{\"name\":\"" + c.scenario + "\",\"plain_share\":" + std::to_string(p) +
           ",\"stress_share\":" + std::to_string(s) + "}";
    first = false;
  }
  out += "]}\n";
  if (!json.empty()) std::ofstream(json) << out;
  return 0;
}
