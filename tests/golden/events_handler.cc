// Golden handler "events": each input line is parsed as a canonical event;
// the output is its canonical JSON, or "error: <message>".
#include "core/model/event_json.h"
#include "golden.h"

namespace {

std::string RunEvents(const qun::golden::Case& c) {
  qun::EventParser parser;
  std::string out;
  size_t start = 0;
  while (start < c.input.size()) {
    size_t end = c.input.find('\n', start);
    if (end == std::string::npos) end = c.input.size();
    std::string_view line(c.input.data() + start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    auto r = parser.Parse(line);
    if (r.ok()) out += qun::EventToJson(*r);
    else out += "error: " + r.status().message();
    out += '\n';
  }
  return out;
}

}  // namespace

QUN_GOLDEN_HANDLER(events, RunEvents);
