// A corpus of real message texts for `qun gen --corpus FILE`: either a CSV
// whose header starts with `label,` (rows `label,text`, label 1 = positive,
// 0 = negative, as in ChineseNlpCorpus' waimai_10k.csv) or plain text with
// one message per line. Parsing is pure: the caller reads the file.
//
// Thread-safety: a Corpus is an immutable value after parsing.
#ifndef QUN_CORE_GEN_CORPUS_H_
#define QUN_CORE_GEN_CORPUS_H_

#include <string>
#include <string_view>
#include <vector>

#include "qun/status.h"

namespace qun::gen {

struct Corpus {
  std::vector<std::string> positive;   // label 1 (or any label > 0)
  std::vector<std::string> negative;   // label 0
  std::vector<std::string> unlabeled;  // plain-text lines
  size_t size() const { return positive.size() + negative.size() + unlabeled.size(); }
  bool empty() const { return size() == 0; }
};

// Longest text kept from a corpus line (longer lines are cut on a UTF-8
// boundary): chat messages are short, and this bounds the output size.
constexpr size_t kMaxCorpusTextBytes = 1000;

// Parses a corpus. CSV mode: RFC 4180 quoting ("" inside quotes, quoted
// fields may span lines), CRLF or LF; each row needs an integer label and a
// text (extra columns are joined back with commas). Empty texts are skipped.
// Returns InvalidArgument naming the line for invalid UTF-8, a row without a
// text, a non-integer label or an unterminated quote, and for a corpus with
// no text at all.
Result<Corpus> ParseCorpus(std::string_view content);

}  // namespace qun::gen

#endif  // QUN_CORE_GEN_CORPUS_H_
