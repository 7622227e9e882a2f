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

// wyrand (Wang Yi, 2019; the generator behind Go's runtime.rand and Zig's
// std.Random.Wyrand): a Weyl sequence through one 64x64->128 multiply. Passes
// BigCrush and PractRand; one draw is ~5 instructions and the state one word,
// so reseeding per execution is free — the random strategy draws at every
// decision, where xoshiro256** cost 17 instructions and a 4-word reseed.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 1) { reseed(seed); }
  void reseed(std::uint64_t seed) { state_ = splitmix64(seed); }
  std::uint64_t next() {
    state_ += 0xa0761d6478bd642fULL;
    const unsigned __int128 m =
        static_cast<unsigned __int128>(state_) * (state_ ^ 0xe7037ed1a0b428dbULL);
    return static_cast<std::uint64_t>(m >> 64) ^ static_cast<std::uint64_t>(m);
  }
  // Uniform in [0, bound) by Lemire's multiply-shift (bias < bound / 2^64).
  std::uint32_t below(std::uint32_t bound) { return scale(next(), bound); }
  // below() for a draw taken earlier.
  static std::uint32_t scale(std::uint64_t draw, std::uint32_t bound) {
    return static_cast<std::uint32_t>((static_cast<unsigned __int128>(draw) * bound) >> 64);
  }

 private:
  std::uint64_t state_;
};

}  // namespace tangle::detail
