// A set of thread ids with no fixed upper bound: one bit per thread in 64-bit
// words, plus the count. The controlled engine keeps its runnable set here and
// hands it to the strategy as is (no copy per decision).
//
// Costs: insert/erase/contains O(1); count() O(1); first() and nth() scan the
// words, O(threads/64) — one word for scenarios up to 64 threads, where nth()
// is a table load for threads 0-7 (a loop of r steps exits after a random
// count: a mispredicted branch at every random pick).
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
  ThreadSet() : words_(1, 0) {}
  // Room for threads 0..n-1 (grows on insert too); keeps the members.
  void reserve(int n) {
    const std::size_t words = (static_cast<std::size_t>(n) + 63) / 64;
    if (words > words_.size()) words_.resize(words, 0);
  }
  void clear() {
    for (auto& w : words_) w = 0;
    count_ = 0;
  }
  void insert(int t) {
    const auto i = static_cast<std::size_t>(t) >> 6;
    if (i >= words_.size()) [[unlikely]] words_.resize(i + 1, 0);
    const std::uint64_t bit = 1ULL << (t & 63);
    count_ += (words_[i] & bit) == 0;
    words_[i] |= bit;
  }
  void erase(int t) {
    const auto i = static_cast<std::size_t>(t) >> 6;
    if (i >= words_.size()) return;
    const std::uint64_t bit = 1ULL << (t & 63);
    count_ -= (words_[i] & bit) != 0;
    words_[i] &= ~bit;
  }
  bool contains(int t) const {
    const auto i = static_cast<std::size_t>(t) >> 6;
    return t >= 0 && i < words_.size() && ((words_[i] >> (t & 63)) & 1) != 0;
  }
  int count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // The lowest member, or -1.
  int first() const {
    for (std::size_t i = 0; i < words_.size(); ++i)
      if (words_[i] != 0) return static_cast<int>(i * 64) + std::countr_zero(words_[i]);
    return -1;
  }
  // The highest member, or -1.
  int last() const {
    for (std::size_t i = words_.size(); i-- > 0;)
      if (words_[i] != 0) return static_cast<int>(i * 64) + 63 - std::countl_zero(words_[i]);
    return -1;
  }
  // The r-th lowest member (r < count()).
  int nth(unsigned r) const {
    for (std::size_t i = 0;; ++i) {
      const auto c = static_cast<unsigned>(std::popcount(words_[i]));
      if (r < c) return static_cast<int>(i * 64) + nth_bit(words_[i], r);
      r -= c;
    }
  }
  // Calls f(t) for each member, lowest first.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < words_.size(); ++i)
      for (std::uint64_t w = words_[i]; w != 0; w &= w - 1) f(static_cast<int>(i * 64) + std::countr_zero(w));
  }
  std::size_t words() const { return words_.size(); }
  std::uint64_t word(std::size_t i) const { return i < words_.size() ? words_[i] : 0; }

 private:
  std::vector<std::uint64_t> words_;
  int count_ = 0;
};

}  // namespace tangle::detail
