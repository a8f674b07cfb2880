// Fuzzes what an HTTP client controls on the ingest path: the NDJSON body of
// POST /v1/events (strict and skip_invalid parsing) and the request path
// matched against the real route table. Checks invariants, not just crashes:
//   * strict success => lenient gives the same events and no rejects;
//   * strict failure => it names a line, and lenient rejects at least one;
//   * lenient: events + rejected == non-blank lines;
//   * every event that parsed re-encodes and re-parses to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/model/event_json.h"
#include "server/ndjson_body.h"
#include "server/router.h"

namespace {

size_t NonBlankLines(std::string_view body) {
  size_t n = 0, pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) ++n;
    pos = end + 1;
  }
  return n;
}

void Check(bool cond) {
  if (!cond) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // First line (up to 256 bytes) doubles as a request path.
  static qun::server::Router* router = [] {
    auto* r = new qun::server::Router();
    qun::server::RegisterAllRoutes(*r);
    return r;
  }();
  std::string_view path = input.substr(0, std::min<size_t>(input.find('\n'), 256));
  for (const char* m : {"GET", "POST", "DELETE"}) {
    auto match = router->Find(m, path);
    if (match.route) Check(match.route->method == m);
  }

  constexpr size_t kMax = 1000;
  qun::server::ParsedBody partial;
  auto strict = qun::server::ParseNdjsonBody(input, false, kMax, &partial);
  auto lenient = qun::server::ParseNdjsonBody(input, true, kMax);
  if (strict.ok()) {
    Check(lenient.ok());
    Check(strict->rejected == 0 && lenient->rejected == 0);
    Check(strict->events.size() == lenient->events.size());
  } else if (strict.status().code() == qun::StatusCode::kInvalidArgument) {
    Check(partial.error_line > 0);
    Check(!lenient.ok() || lenient->rejected > 0);
  }
  if (lenient.ok()) {
    Check(lenient->events.size() + lenient->rejected == NonBlankLines(input));
    Check(lenient->rejects.size() <= qun::server::kMaxReportedRejects);
    qun::EventParser parser;
    for (const auto& e : lenient->events) {
      std::string once = qun::EventToJson(e);
      auto again = parser.Parse(once);
      Check(again.ok());
      Check(qun::EventToJson(*again) == once);
    }
  }
  return 0;
}
