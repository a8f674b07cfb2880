// Fuzz target: the lexicon parser, then a matcher built from whatever it
// accepted, run over the same bytes as a message.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/moderation/lexicon.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qun::moderation;
  static const auto table = FoldTable::Build(NormalizeOptions{}, {});
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<LexiconEntry> entries;
  if (!ParseLexicon(text, "fuzz", "fuzz", false, &entries).ok()) return 0;
  MatcherOptions o;
  o.min_chars = 1;
  auto m = LexiconMatcher::Build(entries, table, o);
  if (!m.ok()) return 0;
  NormalizedText scratch;
  std::vector<LexiconMatch> out;
  (*m)->Find(text, &scratch, &out);
  for (const auto& x : out)
    if (x.start >= x.end || x.end > size || x.entry >= entries.size()) std::abort();
  (void)(*m)->CountRaw(text);
  return 0;
}
