#include "tangle/report/model.hpp"

namespace tangle::report {

std::string_view to_string(FindingKind kind) {
  switch (kind) {
    case FindingKind::data_race: return "data_race";
    case FindingKind::deadlock: return "deadlock";
    case FindingKind::self_deadlock: return "self_deadlock";
    case FindingKind::lock_order_inversion: return "lock_order_inversion";
    case FindingKind::semaphore_overrelease: return "semaphore_overrelease";
    case FindingKind::unlock_not_owner: return "unlock_not_owner";
    case FindingKind::invariant_violation: return "invariant_violation";
    case FindingKind::hang: return "hang";
    case FindingKind::livelock: return "livelock";
    case FindingKind::crash: return "crash";
    case FindingKind::tsan_report: return "tsan_report";
  }
  return "?";
}

std::optional<FindingKind> parse_kind(std::string_view text) {
  for (FindingKind kind : kAllFindingKinds)
    if (to_string(kind) == text) return kind;
  return std::nullopt;
}

std::string_view explain(FindingKind kind) {
  switch (kind) {
    case FindingKind::data_race:
      return "Two threads accessed the same variable, at least one of them writing, "
             "with nothing ordering the accesses (no lock, no atomic, no join between them). "
             "The result depends on timing, and the compiler may tear or reorder the accesses.";
    case FindingKind::deadlock:
      return "Every thread that had not finished was blocked, each waiting for something "
             "only another blocked thread could give. The program stops for good.";
    case FindingKind::self_deadlock:
      return "A thread tried to lock a non-recursive mutex it already holds. It waits for "
             "itself forever; use a recursive mutex or restructure the calls.";
    case FindingKind::lock_order_inversion:
      return "Threads acquire the same locks in opposite orders. Even when this run did not "
             "hang, an unlucky interleaving deadlocks; pick one global lock order.";
    case FindingKind::semaphore_overrelease:
      return "A bounded semaphore was released more times than it was acquired, so its "
             "count exceeded its initial value: more threads may enter than the bound allows.";
    case FindingKind::unlock_not_owner:
      return "A thread unlocked a mutex it does not hold. The mutex state is now undefined "
             "and another thread's critical section may be broken.";
    case FindingKind::invariant_violation:
      return "A property the scenario states must always hold was false in this "
             "interleaving (for example a lost update or an item consumed twice).";
    case FindingKind::hang:
      return "The scenario made no progress within the watchdog's timeout, and the "
             "instrumented primitives show no wait-for cycle.";
    case FindingKind::livelock:
      return "The execution exceeded its step bound: threads keep running without finishing, "
             "typically spinning on a condition that never becomes true.";
    case FindingKind::crash:
      return "Scenario code crashed: an exception escaped a thread, or a signal was raised.";
    case FindingKind::tsan_report:
      return "ThreadSanitizer reported a problem that maps to none of tangle's own kinds.";
  }
  return "";
}

std::string_view to_string(Verdict verdict) {
  return verdict == Verdict::pass ? "pass" : "fail";
}

}  // namespace tangle::report
