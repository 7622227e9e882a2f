#include <cstdio>
#include <cstdlib>

#include "tangle/detail/runtime.hpp"

namespace tangle::detail {

void no_runtime() {
  std::fputs(
      "tangle: an instrumented primitive was used outside a tangle execution "
      "(construct primitives inside a scenario)\n",
      stderr);
  std::abort();
}

}  // namespace tangle::detail
