// Canonical NDJSON codec for Events (docs/formats/events.md).
//
// EventParser turns one JSON object (one NDJSON line) into a validated Event
// or an InvalidArgument whose message names the field and the reason; callers
// prefix file and line. AppendEventJson writes the canonical form: fixed key
// order, empty fields omitted, so the same Event always gives the same bytes.
//
// Thread-safety: an EventParser holds a reusable buffer; use one per thread.
#ifndef QUN_CORE_MODEL_EVENT_JSON_H_
#define QUN_CORE_MODEL_EVENT_JSON_H_

#include <memory>
#include <string>
#include <string_view>

#include "qun/event.h"
#include "qun/status.h"

namespace qun {

// Limits that make hostile input cheap to reject (documented in events.md).
constexpr size_t kMaxEventLineBytes = 2 << 20;   // one NDJSON line
constexpr size_t kMaxTextBytes = 1 << 20;        // message text
constexpr size_t kMaxIdBytes = 512;              // ids, names, short strings
constexpr size_t kMaxMentions = 1000;
constexpr size_t kMaxAttributes = 100;
constexpr size_t kMaxPropsBytes = 64 << 10;
constexpr int64_t kMaxAmountMinor = 1'000'000'000'000LL;  // 10^10 units

class EventParser {
 public:
  EventParser();
  ~EventParser();
  EventParser(EventParser&&) noexcept;
  EventParser& operator=(EventParser&&) noexcept;

  // Parses and validates one event. `json` must be one JSON object.
  Result<Event> Parse(std::string_view json);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Checks the per-type rules of an Event built in code (connectors, gen):
// the same rules Parse applies. Returns InvalidArgument naming the field.
Status ValidateEvent(const Event& e);

// Appends the canonical JSON object (no trailing newline).
void AppendEventJson(std::string& out, const Event& e);
std::string EventToJson(const Event& e);

// Formats minor units as a decimal ("1999" -> "19.99", "5" -> "0.05").
std::string FormatAmount(int64_t minor);

}  // namespace qun

#endif  // QUN_CORE_MODEL_EVENT_JSON_H_
