// ThreadSanitizer's reports as tangle findings (tsan preset only).
//
// Built with -fsanitize=thread, the stress engine runs scenario threads as
// real threads that TSan watches. While capture is on, TSan's report hook
// (__tsan::OnReport, a weak function of its runtime) records each report's
// type and the program counters of its stacks into a fixed buffer and tells
// TSan the report is handled — nothing printed, no halt_on_error. After an
// execution `drain()` symbolizes those stacks (outside the runtime) and turns
// each report into a Finding with source "tsan": data-race → data_race,
// lock-order-inversion → lock_order_inversion, anything else → tsan_report.
//
// Without TSan every function here is a no-op and drain() returns nothing.
// Threading: start/stop/drain from the driver thread; the hook may run on any
// thread and only writes the buffer (a slot claimed by an atomic counter).
#pragma once

#include <vector>

#include "tangle/report/model.hpp"

namespace tangle::detail::tsan {

bool available();
void start_capture();
void stop_capture();
std::vector<report::Finding> drain();

}  // namespace tangle::detail::tsan
