#include "controlled/fiber_stacks.hpp"

#include <algorithm>

#include <sys/mman.h>
#include <unistd.h>

#include <new>

#ifdef TANGLE_UNDER_TSAN
extern "C" {
void* __tsan_get_current_fiber();
void* __tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void* fiber);
}
#endif

#ifdef TANGLE_OWN_JUMP
// transfer_t tangle_jump_fcontext(fcontext_t to, void* data): boost 1.74's
// jump_fcontext for x86-64 System V (jump_x86_64_sysv_elf_gas.S) without the
// floating-point control words; see fiber_stacks.hpp. A suspended context is
// its stack pointer, below a 0x40-byte frame: 8 unused bytes (where boost
// keeps those words), r12, r13, r14, r15, rbx, rbp, and the address to
// resume at. Saves the callee-saved registers on the current stack, stores
// that stack pointer as the from-context (rax), switches to `to` (rdi),
// restores its registers and returns {from, data} in rax:rdx — also in
// rdi:rsi, the argument registers of a fresh context's entry function.
//
// fcontext_t tangle_make_fcontext(void* top, size_t size, void (*entry)(transfer_t)):
// a fresh context in that layout, whose first jump restores rbx = entry and
// rbp = the address of a ud2, and resumes at the trampoline, which pushes rbp
// as entry's return address (the stack then aligned as at a call) and enters
// entry. An entry function never returns; if one did, ud2 would stop the
// process with SIGILL rather than let it carry on or exit quietly.
asm(R"(
    .text
    .globl  tangle_jump_fcontext
    .type   tangle_jump_fcontext, @function
    .align  16
tangle_jump_fcontext:
    endbr64
    leaq    -0x38(%rsp), %rsp
    movq    %r12, 0x8(%rsp)
    movq    %r13, 0x10(%rsp)
    movq    %r14, 0x18(%rsp)
    movq    %r15, 0x20(%rsp)
    movq    %rbx, 0x28(%rsp)
    movq    %rbp, 0x30(%rsp)
    movq    %rsp, %rax
    movq    %rdi, %rsp
    movq    0x38(%rsp), %r8
    movq    0x8(%rsp), %r12
    movq    0x10(%rsp), %r13
    movq    0x18(%rsp), %r14
    movq    0x20(%rsp), %r15
    movq    0x28(%rsp), %rbx
    movq    0x30(%rsp), %rbp
    leaq    0x40(%rsp), %rsp
    movq    %rsi, %rdx
    movq    %rax, %rdi
    notrack jmp *%r8
    .size   tangle_jump_fcontext, .-tangle_jump_fcontext

    .globl  tangle_make_fcontext
    .type   tangle_make_fcontext, @function
    .align  16
tangle_make_fcontext:
    endbr64
    movq    %rdi, %rax
    andq    $-16, %rax
    leaq    -0x40(%rax), %rax
    movq    %rdx, 0x28(%rax)
    leaq    tangle_fcontext_trampoline(%rip), %rcx
    movq    %rcx, 0x38(%rax)
    leaq    tangle_fcontext_returned(%rip), %rcx
    movq    %rcx, 0x30(%rax)
    ret
tangle_fcontext_trampoline:
    endbr64
    pushq   %rbp
    jmp     *%rbx
tangle_fcontext_returned:
    ud2
    .size   tangle_make_fcontext, .-tangle_make_fcontext
    .section .note.GNU-stack, "", %progbits
    .text
)");
#endif

namespace tangle::detail {

// The guard is 64 KiB rather than one page: a frame with a large local array
// steps further than a page past the stack's end, and must still land in the
// guard (and be reported as a stack overflow), not in a neighbour's mapping.
FiberStacks::FiberStacks(std::size_t stack_size)
    : size_(stack_size),
      page_(std::max<std::size_t>(64 * 1024, static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)))) {}

FiberStacks::~FiberStacks() {
  for (char* base : stacks_) ::munmap(base, size_ + page_);
}

void FiberStacks::reserve(int count) {
  while (static_cast<int>(stacks_.size()) < count) {
    void* p = ::mmap(nullptr, size_ + page_, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    ::mprotect(p, page_, PROT_NONE);  // guard: stacks grow down into it
    stacks_.push_back(static_cast<char*>(p));
  }
}

Context FiberStacks::make(int i, void (*entry)(Transfer)) {
  char* top = stacks_[static_cast<std::size_t>(i)] + page_ + size_;
#ifdef TANGLE_OWN_JUMP
  return tangle_make_fcontext(top, size_, entry);
#else
  return boost::context::detail::make_fcontext(top, size_, entry);
#endif
}

#ifdef TANGLE_UNDER_TSAN
// A finished fiber never returns from its entry function, so its TSan shadow
// stack is never unwound: a fresh TSan fiber per slot and execution keeps the
// shadow stacks from growing across executions.
void FiberStacks::tsan_begin_execution(int count) {
  tsan_main_ = __tsan_get_current_fiber();
  tsan_fibers_.resize(static_cast<std::size_t>(count));
  for (auto& f : tsan_fibers_) f = __tsan_create_fiber(0);
}
void FiberStacks::tsan_ensure(int count) {
  while (static_cast<int>(tsan_fibers_.size()) < count) tsan_fibers_.push_back(__tsan_create_fiber(0));
}
void FiberStacks::tsan_end_execution(int) {
  for (auto& f : tsan_fibers_) __tsan_destroy_fiber(f), f = nullptr;
  tsan_fibers_.clear();
}
#endif

}  // namespace tangle::detail
