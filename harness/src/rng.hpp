// Small, fast, seedable PRNGs. Determinism contract: the same seed gives the
// same sequence on every platform (no std::distribution, whose output is
// implementation-defined).
#pragma once

#include <cstdint>

namespace tangle::detail {

// SplitMix64 (Steele, Lea, Flood 2014): seeds the others, and derives one
// independent seed per execution from (run seed, execution index).
inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t s = seed ^ (index * 0xd1b54a32d192ed03ULL);
  return splitmix64(s);
}

// xoshiro256** (Blackman & Vigna 2018): ~1 ns per draw.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 1) { reseed(seed); }
  void reseed(std::uint64_t seed) {
    for (auto& w : s_) w = splitmix64(seed);
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, bound) by Lemire's multiply-shift (bias < bound / 2^64).
  std::uint32_t below(std::uint32_t bound) {
    return static_cast<std::uint32_t>(
        (static_cast<unsigned __int128>(next()) * bound) >> 64);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace tangle::detail
