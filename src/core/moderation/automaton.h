// A compact Aho–Corasick automaton over the UTF-8 bytes of its keys
// (docs/moderation.md#matcher).
//
// Keys are sequences of code points, matched as their UTF-8 bytes. Because
// UTF-8 is self-synchronizing, a byte-level match of a key in valid UTF-8
// text is exactly a code-point match, so raw UTF-8 text is scanned without
// decoding; code-point text (Scan) is encoded on the fly.
//
// Layout (hot to cold):
//   class_[256]  byte -> dense class 1..K (descending frequency in the keys);
//                0 = a byte in no key, which resets to the root.
//   dense_       full DFA rows (failure links already resolved) for the
//                states nearest the root, one uint32 per class: most text
//                costs one lookup per byte.
//   cells_       a double-array trie for the deeper states: the child of
//                slot s on class c is t = base[s] + c when check[t] == s;
//                on a miss the failure link fail_[s] is followed (it ends in
//                a dense state after a few hops at most).
//   report data  per-trie-node output lists, only touched on a match.
// A scan state is a 32-bit value: kDense + row offset, or a double-array
// slot; kReports marks states that end at least one key.
//
// Immutable once built; every const method is thread-safe. Movable.
#ifndef QUN_CORE_MODERATION_AUTOMATON_H_
#define QUN_CORE_MODERATION_AUTOMATON_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/moderation/normalizer.h"  // DecodeUtf8/AppendUtf8, for callers that relied on it
#include "qun/status.h"

namespace qun::moderation {

class Automaton {
 public:
  // Builds from keys; key i gets pattern id i. Empty keys, and keys holding
  // a value that is not a Unicode scalar value (a surrogate, > U+10FFFF),
  // never match. Duplicate keys: the state reports the lowest id. Fails with
  // kResourceExhausted when the tables would exceed 2^29 entries.
  static Result<Automaton> Build(const std::vector<std::u32string>& keys);

  Automaton() = default;

  // Calls on_match(end, pattern) for every occurrence of every key in
  // chars[0, n): `end` is the index just past the match. Overlapping and
  // nested occurrences are all reported, in order of their end. A
  // non-scalar value in the text is a character in no key.
  template <typename F>
  void Scan(const char32_t* chars, size_t n, F&& on_match) const {
    if (dense_.empty()) return;
    uint32_t v = kDense;
    for (size_t i = 0; i < n; ++i) {
      char32_t cp = chars[i];
      if (cp < 0x80) {
        v = Step(v, class_[cp]);
      } else if (cp < 0x800) {
        v = Step(v, class_[0xC0 | (cp >> 6)]);
        v = Step(v, class_[0x80 | (cp & 0x3F)]);
      } else if (cp < 0x10000) {
        if (cp >= 0xD800 && cp <= 0xDFFF) {
          v = kDense;
          continue;
        }
        v = Step(v, class_[0xE0 | (cp >> 12)]);
        v = Step(v, class_[0x80 | ((cp >> 6) & 0x3F)]);
        v = Step(v, class_[0x80 | (cp & 0x3F)]);
      } else if (cp <= 0x10FFFF) {
        v = Step(v, class_[0xF0 | (cp >> 18)]);
        v = Step(v, class_[0x80 | ((cp >> 12) & 0x3F)]);
        v = Step(v, class_[0x80 | ((cp >> 6) & 0x3F)]);
        v = Step(v, class_[0x80 | (cp & 0x3F)]);
      } else {
        v = kDense;
        continue;
      }
      // Keys end with whole characters, so no key can end mid-character.
      if (v & kReports) Report(v, i + 1, on_match);
    }
  }

  // The same over raw UTF-8 bytes (no normalization, no decoding); `end` is
  // a byte offset. Reports exactly what decoding the text (an invalid byte
  // being a character in no key) and scanning the code points would.
  template <typename F>
  void ScanUtf8(std::string_view text, F&& on_match) const {
    if (dense_.empty()) return;
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    const uint8_t* cls = class_;
    const uint32_t* dense = dense_.data();
    uint32_t v = kDense;
    for (size_t i = 0; i < n; ++i) {
      uint32_t c = cls[p[i]];
      // The dense region (near the root) is where text spends most bytes.
      v = (v & kDense) ? dense[(v & kValueMask) + c] : StepSparse(v, c);
      if (v & kReports) Report(v, i + 1, on_match);
    }
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
  struct Cell {
    int32_t base = 0;    // double-array base; bit 31 (kCellReports) set when the state reports
    int32_t check = -1;  // parent slot; -1 free, -2 a state entered only from a dense row
  };
  static constexpr uint32_t kReports = 1u << 31;
  static constexpr uint32_t kDense = 1u << 30;
  static constexpr uint32_t kValueMask = kDense - 1;
  static constexpr uint32_t kCellBaseMask = 0x7FFFFFFF;

  uint32_t Step(uint32_t v, uint32_t c) const {
    return (v & kDense) ? dense_[(v & kValueMask) + c] : StepSparse(v, c);
  }

  // Goto/failure walk from a double-array state; ends in a dense row.
  uint32_t StepSparse(uint32_t v, uint32_t c) const {
    if (c == 0) return kDense;
    for (;;) {
      int32_t s = static_cast<int32_t>(v & kValueMask);
      int32_t t = (cells_[s].base & static_cast<int32_t>(kCellBaseMask)) + static_cast<int32_t>(c);
      Cell ct = cells_[t];
      if (ct.check == s) return static_cast<uint32_t>(t) | (static_cast<uint32_t>(ct.base) & kReports);
      v = fail_[s];
      if (v & kDense) return dense_[(v & kValueMask) + c];
    }
  }

  uint32_t NodeOf(uint32_t v) const {
    return (v & kDense) ? (v & kValueMask) / row_width_ : node_of_slot_[v & kValueMask];
  }

  template <typename F>
  void Report(uint32_t v, size_t end, F& on_match) const {
    for (int32_t r = report_[NodeOf(v)]; r >= 0; r = next_report_[r]) on_match(end, out_[r]);
  }

  uint8_t class_[256] = {};
  std::vector<uint32_t> dense_;          // dense_rows_ rows of row_width_ next-state values
  std::vector<Cell> cells_;              // double array of the sparse states
  std::vector<uint32_t> fail_;           // per slot: failure link (a state value)
  std::vector<uint32_t> node_of_slot_;   // per slot: trie node (for reporting)
  std::vector<int32_t> report_;          // per node: nearest node on its failure chain (itself included) ending a key
  std::vector<int32_t> next_report_;     // per node ending a key: the next one on its failure chain
  std::vector<uint32_t> out_;            // per node ending a key: its pattern id
  uint32_t row_width_ = 0;
  size_t dense_rows_ = 0;
  size_t states_ = 0;
  size_t classes_ = 0;
};

}  // namespace qun::moderation

#endif  // QUN_CORE_MODERATION_AUTOMATON_H_
