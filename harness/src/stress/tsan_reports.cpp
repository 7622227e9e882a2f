#include "stress/tsan_reports.hpp"

#include "controlled/fiber_stacks.hpp"  // TANGLE_UNDER_TSAN
#include "source_path.hpp"

#ifdef TANGLE_UNDER_TSAN
#include <atomic>
#include <cstring>
#include <string>

// The report API of TSan's runtime (compiler-rt tsan_debugging.cpp) and its
// report hook (tsan_rtl_report.cpp: OutputReport calls OnReport before
// printing; returning true means "handled").
extern "C" {
int __tsan_get_report_data(void* report, const char** description, int* count, int* stack_count,
                           int* mop_count, int* loc_count, int* mutex_count, int* thread_count,
                           int* unique_tid_count, void** sleep_trace, unsigned long trace_size);
int __tsan_get_report_mop(void* report, unsigned long idx, int* tid, void** addr, int* size, int* write,
                          int* atomic, void** trace, unsigned long trace_size);
int __tsan_get_report_stack(void* report, unsigned long idx, void** trace, unsigned long trace_size);
void __sanitizer_symbolize_pc(void* pc, const char* fmt, char* out_buf, unsigned long out_buf_size);
}

namespace tangle::detail::tsan {
namespace {

constexpr int kMaxReports = 64;
constexpr int kMaxStacks = 2;
constexpr int kMaxFrames = 24;

struct RawReport {
  char type[40];
  int stacks;
  int tid[kMaxStacks];
  int write[kMaxStacks];  // -1: not a memory access
  void* pcs[kMaxStacks][kMaxFrames];
};

RawReport g_reports[kMaxReports];
std::atomic<bool> g_ready[kMaxReports];  // slot fully written (a detached thread may still report)
std::atomic<int> g_count{0};
std::atomic<bool> g_capturing{false};

// One PC can stand for several frames (inlined calls): the symbolizer writes
// them innermost first, each NUL-terminated, into `buf`.
std::vector<std::string> symbolize(void* pc, bool is_return_address) {
  char buf[4096] = {0};
  // Return addresses point after the call; step back into it.
  __sanitizer_symbolize_pc(static_cast<char*>(pc) - (is_return_address ? 1 : 0), "%s:%l %f", buf, sizeof buf);
  std::vector<std::string> frames;
  for (const char* p = buf; *p != '\0' && p < buf + sizeof buf; p += std::strlen(p) + 1) frames.emplace_back(p);
  return frames;
}

// "file:line function" → ("file:line" relative to the source root, is it
// tangle's own header?).
std::string location_of(const std::string& frame) {
  return relative_source_path(frame.substr(0, frame.find(' ')).c_str());
}

bool is_harness_frame(const std::string& location) {
  return location.find("harness/include/tangle/") != std::string::npos ||
         location.find("/usr/include/") != std::string::npos || location.empty() ||
         location.rfind("??", 0) == 0;
}

}  // namespace

bool available() { return true; }
void start_capture() { g_capturing.store(true); }
void stop_capture() { g_capturing.store(false); }

std::vector<report::Finding> drain() {
  std::vector<report::Finding> out;
  const int n = std::min(g_count.exchange(0), kMaxReports);
  for (int i = 0; i < n; ++i) {
    if (!g_ready[i].exchange(false, std::memory_order_acquire)) continue;  // still being written
    const RawReport& raw = g_reports[i];
    report::Finding f;
    const std::string type = raw.type;
    f.kind = type == "data-race"              ? report::FindingKind::data_race
             : type == "lock-order-inversion" ? report::FindingKind::lock_order_inversion
                                              : report::FindingKind::tsan_report;
    f.source = "tsan";
    std::string accesses;
    for (int s = 0; s < raw.stacks; ++s) {
      std::vector<std::string> stack;
      std::string first_scenario_line;
      for (int k = 0; k < kMaxFrames && raw.pcs[s][k] != nullptr; ++k)
        for (const std::string& frame : symbolize(raw.pcs[s][k], k > 0)) {
          const std::string where = location_of(frame);
          if (first_scenario_line.empty() && !is_harness_frame(where)) first_scenario_line = where;
          // TSan's trace holds the access PC and the shadow stack's entry for
          // the same inlined call: drop the repeat.
          std::string shown = relative_source_path(frame.c_str());
          if (stack.empty() || stack.back() != shown) stack.push_back(std::move(shown));
        }
      if (!first_scenario_line.empty()) f.locations.push_back(first_scenario_line);
      f.stacks.push_back(std::move(stack));
      if (raw.write[s] >= 0)
        accesses += (accesses.empty() ? "" : ", unordered with ") + std::string(raw.write[s] ? "a write" : "a read") +
                    (first_scenario_line.empty() ? "" : " at " + first_scenario_line);
    }
    f.message = "ThreadSanitizer: " + type + (accesses.empty() ? "" : ": " + accesses);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace tangle::detail::tsan

// Fatal signals in scenario code must kill the isolated child by that signal
// (the parent names it in a `crash` finding), not be turned by TSan's own
// handler into a report and exit code 66. TSAN_OPTIONS still adds to these.
extern "C" const char* __tsan_default_options() { return "handle_segv=0:handle_sigbus=0:handle_abort=0:handle_sigill=0:handle_sigfpe=0"; }

namespace __tsan {
struct ReportDesc;

// Runs inside TSan's runtime with its report lock held: no instrumented
// code, no allocation — only the runtime's own accessors and plain stores.
__attribute__((no_sanitize("thread"))) bool OnReport(const ReportDesc* rep, bool suppressed) {
  using namespace tangle::detail::tsan;
  if (suppressed || !g_capturing.load(std::memory_order_relaxed)) return suppressed;
  const int slot = g_count.fetch_add(1, std::memory_order_relaxed);
  if (slot >= kMaxReports) return true;  // over the cap: handled, dropped
  RawReport& r = g_reports[slot];
  std::memset(&r, 0, sizeof r);
  void* report = const_cast<ReportDesc*>(rep);
  const char* description = "";
  int count = 0, stacks = 0, mops = 0, locs = 0, mutexes = 0, threads = 0, tids = 0;
  void* sleep[1];
  __tsan_get_report_data(report, &description, &count, &stacks, &mops, &locs, &mutexes, &threads, &tids, sleep, 1);
  std::strncpy(r.type, description, sizeof r.type - 1);
  if (mops > 0) {
    r.stacks = mops < kMaxStacks ? mops : kMaxStacks;
    for (int i = 0; i < r.stacks; ++i) {
      void* addr = nullptr;
      int size = 0, atomic = 0;
      __tsan_get_report_mop(report, static_cast<unsigned long>(i), &r.tid[i], &addr, &size, &r.write[i], &atomic,
                            r.pcs[i], kMaxFrames);
    }
  } else {
    r.stacks = stacks < kMaxStacks ? stacks : kMaxStacks;
    for (int i = 0; i < r.stacks; ++i) {
      r.write[i] = -1;
      __tsan_get_report_stack(report, static_cast<unsigned long>(i), r.pcs[i], kMaxFrames);
    }
  }
  g_ready[slot].store(true, std::memory_order_release);
  return true;
}
}  // namespace __tsan

#else

namespace tangle::detail::tsan {
bool available() { return false; }
void start_capture() {}
void stop_capture() {}
std::vector<report::Finding> drain() { return {}; }
}  // namespace tangle::detail::tsan

#endif
