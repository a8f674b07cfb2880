#include "connectors/line_reader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

namespace qun {

LineReader::~LineReader() {
  if (f_ && own_) fclose(f_);
}

Result<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path, size_t max_line_bytes) {
  std::unique_ptr<LineReader> r(new LineReader());
  if (path == "-") {
    r->f_ = stdin;
  } else {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return NotFound(fmt::format("{}: {}", path, std::strerror(errno)));
    if (S_ISDIR(st.st_mode)) return InvalidArgument(fmt::format("{}: is a directory, expected a file", path));
    r->size_ = static_cast<uint64_t>(st.st_size);
    r->f_ = fopen(path.c_str(), "rb");
    if (!r->f_) return FailedPrecondition(fmt::format("{}: {}", path, std::strerror(errno)));
    r->own_ = true;
  }
  r->max_ = max_line_bytes;
  r->buf_.resize(std::max<size_t>(1 << 20, max_line_bytes + 2));
  return r;
}

bool LineReader::Fill() {
  if (eof_) return false;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  size_t n = fread(buf_.data() + end_, 1, buf_.size() - end_, f_);
  if (n == 0) {
    if (ferror(f_)) status_ = Internal(fmt::format("read error: {}", std::strerror(errno)));
    eof_ = true;
    return false;
  }
  end_ += n;
  return true;
}

bool LineReader::Next(Line& line) {
  line = Line{};
  bool too_long = false;
  uint64_t start_offset = consumed_;
  while (true) {
    const char* base = buf_.data() + begin_;
    const void* nl = std::memchr(base, '\n', end_ - begin_);
    if (nl) {
      size_t len = static_cast<const char*>(nl) - base;
      consumed_ += len + 1;
      ++line_no_;
      line.number = line_no_;
      line.offset = start_offset;
      if (too_long) {
        line.text = long_line_;
        line.too_long = true;
      } else {
        size_t tl = len;
        if (tl > 0 && base[tl - 1] == '\r') --tl;
        line.text = std::string_view(base, tl);
      }
      begin_ += len + 1;
      return true;
    }
    size_t pending = end_ - begin_;
    if (pending > max_) {
      // Over the limit: keep only the prefix for the error message.
      if (!too_long) long_line_.assign(base, std::min<size_t>(max_, 256));
      too_long = true;
      consumed_ += pending;
      begin_ = end_;
    }
    if (!Fill()) {
      if (end_ > begin_ || too_long) {
        size_t len = end_ - begin_;
        consumed_ += len;
        ++line_no_;
        line.number = line_no_;
        line.offset = start_offset;
        if (too_long) {
          line.text = long_line_;
          line.too_long = true;
        } else {
          size_t tl = len;
          if (tl > 0 && buf_[begin_ + tl - 1] == '\r') --tl;
          line.text = std::string_view(buf_.data() + begin_, tl);
        }
        begin_ = end_;
        return true;
      }
      return false;
    }
  }
}

}  // namespace qun
