// LineReader: streams a file (or stdin for "-") line by line in constant
// memory, with 1-based line numbers and byte offsets for error messages.
// Lines longer than the limit are reported (not returned in full) and
// skipped up to the next newline, so one hostile line cannot exhaust memory.
// Thread-safety: one owner.
#ifndef QUN_CONNECTORS_LINE_READER_H_
#define QUN_CONNECTORS_LINE_READER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "qun/status.h"

namespace qun {

class LineReader {
 public:
  ~LineReader();
  // Opens `path` ("-" = stdin). NotFound / FailedPrecondition on failure.
  static Result<std::unique_ptr<LineReader>> Open(const std::string& path, size_t max_line_bytes);

  struct Line {
    std::string_view text;  // without the trailing "\n" / "\r\n"; valid until the next call
    uint64_t number = 0;    // 1-based
    uint64_t offset = 0;    // byte offset of the line start
    bool too_long = false;  // text holds only the first max_line_bytes bytes
  };
  // Returns false at end of input; an I/O error sets status().
  bool Next(Line& line);
  const Status& status() const { return status_; }
  uint64_t bytes_read() const { return consumed_; }
  // Total size when known (regular files), else 0.
  uint64_t size() const { return size_; }

 private:
  LineReader() = default;
  bool Fill();
  FILE* f_ = nullptr;
  bool own_ = false;
  size_t max_ = 0;
  std::string buf_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  uint64_t line_no_ = 0, consumed_ = 0, size_ = 0;
  std::string long_line_;
  Status status_;
};

}  // namespace qun

#endif  // QUN_CONNECTORS_LINE_READER_H_
