#include "model/finding.hpp"

#include <algorithm>
#include <vector>

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

std::uint64_t loc_hash(std::uint64_t h, const Loc& l) {
  // A pc: where in its module, the same in every process of this binary.
  if (l.is_pc()) return fnv(h, module_offset(l.pc()));
  for (const char* c = l.file_name(); *c != '\0'; ++c) h = fnv(h, static_cast<unsigned char>(*c));
  return fnv(h, l.line());
}
}  // namespace

std::uint64_t finding_signature(report::FindingKind kind, std::span<const Loc> locs, std::string_view message,
                                std::string_view object) {
  // The kind's stable name, not its enum value: keys are compared across
  // processes and builds (shards, merge).
  std::uint64_t h = kFnvOffset;
  for (char c : report::to_string(kind)) h = fnv(h, static_cast<unsigned char>(c));
  if (kind == report::FindingKind::data_race) {
    // Unordered: each line hashed alone, the two hashes in sorted order.
    for (char c : object) h = fnv(h, static_cast<unsigned char>(c));
    std::vector<std::uint64_t> lines;
    for (const Loc& l : locs) lines.push_back(loc_hash(kFnvOffset, l));
    std::sort(lines.begin(), lines.end());
    for (std::uint64_t l : lines) h = fnv(h, l);
    return h;
  }
  for (const Loc& l : locs) h = loc_hash(h, l);
  if (locs.empty())
    for (char c : message) h = fnv(h, static_cast<unsigned char>(c));
  return h;
}

}  // namespace tangle::detail
