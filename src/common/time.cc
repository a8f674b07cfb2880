#include "common/time.h"

#include <unicode/basictz.h>
#include <unicode/timezone.h>
#include <unicode/tztrans.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

namespace qun {

// Howard Hinnant's civil-days algorithms (public domain formulas).
int32_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

CivilDate CivilFromDays(int32_t z) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{y + (m <= 2), static_cast<int>(m), static_cast<int>(d)};
}

int WeekdayFromDays(int32_t z) {
  // 1970-01-01 was a Thursday (ISO 3 when Monday = 0).
  return static_cast<int>(((static_cast<int64_t>(z) % 7) + 7 + 3) % 7);
}

namespace {

bool ParseDigits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return kDays[m - 1];
}

}  // namespace

Result<int32_t> ParseDate(std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !ParseDigits(s, 0, 4, y) ||
      !ParseDigits(s, 5, 2, m) || !ParseDigits(s, 8, 2, d))
    return InvalidArgument(fmt::format("'{}' is not a date of the form YYYY-MM-DD", s));
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m))
    return InvalidArgument(fmt::format("'{}' is not a calendar date", s));
  return DaysFromCivil(y, m, d);
}

std::string FormatDate(int32_t days) {
  CivilDate c = CivilFromDays(days);
  return fmt::format("{:04d}-{:02d}-{:02d}", c.year, c.month, c.day);
}

std::string FormatIsoWeek(int32_t days) {
  int32_t thursday = days - WeekdayFromDays(days) + 3;
  int year = CivilFromDays(thursday).year;
  int32_t week = (thursday - DaysFromCivil(year, 1, 1)) / 7 + 1;
  return fmt::format("{:04d}-W{:02d}", year, week);
}

Result<int32_t> ParseIsoWeek(std::string_view s) {
  int y, w;
  if (s.size() != 8 || s[4] != '-' || s[5] != 'W' || !ParseDigits(s, 0, 4, y) || !ParseDigits(s, 6, 2, w))
    return InvalidArgument(fmt::format("'{}' is not an ISO week of the form YYYY-Www", s));
  int32_t jan4 = DaysFromCivil(y, 1, 4);
  int32_t week1_monday = jan4 - WeekdayFromDays(jan4);
  int32_t monday = week1_monday + (w - 1) * 7;
  if (w < 1 || w > 53 || FormatIsoWeek(monday) != s)
    return InvalidArgument(fmt::format("'{}': year {} has no week {}", s, y, w));
  return monday;
}

Result<int64_t> ParseRfc3339(std::string_view s) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument(fmt::format("'{}' is not an RFC 3339 time: {}", s.substr(0, 64), why));
  };
  int y, mo, d, h, mi, sec;
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':')
    return bad("expected YYYY-MM-DDTHH:MM:SS");
  if (!ParseDigits(s, 0, 4, y) || !ParseDigits(s, 5, 2, mo) || !ParseDigits(s, 8, 2, d) ||
      !ParseDigits(s, 11, 2, h) || !ParseDigits(s, 14, 2, mi) || !ParseDigits(s, 17, 2, sec))
    return bad("non-digit in date or time");
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return bad("no such calendar date");
  if (h > 23 || mi > 59 || sec > 60) return bad("no such time of day");
  if (sec == 60) sec = 59;  // leap second: clamp
  size_t pos = 19;
  int64_t frac_ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac_ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad("empty fraction");
  }
  int64_t offset_ms = 0;
  if (pos >= s.size()) return bad("missing time zone offset (Z or ±HH:MM)");
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!ParseDigits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !ParseDigits(s, pos + 4, 2, om) || oh > 23 || om > 59)
      return bad("bad offset, expected ±HH:MM");
    offset_ms = (oh * 60 + om) * kMsPerMinute * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad("bad time zone offset");
  }
  if (pos != s.size()) return bad("trailing characters");
  int64_t days = DaysFromCivil(y, mo, d);
  return days * kMsPerDay + h * kMsPerHour + mi * kMsPerMinute + sec * kMsPerSecond + frac_ms - offset_ms;
}

std::string FormatRfc3339(int64_t ms) {
  int64_t days = FloorDiv(ms, kMsPerDay);
  int64_t rem = ms - days * kMsPerDay;
  CivilDate c = CivilFromDays(static_cast<int32_t>(days));
  int h = static_cast<int>(rem / kMsPerHour), mi = static_cast<int>(rem / kMsPerMinute % 60),
      s = static_cast<int>(rem / 1000 % 60), f = static_cast<int>(rem % 1000);
  if (f) return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", c.year, c.month, c.day, h, mi, s, f);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", c.year, c.month, c.day, h, mi, s);
}

TimeZone TimeZone::Utc() {
  TimeZone tz;
  tz.name_ = "UTC";
  tz.transitions_ = std::make_shared<std::vector<Transition>>();
  return tz;
}

Result<TimeZone> TimeZone::Load(std::string_view name) {
  if (name == "UTC" || name == "Etc/UTC" || name == "Z") return Utc();
  icu::UnicodeString uname = icu::UnicodeString::fromUTF8(icu::StringPiece(name.data(), static_cast<int32_t>(name.size())));
  std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(uname));
  icu::UnicodeString id;
  zone->getID(id);
  if (id == icu::UnicodeString("Etc/Unknown"))
    return InvalidArgument(fmt::format("unknown time zone '{}' (expected an IANA name such as Asia/Shanghai)", name));
  TimeZone tz;
  tz.name_ = std::string(name);
  auto transitions = std::make_shared<std::vector<Transition>>();
  auto* basic = dynamic_cast<icu::BasicTimeZone*>(zone.get());
  UErrorCode err = U_ZERO_ERROR;
  int32_t raw = 0, dst = 0;
  // Offsets are precomputed as a transition table for 1990..2110 so lookups
  // are a binary search, not an ICU call per event.
  const double start = 631152000000.0;  // 1990-01-01
  const double end = 4417977600000.0;   // 2110-01-01
  zone->getOffset(start, false, raw, dst, err);
  tz.base_offset_ms_ = static_cast<int64_t>(raw) + dst;
  if (basic != nullptr) {
    icu::TimeZoneTransition tr;
    double t = start;
    while (basic->getNextTransition(t, false, tr) && tr.getTime() < end) {
      t = tr.getTime();
      const icu::TimeZoneRule* to = tr.getTo();
      transitions->push_back(Transition{static_cast<int64_t>(t),
                                        static_cast<int64_t>(to->getRawOffset()) + to->getDSTSavings()});
    }
  }
  if (U_FAILURE(err)) return InvalidArgument(fmt::format("time zone '{}': ICU error {}", name, static_cast<int>(err)));
  tz.transitions_ = std::move(transitions);
  return tz;
}

int64_t TimeZone::OffsetMs(int64_t utc_ms) const {
  const auto& t = *transitions_;
  if (t.empty() || utc_ms < t.front().utc_ms) return base_offset_ms_;
  auto it = std::upper_bound(t.begin(), t.end(), utc_ms,
                             [](int64_t v, const Transition& tr) { return v < tr.utc_ms; });
  return std::prev(it)->offset_ms;
}

int64_t TimeZone::StartOfLocalDay(int32_t day) const {
  int64_t local_midnight = static_cast<int64_t>(day) * kMsPerDay;
  // Try the offsets in force around that time; pick the earliest instant
  // whose local day is `day`.
  int64_t guess = local_midnight - OffsetMs(local_midnight);
  for (int i = 0; i < 3; ++i) {
    int64_t next = local_midnight - OffsetMs(guess);
    if (next == guess) break;
    guess = next;
  }
  while (LocalDay(guess) < day) guess += kMsPerHour / 2;  // midnight fell in a gap
  while (LocalDay(guess - 1) >= day) guess -= kMsPerHour / 2;
  return guess;
}

}  // namespace qun
