// Source locations as the reports print them: "dir/file.cpp:LINE", relative
// to the source root the build was configured with (TANGLE_SOURCE_ROOT) when
// the file lies under it; a program counter is symbolized (symbolize.hpp).
#pragma once

#include "tangle/detail/runtime.hpp"
#include <string>

namespace tangle::detail {

std::string location_string(const tangle::Loc& loc);
std::string relative_source_path(const char* file);

}  // namespace tangle::detail
