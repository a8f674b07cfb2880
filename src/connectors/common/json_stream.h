// A pull reader over one large JSON document (Telegram result.json, a
// DiscordChatExporter file, a Slack day file) that never holds more than one
// value at a time: the caller walks objects and arrays key by key and element
// by element, skips what it does not need and captures the raw text of the
// values it maps (one message each), which it then parses with simdjson.
// Memory: a 64 KiB buffer plus the largest captured value.
//
// Errors are InvalidArgument whose message names the byte offset.
// Thread-safety: one JsonStream per thread.
#ifndef QUN_CONNECTORS_COMMON_JSON_STREAM_H_
#define QUN_CONNECTORS_COMMON_JSON_STREAM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "connectors/common/input.h"
#include "qun/status.h"

namespace qun::connectors {

class JsonStream {
 public:
  // Captured values larger than max_value are ResourceExhausted.
  explicit JsonStream(ByteSource& src, size_t max_value = 256 << 20);

  // The next non-space character without consuming it; 0 at end of input.
  Result<char> Peek();
  // True when only whitespace remains.
  Result<bool> AtEnd();
  // Consumes '{' / '['.
  Status BeginObject();
  Status BeginArray();
  // In an object: reads the next key (and its ':') into *key and returns
  // true, or consumes '}' and returns false.
  Result<bool> NextKey(std::string* key);
  // In an array: true when another element follows (its comma consumed), or
  // consumes ']' and returns false.
  Result<bool> NextElement();
  // Appends the raw text of the next value to *raw (cleared first).
  Status Capture(std::string* raw);
  Status Skip();
  // Byte offset of the next unread byte.
  uint64_t offset() const { return base_ + pos_; }

 private:
  Result<int> Get();  // -1 at end
  Result<int> PeekRaw();
  Status SkipSpace();
  Status ScanValue(std::string* raw);
  Status ScanString(std::string* raw);
  Status Error(const std::string& what) const;
  ByteSource& src_;
  size_t max_value_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  uint64_t base_ = 0;
  std::vector<bool> first_;  // per open container: no element read yet
};

}  // namespace qun::connectors

#endif  // QUN_CONNECTORS_COMMON_JSON_STREAM_H_
