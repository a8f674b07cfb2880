// Test support for the automaton (used by automaton_test.cc and the
// moderation_automaton fuzz target, not by the product): the decoded view of
// a raw UTF-8 text that ScanUtf8 must agree with. Header-only, stateless.
#ifndef QUN_CORE_MODERATION_AUTOMATON_TESTING_H_
#define QUN_CORE_MODERATION_AUTOMATON_TESTING_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/moderation/normalizer.h"

namespace qun::moderation {

// `text` as code points, an invalid byte being one character (U+110000) that
// is in no key, and for each character the byte offset just past it.
struct DecodedText {
  std::u32string chars;
  std::vector<size_t> byte_end;
};

inline DecodedText DecodeForScan(std::string_view text) {
  DecodedText d;
  size_t i = 0;
  while (i < text.size()) {
    int32_t c = DecodeUtf8(text, &i);
    d.chars.push_back(c < 0 ? char32_t{0x110000} : static_cast<char32_t>(c));
    d.byte_end.push_back(i);
  }
  return d;
}

}  // namespace qun::moderation

#endif  // QUN_CORE_MODERATION_AUTOMATON_TESTING_H_
