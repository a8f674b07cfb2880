// Streaming input for connectors: a ByteSource (a file, stdin or one member
// of an archive) and a LineReader that hands out one line at a time with its
// 1-based number and byte offset. Memory is one buffer plus the longest line.
//
// Thread-safety: one reader per thread; sources are not shared.
#ifndef QUN_CONNECTORS_COMMON_INPUT_H_
#define QUN_CONNECTORS_COMMON_INPUT_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "qun/status.h"

struct archive;

namespace qun::connectors {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to n bytes; 0 means end of input. Errors are DataLoss naming the file.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
};

// A file on disk, or stdin for "-".
class FileSource : public ByteSource {
 public:
  // NotFound when the file cannot be opened.
  static Result<std::unique_ptr<FileSource>> Open(const std::string& path);
  ~FileSource() override;
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  FileSource(FILE* f, std::string path) : f_(f), path_(std::move(path)) {}
  FILE* f_;
  std::string path_;
};

// The current entry of a libarchive reader (not owned).
class ArchiveEntrySource : public ByteSource {
 public:
  ArchiveEntrySource(struct archive* a, std::string name) : a_(a), name_(std::move(name)) {}
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  struct archive* a_;
  std::string name_;
};

// A string held in memory (tests, fuzzing).
class StringSource : public ByteSource {
 public:
  explicit StringSource(std::string_view s) : s_(s) {}
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

class LineReader {
 public:
  // Lines longer than max_line are an error (ResourceExhausted with the line number).
  explicit LineReader(ByteSource& src, size_t max_line = 8 << 20);
  // Sets *line to the next line without its "\n" or "\r\n"; false at end of input.
  // The view is valid until the next call.
  Result<bool> Next(std::string_view* line);
  uint64_t line_no() const { return line_no_; }      // of the last line returned
  uint64_t line_offset() const { return line_off_; }  // byte offset of its start
  uint64_t bytes_read() const { return consumed_; }

 private:
  Status Fill();
  ByteSource& src_;
  size_t max_line_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  uint64_t base_ = 0;  // file offset of buf_[0]
  uint64_t line_no_ = 0, line_off_ = 0, consumed_ = 0;
};

// Reads a whole small file (at most max bytes) into memory.
Result<std::string> ReadSmallFile(const std::string& path, size_t max = 64 << 20);

}  // namespace qun::connectors

#endif  // QUN_CONNECTORS_COMMON_INPUT_H_
