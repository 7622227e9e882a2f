// Naming objects from generic code. A primitive named at construction
// (tangle::Mutex m{"accounts"}) shows by that name in findings; one made by
// code written over a policy or template parameter (typename Sync::mutex mu;)
// cannot pass a name and shows as "mutex #3". set_name names it afterwards:
//
//   template <class Sync> struct Account {
//     typename Sync::mutex mu;
//     explicit Account(int i) { tangle::set_name(mu, "account " + std::to_string(i)); }
//   };
//
// For any type that is not a tangle primitive (std::mutex, an int) it does
// nothing, so the same generic code compiles over std:: types. Call it in the
// execution that created the object (the scenario's constructor or a
// scenario thread); tangle keeps a copy of the name. Cost: one hash lookup;
// the Relacy engine ignores it (its findings keep "kind #id").
#pragma once

#include <concepts>
#include <string_view>

#include "tangle/detail/runtime.hpp"

namespace tangle {

template <class T>
void set_name(const T& object, std::string_view name) {
  if constexpr (requires { { object.id() } -> std::same_as<detail::ObjectId>; }) {
    if (detail::Runtime* rt = detail::current_runtime_or_null()) rt->name_object(object.id(), name);
  }
}

}  // namespace tangle
