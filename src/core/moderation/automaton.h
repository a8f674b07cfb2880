// A compact Aho–Corasick automaton over code points (docs/moderation.md#matcher).
//
// Keys are sequences of code points. Code points are first mapped to a dense
// alphabet (ids 1..A by descending frequency in the keys; 0 = "in no key",
// which sends the automaton straight back to the root). The goto function is
// a double-array trie: the child of state s on label c is t = base[s] + c
// when check[t] == s. base and check share one 8-byte cell (a flag bit in
// base says "this state reports"), so a step touches one small cache
// footprint; failure and report links live in separate, colder arrays.
//
// Immutable once built; every const method is thread-safe.
#ifndef QUN_CORE_MODERATION_AUTOMATON_H_
#define QUN_CORE_MODERATION_AUTOMATON_H_

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/moderation/normalizer.h"
#include "qun/status.h"

namespace qun::moderation {

class Automaton {
 public:
  // Builds from keys; key i gets pattern id i. Empty keys never match.
  // Duplicate keys: the state reports the lowest id. Fails with
  // kResourceExhausted when the keys use more than 65535 distinct code points.
  static Result<Automaton> Build(const std::vector<std::u32string>& keys);

  Automaton() = default;

  // Calls on_match(end, pattern) for every occurrence of every key in
  // chars[0, n): `end` is the index just past the match. Overlapping and
  // nested occurrences are all reported, in order of their end.
  template <typename F>
  void Scan(const char32_t* chars, size_t n, F&& on_match) const {
    int32_t s = 0;
    for (size_t i = 0; i < n; ++i) {
      s = Step(s, Label(chars[i]));
      if (cells_[s].base & kReports) Report(s, i + 1, on_match);
    }
  }

  // The same over raw UTF-8 bytes (no normalization); `end` is a byte
  // offset. Invalid bytes act as a character in no key.
  template <typename F>
  void ScanUtf8(std::string_view text, F&& on_match) const {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    size_t n = text.size(), i = 0;
    int32_t s = 0;
    while (i < n) {
      unsigned char c = p[i];
      uint32_t label;
      if (c < 0x80) {
        label = ascii_[c];
        ++i;
      } else if ((c & 0xF0) == 0xE0 && i + 2 < n && (p[i + 1] & 0xC0) == 0x80 &&
                 (p[i + 2] & 0xC0) == 0x80 && c != 0xE0 && c != 0xED) {
        char32_t cp = ((c & 0x0Fu) << 12) | ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu);
        label = bmp_[cp];
        i += 3;
      } else {
        int32_t cp = DecodeUtf8(text, &i);
        label = cp < 0 ? 0 : Label(static_cast<char32_t>(cp));
      }
      s = Step(s, label);
      if (cells_[s].base & kReports) Report(s, i, on_match);
    }
  }

  size_t state_count() const { return states_; }
  size_t alphabet_size() const { return alphabet_; }
  // Bytes held by the automaton's tables.
  size_t MemoryBytes() const;

 private:
  struct Cell {
    int32_t base = 0;     // low 30 bits: base; kReports: report_[state] >= 0
    int32_t check = -1;   // parent state; -1 = free slot
  };
  static constexpr int32_t kReports = 1 << 30;
  static constexpr int32_t kBaseMask = kReports - 1;

  uint32_t Label(char32_t cp) const {
    if (cp < 0x10000) return bmp_[cp];
    auto it = astral_.find(cp);
    return it == astral_.end() ? 0 : it->second;
  }

  int32_t Step(int32_t s, uint32_t label) const {
    if (label == 0) return 0;
    for (;;) {
      int32_t t = (cells_[s].base & kBaseMask) + static_cast<int32_t>(label);
      if (cells_[t].check == s) return t;
      if (s == 0) return 0;
      s = fail_[s];
    }
  }

  template <typename F>
  void Report(int32_t s, size_t end, F& on_match) const {
    for (int32_t r = report_[s]; r >= 0; r = next_report_[r]) on_match(end, out_[r]);
  }

  std::vector<Cell> cells_;
  std::vector<int32_t> fail_;           // per state: failure link
  std::vector<int32_t> report_;         // per state: nearest state on the failure chain (itself included) ending a key
  std::vector<uint32_t> out_;           // per state: pattern id it ends (when terminal)
  std::vector<int32_t> next_report_;    // per terminal state: next terminal on its failure chain
  std::vector<uint16_t> bmp_;           // code point -> label, plane 0
  uint16_t ascii_[128] = {};
  std::unordered_map<char32_t, uint16_t> astral_;
  size_t states_ = 0;
  size_t alphabet_ = 0;
};

}  // namespace qun::moderation

#endif  // QUN_CORE_MODERATION_AUTOMATON_H_
