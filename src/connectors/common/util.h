// Helpers every connector uses: emitting validated events, display names as
// profile.updated events, text repair, local-time conversion, ids and
// community names derived from paths.
//
// Thread-safety: functions are pure; a NameTracker belongs to one Read.
#ifndef QUN_CONNECTORS_COMMON_UTIL_H_
#define QUN_CONNECTORS_COMMON_UTIL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "connectors/connector.h"
#include "qun/event.h"
#include "qun/status.h"

namespace qun::connectors {

// Validates `e` (ValidateEvent) and hands it to the sink; an invalid event
// goes to sink.Reject instead, so a connector never emits an invalid event.
Status Emit(EventSink& sink, Event&& e, const SourceLocation& where);

// Reports a record that cannot be mapped: Reject with an excerpt of `raw`.
Status RejectRecord(EventSink& sink, const SourceLocation& where, const std::string& why, std::string_view raw);

// Returns `s` as valid UTF-8: already valid text is unchanged; otherwise each
// invalid byte is read as Windows-1252 (old IRC logs and mail are Latin-1).
std::string RepairUtf8(std::string_view s);

// Converts a local wall-clock time (ms since the epoch as if the zone were
// UTC) to a UTC instant in `tz`. In a DST gap the later offset is used; in
// an overlap the earlier instant.
int64_t LocalToUtc(const TimeZone& tz, int64_t local_ms);

// 16 lowercase hex digits of Hash64(s).
std::string HashHex(std::string_view s);

// Last path component ("a/b/c.txt" -> "c.txt") and its parent folder name.
std::string_view BaseName(std::string_view path);
std::string_view ParentName(std::string_view path);

// A community name from a file path: the file name without extensions and
// without a date (YYYY-MM-DD, YYYY_MM_DD, YYYY-Month, …); when nothing is
// left, the parent folder's name; "default" as a last resort.
std::string CommunityFromPath(std::string_view path);

// Finds YYYY-MM-DD (or with '_' / '.') in a file name; days since epoch.
std::optional<int32_t> DateInFileName(std::string_view name);

// Lowercases ASCII.
std::string AsciiLower(std::string_view s);

// Keeps each account's display name as profile.updated events: Observe
// returns true (and fills *out) the first time an actor is seen with a
// name, and again whenever the name changes. The event id is
// "<prefix>:name:<actor>:<hash of name>", so re-imports do not duplicate it.
class NameTracker {
 public:
  NameTracker(Platform platform, std::string prefix) : platform_(platform), prefix_(std::move(prefix)) {}
  bool Observe(std::string_view community, std::string_view actor, std::string_view name, int64_t ts_ms,
               Event* out, std::string_view username = {});

 private:
  Platform platform_;
  std::string prefix_;
  std::unordered_map<std::string, uint64_t> seen_;
};

// Ids for records that have no platform id (WhatsApp lines, IRC lines,
// Telegram messages without "id"): the hash of their content, plus "-N" for
// the N-th identical record at the same time, so two identical "ok"s in one
// minute stay two events and a re-import gives the same ids.
class ContentIds {
 public:
  std::string Next(int64_t ts_ms, std::string_view content);

 private:
  int64_t ts_ = INT64_MIN;
  std::unordered_map<uint64_t, int> counts_;
};

}  // namespace qun::connectors

#endif  // QUN_CONNECTORS_COMMON_UTIL_H_
