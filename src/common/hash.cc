#include "common/hash.h"

#include <xxhash.h>

namespace qun {

uint64_t Hash64(std::string_view data, uint64_t seed) {
  return XXH3_64bits_withSeed(data.data(), data.size(), seed);
}

uint64_t Hash64Pair(std::string_view a, std::string_view b) {
  return XXH3_64bits_withSeed(b.data(), b.size(), Hash64(a) ^ (0x9E3779B97F4A7C15ULL + a.size()));
}

}  // namespace qun
