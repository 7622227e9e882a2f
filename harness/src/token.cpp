#include "token.hpp"

#include <array>

namespace tangle::detail {
namespace {

constexpr std::string_view kPrefix = "tgl1_";
constexpr std::uint8_t kMagic = 0x7a;
constexpr std::uint8_t kVersion = 3;  // 2: data_points; 3: kind by name, 32-bit entries, origin
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::uint32_t crc32(const std::string& data) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xffffffffu;
  for (unsigned char b : data) c = table[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

// ZigZag keeps small negative parameters short.
std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) throw TokenError("replay token is truncated");
      const auto b = static_cast<unsigned char>(data_[pos_++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    throw TokenError("replay token is corrupt (bad number)");
  }
  std::string string(std::size_t limit) {
    const std::uint64_t n = varint();
    if (n > limit || n > data_.size() - pos_) throw TokenError("replay token is truncated");
    std::string s(data_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  bool done() const { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

std::string base64url(const std::string& in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
  return out;
}

std::string unbase64url(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    else throw TokenError("replay token has an invalid character");
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

}  // namespace

std::string hash_hex(std::uint64_t hash) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) s[i] = kHex[hash & 0xf];
  return s;
}

std::string encode_token(const ReplayToken& t) {
  std::string p;
  p.push_back(static_cast<char>(kMagic));
  p.push_back(static_cast<char>(kVersion));
  put_string(p, t.scenario);
  put_varint(p, t.params.size());
  for (const auto& [k, v] : t.params) {
    put_string(p, k);
    put_varint(p, zigzag(v));
  }
  put_varint(p, t.max_steps);
  put_varint(p, (t.data_points ? 1 : 0) | (t.spurious_wakeups ? 2 : 0) | (t.threads_substrate ? 4 : 0));
  put_string(p, std::string(report::to_string(t.kind)));
  put_varint(p, t.trace_hash);
  put_string(p, t.strategy);
  put_varint(p, t.depth);
  put_varint(p, t.pct_k);
  put_varint(p, t.seed);
  put_varint(p, t.execution);
  put_varint(p, t.schedule.size());
  std::string runs;
  std::uint64_t run_count = 0;
  for (std::size_t i = 0; i < t.schedule.size();) {
    std::size_t j = i;
    while (j < t.schedule.size() && t.schedule[j] == t.schedule[i]) ++j;
    put_varint(runs, t.schedule[i]);
    put_varint(runs, j - i);
    ++run_count;
    i = j;
  }
  put_varint(p, run_count);
  p += runs;
  const std::uint32_t crc = crc32(p);
  for (int i = 0; i < 4; ++i) p.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return std::string(kPrefix) + base64url(p);
}

ReplayToken decode_token(std::string_view text) {
  if (text.substr(0, kPrefix.size()) != kPrefix)
    throw TokenError("not a tangle replay token (it should start with '" + std::string(kPrefix) +
                     "')");
  std::string raw = unbase64url(text.substr(kPrefix.size()));
  if (raw.size() < 6) throw TokenError("replay token is truncated");
  std::string body = raw.substr(0, raw.size() - 4);
  std::uint32_t crc = 0;
  for (int i = 0; i < 4; ++i)
    crc |= static_cast<std::uint32_t>(static_cast<unsigned char>(raw[body.size() + i])) << (8 * i);
  if (crc != crc32(body))
    throw TokenError("replay token is corrupt or truncated (checksum mismatch)");
  const auto version = static_cast<unsigned char>(body[1]);
  if (static_cast<unsigned char>(body[0]) != kMagic || version < 1 || version > kVersion)
    throw TokenError("replay token has an unknown version");
  Reader r(std::string_view(body).substr(2));
  ReplayToken t;
  t.scenario = r.string(4096);
  const std::uint64_t nparams = r.varint();
  if (nparams > 1024) throw TokenError("replay token is corrupt (too many parameters)");
  for (std::uint64_t i = 0; i < nparams; ++i) {
    std::string k = r.string(4096);
    t.params[k] = unzigzag(r.varint());
  }
  t.max_steps = r.varint();
  // Version 1 predates granularity: every operation was a scheduling point.
  const std::uint64_t data_points = version >= 2 ? r.varint() : 1;
  if (data_points > (version >= 3 ? 7 : 1)) throw TokenError("replay token is corrupt (data_points)");
  t.data_points = (data_points & 1) != 0;
  t.spurious_wakeups = (data_points & 2) != 0;
  t.threads_substrate = (data_points & 4) != 0;
  if (version >= 3) {
    const auto kind = report::parse_kind(r.string(64));
    if (!kind) throw TokenError("replay token is corrupt (unknown finding kind)");
    t.kind = *kind;
  } else {
    // Versions 1-2: the enum value, in the order the kinds had then (which
    // is today's; FindingKind must only grow at its end).
    const std::uint64_t kind = r.varint();
    if (kind >= static_cast<std::uint64_t>(report::kFindingKindCount))
      throw TokenError("replay token is corrupt (unknown finding kind)");
    t.kind = static_cast<report::FindingKind>(kind);
  }
  t.trace_hash = r.varint();
  if (version >= 3) {
    t.strategy = r.string(64);
    t.depth = r.varint();
    t.pct_k = r.varint();
    t.seed = r.varint();
    t.execution = r.varint();
  }
  const std::uint64_t length = r.varint();
  const std::uint64_t runs = r.varint();
  if (length > (1u << 30) || runs > length)
    throw TokenError("replay token is corrupt (schedule length)");
  t.schedule.reserve(length);
  for (std::uint64_t i = 0; i < runs; ++i) {
    const std::uint64_t thread = r.varint();
    const std::uint64_t run = r.varint();
    if (thread > 0xffffffffu || (version < 3 && thread > 63) || run == 0 || run > length - t.schedule.size())
      throw TokenError("replay token is corrupt (schedule)");
    t.schedule.insert(t.schedule.end(), run, static_cast<std::uint32_t>(thread));
  }
  if (t.schedule.size() != length || !r.done())
    throw TokenError("replay token is corrupt (schedule)");
  return t;
}

}  // namespace tangle::detail
