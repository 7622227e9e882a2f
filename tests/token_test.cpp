// Replay tokens: round trip, and every corruption or truncation is refused
// with TokenError (never a crash, never a half-decoded token).
#include <gtest/gtest.h>

#include <random>

#include "token.hpp"

namespace tangle::detail {
namespace {

ReplayToken sample() {
  ReplayToken t;
  t.scenario = "counter/unprotected";
  t.params = {{"threads", 3}, {"iterations", -7}};
  t.max_steps = 100000;
  t.data_points = false;
  t.kind = report::FindingKind::lock_order_inversion;
  t.trace_hash = 0xdeadbeefcafef00dULL;
  for (int i = 0; i < 300; ++i) t.schedule.push_back(static_cast<std::uint8_t>((i / 7) % 3));
  return t;
}

TEST(Token, RoundTrip) {
  const ReplayToken t = sample();
  const std::string text = encode_token(t);
  EXPECT_EQ(text.rfind("tgl1_", 0), 0u);
  const ReplayToken u = decode_token(text);
  EXPECT_EQ(u.scenario, t.scenario);
  EXPECT_EQ(u.params, t.params);
  EXPECT_EQ(u.max_steps, t.max_steps);
  EXPECT_EQ(u.data_points, t.data_points);
  EXPECT_EQ(u.kind, t.kind);
  EXPECT_EQ(u.trace_hash, t.trace_hash);
  EXPECT_EQ(u.schedule, t.schedule);
}

// Version 3: the origin fields, and schedule entries beyond one byte (thread
// indices of run-time threads, data-choice values).
TEST(Token, V3OriginFieldsAndWideEntriesRoundTrip) {
  ReplayToken t = sample();
  t.strategy = "pct";
  t.depth = 7;
  t.pct_k = 12345;
  t.seed = 0xfedcba9876543210ULL;
  t.execution = 4096;
  t.schedule = {0, 1, 255, 256, 1000, 1000, 1000, 4095, 70000, 0xffffffffu, 2};
  const ReplayToken u = decode_token(encode_token(t));
  EXPECT_EQ(u.strategy, "pct");
  EXPECT_EQ(u.depth, 7u);
  EXPECT_EQ(u.pct_k, 12345u);
  EXPECT_EQ(u.seed, t.seed);
  EXPECT_EQ(u.execution, 4096u);
  EXPECT_EQ(u.schedule, t.schedule);
  EXPECT_EQ(u.kind, t.kind);
  EXPECT_EQ(u.trace_hash, t.trace_hash);
  EXPECT_FALSE(u.spurious_wakeups);

  for (const bool data_points : {false, true}) {
    t.data_points = data_points;
    t.spurious_wakeups = true;
    const ReplayToken w = decode_token(encode_token(t));
    EXPECT_EQ(w.data_points, data_points);
    EXPECT_TRUE(w.spurious_wakeups);
  }
  t.spurious_wakeups = false;

  t.strategy = "random";
  t.depth = 0;
  t.pct_k = 0;
  t.seed = 0;
  t.execution = 1;
  const ReplayToken v = decode_token(encode_token(t));
  EXPECT_EQ(v.strategy, "random");
  EXPECT_EQ(v.depth, 0u);
  EXPECT_EQ(v.pct_k, 0u);
  EXPECT_EQ(v.seed, 0u);
  EXPECT_EQ(v.execution, 1u);
}

TEST(Token, EveryKindRoundTripsByName) {
  for (const report::FindingKind kind : report::kAllFindingKinds) {
    ReplayToken t = sample();
    t.kind = kind;
    EXPECT_EQ(decode_token(encode_token(t)).kind, kind) << report::to_string(kind);
  }
}

TEST(Token, EmptyScheduleRoundTrips) {
  ReplayToken t = sample();
  t.schedule.clear();
  EXPECT_TRUE(decode_token(encode_token(t)).schedule.empty());
}

TEST(Token, EveryTruncationIsRefused) {
  const std::string text = encode_token(sample());
  for (std::size_t n = 0; n < text.size(); ++n)
    EXPECT_THROW(decode_token(text.substr(0, n)), TokenError) << "length " << n;
}

TEST(Token, EverySingleCharacterChangeIsRefused) {
  const std::string text = encode_token(sample());
  for (std::size_t i = 5; i < text.size(); ++i) {
    std::string bad = text;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    // The last character may carry only padding bits; any change there that
    // decodes to the same bytes is not a corruption.
    if (i + 1 == text.size()) continue;
    EXPECT_THROW(decode_token(bad), TokenError) << "position " << i;
  }
}

TEST(Token, RandomGarbageNeverCrashes) {
  std::mt19937 rng(99);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_!";
  for (int i = 0; i < 2000; ++i) {
    std::string text = "tgl1_";
    const int len = static_cast<int>(rng() % 80);
    for (int k = 0; k < len; ++k) text.push_back(alphabet[rng() % alphabet.size()]);
    EXPECT_THROW(decode_token(text), TokenError);
  }
  EXPECT_THROW(decode_token("not-a-token"), TokenError);
  EXPECT_THROW(decode_token(""), TokenError);
}

}  // namespace
}  // namespace tangle::detail
