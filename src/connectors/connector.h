// Connectors read the files platforms give operators and emit canonical
// Events (docs/formats/<platform>.md says how each maps).
//
// A connector streams: it never needs the whole input in memory. Each event
// goes to an EventSink together with where it came from; a record that cannot
// be mapped goes to EventSink::Reject with the same location and the reason,
// and the connector goes on with the next record when it can resynchronize
// (the sink decides whether that aborts the import). Stable event ids derive
// from platform ids, so re-importing or importing an overlapping later export
// only adds what is new.
//
// Thread-safety: a Connector is stateless (Read may run on several threads
// with different sinks); a sink is used by one Read at a time.
#ifndef QUN_CONNECTORS_CONNECTOR_H_
#define QUN_CONNECTORS_CONNECTOR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "qun/event.h"
#include "qun/status.h"

namespace qun {

struct SourceLocation {
  std::string file;       // path as given by the user (or "<stdin>")
  uint64_t line = 0;      // 1-based line, 0 when not line-oriented
  uint64_t offset = 0;    // byte offset of the record's start in the file
  std::string member;     // inner file of an archive ("general/2015-01-01.json"), or ""
  std::string ToString() const;  // "file:line", "file@offset", "file[member]:line"
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Takes one event. A non-OK status stops the connector, which returns it.
  virtual Status Accept(Event&& event, const SourceLocation& where) = 0;
  // Reports a record that could not be mapped. `raw` is an excerpt of it.
  // A non-OK status (the default when not skipping invalid input) stops the
  // connector, which returns it.
  virtual Status Reject(const Status& why, const SourceLocation& where, std::string_view raw) = 0;
  // Progress: bytes of the input consumed so far (for progress bars).
  virtual void Progress(uint64_t bytes_done) {}
};

struct ImportOptions {
  std::string community;             // --community: overrides/sets the community id
  TimeZone tz = TimeZone::Utc();     // --tz: zone of local times in formats without offsets
  std::string date_order;            // --date-order for WhatsApp: "dmy", "mdy", "ymd" or "" (detect)
};

class Connector {
 public:
  virtual ~Connector() = default;
  // The --format name: "ndjson", "csv", "telegram", "slack", …
  virtual std::string_view name() const = 0;
  // How sure the connector is that `path` (with its first bytes `head`) is
  // its format: 0 = no, 100 = certain. Used by --format auto.
  virtual int Detect(std::string_view path, std::string_view head) const = 0;
  // Reads `path` ("-" = stdin where supported) and emits events to `sink`.
  virtual Status Read(const std::string& path, const ImportOptions& options, EventSink& sink) const = 0;
};

// All registered connectors, in registration order.
const std::vector<const Connector*>& Connectors();
const Connector* FindConnector(std::string_view name);
// Picks the connector with the highest Detect score; NotFound naming the
// formats tried when none is above 0.
Result<const Connector*> DetectConnector(const std::string& path);

bool RegisterConnector(std::unique_ptr<Connector> c);

}  // namespace qun

// Registers a connector instance at static-initialization time. The
// connectors library is linked whole into the binaries that use it.
#define QUN_REGISTER_CONNECTOR(cls) \
  static const bool qun_connector_registered_##cls = ::qun::RegisterConnector(std::make_unique<cls>())

#endif  // QUN_CONNECTORS_CONNECTOR_H_
