#include "source_path.hpp"

#include <cstring>

#include "symbolize.hpp"

namespace tangle::detail {

std::string relative_source_path(const char* file) {
#ifdef TANGLE_SOURCE_ROOT
  constexpr const char* root = TANGLE_SOURCE_ROOT;
  const std::size_t n = std::strlen(root);
  if (std::strncmp(file, root, n) == 0) return file + n;
#endif
  return file;
}

std::string location_string(const tangle::Loc& loc) {
  if (loc.is_pc()) return symbolize(loc.pc());
  return relative_source_path(loc.file_name()) + ":" + std::to_string(loc.line());
}

}  // namespace tangle::detail
