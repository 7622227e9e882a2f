#include "xml_check.hpp"

#include <cctype>
#include <cstdint>
#include <stdexcept>

namespace tangle::report::testing {

std::vector<const XmlElement*> XmlElement::all(std::string_view child_name) const {
  std::vector<const XmlElement*> out;
  for (const auto& c : children)
    if (c->name == child_name) out.push_back(c.get());
  return out;
}

const XmlElement* XmlElement::first(std::string_view child_name) const {
  auto v = all(child_name);
  return v.empty() ? nullptr : v.front();
}

std::string XmlElement::attr(const std::string& key) const {
  auto it = attributes.find(key);
  return it == attributes.end() ? std::string() : it->second;
}

namespace {

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  std::unique_ptr<XmlElement> document() {
    if (s_.substr(0, 5) == "<?xml") {
      auto end = s_.find("?>");
      if (end == std::string_view::npos) fail("unterminated XML declaration");
      i_ = end + 2;
    }
    misc();
    if (!peek("<")) fail("no root element");
    auto root = element();
    misc();
    if (i_ != s_.size()) fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& why) {
    throw std::runtime_error("XML error at offset " + std::to_string(i_) + ": " + why);
  }
  bool peek(std::string_view t) const { return s_.substr(i_, t.size()) == t; }
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r'))
      ++i_;
  }
  void comment() {
    auto end = s_.find("-->", i_ + 4);
    if (end == std::string_view::npos) fail("unterminated comment");
    if (s_.substr(i_ + 4, end - i_ - 4).find("--") != std::string_view::npos)
      fail("'--' inside a comment");
    i_ = end + 3;
  }
  void misc() {
    for (;;) {
      space();
      if (peek("<!--")) comment();
      else return;
    }
  }
  static bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
           c == ':' || static_cast<unsigned char>(c) >= 0x80;
  }
  std::string name() {
    std::size_t start = i_;
    while (i_ < s_.size() && name_char(s_[i_])) ++i_;
    if (start == i_) fail("expected a name");
    return std::string(s_.substr(start, i_ - start));
  }
  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) out += static_cast<char>(cp);
    else if (cp < 0x800) out += static_cast<char>(0xC0 | (cp >> 6)), out += static_cast<char>(0x80 | (cp & 0x3F));
    else if (cp < 0x10000)
      out += static_cast<char>(0xE0 | (cp >> 12)), out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
          out += static_cast<char>(0x80 | (cp & 0x3F));
    else
      out += static_cast<char>(0xF0 | (cp >> 18)), out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  // Character data up to `stop`; decodes references, refuses '<' and
  // control characters XML 1.0 does not allow.
  std::string chars(char stop) {
    std::string out;
    while (i_ < s_.size() && s_[i_] != stop) {
      char c = s_[i_];
      if (c == '<') fail("raw '<' in character data");
      if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r')
        fail("control character in character data");
      if (stop == '<' && peek("]]>")) fail("']]>' in character data");
      if (c == '&') {
        auto end = s_.find(';', i_);
        if (end == std::string_view::npos || end - i_ > 12) fail("bad entity reference");
        auto ref = s_.substr(i_ + 1, end - i_ - 1);
        if (ref == "lt") out += '<';
        else if (ref == "gt") out += '>';
        else if (ref == "amp") out += '&';
        else if (ref == "quot") out += '"';
        else if (ref == "apos") out += '\'';
        else if (ref.size() > 1 && ref[0] == '#') {
          bool hex = ref[1] == 'x';
          auto digits = std::string(ref.substr(hex ? 2 : 1));
          if (digits.empty()) fail("empty character reference");
          append_utf8(out, static_cast<std::uint32_t>(std::stoul(digits, nullptr, hex ? 16 : 10)));
        } else {
          fail("unknown entity &" + std::string(ref) + ";");
        }
        i_ = end + 1;
      } else {
        out += c;
        ++i_;
      }
    }
    return out;
  }
  std::unique_ptr<XmlElement> element() {
    ++i_;  // '<'
    auto e = std::make_unique<XmlElement>();
    e->name = name();
    for (;;) {
      space();
      if (peek("/>")) {
        i_ += 2;
        return e;
      }
      if (peek(">")) {
        ++i_;
        break;
      }
      auto key = name();
      space();
      if (!peek("=")) fail("expected '=' after attribute " + key);
      ++i_;
      space();
      if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) fail("unquoted attribute");
      char q = s_[i_++];
      auto value = chars(q);
      if (i_ >= s_.size()) fail("unterminated attribute");
      ++i_;
      if (!e->attributes.emplace(key, value).second) fail("duplicate attribute " + key);
    }
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated element " + e->name);
      if (peek("</")) {
        i_ += 2;
        auto closing = name();
        if (closing != e->name) fail("</" + closing + "> closes <" + e->name + ">");
        space();
        if (!peek(">")) fail("expected '>'");
        ++i_;
        return e;
      }
      if (peek("<!--")) comment();
      else if (peek("<![CDATA[")) {
        auto end = s_.find("]]>", i_);
        if (end == std::string_view::npos) fail("unterminated CDATA");
        e->text += std::string(s_.substr(i_ + 9, end - i_ - 9));
        i_ = end + 3;
      } else if (peek("<")) e->children.push_back(element());
      else e->text += chars('<');
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::unique_ptr<XmlElement> parse_xml(std::string_view text) { return Parser(text).document(); }

}  // namespace tangle::report::testing
