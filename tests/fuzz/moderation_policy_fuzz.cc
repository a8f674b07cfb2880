// Fuzz target: the moderation policy parser (JSON from operators).
#include <cstdint>
#include <string_view>

#include "core/moderation/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto p = qun::moderation::ParsePolicy(std::string_view(reinterpret_cast<const char*>(data), size));
  if (p.ok()) {
    std::string rule;
    (void)p->ActionFor("lexicon", "ads", 5, &rule);
  }
  return 0;
}
