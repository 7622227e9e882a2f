#include "text.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace tangle::report::detail {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at text[i], or 0 when invalid
// (overlong forms, surrogates and code points past U+10FFFF are invalid).
std::size_t utf8_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n;
  std::uint32_t cp;
  if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F;
  else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F;
  else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07;
  else return 0;
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_length(text, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [&out](unsigned char c) {
    static constexpr char kDigits[] = "0123456789abcdef";
    out += "\\x";
    out += kDigits[c >> 4];
    out += kDigits[c & 0xF];
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = utf8_length(text, i);
    // C1 controls are the two-byte sequences C2 80..C2 9F.
    const bool c1 = n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0;
    if (n == 0 || c < 0x20 || c == 0x7F || c1) {
      for (std::size_t k = 0; k < (c1 ? 2 : 1); ++k) hex(static_cast<unsigned char>(text[i + k]));
      i += c1 ? 2 : 1;
    } else if (c == '\\') {
      out += "\\\\";
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;  // count lead bytes
  return width;
}

void append_escaped(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '&': out += "&amp;"; ++i; continue;
      case '<': out += "&lt;"; ++i; continue;
      case '>': out += "&gt;"; ++i; continue;
      case '"': out += "&quot;"; ++i; continue;
      case '\'': out += "&#39;"; ++i; continue;
      default: break;
    }
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      out += kReplacement;
      ++i;
      continue;
    }
    if (c == 0x7F) {
      out += kReplacement;
      ++i;
      continue;
    }
    std::size_t n = utf8_length(text, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
}

std::string escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  append_escaped(out, text);
  return out;
}

std::string family_of(std::string_view scenario_name) {
  auto slash = scenario_name.find('/');
  return std::string(slash == std::string_view::npos ? scenario_name
                                                      : scenario_name.substr(0, slash));
}

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 9 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<SourcePosition> parse_token(std::string_view token) {
  // path:line or path:line:col; the path itself may contain ':' (rare).
  auto last = token.rfind(':');
  if (last == std::string_view::npos) return std::nullopt;
  std::string_view tail = token.substr(last + 1);
  std::string_view head = token.substr(0, last);
  if (!all_digits(tail)) return std::nullopt;
  SourcePosition pos;
  auto prev = head.rfind(':');
  if (prev != std::string_view::npos && all_digits(head.substr(prev + 1))) {
    pos.line = std::stoi(std::string(head.substr(prev + 1)));
    pos.column = std::stoi(std::string(tail));
    head = head.substr(0, prev);
  } else {
    pos.line = std::stoi(std::string(tail));
  }
  if (head.empty() || pos.line <= 0) return std::nullopt;
  pos.path = std::string(head);
  return pos;
}

}  // namespace

std::optional<SourcePosition> parse_location(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
    if (j > i) {
      std::string_view token = text.substr(i, j - i);
      if (token.front() == '(' || token.front() == '#') {
        i = j;
        continue;
      }
      if (auto pos = parse_token(token)) return pos;
    }
    i = j;
  }
  return std::nullopt;
}

std::vector<FindingKind> found_kinds(const ScenarioResult& scenario) {
  std::vector<FindingKind> kinds;
  for (FindingKind kind : kAllFindingKinds)
    if (std::any_of(scenario.findings.begin(), scenario.findings.end(),
                    [kind](const Finding& f) { return f.kind == kind; }))
      kinds.push_back(kind);
  return kinds;
}

std::string join_kinds(const std::vector<FindingKind>& kinds) {
  if (kinds.empty()) return "none";
  std::string out;
  for (auto k : kinds) {
    if (!out.empty()) out += ", ";
    out += to_string(k);
  }
  return out;
}

std::string finding_summary(const Finding& f) {
  std::string out(to_string(f.kind));
  if (!f.message.empty()) out += ": " + f.message;
  if (!f.locations.empty()) out += " (at " + f.locations.front() + ")";
  return out;
}

std::string failure_reason(const ScenarioResult& s) {
  if (!s.verdict_reason.empty()) return s.verdict_reason;
  auto found = found_kinds(s);
  if (s.expected.empty())
    return "clean scenario, but found " + join_kinds(found);
  if (found.empty()) return "expected " + join_kinds(s.expected) + ", but found nothing";
  std::vector<FindingKind> unexpected;
  for (auto k : found)
    if (std::find(s.expected.begin(), s.expected.end(), k) == s.expected.end())
      unexpected.push_back(k);
  if (!unexpected.empty()) return "unexpected " + join_kinds(unexpected);
  return "expected " + join_kinds(s.expected) + ", found " + join_kinds(found);
}

std::string short_hash(std::string_view text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace tangle::report::detail
