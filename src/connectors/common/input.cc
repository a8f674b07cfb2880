#include "connectors/common/input.h"

#include <archive.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace qun::connectors {

Result<std::unique_ptr<FileSource>> FileSource::Open(const std::string& path) {
  FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!f) return NotFound(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  return std::unique_ptr<FileSource>(new FileSource(f, path));
}

FileSource::~FileSource() {
  if (f_ && f_ != stdin) std::fclose(f_);
}

Result<size_t> FileSource::Read(char* buf, size_t n) {
  size_t got = std::fread(buf, 1, n, f_);
  if (got == 0 && std::ferror(f_)) return DataLoss(fmt::format("{}: read error: {}", path_, std::strerror(errno)));
  return got;
}

Result<size_t> ArchiveEntrySource::Read(char* buf, size_t n) {
  la_ssize_t got = archive_read_data(a_, buf, n);
  if (got < 0) return DataLoss(fmt::format("{}: {}", name_, archive_error_string(a_) ? archive_error_string(a_) : "archive read error"));
  return static_cast<size_t>(got);
}

Result<size_t> StringSource::Read(char* buf, size_t n) {
  size_t k = std::min(n, s_.size() - pos_);
  std::memcpy(buf, s_.data() + pos_, k);
  pos_ += k;
  return k;
}

LineReader::LineReader(ByteSource& src, size_t max_line) : src_(src), max_line_(max_line) {}

Status LineReader::Fill() {
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    base_ += pos_;
    pos_ = 0;
  }
  size_t old = buf_.size();
  buf_.resize(old + (64 << 10));
  auto got = src_.Read(buf_.data() + old, 64 << 10);
  if (!got.ok()) {
    buf_.resize(old);
    return got.status();
  }
  buf_.resize(old + *got);
  if (*got == 0) eof_ = true;
  return Status::Ok();
}

Result<bool> LineReader::Next(std::string_view* line) {
  size_t scan = pos_;
  for (;;) {
    size_t nl = buf_.find('\n', scan);
    if (nl != std::string::npos) {
      size_t end = nl;
      if (end > pos_ && buf_[end - 1] == '\r') --end;
      *line = std::string_view(buf_.data() + pos_, end - pos_);
      line_off_ = base_ + pos_;
      ++line_no_;
      pos_ = nl + 1;
      consumed_ = base_ + pos_;
      return true;
    }
    if (eof_) {
      if (pos_ >= buf_.size()) return false;
      size_t end = buf_.size();
      if (end > pos_ && buf_[end - 1] == '\r') --end;
      *line = std::string_view(buf_.data() + pos_, end - pos_);
      line_off_ = base_ + pos_;
      ++line_no_;
      pos_ = buf_.size();
      consumed_ = base_ + pos_;
      return true;
    }
    if (buf_.size() - pos_ > max_line_)
      return ResourceExhausted(fmt::format("line {} is longer than {} bytes", line_no_ + 1, max_line_));
    size_t pending = buf_.size() - pos_;
    QUN_RETURN_IF_ERROR(Fill());
    scan = pos_ + pending;
  }
}

Result<std::string> ReadSmallFile(const std::string& path, size_t max) {
  QUN_ASSIGN_OR_RETURN(auto src, FileSource::Open(path));
  std::string out;
  char buf[65536];
  for (;;) {
    QUN_ASSIGN_OR_RETURN(size_t n, src->Read(buf, sizeof buf));
    if (n == 0) break;
    out.append(buf, n);
    if (out.size() > max) return ResourceExhausted(fmt::format("{}: larger than {} bytes", path, max));
  }
  return out;
}

}  // namespace qun::connectors
