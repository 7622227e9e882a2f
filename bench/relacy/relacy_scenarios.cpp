// Relacy models of tangle's built-in scenarios (see relacy_scenarios.hpp).
//
// Compiled as C++17: <relacy/relacy.hpp> works there (unlike <relacy/relacy_std.hpp>,
// which does not compile in C++11 and later). Relacy's header #defines `new`, `delete`,
// `malloc`, `free`, `assert`, `errno` and `$`, so every standard header is included
// BEFORE it and nothing after it allocates with `new` directly.
//
// Conventions in the models:
//   * shared plain data is an rl::var<T> (so Relacy checks it for data races), accessed
//     as `x($)`; `$` attaches file/line debug info to each operation;
//   * every operation of the tangle scenario maps to exactly one Relacy operation
//     (lock, unlock, var load/store, atomic RMW, condvar wait/notify, semaphore
//     wait/post, event set/reset/wait — Relacy's own semaphore and event, as
//     tangle-relacy uses), so the models do the same work per execution as tangle's
//     scenarios; state tangle does not instrument (BoundedQueue's buffer) is plain
//     memory here too;
//   * state is (re)initialised in before(): Relacy constructs a fresh test-suite object
//     for every execution and runs before() / thread(i) / after() on it.
#include "relacy_scenarios.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <relacy/relacy.hpp>

namespace tangle::relacy_bench {
namespace {

// ---------------------------------------------------------------------------------
// Building blocks shared by several models (same shapes as tangle's scenario helpers)
// ---------------------------------------------------------------------------------

struct Tag;  // Relacy's primitives take a tag type

// tangle::BoundedSemaphore: Relacy's semaphore with its maximum at the initial
// count (one Relacy operation per acquire / release, as in tangle).
class Semaphore {
public:
    void init(int count) { s_.init(false, count, count, $); }
    void deinit() { s_.deinit($); }
    void acquire() { s_.wait(false, false, $); }
    void release() {
        unsigned previous = 0;
        s_.post(1, previous, $);
    }

private:
    rl::semaphore<Tag> s_;
};

// tangle::Event: Relacy's manual-reset event.
class Event {
public:
    void init() { e_.init(/*manual_reset=*/true, /*initial_state=*/false, $); }
    void deinit() { e_.deinit($); }
    void set() { e_.set($); }
    void clear() { e_.reset($); }
    void wait() { e_.wait(false, false, $); }

private:
    rl::generic_event e_;
};

// ---------------------------------------------------------------------------------
// 1. counter/locked — 2 threads, each increments a shared counter twice under a
//    mutex (read, then write). Clean: the final value is always 4.
// ---------------------------------------------------------------------------------
struct CounterLocked : rl::test_suite<CounterLocked, 2> {
    static constexpr int kIterations = 2;
    rl::mutex m;
    rl::var<int> counter;

    void before() { counter($) = 0; }

    void thread(unsigned) {
        for (int i = 0; i < kIterations; ++i) {
            m.lock($);
            int const v = counter($);
            counter($) = v + 1;
            m.unlock($);
        }
    }

    void after() { RL_ASSERT(counter($) == 2 * kIterations); }
};

// ---------------------------------------------------------------------------------
// 2. counter/unprotected — the same without the mutex. Buggy: Relacy reports the
//    DATA RACE on `counter` (before any lost update can reach after()).
// ---------------------------------------------------------------------------------
struct CounterUnprotected : rl::test_suite<CounterUnprotected, 2> {
    static constexpr int kIterations = 2;
    rl::var<int> counter;

    void before() { counter($) = 0; }

    void thread(unsigned) {
        for (int i = 0; i < kIterations; ++i) {
            int const v = counter($);
            counter($) = v + 1;
        }
    }

    void after() { RL_ASSERT(counter($) == 2 * kIterations); }
};

// ---------------------------------------------------------------------------------
// 3. rlock/recursive — 2 threads, each takes a recursive mutex twice (nested),
//    increments the counter, releases twice. Uses Relacy's own rl::recursive_mutex.
// ---------------------------------------------------------------------------------
struct RlockRecursive : rl::test_suite<RlockRecursive, 2> {
    rl::recursive_mutex rm;
    rl::var<int> counter;

    void before() { counter($) = 0; }

    void thread(unsigned) {
        rm.lock($);
        rm.lock($);
        counter($)++;  // var load + store
        rm.unlock($);
        rm.unlock($);
    }

    void after() { RL_ASSERT(counter($) == 2); }
};

// ---------------------------------------------------------------------------------
// 4. deadlock/ordered — 2 threads both take A then B and increment a counter
//    under both. Clean.
// ---------------------------------------------------------------------------------
struct DeadlockOrdered : rl::test_suite<DeadlockOrdered, 2> {
    rl::mutex a;
    rl::mutex b;
    rl::var<int> moved;

    void before() { moved($) = 0; }

    void thread(unsigned) {
        a.lock($);
        b.lock($);
        moved($) = moved($) + 1;  // var load + store
        b.unlock($);
        a.unlock($);
    }

    void after() { RL_ASSERT(moved($) == 2); }
};

// ---------------------------------------------------------------------------------
// 5. deadlock/lock-order — T0 takes A then B, T1 takes B then A. Buggy: Relacy
//    reports DEADLOCK when both hold their first lock. (Relacy has no lock-order
//    graph, so it cannot report tangle's lock_order_inversion on a schedule that
//    does not actually deadlock.)
// ---------------------------------------------------------------------------------
struct DeadlockLockOrder : rl::test_suite<DeadlockLockOrder, 2> {
    rl::mutex a;
    rl::mutex b;

    void thread(unsigned index) {
        rl::mutex& first = index == 0 ? a : b;
        rl::mutex& second = index == 0 ? b : a;
        first.lock($);
        second.lock($);
        second.unlock($);
        first.unlock($);
    }
};

// ---------------------------------------------------------------------------------
// 6. semaphore/bounded — 5 threads pass once through a semaphore of count 3; an
//    atomic occupancy counter checks that never more than 3 are inside. Clean.
// ---------------------------------------------------------------------------------
struct SemaphoreBounded : rl::test_suite<SemaphoreBounded, 5> {
    static constexpr int kPermits = 3;
    Semaphore sem;
    rl::atomic<int> inside;

    void before() {
        sem.init(kPermits);
        inside($).store(0);
    }

    void thread(unsigned) {
        sem.acquire();
        int const n = ++inside($);  // fetch_add(1) + 1, seq_cst
        RL_ASSERT(n <= kPermits);
        inside($)--;                // fetch_sub(1), seq_cst
        sem.release();
    }

    void after() {
        RL_ASSERT(inside($).load() == 0);
        sem.deinit();
    }
};

// ---------------------------------------------------------------------------------
// 7. event/gate — thread 0 is the door, thread 1 the people. The door status is an
//    int guarded by mutex m; the event mirrors it (set while OPEN). The door opens
//    and closes `cycles` times, then leaves itself open so everyone can get in.
//    Each person waits for the event, then enters only if the status is OPEN under
//    m (else waits again). Clean: all persons enter.
// ---------------------------------------------------------------------------------
struct EventGate : rl::test_suite<EventGate, 2> {
    static constexpr int kCycles = 2;
    static constexpr int kPersons = 2;
    static constexpr int kClosed = 0;
    static constexpr int kOpen = 1;

    rl::mutex m;
    rl::var<int> status;
    rl::var<int> entered;  // guarded by m
    Event event;

    void before() {
        status($) = kClosed;
        entered($) = 0;
        event.init();
    }

    void door() {
        for (int c = 0; c < kCycles; ++c) {
            m.lock($);
            status($) = kOpen;
            event.set();
            m.unlock($);

            m.lock($);
            status($) = kClosed;
            event.clear();
            m.unlock($);
        }
        // Leave the door open so that the people can finish.
        m.lock($);
        status($) = kOpen;
        event.set();
        m.unlock($);
    }

    void people() {
        for (int p = 0; p < kPersons; ++p) {
            for (;;) {
                event.wait();
                m.lock($);
                if (status($) == kOpen) {
                    entered($) = entered($) + 1;
                    m.unlock($);
                    break;
                }
                m.unlock($);
            }
        }
    }

    void thread(unsigned index) {
        if (index == 0)
            door();
        else
            people();
    }

    void after() {
        RL_ASSERT(entered($) == kPersons);
        event.deinit();
    }
};

// ---------------------------------------------------------------------------------
// 8. prodcons/bounded-queue — 2 producers (threads 0, 1) put 2 items each into a
//    bounded FIFO of capacity 2; 2 consumers (threads 2, 3) get 2 items each.
//    Queue = mutex + not_full / not_empty condvars + a ring buffer in plain memory
//    (tangle's BoundedQueue keeps a std::deque, which tangle does not instrument
//    either). Clean: every item is consumed exactly once, and each consumer sees
//    each producer's items in order.
// ---------------------------------------------------------------------------------
struct ProdconsBoundedQueue : rl::test_suite<ProdconsBoundedQueue, 4> {
    static constexpr int kCapacity = 2;
    static constexpr int kProducers = 2;
    static constexpr int kConsumers = 2;
    static constexpr int kItemsPerProducer = 2;
    static constexpr int kItemsPerConsumer = kProducers * kItemsPerProducer / kConsumers;
    static constexpr int kStride = 1000;  // item = producer * kStride + sequence

    rl::mutex m;
    rl::condition_variable not_full;
    rl::condition_variable not_empty;
    int buf[kCapacity];  // guarded by m
    int head = 0, size = 0;
    int got[kConsumers][kItemsPerConsumer];  // row c: written by consumer c only

    void before() { head = size = 0; }

    void put(int item) {
        m.lock($);
        while (size == kCapacity) not_full.wait(m, $);
        buf[(head + size) % kCapacity] = item;
        ++size;
        not_empty.notify_one($);
        m.unlock($);
    }

    int get() {
        m.lock($);
        while (size == 0) not_empty.wait(m, $);
        int const item = buf[head];
        head = (head + 1) % kCapacity;
        --size;
        not_full.notify_one($);
        m.unlock($);
        return item;
    }

    void thread(unsigned index) {
        if (index < kProducers) {
            for (int i = 0; i < kItemsPerProducer; ++i) put(static_cast<int>(index) * kStride + i);
        } else {
            for (int k = 0; k < kItemsPerConsumer; ++k) got[index - kProducers][k] = get();
        }
    }

    void after() {
        int seen[kProducers][kItemsPerProducer] = {};
        for (int c = 0; c < kConsumers; ++c) {
            int last[kProducers] = {-1, -1};
            for (int k = 0; k < kItemsPerConsumer; ++k) {
                int const producer = got[c][k] / kStride, seq = got[c][k] % kStride;
                RL_ASSERT(producer >= 0 && producer < kProducers && seq < kItemsPerProducer);
                RL_ASSERT(seq > last[producer]);  // in order per producer
                last[producer] = seq;
                seen[producer][seq] += 1;
            }
        }
        for (auto& row : seen)
            for (int count : row) RL_ASSERT(count == 1);
        RL_ASSERT(size == 0);
    }
};

// ---------------------------------------------------------------------------------
// Runner
// ---------------------------------------------------------------------------------

rl::scheduler_type_e parse_scheduler(const std::string& name) {
    if (name == "random") return rl::random_scheduler_type;
    if (name == "full") return rl::fair_full_search_scheduler_type;
    if (name == "context") return rl::fair_context_bound_scheduler_type;
    throw std::invalid_argument("unknown Relacy scheduler '" + name +
                                "' (expected random, full or context)");
}

// Relacy's failure report, as written to params.output_stream, is:
//   <test name>\n<VERDICT>\niteration: <N>\n\nexecution history (K):\n
//   [0] <thread>: <event>, in <function>, <file>(<line>)\n ... one line per event, the
//   last one being "[K-1] <thread>: <VERDICT>, in <function>, <file>(<line>)".
// Keep the verdict, the iteration and that last event (which thread, where).
std::string failure_text(const rl::test_params& params, const rl::string& report) {
    std::istringstream lines(std::string(report.begin(), report.end()));
    std::string line, verdict;
    std::getline(lines, line);  // test name
    std::getline(lines, verdict);
    if (verdict.empty()) verdict = rl::test_result_str(params.test_result);
    std::string text = verdict + " at iteration " + std::to_string(params.stop_iteration);
    while (std::getline(lines, line)) {
        auto const close = line.find("] ");
        auto const at = close == std::string::npos ? close : line.find(": " + verdict, close);
        if (!line.empty() && line[0] == '[' && at != std::string::npos) {
            // "[9] 0: DATA RACE (...), in thread, file(136)" -> ", thread 0, in thread, file(136)"
            text += ", thread " + line.substr(close + 2, at - close - 2) +
                    line.substr(at + 2 + verdict.size());
            break;
        }
    }
    return text;
}

template <class Model>
Result simulate_model(const std::string& name, std::uint64_t iterations,
                      rl::scheduler_type_e scheduler) {
    std::ostream null_stream(nullptr);  // no streambuf: every write is discarded
    // Relacy's result/history text. It must be an rl::ostringstream (malloc-backed
    // raw_allocator): Relacy replaces the global operator new while a simulation is
    // live, and a std::ostringstream growing while the history is printed would mix
    // Relacy's allocator with libstdc++'s delete (double free / invalid pointer).
    rl::ostringstream report;

    rl::test_params params;             // Relacy defaults, except:
    params.iteration_count = iterations;
    params.search_type = scheduler;
    params.output_stream = &report;
    params.progress_stream = &null_stream;

    auto const start = std::chrono::steady_clock::now();
    rl::simulate<Model>(params);
    auto const stop = std::chrono::steady_clock::now();

    Result r;
    r.scenario = name;
    // stop_iteration is 1-based: on success it is the last iteration run, on failure
    // the failing one, so it is also the number of executions performed.
    r.iterations = params.stop_iteration;
    r.seconds = std::chrono::duration<double>(stop - start).count();
    r.executions_per_second = r.seconds > 0 ? double(r.iterations) / r.seconds : 0.0;
    r.failed = params.test_result != rl::test_result_success;
    if (r.failed) r.failure = failure_text(params, report.str());
    return r;
}

using Runner = Result (*)(const std::string&, std::uint64_t, rl::scheduler_type_e);

const std::vector<std::pair<std::string, Runner>>& registry() {
    static const std::vector<std::pair<std::string, Runner>> models = {
        {"counter/locked", &simulate_model<CounterLocked>},
        {"counter/unprotected", &simulate_model<CounterUnprotected>},
        {"rlock/recursive", &simulate_model<RlockRecursive>},
        {"deadlock/ordered", &simulate_model<DeadlockOrdered>},
        {"deadlock/lock-order", &simulate_model<DeadlockLockOrder>},
        {"semaphore/bounded", &simulate_model<SemaphoreBounded>},
        {"event/gate", &simulate_model<EventGate>},
        {"prodcons/bounded-queue", &simulate_model<ProdconsBoundedQueue>},
    };
    return models;
}

}  // namespace

Result run(const std::string& scenario, std::uint64_t iterations,
           const std::string& scheduler) {
    rl::scheduler_type_e const type = parse_scheduler(scheduler);
    // Relacy's random scheduler stops when the iteration number (starting at 1) equals
    // iteration_count, so 0 would never stop.
    if (iterations == 0) throw std::invalid_argument("iterations must be at least 1");
    for (const auto& [name, runner] : registry()) {
        if (name == scenario) return runner(name, iterations, type);
    }
    throw std::invalid_argument("no Relacy model for scenario '" + scenario + "'");
}

std::vector<std::string> scenarios() {
    std::vector<std::string> names;
    for (const auto& entry : registry()) names.push_back(entry.first);
    return names;
}

}  // namespace tangle::relacy_bench
