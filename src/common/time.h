// Time values in qun: UTC milliseconds since the Unix epoch (int64), civil
// dates as days since 1970-01-01 (int32), and time zones (ICU's tz data) that
// map an instant to the local day and hour used by every day-based metric.
// Thread-safety: functions are pure; a TimeZone is immutable after Load and
// may be shared between threads.
#ifndef QUN_COMMON_TIME_H_
#define QUN_COMMON_TIME_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "qun/status.h"

namespace qun {

constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kMsPerMinute = 60 * kMsPerSecond;
constexpr int64_t kMsPerHour = 60 * kMsPerMinute;
constexpr int64_t kMsPerDay = 24 * kMsPerHour;

// Accepted event time range: 2000-01-01T00:00:00Z .. 2100-01-01T00:00:00Z.
constexpr int64_t kMinEventTimeMs = 946684800000LL;
constexpr int64_t kMaxEventTimeMs = 4102444800000LL;

struct CivilDate {
  int year;
  int month;  // 1..12
  int day;    // 1..31
};

int32_t DaysFromCivil(int year, int month, int day);
CivilDate CivilFromDays(int32_t days);
// 0 = Monday … 6 = Sunday (ISO).
int WeekdayFromDays(int32_t days);
// Floor division that rounds toward negative infinity.
inline int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Parses "YYYY-MM-DD" into days since the epoch.
Result<int32_t> ParseDate(std::string_view s);
std::string FormatDate(int32_t days);
// ISO week label of a day, "2026-W47".
std::string FormatIsoWeek(int32_t days);
// Parses "YYYY-Www" to the Monday of that ISO week.
Result<int32_t> ParseIsoWeek(std::string_view s);

// Parses RFC 3339 ("2026-11-22T13:42:00Z", "…+08:00", fractional seconds
// allowed, 'T' or ' ' separator) into UTC ms.
Result<int64_t> ParseRfc3339(std::string_view s);
// "2026-11-22T13:42:00.123Z" (milliseconds shown only when non-zero).
std::string FormatRfc3339(int64_t ms);

// A named IANA time zone ("UTC", "Asia/Shanghai", "America/New_York").
class TimeZone {
 public:
  // Returns InvalidArgument for an unknown zone name.
  static Result<TimeZone> Load(std::string_view name);
  static TimeZone Utc();

  const std::string& name() const { return name_; }
  // Offset from UTC in ms at the instant `utc_ms`.
  int64_t OffsetMs(int64_t utc_ms) const;
  int64_t ToLocalMs(int64_t utc_ms) const { return utc_ms + OffsetMs(utc_ms); }
  // The local calendar day (days since 1970-01-01) of an instant.
  int32_t LocalDay(int64_t utc_ms) const {
    return static_cast<int32_t>(FloorDiv(ToLocalMs(utc_ms), kMsPerDay));
  }
  // Local hour 0..23 of an instant.
  int LocalHour(int64_t utc_ms) const {
    return static_cast<int>(FloorDiv(ToLocalMs(utc_ms), kMsPerHour) - FloorDiv(ToLocalMs(utc_ms), kMsPerDay) * 24);
  }
  // The UTC instant at which local day `day` starts (00:00 local, or the
  // first instant of that day when a DST gap swallows midnight).
  int64_t StartOfLocalDay(int32_t day) const;

 private:
  struct Transition {
    int64_t utc_ms;     // from this instant on …
    int64_t offset_ms;  // … this offset applies
  };
  std::string name_;
  int64_t base_offset_ms_ = 0;  // before the first transition
  std::shared_ptr<const std::vector<Transition>> transitions_;
};

}  // namespace qun

#endif  // QUN_COMMON_TIME_H_
