#include <cstdio>
#include <cstdlib>

#include "tangle/detail/runtime.hpp"

namespace tangle::detail {
namespace {
thread_local Runtime* current = nullptr;
}

Runtime& current_runtime() {
  if (current == nullptr) {
    std::fputs(
        "tangle: an instrumented primitive was used outside a tangle execution "
        "(construct primitives inside a scenario)\n",
        stderr);
    std::abort();
  }
  return *current;
}

void set_current_runtime(Runtime* runtime) { current = runtime; }
Runtime* current_runtime_or_null() { return current; }

}  // namespace tangle::detail
