// Lexicons and the LexiconMatcher (docs/moderation.md#lexicons, #matcher).
//
// A lexicon is text with one entry per line: `word[\tcategory[\tseverity]]`.
// ParseLexicon turns such text into entries (reading files is the adapter's
// job: src/store/moderation/assets.h). A LexiconMatcher normalizes every
// entry with the same Normalizer used on messages, builds one Automaton over
// the normalized keys, and on a message returns verified matches: whole-word
// for Latin keys, repeat counts respected, allow-list spans subtracted.
//
// A LexiconMatcher is immutable once built: share it through
// shared_ptr<const LexiconMatcher>; Find() is const and thread-safe.
#ifndef QUN_CORE_MODERATION_LEXICON_H_
#define QUN_CORE_MODERATION_LEXICON_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/moderation/automaton.h"
#include "core/moderation/normalizer.h"
#include "qun/status.h"

namespace qun::moderation {

constexpr int kDefaultSeverity = 5;  // severities are 1..10
constexpr size_t kMaxWordBytes = 256;

struct LexiconEntry {
  std::string word;      // as written in the lexicon (trimmed)
  std::string category;  // from the line, else the file's category
  int severity = kDefaultSeverity;
  bool allow = false;    // an allow-list entry: suppresses matches inside it
};

// Parses lexicon text. `default_category` applies to lines without one;
// `source` names the text in errors ("ads.txt:12: ..."). Blank lines are
// skipped; surrounding spaces and a trailing CR are trimmed. Errors
// (kInvalidArgument): invalid UTF-8, more than three tab-separated fields,
// a severity that is not an integer 1..10, a word over kMaxWordBytes.
Status ParseLexicon(std::string_view text, std::string_view default_category, std::string_view source,
                    bool allow, std::vector<LexiconEntry>* out);

struct MatcherOptions {
  // Entries whose normalized form has fewer code points than this (before
  // repeat collapsing) are skipped; see docs/moderation.md#short-entries.
  size_t min_chars = 2;
  // Keys made only of ASCII letters and digits match only as whole words.
  bool latin_whole_word = true;
};

struct MatcherStats {
  size_t entries = 0;        // entries given
  size_t keys = 0;           // distinct normalized keys in the automaton
  size_t skipped_short = 0;  // below min_chars
  size_t skipped_empty = 0;  // nothing left after normalization
  size_t duplicates = 0;     // same normalized key and repeat counts as an earlier entry
  size_t states = 0;
  size_t memory_bytes = 0;
};

struct LexiconMatch {
  uint32_t entry = 0;       // index into LexiconMatcher::entries()
  uint32_t start_char = 0;  // [start_char, end_char) in the NormalizedText
  uint32_t end_char = 0;
  uint32_t start = 0;       // [start, end) UTF-8 byte offsets in the original text
  uint32_t end = 0;
};

class LexiconMatcher {
 public:
  // Builds a matcher. kResourceExhausted if the automaton cannot be built.
  static Result<std::shared_ptr<const LexiconMatcher>> Build(std::vector<LexiconEntry> entries,
                                                             std::shared_ptr<const FoldTable> table,
                                                             const MatcherOptions& options);

  // Normalizes `text` into *scratch and appends its verified matches to
  // *out, ordered by start, then longer first. Block-list matches lying
  // inside an allow-list match are dropped; allow-list matches are never
  // returned.
  void Find(std::string_view text, NormalizedText* scratch, std::vector<LexiconMatch>* out) const;
  // The same on already normalized text (must come from normalizer()).
  void FindNormalized(const NormalizedText& text, std::vector<LexiconMatch>* out) const;

  // Raw matching of the normalized keys against unnormalized UTF-8 (what
  // the raw-speed benchmark measures): the number of key occurrences.
  size_t CountRaw(std::string_view text) const;

  const std::vector<LexiconEntry>& entries() const { return entries_; }
  const MatcherStats& stats() const { return stats_; }
  const Normalizer& normalizer() const { return normalizer_; }
  const Automaton& automaton() const { return automaton_; }

 private:
  struct Variant {  // one entry under a key
    uint32_t entry;
    uint32_t runs_offset;  // into runs_, or UINT32_MAX when every run is 1
  };
  struct Key {
    uint32_t length;      // code points
    bool whole_word;
    bool letters_first, letters_last;  // class of the first/last char (letter vs digit)
    bool allow;           // at least one allow entry
    uint32_t first_variant, variant_count;
  };

  explicit LexiconMatcher(Normalizer n) : normalizer_(std::move(n)) {}
  bool WholeWordAt(const NormalizedText& t, const Key& k, uint32_t start, uint32_t end) const;

  Normalizer normalizer_;
  MatcherOptions options_;
  std::vector<LexiconEntry> entries_;
  std::vector<Key> keys_;
  std::vector<Variant> variants_;
  std::vector<uint8_t> runs_;
  Automaton automaton_;
  MatcherStats stats_;
};

}  // namespace qun::moderation

#endif  // QUN_CORE_MODERATION_LEXICON_H_
