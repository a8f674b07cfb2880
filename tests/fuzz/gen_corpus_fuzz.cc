// Fuzz target for the `qun gen --corpus` parser (src/core/gen/corpus.h):
// any bytes must give a Corpus or an InvalidArgument, never a crash, and a
// parsed corpus holds only valid UTF-8 within the length limit.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/strings.h"
#include "core/gen/corpus.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto c = qun::gen::ParseCorpus(in);
  if (!c.ok()) {
    if (c.status().code() != qun::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  for (const auto* list : {&c->positive, &c->negative, &c->unlabeled}) {
    for (const auto& t : *list) {
      if (t.empty() || t.size() > qun::gen::kMaxCorpusTextBytes || qun::FindInvalidUtf8(t)) std::abort();
    }
  }
  return 0;
}
