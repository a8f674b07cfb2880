// Canonical CSV form of events (docs/formats/events.md, "CSV"): RFC 4180,
// a header row naming canonical fields, one event per row. Used by
// `qun import --format csv` and to hand the same rows to other tools.
// Thread-safety: pure functions.
#ifndef QUN_CORE_MODEL_EVENT_CSV_H_
#define QUN_CORE_MODEL_EVENT_CSV_H_

#include <string>
#include <string_view>
#include <vector>

#include "qun/event.h"
#include "qun/status.h"

namespace qun {

// The columns AppendEventCsv writes, in order.
const std::vector<std::string_view>& CanonicalCsvColumns();
void AppendCsvHeader(std::string& out);
// One row (with trailing "\n"). mentions are space-separated; attributes and
// props are JSON object text.
void AppendEventCsv(std::string& out, const Event& e);

// Builds the canonical JSON object for a CSV row given the header names, so
// the row is validated by the same parser as NDJSON. Unknown columns become
// props. Empty cells are omitted.
Result<std::string> CsvRowToJson(const std::vector<std::string>& header, const std::vector<std::string>& row);

}  // namespace qun

#endif  // QUN_CORE_MODEL_EVENT_CSV_H_
