// Program counters as source locations, when a finding is reported.
//
// A location is a file:line captured at compile time (Loc::current()) or a
// program counter (Loc::from_pc): a call site that cannot take a defaulted
// argument (an operator such as Shared<T>::operator+=), and later the
// compiler instrumentation's hooks, which pass return addresses. Only the
// few locations of findings are ever symbolized, so the cost sits there:
// the first call reads the process's modules and their DWARF line tables
// (elfutils' libdwfl; milliseconds), later ones a cached lookup.
//
// symbolize(pc) names the call that returns to `pc` (it looks up pc - 1):
//   "dir/file.cpp:LINE" (relative to the source root, as Loc::current()'s)
// when the module has line tables (-g, or -g1), else
//   "function+0xOFFSET (module)"
// or "0xADDRESS" when nothing is known.
// module_offset(pc): the pc's offset in its loaded module, the same in every
// process of one binary (ASLR moves the base only): what dedup keys hash.
// Threading: both are safe to call from any thread (one lock around the
// cache); neither is async-signal-safe.
#pragma once

#include <cstdint>
#include <string>

namespace tangle::detail {

std::string symbolize(const void* pc);
std::uint64_t module_offset(const void* pc);

}  // namespace tangle::detail
