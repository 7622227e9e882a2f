// Data-race detector: happens-before by vector clocks (Lamport 1978; Mattern
// 1989), with FastTrack's epoch representation for writes (Flanagan & Freund,
// PLDI 2009).
//
// State: one clock C_t per thread, one clock S per synchronization object
// (mutex, semaphore, event, atomic), and per shared variable the last write as
// an epoch (thread, clock) plus the last read clock of every thread.
//   acquire(t, s):  C_t := C_t ⊔ S
//   release(t, s):  S := S ⊔ C_t; C_t[t] += 1
//   read(t, x):     race if write epoch w@c has c > C_t[w]; then R_x[t] := C_t[t]
//   write(t, x):    race if the write epoch or any R_x[u] (u != t) is not ≤ C_t;
//                   then W_x := t@C_t[t] and R_x := ⊥ (every read ordered before
//                   this write is also ordered before anything after it).
// Reads keep a full per-thread clock instead of FastTrack's adaptive epoch:
// with the few threads of a scenario that costs a few words and keeps the
// code obvious.
//
// `Site` is what the caller attaches to an access to name it in a report,
// stored with the access and handed back in a Race: the controlled engine's
// trace index (4 bytes — the thread, operation and source line are in its
// trace), the stress engine's source line. Small sites keep the per-access
// stores few: the detector sits on every Shared<T> access.
//
// Threads started at run time (tangle::Thread) are added by add_thread();
// spawn and join are happens-before edges of their own (fork/join, as in
// TSan's ThreadCreate/ThreadJoin):
//   fork(p, c):   C_c := C_c ⊔ C_p; C_p[p] += 1
//   join(j, c):   C_j := C_j ⊔ C_c
//
// Costs, n threads: read O(1), write O(n), acquire/release/fork/join O(n);
// reset O(1) amortised (vectors keep their capacity across executions);
// add_thread O(1) amortised, O(rows · n) when it doubles the row width.
// Memory is O(n²) for the thread clocks: every thread ever started in an
// execution keeps its row (indices are never reused), so thousands of
// threads in one execution cost tens of megabytes.
// Threading: single-threaded; each engine owns one.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "tangle/detail/runtime.hpp"

namespace tangle::detail {

template <class Site>
class BasicRaceDetector {
 public:
  struct Access {
    int thread = -1;
    bool write = false;
    Site site{};
  };
  struct Race {
    Access earlier;
    Access later;
  };

  // Forgets everything; `threads` threads (0 is fine: add them), each
  // starting at clock 1. The row width never shrinks, so an engine that
  // adds its threads one by one in every execution re-lays nothing out
  // after the first.
  void reset(int threads) {
    n_ = static_cast<std::size_t>(threads);
    if (n_ > 1) shift_ = std::max(shift_, static_cast<unsigned>(std::bit_width(n_ - 1)));
    for (std::size_t t = 0; t < n_; ++t) new_row(threads_, t)[t] = 1;
    nsyncs_ = 0;
    nvars_ = 0;
  }
  // A new thread (index: the thread count before the call), clock 1 in its
  // own component and 0 elsewhere; give it its parent's history by fork().
  int add_thread() {
    if (n_ + 1 > (std::size_t{1} << shift_)) widen();
    const std::size_t t = n_++;
    std::uint32_t* row = new_row(threads_, t);
    row[t] = 1;
    return static_cast<int>(t);
  }
  int threads() const { return static_cast<int>(n_); }
  int add_sync() {
    const std::size_t s = nsyncs_++;
    new_row(syncs_, s);
    return static_cast<int>(s);
  }
  int add_variable() {
    const std::size_t v = nvars_++;
    if (v == vars_.size()) [[unlikely]] vars_.resize(std::max<std::size_t>(8, 2 * vars_.size()));
    vars_[v] = {};
    new_row(reads_, v);
    return static_cast<int>(v);
  }

  // `parent` started `child`: all of the parent's past happens before the
  // child's first event.
  void fork(int parent, int child) {
    join_into(clock(child), clock(parent));
    ++clock(parent)[parent];
  }
  // `joiner` joined the finished `child`: all of the child's events happen
  // before the joiner's next one.
  void join(int joiner, int child) { join_into(clock(joiner), clock(child)); }

  // The joins store unconditionally: a compare-and-store per component was a
  // data-dependent branch, mispredicted often enough to show in profiles.
  // Inline: they sit on every synchronization operation of the controlled
  // engine (out of line they were 13% of semaphore/bounded).
  [[gnu::always_inline]] void acquire(int thread, int sync) { join_into(clock(thread), sync_clock(sync)); }
  [[gnu::always_inline]] void release(int thread, int sync) {
    std::uint32_t* c = clock(thread);
    join_into(sync_clock(sync), c);
    ++c[thread];  // later events of this thread are not covered by this release
  }

  // acquire then release in one pass: after the acquire C_t ≥ S, so the
  // release's S ⊔ C_t is C_t itself — a copy, not a second join (a seq_cst
  // atomic operation does both on every call).
  [[gnu::always_inline]] void acquire_release(int thread, int sync) {
    std::uint32_t* c = clock(thread);
    std::uint32_t* s = sync_clock(sync);
#if defined(__SSE2__)
    for (std::size_t i = 0, width = std::size_t{1} << shift_; i < width; i += 4) {
      const __m128i m = max4(c + i, s + i);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(c + i), m);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(s + i), m);
    }
#else
    for (std::size_t i = 0; i < n_; ++i) s[i] = c[i] = std::max(c[i], s[i]);
#endif
    ++c[thread];
  }
  // Both return true when the access completes a race; `last_race()` then
  // describes it. (A flag, not std::optional<Race>: the common no-race path
  // then copies nothing.)
  bool read(int thread, int var, Site site) {
    Variable& v = vars_[static_cast<std::size_t>(var)];
    const std::uint32_t* c = clock(thread);
    bool race = false;
    // Write-read race: the last write is not ordered before this read.
    if (v.write_thread >= 0 && v.write_thread != thread && v.write_clock > c[v.write_thread]) [[unlikely]] {
      race = true;
      race_ = {{v.write_thread, true, v.write_site}, {thread, false, site}};
    }
    reads_[(static_cast<std::size_t>(var) << shift_) + static_cast<std::size_t>(thread)] = {c[thread], site};
    return race;
  }
  bool write(int thread, int var, Site site) {
    Variable& v = vars_[static_cast<std::size_t>(var)];
    ReadSlot* r = &reads_[static_cast<std::size_t>(var) << shift_];
    const std::uint32_t* c = clock(thread);
    bool race = false;
    // Write-write race.
    if (v.write_thread >= 0 && v.write_thread != thread && v.write_clock > c[v.write_thread]) [[unlikely]] {
      race = true;
      race_ = {{v.write_thread, true, v.write_site}, {thread, true, site}};
    }
    // Read-write races: any other thread's last read not ordered before us.
    for (std::size_t u = 0; u < n_; ++u) {
      if (r[u].clock > c[u] && static_cast<int>(u) != thread && !race) [[unlikely]] {
        race = true;
        race_ = {{static_cast<int>(u), false, r[u].site}, {thread, true, site}};
      }
      r[u].clock = 0;
    }
    v.write_thread = thread;
    v.write_clock = c[thread];
    v.write_site = site;
    return race;
  }
  const Race& last_race() const { return race_; }

 private:
  struct Variable {
    int write_thread = -1;  // -1: only the initial value so far
    std::uint32_t write_clock = 0;
    Site write_site{};
  };
  struct ReadSlot {
    std::uint32_t clock = 0;  // 0: no read since the last write
    Site site{};
  };
  // Rows are storage kept across executions (reset() and the add_ calls
  // only count them): a new row is cleared over its whole width, so no
  // component of an earlier execution, or of a thread not yet started,
  // survives in it; growth doubles (no resize on every thread, sync object
  // and variable of every execution, ~2% of a small execution).
  template <class Row>
  [[gnu::always_inline]] typename Row::value_type* new_row(Row& rows, std::size_t index) {
    const std::size_t width = std::size_t{1} << shift_;
    if ((index + 1) * width > rows.size()) [[unlikely]]
      rows.resize(std::max((index + 1) * width, 2 * rows.size()));
    using T = typename Row::value_type;
    T* row = rows.data() + index * width;
#if defined(__SSE2__)
    // Zeroed 16 bytes at a time, inline (width is a multiple of four, so
    // the row is a multiple of 16 bytes): std::fill over a width known only
    // at run time was a call to memset for every thread, sync object and
    // variable of every execution. All-zero bytes are a zero clock; a read
    // slot's site is only read once its clock is set, so a Loc site left
    // null (Loc{} is "") is never seen.
    static_assert(std::is_trivially_copyable_v<T> && (4 * sizeof(T)) % 16 == 0);
    auto* bytes = reinterpret_cast<char*>(row);
    for (std::size_t b = 0, n = width * sizeof(T); b < n; b += 16)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(bytes + b), _mm_setzero_si128());
#else
    std::fill(row, row + width, T{});
#endif
    return row;
  }
  std::uint32_t* clock(int t) { return &threads_[static_cast<std::size_t>(t) << shift_]; }
  std::uint32_t* sync_clock(int s) { return &syncs_[static_cast<std::size_t>(s) << shift_]; }
  // Joins whole rows, 2^shift_ >= 4 components: from n_ on every row's
  // components are 0 (rows are cleared when made, and only joins write
  // there), so they change nothing, and a row is then a whole number of
  // SSE2 registers — a join of up to four threads' clocks is one max of
  // four lanes, with no loop over the thread count (the scalar loop, a
  // compare and a conditional move per component, was the largest single
  // cost of a lock and an unlock).
  [[gnu::always_inline]] void join_into(std::uint32_t* to, const std::uint32_t* from) const {
#if defined(__SSE2__)
    for (std::size_t i = 0, width = std::size_t{1} << shift_; i < width; i += 4)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(to + i), max4(to + i, from + i));
#else
    for (std::size_t i = 0; i < n_; ++i) to[i] = std::max(to[i], from[i]);
#endif
  }
#if defined(__SSE2__)
  // The componentwise maximum of four unsigned clocks (SSE2 compares signed:
  // flipping the top bit orders unsigned values the same way).
  [[gnu::always_inline]] static __m128i max4(const std::uint32_t* a, const std::uint32_t* b) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
    const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
    const __m128i bias = _mm_set1_epi32(static_cast<int>(0x80000000u));
    const __m128i gt = _mm_cmpgt_epi32(_mm_xor_si128(x, bias), _mm_xor_si128(y, bias));
    return _mm_or_si128(_mm_and_si128(gt, x), _mm_andnot_si128(gt, y));
  }
#endif
  // Doubles the row width: every row is copied to its new place; the new
  // components are 0 (nothing of the new threads is known yet).
  void widen() {
    const unsigned old_shift = shift_;
    ++shift_;
    auto relayout = [&](auto& rows) {
      using Row = std::remove_reference_t<decltype(rows)>;
      const std::size_t count = rows.size() >> old_shift;
      Row wider(count << shift_);
      for (std::size_t r = 0; r < count; ++r)
        std::copy_n(rows.begin() + static_cast<std::ptrdiff_t>(r << old_shift), std::size_t{1} << old_shift,
                    wider.begin() + static_cast<std::ptrdiff_t>(r << shift_));
      rows.swap(wider);
    };
    relayout(threads_);
    relayout(syncs_);
    relayout(reads_);
  }

  std::size_t n_ = 0;
  // Rows (clocks, a variable's read slots) are 2^shift_ >= n_ wide: the
  // row of a thread or object is a shift away, not a multiply on the chain
  // of dependent loads every access walks.
  unsigned shift_ = 2;  // at least four components: one SSE2 register (join_into)
  std::vector<std::uint32_t> threads_;  // thread clocks, one row each
  std::vector<std::uint32_t> syncs_;    // sync-object clocks, one row each
  std::vector<Variable> vars_;
  std::vector<ReadSlot> reads_;        // per variable: a row, one slot per thread
  std::size_t nsyncs_ = 0;             // rows of syncs_ in use
  std::size_t nvars_ = 0;              // entries of vars_ (rows of reads_) in use
  Race race_;                          // the last race found
};

}  // namespace tangle::detail
