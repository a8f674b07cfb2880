// Parsing an ingest request body: canonical NDJSON, one event per line
// (docs/formats/events.md), as POST /v1/events receives it.
//
// Strict mode (skip_invalid = false) stops at the first bad line and returns
// InvalidArgument "line N: <reason>" with the line number in `error_line`;
// nothing of the request is to be stored. Lenient mode collects up to
// kMaxReportedRejects {line, error} entries and counts every reject.
// Blank lines are ignored; a trailing "\r" is dropped.
//
// Thread-safety: pure (one EventParser per call).
#ifndef QUN_SERVER_NDJSON_BODY_H_
#define QUN_SERVER_NDJSON_BODY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "qun/event.h"
#include "qun/status.h"

namespace qun::server {

constexpr size_t kMaxReportedRejects = 100;

struct RejectedLine {
  uint64_t line = 0;
  std::string error;
};

struct ParsedBody {
  std::vector<Event> events;
  uint64_t rejected = 0;
  std::vector<RejectedLine> rejects;  // the first kMaxReportedRejects
  uint64_t error_line = 0;            // strict mode: the failing line
};

// `max_events` bounds the events of one request (ResourceExhausted past it).
Result<ParsedBody> ParseNdjsonBody(std::string_view body, bool skip_invalid, size_t max_events,
                                   ParsedBody* partial = nullptr);

}  // namespace qun::server

#endif  // QUN_SERVER_NDJSON_BODY_H_
