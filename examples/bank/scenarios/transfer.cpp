// tangle scenarios of the bank library: the same Bank<> code, instantiated
// over tangle's instrumented primitives.
#include "bank/bank.hpp"
#include "tangle/tangle.hpp"

namespace {

struct TangleSync {
  using mutex = tangle::Mutex;
  template <class T>
  using var = tangle::Shared<T>;
  static void name(const auto& object, const std::string& name) { tangle::set_name(object, name); }
};

// bank/transfer: thread i moves money from account i to account i+1 (mod the
// thread count), `transfers` times; no money may appear or vanish.
// --param ordered=0 runs Bank::transfer (locks in argument order: a
// deadlock), the default ordered=1 Bank::transfer_ordered (the fix).
class Transfers : public tangle::Scenario {
 public:
  explicit Transfers(const tangle::Params& p)
      : threads_(static_cast<int>(p.get("threads"))),
        transfers_(p.get("transfers")),
        ordered_(p.get("ordered") != 0),
        bank_(threads_, 100) {}

  void thread(int i) override {
    const int to = (i + 1) % threads_;
    for (std::int64_t k = 0; k < transfers_; ++k) {
      if (ordered_) {
        bank_.transfer_ordered(i, to, 10);
      } else {
        bank_.transfer(i, to, 10);
      }
    }
  }

  void check() override {
    std::int64_t total = 0;
    for (int a = 0; a < bank_.size(); ++a) total += bank_.balance(a);
    tangle::check(total == 100 * threads_, "money appeared or vanished");
  }

 private:
  int threads_;
  std::int64_t transfers_;
  bool ordered_;
  bank::Bank<TangleSync> bank_;
};

TANGLE_SCENARIO(Transfers, "bank/transfer")
    ->description("Transfers around a ring of accounts; ordered=0: locks in argument order")
    ->threads(2)
    ->param("transfers", 1, 1, 1000)
    ->param("ordered", 1, 0, 1);

}  // namespace
