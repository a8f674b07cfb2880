// Text normalization for moderation (docs/moderation.md#normalization).
//
// A Normalizer turns a UTF-8 message into a sequence of normalized code
// points, each carrying the byte range [begin, end) of the original text it
// came from, so matches on the normalized text map back to the original.
// Steps, each switchable in NormalizeOptions: width folding, case folding,
// traditional -> simplified Chinese, compatibility styles (① ⑴ 𝟙 Ⓐ …),
// noise removal (spaces, punctuation, symbols, zero-width, marks) and
// collapsing of repeated characters.
//
// A FoldTable is immutable once built and shared (shared_ptr) by any number
// of threads. A Normalizer is a small value holding a table; Normalize() is
// const and thread-safe; each call writes only the caller's NormalizedText.
// The traditional->simplified mapping is I/O-free data handed in by an
// adapter (see src/store/moderation/assets.h), so this file stays pure.
#ifndef QUN_CORE_MODERATION_NORMALIZER_H_
#define QUN_CORE_MODERATION_NORMALIZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace qun::moderation {

struct NormalizeOptions {
  bool width = true;    // full-width / half-width forms -> their plain form
  bool case_fold = true;
  bool t2s = true;      // traditional -> simplified (needs a table)
  bool styles = true;   // Unicode compatibility (NFKC) forms: ① ⑴ 𝟙 Ⓐ ﬁ …
  bool noise = true;    // drop spaces, punctuation, symbols, zero-width, marks
  bool repeats = true;  // collapse runs of one character ("微微微信" -> "微信")

  bool operator==(const NormalizeOptions&) const = default;
};

// Traditional -> simplified, one code point to one code point.
using CharMapping = std::vector<std::pair<char32_t, char32_t>>;

// The per-code-point mapping for one NormalizeOptions, built once.
class FoldTable {
 public:
  // Builds the table (tens of milliseconds: it asks ICU about every code
  // point of planes 0 and 1). `t2s` is used only when options.t2s.
  static std::shared_ptr<const FoldTable> Build(const NormalizeOptions& options,
                                                const CharMapping& t2s);

  // Encoded entry: see normalizer.cc. Public for the inlined hot loop.
  static constexpr uint32_t kMulti = 1u << 31;
  static constexpr uint32_t kNoise = 1u << 30;
  static constexpr uint32_t kDrop = 1u << 29;
  static constexpr uint32_t kCpMask = 0x1FFFFF;

  uint32_t Lookup(char32_t cp) const {
    if (cp < flat_.size()) return flat_[cp];
    auto it = rest_.find(cp);
    return it == rest_.end() ? static_cast<uint32_t>(cp) : it->second;
  }
  // For kMulti entries: the encoded single entries of the expansion.
  const uint32_t* Pool(uint32_t entry, size_t* n) const {
    *n = (entry >> 24) & 0x1F;
    return pool_.data() + (entry & 0xFFFFFF);
  }
  const NormalizeOptions& options() const { return options_; }

 private:
  NormalizeOptions options_;
  std::vector<uint32_t> flat_;  // code points 0 .. 0x1FFFF
  std::unordered_map<char32_t, uint32_t> rest_;
  std::vector<uint32_t> pool_;
};

// Output of Normalize. Index i describes normalized character chars[i].
struct NormalizedText {
  std::u32string chars;
  std::vector<uint32_t> begin;  // byte offset in the original of its first source char
  std::vector<uint32_t> end;    // byte offset just past its last source char
  std::vector<uint8_t> run;     // how many equal characters it stands for (saturates at 255)
  std::vector<uint8_t> gap;     // 1 when noise was dropped right before it
  // 1 when noise (or the end) follows the last character.
  bool gap_at_end = false;

  void Clear() {
    chars.clear();
    begin.clear();
    end.clear();
    run.clear();
    gap.clear();
    gap_at_end = false;
  }
  size_t size() const { return chars.size(); }
  // UTF-8 of chars[from, to).
  std::string Utf8(size_t from, size_t to) const;
};

class Normalizer {
 public:
  explicit Normalizer(std::shared_ptr<const FoldTable> table) : table_(std::move(table)) {}

  // Normalizes `text`. Invalid UTF-8 bytes are treated as noise (each byte is
  // its own source character). Never fails.
  void Normalize(std::string_view text, NormalizedText* out) const;
  // Convenience: the normalized text as UTF-8 (for lexicon entries, tests).
  std::string NormalizeToUtf8(std::string_view text) const;

  const FoldTable& table() const { return *table_; }

 private:
  std::shared_ptr<const FoldTable> table_;
};

// Decodes one UTF-8 code point at s[*i], advancing *i. Returns -1 (and
// advances one byte) on an invalid sequence.
int32_t DecodeUtf8(std::string_view s, size_t* i);
void AppendUtf8(std::string& out, char32_t cp);

// True for ASCII letters and digits (the alphabet of "Latin" words).
inline bool IsAsciiAlnum(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace qun::moderation

#endif  // QUN_CORE_MODERATION_NORMALIZER_H_
