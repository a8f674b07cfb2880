// Stable, non-cryptographic hashing (xxHash XXH3 from Debian's libxxhash).
// Values are persisted (idempotency keys), so the functions never change.
// Thread-safety: pure functions.
#ifndef QUN_COMMON_HASH_H_
#define QUN_COMMON_HASH_H_

#include <cstdint>
#include <string_view>

namespace qun {

uint64_t Hash64(std::string_view data, uint64_t seed = 0);

// Hash of two strings with a separator that cannot be confused with a
// concatenation ("ab","c" and "a","bc" differ).
uint64_t Hash64Pair(std::string_view a, std::string_view b);

}  // namespace qun

#endif  // QUN_COMMON_HASH_H_
