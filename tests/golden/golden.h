// Golden, data-driven tests. A file tests/golden/<feature>/<name>.test holds
// cases:
//
//   # free comment lines before the first case
//   === case name | optional args for the handler
//   input lines …
//   ----
//   expected output lines …
//
// golden_runner FILE [--rewrite] runs every case through the handler that
// registered for <feature> and compares the output exactly (trailing blank
// lines ignored). --rewrite writes the actual output back for review.
#ifndef QUN_TESTS_GOLDEN_GOLDEN_H_
#define QUN_TESTS_GOLDEN_GOLDEN_H_

#include <string>
#include <string_view>

namespace qun::golden {

struct Case {
  std::string name;
  std::string args;   // text after '|' on the === line, trimmed
  std::string input;  // lines between === and ----
};

// Returns the output to compare with the expected block.
using Handler = std::string (*)(const Case& c);

bool RegisterHandler(const char* feature, Handler h);

// Where ../shared/data is, or "" when absent (tests that need it skip).
std::string SharedDataDir();

}  // namespace qun::golden

#define QUN_GOLDEN_HANDLER(feature, fn) \
  static const bool qun_golden_##feature = ::qun::golden::RegisterHandler(#feature, fn)

#endif  // QUN_TESTS_GOLDEN_GOLDEN_H_
