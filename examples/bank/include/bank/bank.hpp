// A small library of "your own": bank accounts and transfers between them,
// written once over a synchronization policy (the way tangle's lock strategies
// in tangle/locks/ are written over their atomic type), so that production
// code uses std::mutex and the scenarios check the very same code with
// tangle's instrumented primitives:
//
//   struct StdSync {                       // production
//     using mutex = std::mutex;
//     template <class T> using var = bank::Plain<T>;
//     static void name(const auto&, const std::string&) {}
//   };
//   struct TangleSync {                    // scenarios (scenarios/transfer.cpp)
//     using mutex = tangle::Mutex;
//     template <class T> using var = tangle::Shared<T>;
//     static void name(const auto& o, const std::string& n) { tangle::set_name(o, n); }
//   };
//
// Sync::name labels the objects each account owns, so findings say
// "mutex account 1" rather than "mutex #2".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bank {

// A plain value with the read()/write() of tangle::Shared<T>.
template <class T>
class Plain {
 public:
  explicit Plain(T v = T{}) : v_(v) {}
  T read() const { return v_; }
  void write(T v) { v_ = v; }

 private:
  T v_;
};

template <class Sync>
class Bank {
 public:
  Bank(int accounts, std::int64_t initial) {
    for (int i = 0; i < accounts; ++i) {
      auto& a = *accounts_.emplace_back(std::make_unique<Account>(initial));
      Sync::name(a.mu, "account " + std::to_string(i));
      Sync::name(a.balance, "balance " + std::to_string(i));
    }
  }

  // Moves `amount` from account `from` to account `to`.
  // BUG: the two locks are taken in argument order, so transfer(a, b) and a
  // concurrent transfer(b, a) can each hold one lock and wait for the other
  // forever. An ordinary stress test almost never hits that window.
  void transfer(int from, int to, std::int64_t amount) {
    Account& a = *accounts_[static_cast<std::size_t>(from)];
    Account& b = *accounts_[static_cast<std::size_t>(to)];
    a.mu.lock();
    b.mu.lock();
    move(a, b, amount);
    b.mu.unlock();
    a.mu.unlock();
  }

  // The fix: every thread takes the locks in one global order (by index).
  void transfer_ordered(int from, int to, std::int64_t amount) {
    Account& a = *accounts_[static_cast<std::size_t>(from)];
    Account& b = *accounts_[static_cast<std::size_t>(to)];
    Account& first = from < to ? a : b;
    Account& second = from < to ? b : a;
    first.mu.lock();
    second.mu.lock();
    move(a, b, amount);
    second.mu.unlock();
    first.mu.unlock();
  }

  std::int64_t balance(int account) const { return accounts_[static_cast<std::size_t>(account)]->balance.read(); }
  int size() const { return static_cast<int>(accounts_.size()); }

 private:
  struct Account {
    explicit Account(std::int64_t initial) : balance(initial) {}
    typename Sync::mutex mu;
    typename Sync::template var<std::int64_t> balance;
  };

  static void move(Account& a, Account& b, std::int64_t amount) {
    a.balance.write(a.balance.read() - amount);
    b.balance.write(b.balance.read() + amount);
  }

  std::vector<std::unique_ptr<Account>> accounts_;
};

}  // namespace bank
