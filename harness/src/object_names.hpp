// How findings name objects and threads, the same on every engine:
// "mutex A", "variable counter", "condvar #4", "thread 1".
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

#include "tangle/detail/runtime.hpp"

namespace tangle::detail {

inline bool is_mutex(ObjectKind k) { return k == ObjectKind::mutex || k == ObjectKind::recursive_mutex; }

inline const char* kind_word(ObjectKind k) {
  switch (k) {
    case ObjectKind::mutex: return "mutex";
    case ObjectKind::recursive_mutex: return "recursive mutex";
    case ObjectKind::semaphore: return "semaphore";
    case ObjectKind::bounded_semaphore: return "bounded semaphore";
    case ObjectKind::event: return "event";
    case ObjectKind::condvar: return "condvar";
    case ObjectKind::shared: return "variable";
    case ObjectKind::atomic: return "atomic";
    case ObjectKind::rwlock: return "rwlock";
    case ObjectKind::barrier: return "barrier";
    case ObjectKind::latch: return "latch";
    case ObjectKind::once: return "once flag";
  }
  return "object";
}

// `name` as given to the primitive's constructor, or null.
inline std::string display_name(ObjectKind kind, const char* name, ObjectId id) {
  if (name != nullptr) return std::string(kind_word(kind)) + " " + name;
  return std::string(kind_word(kind)) + " #" + std::to_string(id);
}

// Names given after construction (Runtime::name_object): each distinct name
// copied once and kept for the engine's lifetime, so an ObjectState's
// `const char* name` stays valid for reports made after the scenario is gone.
// Cost: one hash lookup per call; memory: one string per distinct name.
class NameTable {
 public:
  const char* intern(std::string_view name) { return names_.emplace(name).first->c_str(); }

 private:
  std::unordered_set<std::string> names_;
};

inline std::string thread_display_name(int thread) { return "thread " + std::to_string(thread); }

}  // namespace tangle::detail
