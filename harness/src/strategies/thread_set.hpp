// A set of thread ids with no fixed upper bound: one bit per thread in 64-bit
// words, plus the count. The controlled engine keeps its runnable set here and
// hands it to the strategy as is (no copy per decision).
//
// Costs: insert/erase/contains O(1); count() O(1); first() and nth() scan the
// words, O(threads/64) — for threads 0-63 one inline word, where nth() is a
// table load for threads 0-7 (a loop of r steps exits after a random count:
// a mispredicted branch at every random pick).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tangle::detail {

// kNthThread[set][r]: the r-th set bit of an 8-bit set.
inline constexpr auto kNthThread = [] {
  std::array<std::array<std::uint8_t, 8>, 256> table{};
  for (unsigned set = 0; set < 256; ++set) {
    unsigned k = 0;
    for (std::uint8_t bit = 0; bit < 8; ++bit)
      if ((set >> bit) & 1) table[set][k++] = bit;
  }
  return table;
}();

// The r-th (0-based) set bit of one word, counting from bit 0.
inline int nth_bit(std::uint64_t set, unsigned r) {
  if (set < 256) [[likely]] return kNthThread[set][r];
  for (; r > 0; --r) set &= set - 1;
  return std::countr_zero(set);
}

class ThreadSet {
 public:
  // Room for threads 0..n-1 (grows on insert too); keeps the members.
  void reserve(int n) {
    const std::size_t words = (static_cast<std::size_t>(n) + 63) / 64;
    if (words > 1 + hi_.size()) {
      hi_.resize(words - 1, 0);
      words_ = 1 + hi_.size();
    }
  }
  void clear() {
    lo_ = 0;
    for (auto& w : hi_) w = 0;
    count_ = 0;
  }
  void insert(int t) {
    if (t < 64) [[likely]] {
      const std::uint64_t bit = 1ULL << t;
      count_ += (lo_ & bit) == 0;
      lo_ |= bit;
      return;
    }
    insert_high(t);
  }
  void erase(int t) {
    if (t < 64) [[likely]] {
      const std::uint64_t bit = 1ULL << t;
      count_ -= (lo_ & bit) != 0;
      lo_ &= ~bit;
      return;
    }
    erase_high(t);
  }
  bool contains(int t) const {
    if (t < 64) [[likely]] return t >= 0 && ((lo_ >> t) & 1) != 0;
    const auto i = (static_cast<std::size_t>(t) >> 6) - 1;
    return i < hi_.size() && ((hi_[i] >> (t & 63)) & 1) != 0;
  }
  int count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // The lowest member, or -1.
  int first() const {
    if (lo_ != 0) [[likely]] return std::countr_zero(lo_);
    for (std::size_t i = 0; i < hi_.size(); ++i)
      if (hi_[i] != 0) return static_cast<int>((i + 1) * 64) + std::countr_zero(hi_[i]);
    return -1;
  }
  // The r-th lowest member (r < count()).
  int nth(unsigned r) const {
    const auto c = static_cast<unsigned>(std::popcount(lo_));
    if (r < c) [[likely]] return nth_bit(lo_, r);
    r -= c;
    for (std::size_t i = 0;; ++i) {
      const auto k = static_cast<unsigned>(std::popcount(hi_[i]));
      if (r < k) return static_cast<int>((i + 1) * 64) + nth_bit(hi_[i], r);
      r -= k;
    }
  }
  // Calls f(t) for each member, lowest first.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < words(); ++i)
      for (std::uint64_t w = word(i); w != 0; w &= w - 1) f(static_cast<int>(i * 64) + std::countr_zero(w));
  }
  // Word i holds threads 64i..64i+63.
  std::size_t words() const { return words_; }
  std::uint64_t word(std::size_t i) const { return i == 0 ? lo_ : i - 1 < hi_.size() ? hi_[i - 1] : 0; }

 private:
  [[gnu::noinline]] void insert_high(int t) {
    const auto i = (static_cast<std::size_t>(t) >> 6) - 1;
    if (i >= hi_.size()) {
      hi_.resize(i + 1, 0);
      words_ = 1 + hi_.size();
    }
    const std::uint64_t bit = 1ULL << (t & 63);
    count_ += (hi_[i] & bit) == 0;
    hi_[i] |= bit;
  }
  void erase_high(int t) {
    const auto i = (static_cast<std::size_t>(t) >> 6) - 1;
    if (i >= hi_.size()) return;
    const std::uint64_t bit = 1ULL << (t & 63);
    count_ -= (hi_[i] & bit) != 0;
    hi_[i] &= ~bit;
  }
  // Threads 0-63 in one word inline, the rest behind it: a scenario's
  // usual few threads cost what the engine's old 64-bit mask did (no
  // pointer to chase on the hot path).
  std::uint64_t lo_ = 0;
  std::vector<std::uint64_t> hi_;
  std::size_t words_ = 1;  // 1 + hi_.size(), kept at hand
  int count_ = 0;
};

}  // namespace tangle::detail
