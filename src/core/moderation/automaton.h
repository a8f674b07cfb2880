// A compact Aho–Corasick automaton over the UTF-8 bytes of its keys
// (docs/moderation.md#matcher).
//
// Keys are sequences of code points, matched as their UTF-8 bytes. Because
// UTF-8 is self-synchronizing, a byte-level match of a key in UTF-8 text is
// exactly a code-point match, so raw text is scanned without decoding;
// code-point text (Scan) is encoded on the fly.
//
// Layout:
//   class_[256]  byte -> class. Continuation bytes (0x80..0xBF) and the
//                other bytes are numbered apart, each 1..K by descending
//                frequency in the keys (ASCII first): a state inside a
//                character (kMid: continuation bytes due) only ever steps on
//                a continuation byte in valid UTF-8 and any other state never
//                does, so a row holds only its own kind's classes (65 or
//                K+4 entries instead of 166 on the real lexicon). Class 0 is
//                a byte in no key; lead bytes in no key get a class per
//                character length, so the automaton still counts the
//                continuation bytes that follow.
//   dense_       full transition rows (failure links resolved) of the
//                shallow states (depth <= 5 bytes, at most 24 MB of rows):
//                a header (the report index, kMid for a state inside a
//                character), then one uint32 state value per class of the
//                state's kind; then three rows R_1..R_3, "the root with
//                k continuation bytes due", where a state inside a character
//                falls back to (R_k leads to R_k-1 on every class). Most
//                steps on real text stay in these states: one lookup each.
// dense_, cells_ and fail_ live in transparent huge pages where the OS
// allows (common/table_memory.h): random lookups over tens of MB otherwise
// miss the TLB on most steps.
//   cells_       a 16-byte cell per deeper state, in a double-array trie:
//                the child of s on class c is t = base[s] + c when
//                check[t] == s; else the step takes the dense row `row[s]`
//                of the nearest dense state on s's failure chain (branch
//                free). Only states whose failure link is itself deep
//                (kDeepFail) walk further on a miss.
// A state value is one of: a row offset (< 2^29: a dense state that ends
// no key), kReports | a row offset (a dense state that ends a key), kDeep |
// a cell index (| kReports, | kMid for a state inside a character). So the
// hot step is `v <= kIndexMask ? dense_[v + class] : slow path`: one
// comparison tells "dense, nothing to report" from everything else
// (docs/moderation.md, "Issue 6, fourth attempt"). The pattern ids of a
// reporting state are a precomputed list.
// Raw text is first checked to be valid UTF-8 (SIMD, simdjson): then no step
// tests the byte's kind. Invalid text takes steps that do (a byte of the
// other kind restarts from the root), with the same results as decoding.
//
// Immutable once built; every const method is thread-safe. Movable.
#ifndef QUN_CORE_MODERATION_AUTOMATON_H_
#define QUN_CORE_MODERATION_AUTOMATON_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "common/table_memory.h"
#include "core/moderation/normalizer.h"  // DecodeUtf8/AppendUtf8, for callers that relied on it
#include "qun/status.h"

namespace qun::moderation {

class Automaton {
 public:
  // Builds from keys; key i gets pattern id i. Empty keys, and keys holding
  // a value that is not a Unicode scalar value (a surrogate, > U+10FFFF),
  // never match. Duplicate keys: the state reports the lowest id. Fails with
  // kResourceExhausted when a table would exceed 2^30 entries.
  static Result<Automaton> Build(const std::vector<std::u32string>& keys);

  Automaton() = default;

  // Calls on_match(end, pattern) for every occurrence of every key in
  // chars[0, n): `end` is the index just past the match. Overlapping and
  // nested occurrences are all reported, in order of their end. A
  // non-scalar value in the text is a character in no key.
  template <typename F>
  void Scan(const char32_t* chars, size_t n, F&& on_match) const {
    if (dense_.empty()) return;
    uint32_t v = kRoot;
    for (size_t i = 0; i < n; ++i) {
      char32_t cp = chars[i];
      if (cp < 0x80) {
        v = Step<false>(v, static_cast<unsigned char>(cp));
      } else if (cp < 0x800) {
        v = Step<false>(v, static_cast<unsigned char>(0xC0 | (cp >> 6)));
        v = Step<false>(v, static_cast<unsigned char>(0x80 | (cp & 0x3F)));
      } else if (cp < 0x10000) {
        if (cp >= 0xD800 && cp <= 0xDFFF) {
          v = kRoot;
          continue;
        }
        v = Step<false>(v, static_cast<unsigned char>(0xE0 | (cp >> 12)));
        v = Step<false>(v, static_cast<unsigned char>(0x80 | ((cp >> 6) & 0x3F)));
        v = Step<false>(v, static_cast<unsigned char>(0x80 | (cp & 0x3F)));
      } else if (cp <= 0x10FFFF) {
        v = Step<false>(v, static_cast<unsigned char>(0xF0 | (cp >> 18)));
        v = Step<false>(v, static_cast<unsigned char>(0x80 | ((cp >> 12) & 0x3F)));
        v = Step<false>(v, static_cast<unsigned char>(0x80 | ((cp >> 6) & 0x3F)));
        v = Step<false>(v, static_cast<unsigned char>(0x80 | (cp & 0x3F)));
      } else {
        v = kRoot;
        continue;
      }
      // Keys end with whole characters, so no key can end mid-character.
      if (v & kReports) Report(v, i + 1, on_match);
    }
  }

  // The same over raw UTF-8 bytes (no normalization, no decoding); `end` is
  // a byte offset. Reports exactly what decoding the text (an invalid byte
  // being a character in no key) and scanning the code points would.
  // Long texts are cut into kLanes pieces scanned in lockstep (each starting
  // max-key-length bytes early so that its state is exact where its piece
  // begins): the steps of different lanes are independent, so their memory
  // latencies overlap. Matches are still reported in order of their end.
  template <typename F>
  void ScanUtf8(std::string_view text, F&& on_match) const {
    if (dense_.empty()) return;
    // Valid UTF-8 (checked at SIMD speed) never puts a byte of the wrong kind
    // in front of a state, so its steps skip that test.
    if (IsValidUtf8(text)) ScanUtf8Impl<false>(text, on_match);
    else ScanUtf8Impl<true>(text, on_match);
  }

  // Trie states (one per distinct key prefix, in bytes).
  size_t state_count() const { return states_; }
  // Byte classes used by the keys.
  size_t alphabet_size() const { return classes_; }
  // States with a full (dense) transition row.
  size_t dense_state_count() const { return dense_rows_; }
  // Bytes held by the automaton's tables.
  size_t MemoryBytes() const;

 private:
  // A lane's buffered match: where it ends in the text and the reporting
  // state.
  struct Pending {
    const unsigned char* end;
    uint32_t state;
  };

  template <bool kChecked, typename F>
  void ScanUtf8Impl(std::string_view text, F& on_match) const {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    if (n < kLaneMinBytes || n / kLanes <= max_key_bytes_ + 3) {
      ScanBytes<kChecked>(p, 0, 0, n, kRoot, on_match);
      return;
    }
    size_t begin[kLanes], pos[kLanes], stop[kLanes];
    for (size_t k = 0; k < kLanes; ++k) {
      begin[k] = n / kLanes * k;
      // A lane starts from the root at a character start (a state inside a
      // character expects a continuation byte next).
      pos[k] = k == 0 ? 0 : begin[k] - max_key_bytes_;
      for (int back = 0; back < 3 && pos[k] > 0 && (p[pos[k]] >> 6) == 2; ++back) --pos[k];
      stop[k] = k + 1 == kLanes ? n : n / kLanes * (k + 1);
    }
    size_t steps = stop[0] - pos[0];
    for (size_t k = 1; k < kLanes; ++k) steps = std::min(steps, stop[k] - pos[k]);
    // The lanes run in blocks of at most kBlock steps; before a block each
    // lane's buffer gets room for kBlock more matches (a step reports at most
    // one state), so the steps themselves never check for room or call out.
    static_assert(kLanes == 4);
    PendingBuffer pending[kLanes];
    for (auto& b : pending) b.Reserve(steps / 32 + kBlock);
    // Lane states and table pointers are plain locals (kept in registers: a
    // spilled state would add a store-to-load delay to every step).
    // One cursor r walks lane 0; lane k reads r[d_k]. A buffered match keeps
    // its end as a pointer (no offset arithmetic in the steps).
    uint32_t v0 = kRoot, v1 = kRoot, v2 = kRoot, v3 = kRoot;
    const ptrdiff_t d1 = static_cast<ptrdiff_t>(pos[1] - pos[0]), d2 = static_cast<ptrdiff_t>(pos[2] - pos[0]),
                    d3 = static_cast<ptrdiff_t>(pos[3] - pos[0]);
    const uint32_t* const dense = dense_.data();
    const uint8_t* const cls = class_;
    const unsigned char* r = p + pos[0];
    const unsigned char* const last = r + steps;
    while (r < last) {
      const unsigned char* const block_end = r + std::min<size_t>(static_cast<size_t>(last - r), kBlock);
      for (auto& b : pending) b.Reserve(b.size + kBlock);
      Pending *o0 = pending[0].end(), *o1 = pending[1].end(), *o2 = pending[2].end(), *o3 = pending[3].end();
      for (; r < block_end; ++r) {
        LaneStep<kChecked>(v0, r, o0, dense, cls);
        LaneStep<kChecked>(v1, r + d1, o1, dense, cls);
        LaneStep<kChecked>(v2, r + d2, o2, dense, cls);
        LaneStep<kChecked>(v3, r + d3, o3, dense, cls);
      }
      pending[0].SetEnd(o0), pending[1].SetEnd(o1), pending[2].SetEnd(o2), pending[3].SetEnd(o3);
    }
    const uint32_t state[kLanes] = {v0, v1, v2, v3};
    for (size_t k = 0; k < kLanes; ++k) {
      for (size_t j = 0; j < pending[k].size; ++j) {
        const Pending& m = pending[k].data[j];
        const auto end = static_cast<size_t>(m.end - p);
        if (end > begin[k]) Report(m.state, end, on_match);
      }
      // The state reached by the last step is reported (if at all) by the
      // rest of the lane.
      ScanBytes<kChecked>(p, begin[k], pos[k] + steps, stop[k], state[k], on_match);
    }
  }

  struct Cell {
    int32_t base = 0;    // double-array base of the children
    int32_t check = -1;  // parent cell; -1 free, -2 entered only from a dense row or a failure
                         // link, -3 reserved (cells 0..K: the base of childless states)
    uint32_t row = 0;    // offset in dense_ of the row a goto miss uses
    uint32_t flags = 0;  // kReports | kDeepFail | first index in reports_
  };
  static constexpr uint32_t kReports = 1u << 31;   // in a state value and Cell::flags: ends a key
  static constexpr uint32_t kDeep = 1u << 30;      // in a state value: a cell index
  static constexpr uint32_t kMid = 1u << 29;       // in a deep state value, Cell::flags and a row header: inside a character
  static constexpr uint32_t kDeepFail = 1u << 30;  // in Cell::flags
  static constexpr uint32_t kIndexMask = kMid - 1;
  static constexpr uint32_t kRoot = 1;               // the root's row (after its header)
  static constexpr uint32_t kLastReport = 1u << 31;  // in reports_: the last id of a list

  static constexpr size_t kLanes = 4;
  static constexpr size_t kLaneMinBytes = 16384;
  static constexpr size_t kBlock = 4096;  // lane steps between checks of the match buffers' room

  // A growable array of Pending without initialization or bounds checks
  // (the lane loop writes through a raw pointer after Reserve).
  struct PendingBuffer {
    std::unique_ptr<Pending[]> data;
    size_t size = 0, capacity = 0;
    Pending* end() { return data.get() + size; }
    void SetEnd(Pending* e) { size = static_cast<size_t>(e - data.get()); }
    void Reserve(size_t want) {
      if (want <= capacity) return;
      size_t cap = std::max(want, capacity * 2);
      auto grown = std::make_unique_for_overwrite<Pending[]>(cap);
      std::copy_n(data.get(), size, grown.get());
      data = std::move(grown);
      capacity = cap;
    }
  };

  // One step of a lane on the byte at `at`: first the state reached by the
  // previous byte is reported (buffered) if it ends a key — its end is
  // `at` —, then the step. The common case, a dense state that ends no key,
  // is one comparison and one lookup.
  template <bool kChecked>
  [[gnu::always_inline]] void LaneStep(uint32_t& v, const unsigned char* at, Pending*& out, const uint32_t* dense,
                                      const uint8_t* cls) const {
    const unsigned char byte = *at;
    if constexpr (!kChecked) {
      const size_t c = cls[byte];  // size_t: the index add needs no zero extension
      if (v <= kIndexMask) [[likely]] {
        v = dense[size_t{v} + c];
        return;
      }
      if (v & kReports) *out++ = Pending{at, v};
      v = (v & kDeep) ? StepCell(v & kIndexMask, static_cast<uint32_t>(c)) : dense[size_t{v & kIndexMask} + c];
    } else {
      if (v & kReports) [[unlikely]]
        *out++ = Pending{at, v};
      v = Step<true>(v, byte);
    }
  }

  // Scans p[from, to) from state v (reached at offset `from`), reporting
  // the matches that end after `report_after`, including one ending at `to`.
  template <bool kChecked, typename F>
  void ScanBytes(const unsigned char* p, size_t report_after, size_t from, size_t to, uint32_t v,
                 F& on_match) const {
    for (size_t i = from; i < to; ++i) {
      if ((v & kReports) && i > report_after) [[unlikely]]
        Report(v, i, on_match);
      v = Step<kChecked>(v, p[i]);
    }
    if ((v & kReports) && to > report_after) Report(v, to, on_match);
  }

  // Whether state v is inside a character (expects a continuation byte).
  bool IsMid(uint32_t v) const {
    return (v & kDeep) ? (v & kMid) != 0 : (dense_[(v & kIndexMask) - 1] & kMid) != 0;
  }

  // A byte of the other kind than the state expects (a continuation byte
  // where a character starts, or any other byte inside a character: invalid
  // UTF-8) leads where it would from the root. Unchecked steps are only for
  // text known to be valid UTF-8 from a character start.
  template <bool kChecked>
  [[gnu::always_inline]] uint32_t Step(uint32_t v, unsigned char byte) const {
    const uint32_t c = class_[byte];
    if constexpr (kChecked) {
      if (IsMid(v) != ((byte >> 6) == 2)) [[unlikely]]
        return restart_[byte];
    }
    if (v <= kIndexMask) return dense_[v + c];
    return (v & kDeep) ? StepCell(v & kIndexMask, c) : dense_[(v & kIndexMask) + c];
  }

  // A step from a deep state: goto hit or the dense miss row, chosen
  // without a branch (which way it goes is data-dependent).
  [[gnu::always_inline]] uint32_t StepCell(uint32_t s, uint32_t c) const {
    const Cell& cell = cells_[s];
    uint32_t t = static_cast<uint32_t>(cell.base) + c;
    const Cell& child = cells_[t];
    uint32_t miss = dense_[cell.row + c];
    uint32_t hit = static_cast<uint32_t>(child.check == static_cast<int32_t>(s));
    uint32_t mask = 0u - hit;
    uint32_t next = ((t | kDeep | (child.flags & (kReports | kMid))) & mask) | (miss & ~mask);
    if ((cell.flags >> 30) & (hit ^ 1u) & 1u) [[unlikely]]  // kDeepFail and a miss
      next = StepSlow(s, c);
    return next;
  }
  // The goto/failure walk for states whose failure link is deep too.
  // Inline: a call in the lane loop, however rare, would make the compiler
  // keep lane states in memory across it.
  [[gnu::always_inline]] uint32_t StepSlow(uint32_t s, uint32_t c) const {
    // A failure target is of s's own kind: a state inside a character whose
    // failure is the root has R_k as its fail_ (Build).
    for (uint32_t f = fail_[s];; f = fail_[f & kIndexMask]) {
      if (!(f & kDeep)) return dense_[(f & kIndexMask) + c];
      const Cell& cell = cells_[f & kIndexMask];
      uint32_t t = static_cast<uint32_t>(cell.base) + c;
      if (cells_[t].check == static_cast<int32_t>(f & kIndexMask))
        return t | kDeep | (cells_[t].flags & (kReports | kMid));
      if (!(cell.flags & kDeepFail)) return dense_[cell.row + c];
    }
  }

  template <typename F>
  void Report(uint32_t v, size_t end, F& on_match) const {
    uint32_t r = (v & kDeep) ? cells_[v & kIndexMask].flags : dense_[(v & kIndexMask) - 1];
    for (r &= kIndexMask;; ++r) {
      uint32_t id = reports_[r];
      on_match(end, id & ~kLastReport);
      if (id & kLastReport) break;
    }
  }

  uint8_t class_[256] = {};
  uint32_t restart_[256] = {};  // per byte: the state the root goes to (kind mismatches)
  // The tables the steps look up at random: in huge pages where the OS
  // allows (docs/moderation.md#matcher).
  std::vector<uint32_t, TableAllocator<uint32_t>> dense_;  // dense_rows_ rows and R_1..R_3, each a header (report index | kMid) then its entries
  std::vector<Cell, TableAllocator<Cell>> cells_;          // the deep states (double array)
  std::vector<uint32_t, TableAllocator<uint32_t>> fail_;  // per cell: failure link (a state value), for kDeepFail walks
  std::vector<uint32_t> reports_;    // pattern-id lists of the reporting states
  uint32_t row_width_ = 0;  // entries of a row of a state between characters (then its report index)
  uint32_t mid_width_ = 0;  // … of a state inside a character (continuation-byte classes only)
  size_t max_key_bytes_ = 0;
  size_t dense_rows_ = 0;
  size_t states_ = 0;
  size_t classes_ = 0;
};

}  // namespace qun::moderation

#endif  // QUN_CORE_MODERATION_AUTOMATON_H_
