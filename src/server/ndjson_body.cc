#include "server/ndjson_body.h"

#include <fmt/format.h>

#include "core/model/event_json.h"

namespace qun::server {

Result<ParsedBody> ParseNdjsonBody(std::string_view body, bool skip_invalid, size_t max_events,
                                   ParsedBody* partial) {
  ParsedBody out;
  EventParser parser;
  uint64_t line_no = 0;
  size_t pos = 0;
  auto fail = [&](Status st) -> Status {
    if (partial) {
      partial->error_line = line_no;
      partial->rejected = out.rejected;
    }
    return st;
  };
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    Status st;
    if (line.size() > kMaxEventLineBytes) {
      st = InvalidArgument(fmt::format("line is {} bytes, over the {}-byte limit", line.size(), kMaxEventLineBytes));
    } else {
      auto e = parser.Parse(line);
      if (e.ok()) {
        if (out.events.size() >= max_events)
          return fail(ResourceExhausted(
              fmt::format("line {}: more than {} events in one request; split the batch", line_no, max_events)));
        out.events.push_back(std::move(e).value());
        continue;
      }
      st = e.status();
    }
    if (!skip_invalid) return fail(Status(st.code(), fmt::format("line {}: {}", line_no, st.message())));
    ++out.rejected;
    if (out.rejects.size() < kMaxReportedRejects) out.rejects.push_back({line_no, st.message()});
  }
  return out;
}

}  // namespace qun::server
