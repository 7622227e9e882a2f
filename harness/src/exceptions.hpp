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
#include <typeinfo>

namespace tangle::detail {

inline std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                              std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(mangled);
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

}  // namespace tangle::detail
