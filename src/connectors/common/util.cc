#include "connectors/common/util.h"

#include <fmt/format.h>

#include <cctype>

#include "common/hash.h"
#include "common/strings.h"
#include "core/model/event_json.h"

namespace qun::connectors {

Status Emit(EventSink& sink, Event&& e, const SourceLocation& where) {
  Status s = ValidateEvent(e);
  if (!s.ok()) return sink.Reject(s, where, e.id);
  return sink.Accept(std::move(e), where);
}

Status RejectRecord(EventSink& sink, const SourceLocation& where, const std::string& why, std::string_view raw) {
  return sink.Reject(InvalidArgument(why), where, Excerpt(RepairUtf8(raw.substr(0, 256)), 80));
}

namespace {
// Windows-1252 0x80..0x9F; other bytes map to U+00xx (Latin-1).
const uint16_t kCp1252[32] = {0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                              0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,   0x017D, 0x8F,
                              0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                              0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};
void AppendCodePoint(std::string& out, uint32_t cp) {
  if (cp < 0x80) out.push_back(static_cast<char>(cp));
  else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}
}  // namespace

std::string RepairUtf8(std::string_view s) {
  auto bad = FindInvalidUtf8(s);
  if (!bad) return std::string(s);
  std::string out;
  out.reserve(s.size() + 16);
  while (bad) {
    out.append(s.data(), *bad);
    unsigned char c = static_cast<unsigned char>(s[*bad]);
    AppendCodePoint(out, c >= 0x80 && c < 0xA0 ? kCp1252[c - 0x80] : c);
    s.remove_prefix(*bad + 1);
    bad = FindInvalidUtf8(s);
  }
  out.append(s);
  return out;
}

int64_t LocalToUtc(const TimeZone& tz, int64_t local_ms) {
  int64_t guess = local_ms - tz.OffsetMs(local_ms);
  int64_t utc = local_ms - tz.OffsetMs(guess);
  // Overlap: prefer the earlier instant when both readings are valid.
  int64_t earlier = local_ms - std::max(tz.OffsetMs(guess), tz.OffsetMs(utc));
  if (tz.ToLocalMs(earlier) == local_ms) return earlier;
  return utc;
}

std::string HashHex(std::string_view s) { return fmt::format("{:016x}", Hash64(s)); }

std::string_view BaseName(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view ParentName(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  return BaseName(path.substr(0, slash));
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

namespace {
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSep(char c) { return c == '-' || c == '_' || c == '.'; }
const char* const kMonths[] = {"january", "february", "march",     "april",   "may",      "june",
                               "july",    "august",   "september", "october", "november", "december"};

// Length of a date-like token at s[i] ("2016-04-03", "2016_04", "2016-April"), 0 if none.
size_t DateTokenAt(std::string_view s, size_t i) {
  if (i + 4 > s.size() || !IsDigit(s[i]) || !IsDigit(s[i + 1]) || !IsDigit(s[i + 2]) || !IsDigit(s[i + 3])) return 0;
  if (i > 0 && IsDigit(s[i - 1])) return 0;
  size_t j = i + 4;
  if (j >= s.size() || !IsSep(s[j])) return 0;
  std::string rest = AsciiLower(s.substr(j + 1));
  for (const char* m : kMonths) {
    std::string_view mv(m);
    if (StartsWith(rest, mv)) return j + 1 + mv.size() - i;
    if (rest.size() >= 3 && rest.compare(0, 3, mv.substr(0, 3)) == 0) return j + 4 - i;
  }
  if (j + 2 < s.size() + 0 && IsDigit(s[j + 1]) && j + 2 < s.size() && IsDigit(s[j + 2])) {
    size_t k = j + 3;
    if (k + 2 < s.size() + 0 && IsSep(s[k]) && IsDigit(s[k + 1]) && IsDigit(s[k + 2])) return k + 3 - i;
    return k - i;
  }
  return 0;
}
}  // namespace

std::optional<int32_t> DateInFileName(std::string_view name) {
  for (size_t i = 0; i + 10 <= name.size(); ++i) {
    if (i > 0 && IsDigit(name[i - 1])) continue;
    std::string_view t = name.substr(i, 10);
    if (!IsDigit(t[0]) || !IsDigit(t[1]) || !IsDigit(t[2]) || !IsDigit(t[3]) || !IsSep(t[4]) || t[7] != t[4] ||
        !IsDigit(t[5]) || !IsDigit(t[6]) || !IsDigit(t[8]) || !IsDigit(t[9]))
      continue;
    int y = (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
    int m = (t[5] - '0') * 10 + (t[6] - '0');
    int d = (t[8] - '0') * 10 + (t[9] - '0');
    auto days = ParseDate(fmt::format("{:04d}-{:02d}-{:02d}", y, m, d));
    if (days.ok()) return *days;
  }
  return std::nullopt;
}

std::string CommunityFromPath(std::string_view path) {
  std::string name(BaseName(path));
  // Drop known extensions.
  for (;;) {
    size_t dot = name.rfind('.');
    if (dot == std::string::npos || dot == 0) break;
    std::string ext = AsciiLower(std::string_view(name).substr(dot + 1));
    if (ext == "txt" || ext == "log" || ext == "mbox" || ext == "json" || ext == "gz" || ext == "zip" ||
        ext == "ndjson" || ext == "jsonl" || ext == "raw" || ext == "mail")
      name.resize(dot);
    else
      break;
  }
  // Cut at the first date token; keep what precedes it.
  for (size_t i = 0; i < name.size(); ++i) {
    if (DateTokenAt(name, i) > 0) {
      name.resize(i);
      break;
    }
  }
  while (!name.empty() && (IsSep(name.back()) || name.back() == ' ')) name.pop_back();
  if (name.empty()) name = std::string(ParentName(path));
  if (name.empty() || name == "." || name == "..") name = "default";
  return RepairUtf8(name);
}

bool NameTracker::Observe(std::string_view community, std::string_view actor, std::string_view name, int64_t ts_ms,
                          Event* out, std::string_view username) {
  if (actor.empty() || name.empty()) return false;
  uint64_t h = Hash64Pair(name, username);
  auto [it, inserted] = seen_.try_emplace(std::string(actor), h);
  if (!inserted) {
    if (it->second == h) return false;
    it->second = h;
  }
  *out = Event();
  out->type = EventType::kProfileUpdated;
  out->id = fmt::format("{}:name:{}:{:016x}", prefix_, actor, h);
  out->ts_ms = ts_ms;
  out->platform = platform_;
  out->community = std::string(community);
  out->actor = std::string(actor);
  out->attributes.emplace_back("name", RepairUtf8(name));
  if (!username.empty()) out->attributes.emplace_back("username", RepairUtf8(username));
  return true;
}

std::string ContentIds::Next(int64_t ts_ms, std::string_view content) {
  if (ts_ms != ts_) {
    ts_ = ts_ms;
    counts_.clear();
  }
  uint64_t h = Hash64Pair(std::to_string(ts_ms), content);
  int n = counts_[h]++;
  return n == 0 ? fmt::format("{:016x}", h) : fmt::format("{:016x}-{}", h, n);
}

}  // namespace qun::connectors
