// A tiny XML 1.0 well-formedness checker and tree, enough to test junit.xml
// without a library: elements, attributes (quoted, unique), character and
// entity references (the five predefined and numeric), comments, the XML
// declaration; text must not contain raw '<' or a stray '&', and "]]>" is
// refused in text. Throws std::runtime_error with the offset on malformed input.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tangle::report::testing {

struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attributes;  // values with entities decoded
  std::vector<std::unique_ptr<XmlElement>> children;
  std::string text;  // all character data directly inside, decoded

  std::vector<const XmlElement*> all(std::string_view child_name) const;
  const XmlElement* first(std::string_view child_name) const;
  std::string attr(const std::string& key) const;
};

std::unique_ptr<XmlElement> parse_xml(std::string_view text);

}  // namespace tangle::report::testing
