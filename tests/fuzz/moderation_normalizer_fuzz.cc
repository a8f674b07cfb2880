// Fuzz target: the moderation normalizer on arbitrary bytes. Checks the
// offset map's invariants (ranges inside the input, in order).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/moderation/normalizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qun::moderation;
  static const auto table = FoldTable::Build(NormalizeOptions{}, {{U'髮', U'发'}});
  static const Normalizer normalizer(table);
  std::string_view text(reinterpret_cast<const char*>(data), size);
  NormalizedText t;
  normalizer.Normalize(text, &t);
  for (size_t i = 0; i < t.size(); ++i) {
    // Ranges lie inside the input and move forward. They may overlap: an
    // expansion (⒅ -> 1 8) whose first char merged into a repeat run.
    if (t.begin[i] >= t.end[i] || t.end[i] > size) std::abort();
    if (i > 0 && (t.begin[i] < t.begin[i - 1] || t.end[i] < t.end[i - 1])) std::abort();
    if (t.run[i] == 0) std::abort();
  }
  (void)t.Utf8(0, t.size());
  return 0;
}
