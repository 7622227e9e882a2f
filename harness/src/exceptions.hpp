// What an exception caught by `catch (...)` was, in words a person reads:
// "std::runtime_error: boom", "int", "tangle::detail::ReplayDiverged: …" —
// the type demangled (abi::__cxa_demangle), what() for std::exceptions.
// Call it only inside a catch block (it rethrows the current exception).
#pragma once

#include <cxxabi.h>

#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>

namespace tangle::detail {

inline std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                              std::free);
  std::string text = status == 0 && name ? std::string(name.get()) : std::string(mangled);
  // The one spelling nobody reads as written.
  static constexpr std::string_view kString =
      "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >";
  for (auto at = text.find(kString); at != std::string::npos; at = text.find(kString, at))
    text.replace(at, kString.size(), "std::string");
  return text;
}

inline std::string describe_current_exception() {
  const std::type_info* type = abi::__cxa_current_exception_type();
  std::string text = type != nullptr ? demangle(type->name()) : "an unknown exception";
  try {
    throw;
  } catch (const std::exception& e) {
    text += std::string(": ") + e.what();
  } catch (...) {
  }
  return text;
}

// The crash message of an exception escaping scenario code, the same on
// every engine: "thread 1 threw int", "check() threw std::runtime_error: boom".
// `who`: "thread N", "check()", "the scenario's constructor".
inline std::string threw_message(const std::string& who) { return who + " threw " + describe_current_exception(); }

}  // namespace tangle::detail
