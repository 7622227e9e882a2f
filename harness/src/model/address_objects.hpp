// Objects keyed by address, for sources that have no constructor call to
// hook: a pthread_mutex_t made by PTHREAD_MUTEX_INITIALIZER, a std::mutex
// member, a plain variable an instrumented load or store touches.
//
// The first operation on an address creates its object lazily, through the
// engine's own create_object, so it gets a dense id in the order the
// execution first touches it — deterministic, unlike the address — and every
// trace, token and trace_hash stays free of addresses. forget()/forget_range()
// are the object's destruction (pthread_mutex_destroy, free): a later object at
// the same address is a new one, as abseil's GraphCycles versions its ids so
// that a reused address is not taken for the old node.
//
// Plain memory is checked per 8-byte granule: memory_access(address, size)
// becomes a Shared<T>-style access on the object of each granule it
// touches, so the engines' race detector judges raw memory exactly as it
// judges Shared<T>.
//
// Costs: one hash lookup per operation (an unordered_map; clear() per
// execution keeps its buckets). Threading: the owning engine's (one fiber at
// a time; the stress engine's lock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <unordered_map>

#include "tangle/detail/runtime.hpp"

namespace tangle::detail {

class AddressObjects {
 public:
  static constexpr std::uintptr_t kGranule = 8;

  void clear() { map_.clear(); }

  // The object at `address`, created as `kind` on first use.
  ObjectId object_at(Runtime& rt, const void* address, ObjectKind kind, Loc loc) {
    const auto key = reinterpret_cast<std::uintptr_t>(address);
    auto it = map_.find(key);
    if (it != map_.end()) return it->second;
    const ObjectId id = rt.create_object(kind, nullptr, 0, loc);
    map_.emplace(key, id);
    return id;
  }

  // Every object whose address lies in [address, address + size).
  void forget(const void* address, std::size_t size) {
    const auto lo = reinterpret_cast<std::uintptr_t>(address);
    if (size <= 64 * kGranule) {
      for (std::uintptr_t a = lo; a < lo + size; ++a) map_.erase(a);
      return;
    }
    for (auto it = map_.begin(); it != map_.end();) it = it->first - lo < size ? map_.erase(it) : std::next(it);
  }

  // A plain load or store of `size` bytes: one access per granule touched,
  // through the engine's own object_at (which may lock) and shared_access.
  static void memory_access(Runtime& rt, const void* address, std::size_t size, bool is_write, Loc loc) {
    const auto lo = reinterpret_cast<std::uintptr_t>(address) & ~(kGranule - 1);
    const auto hi = reinterpret_cast<std::uintptr_t>(address) + (size == 0 ? 1 : size);
    for (std::uintptr_t g = lo; g < hi; g += kGranule)
      rt.shared_access(rt.object_at(reinterpret_cast<const void*>(g), ObjectKind::shared, loc), is_write, loc);
  }

 private:
  std::unordered_map<std::uintptr_t, ObjectId> map_;
};

}  // namespace tangle::detail
