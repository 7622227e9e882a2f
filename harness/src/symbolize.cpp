#include "symbolize.hpp"

#include <cxxabi.h>
#include <dlfcn.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <unordered_map>

#include "source_path.hpp"

namespace tangle::detail {

namespace {

std::string demangled(const char* name) {
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || d == nullptr) return name;
  std::string out(d);
  std::free(d);
  return out;
}

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// One libdwfl session over this process's modules, made on first use. A
// module loaded later (dlopen) is found by a fresh report when a lookup
// misses.
class Symbolizer {
 public:
  ~Symbolizer() {
    if (dwfl_ != nullptr) dwfl_end(dwfl_);
  }
  std::string lookup(const void* pc) {
    const std::lock_guard<std::mutex> lock(mu_);
    const auto key = reinterpret_cast<std::uintptr_t>(pc);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    std::string name = resolve(key);
    cache_.emplace(key, name);
    return name;
  }

 private:
  std::string resolve(std::uintptr_t pc) {
    // A return address: the call is the instruction before it.
    const Dwarf_Addr at = pc - 1;
    if (Dwfl_Module* module = find_module(at)) {
      if (Dwfl_Line* line = dwfl_module_getsrc(module, at)) {
        int number = 0;
        const char* file = dwfl_lineinfo(line, nullptr, &number, nullptr, nullptr, nullptr);
        if (file != nullptr && number > 0) return relative_source_path(file) + ":" + std::to_string(number);
      }
      // getsrc finds a unit through .debug_aranges, which clang does not
      // emit by default (-gdwarf-aranges): walk the units' own ranges.
      Dwarf_Addr bias = 0;
      for (Dwarf_Die* cu = nullptr; (cu = dwfl_module_nextcu(module, cu, &bias)) != nullptr;) {
        if (dwarf_haspc(cu, at - bias) != 1) continue;
        Dwarf_Line* line = dwarf_getsrc_die(cu, at - bias);
        int number = 0;
        const char* file = line != nullptr ? dwarf_linesrc(line, nullptr, nullptr) : nullptr;
        if (file != nullptr && dwarf_lineno(line, &number) == 0 && number > 0)
          return relative_source_path(file) + ":" + std::to_string(number);
        break;
      }
    }
    Dl_info info{};
    if (::dladdr(reinterpret_cast<const void*>(at), &info) != 0) {
      // The offset of the return address itself, as debuggers print it.
      const auto offset = [&](const void* from) { return hex(pc - reinterpret_cast<std::uintptr_t>(from)); };
      std::string where = info.dli_sname != nullptr ? demangled(info.dli_sname) + "+" + offset(info.dli_saddr)
                                                    : offset(info.dli_fbase);
      const std::string path = info.dli_fname != nullptr ? info.dli_fname : "";
      const std::size_t slash = path.rfind('/');
      return where + " (" + (slash == std::string::npos ? path : path.substr(slash + 1)) + ")";
    }
    return hex(pc);
  }
  Dwfl_Module* find_module(Dwarf_Addr at) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (dwfl_ == nullptr || attempt == 1) report();
      if (dwfl_ == nullptr) return nullptr;
      if (Dwfl_Module* m = dwfl_addrmodule(dwfl_, at)) return m;
    }
    return nullptr;
  }
  void report() {
    static char* debuginfo_path = nullptr;
    static const Dwfl_Callbacks callbacks = {
        dwfl_linux_proc_find_elf, dwfl_standard_find_debuginfo, nullptr, &debuginfo_path};
    if (dwfl_ == nullptr) dwfl_ = dwfl_begin(&callbacks);
    if (dwfl_ == nullptr) return;
    dwfl_report_begin(dwfl_);
    if (dwfl_linux_proc_report(dwfl_, ::getpid()) != 0 || dwfl_report_end(dwfl_, nullptr, nullptr) != 0) {
      dwfl_end(dwfl_);
      dwfl_ = nullptr;
    }
  }

  std::mutex mu_;
  Dwfl* dwfl_ = nullptr;
  std::unordered_map<std::uintptr_t, std::string> cache_;
};

Symbolizer& symbolizer() {
  static Symbolizer s;
  return s;
}

}  // namespace

std::string symbolize(const void* pc) { return symbolizer().lookup(pc); }

std::uint64_t module_offset(const void* pc) {
  Dl_info info{};
  if (::dladdr(pc, &info) == 0 || info.dli_fbase == nullptr) return reinterpret_cast<std::uintptr_t>(pc);
  return reinterpret_cast<std::uintptr_t>(pc) - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
}

}  // namespace tangle::detail
