#include "connectors/common/json_stream.h"

#include <fmt/format.h>

namespace qun::connectors {

namespace {
bool IsSpace(int c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
}  // namespace

JsonStream::JsonStream(ByteSource& src, size_t max_value) : src_(src), max_value_(max_value) {}

Status JsonStream::Error(const std::string& what) const {
  return InvalidArgument(fmt::format("byte {}: {}", offset(), what));
}

Result<int> JsonStream::PeekRaw() {
  if (pos_ < buf_.size()) return static_cast<unsigned char>(buf_[pos_]);
  if (eof_) return -1;
  base_ += buf_.size();
  buf_.resize(64 << 10);
  pos_ = 0;
  auto got = src_.Read(buf_.data(), buf_.size());
  if (!got.ok()) {
    buf_.clear();
    return got.status();
  }
  buf_.resize(*got);
  if (*got == 0) {
    eof_ = true;
    return -1;
  }
  return static_cast<unsigned char>(buf_[0]);
}

Result<int> JsonStream::Get() {
  QUN_ASSIGN_OR_RETURN(int c, PeekRaw());
  if (c >= 0) ++pos_;
  return c;
}

Status JsonStream::SkipSpace() {
  for (;;) {
    QUN_ASSIGN_OR_RETURN(int c, PeekRaw());
    if (c < 0 || !IsSpace(c)) return Status::Ok();
    ++pos_;
  }
}

Result<char> JsonStream::Peek() {
  QUN_RETURN_IF_ERROR(SkipSpace());
  QUN_ASSIGN_OR_RETURN(int c, PeekRaw());
  return c < 0 ? '\0' : static_cast<char>(c);
}

Result<bool> JsonStream::AtEnd() {
  QUN_ASSIGN_OR_RETURN(char c, Peek());
  return c == '\0';
}

Status JsonStream::BeginObject() {
  QUN_ASSIGN_OR_RETURN(char c, Peek());
  if (c != '{') return Error(c ? fmt::format("expected '{{', found '{}'", c) : "expected '{', found end of input (truncated?)");
  ++pos_;
  first_.push_back(true);
  return Status::Ok();
}

Status JsonStream::BeginArray() {
  QUN_ASSIGN_OR_RETURN(char c, Peek());
  if (c != '[') return Error(c ? fmt::format("expected '[', found '{}'", c) : "expected '[', found end of input (truncated?)");
  ++pos_;
  first_.push_back(true);
  return Status::Ok();
}

Result<bool> JsonStream::NextKey(std::string* key) {
  if (first_.empty()) return Error("NextKey outside an object");
  QUN_ASSIGN_OR_RETURN(char c, Peek());
  if (c == '}') {
    ++pos_;
    first_.pop_back();
    return false;
  }
  if (!first_.back()) {
    if (c != ',') return Error(c ? fmt::format("expected ',' or '}}' in object, found '{}'", c) : "unexpected end of input in an object (truncated?)");
    ++pos_;
    QUN_ASSIGN_OR_RETURN(c, Peek());
  }
  first_.back() = false;
  if (c != '"') return Error(c ? fmt::format("expected a key string, found '{}'", c) : "unexpected end of input in an object (truncated?)");
  std::string raw;
  QUN_RETURN_IF_ERROR(ScanString(&raw));
  // Keys are compared raw, without their quotes; escaped keys do not occur in the formats read.
  key->assign(raw, 1, raw.size() - 2);
  QUN_ASSIGN_OR_RETURN(c, Peek());
  if (c != ':') return Error("expected ':' after a key");
  ++pos_;
  return true;
}

Result<bool> JsonStream::NextElement() {
  if (first_.empty()) return Error("NextElement outside an array");
  QUN_ASSIGN_OR_RETURN(char c, Peek());
  if (c == ']') {
    ++pos_;
    first_.pop_back();
    return false;
  }
  if (c == '\0') return Error("unexpected end of input in an array (truncated?)");
  if (!first_.back()) {
    if (c != ',') return Error(fmt::format("expected ',' or ']' in array, found '{}'", c));
    ++pos_;
  }
  first_.back() = false;
  return true;
}

Status JsonStream::ScanString(std::string* raw) {
  QUN_ASSIGN_OR_RETURN(int c, Get());
  if (raw) raw->push_back(static_cast<char>(c));  // the opening quote
  for (;;) {
    // Fast path: copy the run up to the next quote or backslash.
    size_t start = pos_;
    while (pos_ < buf_.size() && buf_[pos_] != '"' && buf_[pos_] != '\\') ++pos_;
    if (raw) {
      raw->append(buf_, start, pos_ - start);
      if (raw->size() > max_value_) return ResourceExhausted(fmt::format("byte {}: value longer than {} bytes", offset(), max_value_));
    }
    QUN_ASSIGN_OR_RETURN(c, Get());
    if (c < 0) return Error("unterminated string (truncated?)");
    if (raw) raw->push_back(static_cast<char>(c));
    if (c == '"') return Status::Ok();
    if (c == '\\') {
      QUN_ASSIGN_OR_RETURN(c, Get());
      if (c < 0) return Error("unterminated string (truncated?)");
      if (raw) raw->push_back(static_cast<char>(c));
    }
  }
}

Status JsonStream::ScanValue(std::string* raw) {
  QUN_ASSIGN_OR_RETURN(char c, Peek());
  if (c == '\0') return Error("expected a value, found end of input (truncated?)");
  if (c == '"') return ScanString(raw);
  if (c == '{' || c == '[') {
    int depth = 0;
    for (;;) {
      QUN_ASSIGN_OR_RETURN(int d, PeekRaw());
      if (d < 0) return Error("unexpected end of input inside a value (truncated?)");
      if (d == '"') {
        QUN_RETURN_IF_ERROR(ScanString(raw));
        continue;
      }
      // Copy the run of structural and scalar bytes up to the next quote.
      size_t start = pos_;
      bool done = false;
      while (pos_ < buf_.size()) {
        char e = buf_[pos_];
        if (e == '"') break;
        ++pos_;
        if (e == '{' || e == '[') ++depth;
        else if (e == '}' || e == ']') {
          if (--depth == 0) { done = true; break; }
        }
      }
      if (raw) {
        raw->append(buf_, start, pos_ - start);
        if (raw->size() > max_value_) return ResourceExhausted(fmt::format("byte {}: value longer than {} bytes", offset(), max_value_));
      }
      if (done) return Status::Ok();
    }
  }
  // A scalar: up to the next delimiter; an empty one (",", "}", "]" where a
  // value belongs) is an error, so callers always make progress.
  if (c == ',' || c == '}' || c == ']' || c == ':') return Error(fmt::format("expected a value, found '{}'", c));
  for (;;) {
    QUN_ASSIGN_OR_RETURN(int d, PeekRaw());
    if (d < 0 || IsSpace(d) || d == ',' || d == '}' || d == ']') return Status::Ok();
    if (raw) raw->push_back(static_cast<char>(d));
    ++pos_;
    if (raw && raw->size() > 4096) return Error("scalar value too long");
  }
}

Status JsonStream::Capture(std::string* raw) {
  raw->clear();
  return ScanValue(raw);
}

Status JsonStream::Skip() { return ScanValue(nullptr); }

}  // namespace qun::connectors
