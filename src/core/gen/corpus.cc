#include "core/gen/corpus.h"

#include <fmt/format.h>

#include <charconv>

#include "common/strings.h"

namespace qun::gen {
namespace {

// Cuts `s` to at most `max` bytes on a UTF-8 boundary.
std::string_view CutUtf8(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

void AddText(std::vector<std::string>& to, std::string_view text) {
  text = TrimWhitespace(text);
  if (text.empty()) return;
  to.emplace_back(CutUtf8(text, kMaxCorpusTextBytes));
}

// Splits the CSV `content` into records of fields. `line_of` gets the
// 1-based line on which each record starts, for error messages.
Status SplitCsv(std::string_view content, std::vector<std::vector<std::string>>& records,
                std::vector<size_t>& line_of) {
  size_t line = 1, i = 0;
  while (i < content.size()) {
    std::vector<std::string> fields(1);
    size_t start_line = line;
    bool in_quotes = false;
    for (; i < content.size(); ++i) {
      char c = content[i];
      if (in_quotes) {
        if (c == '"') {
          if (i + 1 < content.size() && content[i + 1] == '"') {
            fields.back().push_back('"');
            ++i;
          } else {
            in_quotes = false;
          }
        } else {
          if (c == '\n') ++line;
          fields.back().push_back(c);
        }
      } else if (c == '"' && fields.back().empty()) {
        in_quotes = true;
      } else if (c == ',') {
        fields.emplace_back();
      } else if (c == '\n') {
        ++i;
        ++line;
        break;
      } else if (c != '\r') {
        fields.back().push_back(c);
      }
    }
    if (in_quotes) return InvalidArgument(fmt::format("line {}: unterminated quoted field", start_line));
    if (!(fields.size() == 1 && fields[0].empty())) {
      records.push_back(std::move(fields));
      line_of.push_back(start_line);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Corpus> ParseCorpus(std::string_view content) {
  if (auto bad = FindInvalidUtf8(content)) {
    size_t line = 1;
    for (size_t i = 0; i < *bad; ++i) line += content[i] == '\n';
    return InvalidArgument(fmt::format("line {}: invalid UTF-8 at byte {}", line, *bad));
  }
  if (StartsWith(content, "\xEF\xBB\xBF")) content.remove_prefix(3);  // BOM
  Corpus corpus;
  if (StartsWith(content, "label,")) {
    std::vector<std::vector<std::string>> records;
    std::vector<size_t> line_of;
    QUN_RETURN_IF_ERROR(SplitCsv(content, records, line_of));
    for (size_t r = 1; r < records.size(); ++r) {  // records[0] is the header
      const auto& f = records[r];
      if (f.size() < 2) return InvalidArgument(fmt::format("line {}: expected label,text", line_of[r]));
      std::string_view label_s = TrimWhitespace(f[0]);
      int label = 0;
      auto [p, ec] = std::from_chars(label_s.data(), label_s.data() + label_s.size(), label);
      if (ec != std::errc() || p != label_s.data() + label_s.size())
        return InvalidArgument(
            fmt::format("line {}: label '{}' is not an integer", line_of[r], Excerpt(label_s)));
      std::string text = f[1];
      for (size_t k = 2; k < f.size(); ++k) text += "," + f[k];
      AddText(label > 0 ? corpus.positive : corpus.negative, text);
    }
  } else {
    for (std::string_view line : SplitString(content, '\n')) AddText(corpus.unlabeled, line);
  }
  if (corpus.empty()) return InvalidArgument("the corpus holds no text");
  return corpus;
}

}  // namespace qun::gen
