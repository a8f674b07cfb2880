// IRC channel logs: "[HH:MM] <nick> text" day files (date from the file
// name), irssi logs, the "=== " system lines of old X-Chat/ubuntu logs, and
// Supybot/Limnoria logs with a full timestamp per line.
// docs/formats/irc.md is the mapping.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <unordered_set>

#include "common/strings.h"
#include "connectors/common/input.h"
#include "connectors/common/util.h"
#include "connectors/connector.h"

namespace qun::connectors {
namespace {

bool Digit(char c) { return c >= '0' && c <= '9'; }

int Num(std::string_view s, size_t i, size_t n) {
  int v = 0;
  for (size_t k = 0; k < n; ++k) {
    if (i + k >= s.size() || !Digit(s[i + k])) return -1;
    v = v * 10 + (s[i + k] - '0');
  }
  return v;
}

// "HH:MM" or "HH:MM:SS" at s[0]; returns ms into the day and sets *len.
std::optional<int64_t> ClockAt(std::string_view s, size_t* len) {
  int h = Num(s, 0, 2), m = s.size() > 2 && s[2] == ':' ? Num(s, 3, 2) : -1;
  if (h < 0 || m < 0 || h > 23 || m > 59) return std::nullopt;
  int sec = 0;
  *len = 5;
  if (s.size() >= 8 && s[5] == ':') {
    sec = Num(s, 6, 2);
    if (sec < 0 || sec > 60) return std::nullopt;
    *len = 8;
  }
  return h * kMsPerHour + m * kMsPerMinute + std::min(sec, 59) * kMsPerSecond;
}

// Supybot "2012-10-17T09:16:21+0000" (also "Z" or "+00:00") at s[0].
std::optional<int64_t> FullTimeAt(std::string_view s, size_t* len) {
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ')) return std::nullopt;
  size_t end = s.find_first_of(" \t", 11);
  if (end == std::string_view::npos) end = s.size();
  std::string t(s.substr(0, end));
  if (t.size() == 24 && (t[19] == '+' || t[19] == '-')) {
    std::string_view st(t);
    t = std::string(st.substr(0, 22)) + ":" + std::string(st.substr(22));  // +0000 -> +00:00
  }
  auto r = ParseRfc3339(t);
  if (!r.ok()) return std::nullopt;
  *len = end;
  return *r;
}

std::string_view StripNickPrefix(std::string_view n) {
  while (!n.empty() && (n[0] == '@' || n[0] == '+' || n[0] == '%' || n[0] == '~' || n[0] == '&')) n.remove_prefix(1);
  return n;
}

// "nick [user@host]  has joined" -> "nick"; the first word.
std::string_view FirstWord(std::string_view s) {
  size_t sp = s.find(' ');
  return sp == std::string_view::npos ? s : s.substr(0, sp);
}

const char* const kMonthAbbr[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// "Sat Dec 25 09:00:00 2004" or "Mon Dec 26 2004": the date, if any.
std::optional<int32_t> IrssiDate(std::string_view s) {
  std::vector<std::string_view> w;
  for (std::string_view x : SplitString(s, ' '))
    if (!x.empty()) w.push_back(x);
  if (w.size() < 4) return std::nullopt;
  int month = 0;
  for (int i = 0; i < 12; ++i)
    if (w[1] == kMonthAbbr[i]) month = i + 1;
  int day = Num(w[2], 0, w[2].size());
  std::string_view ys = w.back();
  int year = Num(ys, 0, ys.size());
  if (!month || day < 1 || day > 31 || year < 1970 || year > 2100) return std::nullopt;
  return DaysFromCivil(year, month, day);
}

class IrcReader {
 public:
  IrcReader(const ImportOptions& opt, EventSink& sink) : opt_(opt), sink_(sink) {}

  Status ReadFile(const std::string& path, const std::string& community) {
    community_ = community;
    auto d = DateInFileName(BaseName(path));
    day_ = d ? std::optional<int64_t>(*d * kMsPerDay) : std::nullopt;
    last_ts_ = std::nullopt;
    last_clock_ = -1;
    QUN_ASSIGN_OR_RETURN(auto src, FileSource::Open(path));
    LineReader lines(*src);
    std::string_view raw;
    for (;;) {
      QUN_ASSIGN_OR_RETURN(bool more, lines.Next(&raw));
      if (!more) return Status::Ok();
      where_ = SourceLocation{path, lines.line_no(), lines.line_offset(), ""};
      std::string line = RepairUtf8(raw);
      QUN_RETURN_IF_ERROR(MapLine(line));
      if ((lines.line_no() & 1023) == 0) sink_.Progress(lines.bytes_read());
    }
  }

 private:
  Status Reject(const std::string& why, std::string_view line) { return RejectRecord(sink_, where_, why, line); }

  Status MapLine(std::string_view line) {
    if (TrimWhitespace(line).empty()) return Status::Ok();
    size_t len = 0;
    if (auto full = FullTimeAt(line, &len)) {
      last_ts_ = *full;
      return MapBody(TrimWhitespace(line.substr(len)), line, /*supybot=*/true);
    }
    if (StartsWith(line, "--- ")) {
      // irssi: "--- Log opened Sat Dec 25 09:00:00 2004", "--- Day changed Sun Dec 26 2004"
      for (std::string_view tag : {"--- Log opened ", "--- Day changed "}) {
        if (StartsWith(line, tag)) {
          if (auto d = IrssiDate(line.substr(tag.size()))) {
            day_ = *d * kMsPerDay;
            last_clock_ = -1;
          }
        }
      }
      return Status::Ok();
    }
    if (StartsWith(line, "=== ")) return MapSystem(line.substr(4), line);
    bool bracket = line[0] == '[';
    std::string_view rest = bracket ? line.substr(1) : line;
    std::optional<int64_t> clock;
    if (bracket && rest.size() > 10 && rest[4] == '-' && FullTimeAt(rest, &len)) {
      // "[2020-01-02 10:00:00] <nick> …"
      size_t close = rest.find(']');
      if (close != std::string_view::npos) {
        std::string t(rest.substr(0, close));
        auto utc = ParseRfc3339(t.size() == 16 ? t + ":00Z" : t + "Z");
        if (utc.ok()) {
          last_ts_ = LocalToUtc(opt_.tz, *utc);
          return MapBody(TrimWhitespace(rest.substr(close + 1)), line, false);
        }
      }
    }
    clock = ClockAt(rest, &len);
    if (clock && (!bracket || (len < rest.size() && rest[len] == ']'))) {
      if (!day_) return Reject("no date: the file name has no YYYY-MM-DD and no 'Log opened' line came before", line);
      // A clock that jumps back by more than 6 hours crossed midnight.
      if (last_clock_ >= 0 && *clock + 6 * kMsPerHour < last_clock_) *day_ += kMsPerDay;
      last_clock_ = *clock;
      last_ts_ = LocalToUtc(opt_.tz, *day_ + *clock);
      return MapBody(TrimWhitespace(rest.substr(len + (bracket ? 1 : 0))), line, false);
    }
    return Reject("not an IRC log line (expected a time, '=== ' or '--- ')", line);
  }

  Event Base(EventType t, std::string_view actor, std::string_view content) {
    Event e;
    e.type = t;
    e.ts_ms = *last_ts_;
    e.platform = Platform::kIrc;
    e.community = community_;
    e.actor = std::string(StripNickPrefix(actor));
    e.id = fmt::format("irc:{}:{}", community_,
                       ids_.Next(e.ts_ms, fmt::format("{}\n{}\n{}", EventTypeName(t), e.actor, content)));
    return e;
  }

  Status Message(std::string_view nick, std::string_view text, std::string_view kind) {
    nick = StripNickPrefix(nick);
    if (nick.empty()) return Reject("message without a nick", text);
    if (TrimWhitespace(text).empty()) return Status::Ok();  // IRC cannot send empty lines: a logging artifact
    seen_.insert(std::string(nick));
    Event e = Base(EventType::kMessagePosted, nick, std::string(kind) + "\n" + std::string(text));
    e.message_id = e.id.substr(e.id.rfind(':') + 1);
    e.kind = std::string(kind);
    e.text = std::string(text);
    // "nick: …" / "nick, …" addresses a nick seen in the channel.
    size_t cut = text.find_first_of(":,");
    if (cut != std::string_view::npos && cut > 0 && cut < 40) {
      std::string to(text.substr(0, cut));
      if (to != e.actor && seen_.count(to)) e.mentions.push_back(to);
    }
    return Emit(sink_, std::move(e), where_);
  }

  Status Member(EventType t, std::string_view nick, std::string_view reason, std::string_view content) {
    if (nick.empty()) return Status::Ok();
    Event e = Base(t, nick, content);
    e.reason = std::string(reason);
    seen_.insert(e.actor);
    return Emit(sink_, std::move(e), where_);
  }

  Status Renamed(std::string_view from, std::string_view to, std::string_view content) {
    from = StripNickPrefix(from);
    to = StripNickPrefix(TrimWhitespace(to));
    if (from.empty() || to.empty() || from == to) return Status::Ok();
    Event e = Base(EventType::kIdentityLinked, from, content);
    e.linked_platform = Platform::kIrc;
    e.linked_actor = std::string(to);
    seen_.insert(std::string(to));
    return Emit(sink_, std::move(e), where_);
  }

  // System text after "*** ", "-!- " or "=== ". Returns false when not recognized.
  Result<bool> MapEventText(std::string_view s) {
    std::string_view nick = FirstWord(s);
    size_t at;
    if ((at = s.find(" is now known as ")) != std::string_view::npos) {
      QUN_RETURN_IF_ERROR(Renamed(s.substr(0, at), FirstWord(s.substr(at + 17)), s));
      return true;
    }
    if (s.find(" has joined ") != std::string_view::npos || EndsWith(s, " has joined")) {
      QUN_RETURN_IF_ERROR(Member(EventType::kMemberJoined, nick, "", s));
      return true;
    }
    if (s.find(" has left ") != std::string_view::npos || s.find(" has quit") != std::string_view::npos ||
        EndsWith(s, " has left")) {
      QUN_RETURN_IF_ERROR(Member(EventType::kMemberLeft, nick, "left", s));
      return true;
    }
    if ((at = s.find(" was kicked ")) != std::string_view::npos) {
      QUN_RETURN_IF_ERROR(Member(EventType::kMemberLeft, nick, "removed", s));
      return true;
    }
    return false;
  }

  Status MapSystem(std::string_view s, std::string_view line) {
    if (!last_ts_) {
      if (!day_) return Reject("no date: the file name has no YYYY-MM-DD", line);
      last_ts_ = LocalToUtc(opt_.tz, *day_);  // before the first timed line: start of the day
    }
    QUN_ASSIGN_OR_RETURN(bool done, MapEventText(s));
    if (done) return Status::Ok();
    // Mode changes, netsplits, topics and away notices are not member activity.
    if (StartsWith(s, "mode/") || StartsWith(s, "netjoined") || StartsWith(s, "netsplit") ||
        StartsWith(s, "Topic") || StartsWith(s, "topic") || s.find(" is away") != std::string_view::npos ||
        s.find(" is back") != std::string_view::npos || s.find(" changes topic") != std::string_view::npos)
      return Status::Ok();
    // Anything else is a /me action: "=== nick dances".
    std::string_view nick = FirstWord(s);
    return Message(nick, TrimWhitespace(s.substr(nick.size())), "action");
  }

  Status MapBody(std::string_view body, std::string_view line, bool supybot) {
    if (body.empty()) return Status::Ok();
    if (body[0] == '<') {
      size_t close = body.find('>');
      if (close == std::string_view::npos) return Reject("unterminated <nick>", line);
      return Message(body.substr(1, close - 1), TrimWhitespace(body.substr(close + 1)), "text");
    }
    if (StartsWith(body, "* ")) {
      std::string_view rest = TrimWhitespace(body.substr(2));
      std::string_view nick = FirstWord(rest);
      return Message(nick, TrimWhitespace(rest.substr(nick.size())), "action");
    }
    for (std::string_view tag : {"*** ", "-!- ", "=== "}) {
      if (StartsWith(body, tag)) {
        QUN_ASSIGN_OR_RETURN(bool done, MapEventText(body.substr(tag.size())));
        (void)done;  // topic, mode and other server notices are dropped (documented)
        return Status::Ok();
      }
    }
    if (body[0] == '-' && (body.find("- ") != std::string_view::npos || (body.size() > 2 && body.back() == '-')))
      return Status::Ok();  // -nick- notices
    return Reject(supybot ? "not a Supybot message, action or event" : "not a message, action or event", line);
  }

  const ImportOptions& opt_;
  EventSink& sink_;
  SourceLocation where_;
  std::string community_;
  std::optional<int64_t> day_;      // local midnight of the current day, as local ms
  std::optional<int64_t> last_ts_;  // UTC of the last timed line
  int64_t last_clock_ = -1;
  ContentIds ids_;
  std::unordered_set<std::string> seen_;
};

// In a folder, the files that are logs: a date in the name, or .log / .txt.
bool IsLogName(const std::string& n) {
  if (n.empty() || n[0] == '.') return false;
  return DateInFileName(n).has_value() || EndsWith(n, ".log") || EndsWith(n, ".txt");
}

class IrcConnector : public Connector {
 public:
  std::string_view name() const override { return "irc"; }
  int Detect(std::string_view path, std::string_view head) const override {
    std::error_code ec;
    if (std::filesystem::is_directory(std::string(path), ec)) {
      // A folder of day logs: "2004-12-25.txt", "#chan.2012-10-17.log".
      int dated = 0;
      for (const auto& e : std::filesystem::directory_iterator(std::string(path), ec))
        dated += e.is_regular_file() && DateInFileName(e.path().filename().string()) && IsLogName(e.path().filename().string());
      return dated > 0 ? 40 : 0;
    }
    int hits = 0, lines = 0;
    for (std::string_view line : SplitString(head.substr(0, 16 << 10), '\n')) {
      if (line.empty()) continue;
      if (++lines > 30) break;
      size_t len;
      if (FullTimeAt(line, &len)) {
        std::string_view b = TrimWhitespace(line.substr(len));
        hits += StartsWith(b, "<") || StartsWith(b, "* ") || StartsWith(b, "*** ");
      } else if (StartsWith(line, "=== ") || StartsWith(line, "--- Log opened")) {
        ++hits;
      } else if (line[0] == '[' && ClockAt(line.substr(1), &len) && line.find("] <") != std::string_view::npos) {
        ++hits;
      } else if (ClockAt(line, &len) && line.find(" <") == len) {
        ++hits;
      }
    }
    if (hits == 0) return 0;
    int score = hits * 2 >= lines ? 75 : 30;
    if (EndsWith(path, ".log")) score += 10;
    return score;
  }
  Status Read(const std::string& path, const ImportOptions& options, EventSink& sink) const override {
    namespace fs = std::filesystem;
    IrcReader r(options, sink);
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> files;
      for (const auto& e : fs::directory_iterator(path, ec))
        if (e.is_regular_file() && IsLogName(e.path().filename().string())) files.push_back(e.path().string());
      std::sort(files.begin(), files.end());
      std::string community = options.community.empty() ? CommunityFromPath(path) : options.community;
      for (const auto& f : files) QUN_RETURN_IF_ERROR(r.ReadFile(f, community));
      return Status::Ok();
    }
    return r.ReadFile(path, options.community.empty() ? CommunityFromPath(path) : options.community);
  }
};

QUN_REGISTER_CONNECTOR(IrcConnector);

}  // namespace
}  // namespace qun::connectors
