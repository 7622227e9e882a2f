#include "model/finding.hpp"

#include "symbolize.hpp"

namespace tangle::detail {

namespace {
constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

std::uint64_t fnv(std::uint64_t h, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    h ^= (v >> (8 * i)) & 0xff;
    h *= kFnvPrime;
  }
  return h;
}
}  // namespace

std::uint64_t finding_signature(report::FindingKind kind, std::span<const Loc> locs, std::string_view message) {
  // The kind's stable name, not its enum value: keys are compared across
  // processes and builds (shards, merge).
  std::uint64_t h = kFnvOffset;
  for (char c : report::to_string(kind)) h = fnv(h, static_cast<unsigned char>(c));
  for (const Loc& l : locs) {
    if (l.is_pc()) {
      // Where in its module: the same in every process of this binary.
      h = fnv(h, module_offset(l.pc()));
      continue;
    }
    for (const char* c = l.file_name(); *c != '\0'; ++c) h = fnv(h, static_cast<unsigned char>(*c));
    h = fnv(h, l.line());
  }
  if (locs.empty())
    for (char c : message) h = fnv(h, static_cast<unsigned char>(c));
  return h;
}

}  // namespace tangle::detail
