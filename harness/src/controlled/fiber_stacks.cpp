#include "controlled/fiber_stacks.hpp"

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

namespace tangle::detail {

FiberStacks::FiberStacks(std::size_t stack_size)
    : size_(stack_size), page_(static_cast<std::size_t>(::sysconf(_SC_PAGESIZE))) {}

FiberStacks::~FiberStacks() {
  for (char* base : stacks_) ::munmap(base, size_ + page_);
}

void FiberStacks::reserve(int count) {
  while (static_cast<int>(stacks_.size()) < count) {
    void* p = ::mmap(nullptr, size_ + page_, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    ::mprotect(p, page_, PROT_NONE);  // guard page: stacks grow down into it
    stacks_.push_back(static_cast<char*>(p));
  }
}

Context FiberStacks::make(int i, void (*entry)(Transfer)) {
  char* top = stacks_[static_cast<std::size_t>(i)] + page_ + size_;
  return boost::context::detail::make_fcontext(top, size_, entry);
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
void FiberStacks::tsan_end_execution(int) {
  for (auto& f : tsan_fibers_) __tsan_destroy_fiber(f), f = nullptr;
}
#else
void FiberStacks::tsan_begin_execution(int) {}
void FiberStacks::tsan_end_execution(int) {}
#endif

}  // namespace tangle::detail
