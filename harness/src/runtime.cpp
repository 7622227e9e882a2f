#include <cstdio>
#include <cstdlib>

#include "isolation/crash_capture.hpp"
#include "tangle/detail/runtime.hpp"

namespace tangle::detail {

void no_runtime() {
  // In an isolated child this is a finding of the execution in progress.
  crash_capture::primitive_without_runtime();
  std::fputs(
      "tangle: an instrumented primitive was used outside a tangle execution "
      "(construct primitives inside a scenario)\n",
      stderr);
  std::abort();
}

}  // namespace tangle::detail
