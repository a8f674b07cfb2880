// WhatsApp "export chat" text in every common date/time locale.
// docs/formats/whatsapp.md is the mapping.
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "common/strings.h"
#include "connectors/common/input.h"
#include "connectors/common/util.h"
#include "connectors/connector.h"
#include "core/model/event_json.h"

namespace qun::connectors {
namespace {

struct Header {
  int n[3] = {0, 0, 0};
  int len0 = 0;             // digits of the first date number (4 = year first)
  int hour = 0, minute = 0, second = 0;
  int ampm = -1;            // -1 none, 0 am, 1 pm
  size_t rest = 0;          // where "Name: text" or the system text starts
};

bool Digit(char c) { return c >= '0' && c <= '9'; }

// Skips spaces, NBSP (C2 A0) and narrow NBSP (E2 80 AF).
size_t SkipBlanks(std::string_view s, size_t i) {
  for (;;) {
    if (i < s.size() && s[i] == ' ') ++i;
    else if (s.substr(i, 2) == "\xC2\xA0") i += 2;
    else if (s.substr(i, 3) == "\xE2\x80\xAF") i += 3;
    else return i;
  }
}

size_t ReadNum(std::string_view s, size_t i, int max_digits, int* v, int* len) {
  int k = 0, x = 0;
  while (i < s.size() && Digit(s[i]) && k < max_digits) {
    x = x * 10 + (s[i] - '0');
    ++i;
    ++k;
  }
  *v = x;
  *len = k;
  return i;
}

std::optional<Header> ParseHeader(std::string_view s) {
  Header h;
  size_t i = 0;
  if (StartsWith(s, "\xE2\x80\x8E")) i = 3;  // left-to-right mark (iOS)
  bool bracket = i < s.size() && s[i] == '[';
  if (bracket) ++i;
  int len;
  i = ReadNum(s, i, 4, &h.n[0], &h.len0);
  if (h.len0 == 0 || i >= s.size()) return std::nullopt;
  char sep = s[i];
  if (sep != '/' && sep != '.' && sep != '-') return std::nullopt;
  i = ReadNum(s, i + 1, 2, &h.n[1], &len);
  if (len == 0 || i >= s.size() || s[i] != sep) return std::nullopt;
  i = ReadNum(s, i + 1, 4, &h.n[2], &len);
  if (len != 2 && len != 4 && !(h.len0 == 4 && len >= 1)) return std::nullopt;
  if (i < s.size() && s[i] == '.') ++i;  // "31.12.20." style
  if (i < s.size() && s[i] == ',') ++i;
  size_t j = SkipBlanks(s, i);
  if (j == i) {
    if (i == 0 || s[i - 1] != ',') return std::nullopt;
  }
  i = j;
  i = ReadNum(s, i, 2, &h.hour, &len);
  if (len == 0 || i >= s.size() || s[i] != ':') return std::nullopt;
  i = ReadNum(s, i + 1, 2, &h.minute, &len);
  if (len != 2) return std::nullopt;
  if (i < s.size() && s[i] == ':') {
    i = ReadNum(s, i + 1, 2, &h.second, &len);
    if (len != 2) return std::nullopt;
  }
  size_t k = SkipBlanks(s, i);
  if (k < s.size() && (s[k] == 'a' || s[k] == 'A' || s[k] == 'p' || s[k] == 'P')) {
    size_t m = k + 1;
    if (m < s.size() && s[m] == '.') ++m;
    m = SkipBlanks(s, m);
    if (m < s.size() && (s[m] == 'm' || s[m] == 'M')) {
      h.ampm = (s[k] == 'p' || s[k] == 'P') ? 1 : 0;
      ++m;
      if (m < s.size() && s[m] == '.') ++m;
      i = m;
    }
  }
  if (h.hour > 23 || h.minute > 59 || h.second > 59 || (h.ampm >= 0 && h.hour > 12)) return std::nullopt;
  if (bracket) {
    i = SkipBlanks(s, i);
    if (i >= s.size() || s[i] != ']') return std::nullopt;
    i = SkipBlanks(s, i + 1);
  } else {
    i = SkipBlanks(s, i);
    if (s.substr(i, 1) == "-") i += 1;
    else if (s.substr(i, 3) == "\xE2\x80\x93") i += 3;  // en dash
    else return std::nullopt;
    if (i < s.size() && s[i] != ' ') return std::nullopt;
    i = SkipBlanks(s, i);
  }
  h.rest = i;
  return h;
}

// Removes bidi marks WhatsApp puts around names and phone numbers.
std::string StripMarks(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s.size() - i >= 3 && s[i] == '\xE2' &&
        ((s[i + 1] == '\x80' && (s[i + 2] == '\x8E' || s[i + 2] == '\x8F' || (s[i + 2] >= '\xAA' && s[i + 2] <= '\xAE'))) ||
         (s[i + 1] == '\x81' && s[i + 2] >= '\xA6' && s[i + 2] <= '\xA9'))) {
      i += 3;
      continue;
    }
    out.push_back(s[i++]);
  }
  return std::string(TrimWhitespace(out));
}

// "+12 345 578" -> "+12345578"; names are kept as written.
std::string NormalizeActor(std::string_view raw) {
  std::string s = StripMarks(raw);
  if (s.size() > 1 && s[0] == '+') {
    std::string digits = "+";
    for (size_t i = 1; i < s.size(); ++i) {
      char c = s[i];
      if (Digit(c)) digits.push_back(c);
      else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '\xC2' && c != '\xA0') return s;
    }
    return digits;
  }
  return s;
}

bool LooksSystem(std::string_view name) {
  static const char* const kPhrases[] = {" added ",   " removed ", " left",     " joined ",  " created group",
                                         " changed ", " was ",     " were ",    " deleted ", "end-to-end",
                                         " invite ",  " reset ",   " turned ",  " pinned "};
  if (name.size() > 80 || name.find('"') != std::string_view::npos) return true;
  for (const char* p : kPhrases)
    if (name.find(p) != std::string_view::npos) return true;
  return false;
}

std::vector<std::string> SplitNames(std::string_view list) {
  std::vector<std::string> out;
  std::string s;
  for (size_t at; (at = list.find(" and ")) != std::string_view::npos; list.remove_prefix(at + 5)) {
    s.append(list.substr(0, at));
    s += ", ";
  }
  s.append(list);
  for (std::string_view part : SplitString(s, ',')) {
    std::string n = NormalizeActor(part);
    if (!n.empty()) out.push_back(n);
  }
  return out;
}

class WhatsAppReader {
 public:
  WhatsAppReader(const std::string& path, const ImportOptions& opt, EventSink& sink)
      : path_(path), opt_(opt), sink_(sink) {
    community_ = opt.community;
    if (community_.empty()) {
      std::string base(BaseName(path));
      for (const char* prefix : {"WhatsApp Chat with ", "WhatsApp Chat - ", "Chat de WhatsApp con ", "WhatsApp-Chat mit "}) {
        if (StartsWith(base, prefix)) {
          base = base.substr(std::string_view(prefix).size());
          if (EndsWith(base, ".txt")) base.resize(base.size() - 4);
          community_ = RepairUtf8(base);
        }
      }
      if (community_.empty()) community_ = CommunityFromPath(path);
    }
  }

  Status Run() {
    if (opt_.date_order.empty()) {
      QUN_ASSIGN_OR_RETURN(order_, DetectOrder());
    } else if (opt_.date_order == "dmy" || opt_.date_order == "mdy" || opt_.date_order == "ymd") {
      order_ = opt_.date_order;
    } else {
      return InvalidArgument(fmt::format("--date-order '{}' is not one of dmy, mdy, ymd", opt_.date_order));
    }
    QUN_ASSIGN_OR_RETURN(auto src, FileSource::Open(path_));
    LineReader lines(*src);
    std::string_view line;
    for (;;) {
      QUN_ASSIGN_OR_RETURN(bool more, lines.Next(&line));
      if (!more) break;
      if (lines.line_no() == 1 && StartsWith(line, "\xEF\xBB\xBF")) line.remove_prefix(3);
      auto h = ParseHeader(line);
      if (h) {
        auto ts = Time(*h);
        if (ts) {
          QUN_RETURN_IF_ERROR(Flush());
          pending_ = true;
          p_ts_ = *ts;
          p_where_ = SourceLocation{path_, lines.line_no(), lines.line_offset(), ""};
          p_rest_.assign(line.substr(h->rest));
          continue;
        }
      }
      if (!pending_) {
        QUN_RETURN_IF_ERROR(RejectRecord(sink_, SourceLocation{path_, lines.line_no(), lines.line_offset(), ""},
                                         h ? "no such date in this date order" : "not a message line (expected a date and time)", line));
        continue;
      }
      // A continuation line of a multi-line message.
      if (p_rest_.size() < kMaxTextBytes) {
        p_rest_.push_back('\n');
        p_rest_.append(line);
      }
      sink_.Progress(lines.bytes_read());
    }
    return Flush();
  }

 private:
  Result<std::string> DetectOrder() {
    QUN_ASSIGN_OR_RETURN(auto src, FileSource::Open(path_));
    LineReader lines(*src);
    std::string_view line;
    int dmy = 0, mdy = 0, ymd = 0, ampm = 0;
    for (;;) {
      QUN_ASSIGN_OR_RETURN(bool more, lines.Next(&line));
      if (!more) break;
      auto h = ParseHeader(line);
      if (!h) continue;
      if (h->len0 == 4) ++ymd;
      else if (h->n[0] > 12 && h->n[1] <= 12) ++dmy;
      else if (h->n[1] > 12 && h->n[0] <= 12) ++mdy;
      if (h->ampm >= 0) ++ampm;
    }
    if (ymd > 0 && dmy == 0 && mdy == 0) return std::string("ymd");
    if (dmy > mdy) return std::string("dmy");
    if (mdy > dmy) return std::string("mdy");
    // No day above 12 anywhere: 12-hour clocks are mostly US (m/d), others d/m.
    return std::string(ampm > 0 ? "mdy" : "dmy");
  }

  std::optional<int64_t> Time(const Header& h) const {
    int y, m, d;
    if (h.len0 == 4) {
      y = h.n[0];
      m = h.n[1];
      d = h.n[2];
    } else {
      y = h.n[2] < 100 ? 2000 + h.n[2] : h.n[2];
      if (order_ == "mdy") {
        m = h.n[0];
        d = h.n[1];
      } else {
        d = h.n[0];
        m = h.n[1];
      }
    }
    if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
    int32_t days = DaysFromCivil(y, m, d);
    CivilDate back = CivilFromDays(days);
    if (back.day != d || back.month != m) return std::nullopt;
    int hour = h.hour;
    if (h.ampm == 0 && hour == 12) hour = 0;
    if (h.ampm == 1 && hour < 12) hour += 12;
    int64_t local = days * kMsPerDay + hour * kMsPerHour + h.minute * kMsPerMinute + h.second * kMsPerSecond;
    return LocalToUtc(opt_.tz, local);
  }

  Event Base(EventType t, std::string id, std::string actor) {
    Event e;
    e.type = t;
    e.id = std::move(id);
    e.ts_ms = p_ts_;
    e.platform = Platform::kWhatsapp;
    e.community = community_;
    e.actor = std::move(actor);
    return e;
  }

  Status Flush() {
    if (!pending_) return Status::Ok();
    pending_ = false;
    std::string rest = RepairUtf8(p_rest_);
    size_t colon = rest.find(": ");
    size_t cut = colon != std::string::npos ? colon : rest.find(':');
    if (cut != std::string::npos && cut > 0 && !LooksSystem(std::string_view(rest).substr(0, cut)))
      return Message(NormalizeActor(std::string_view(rest).substr(0, cut)),
                     std::string_view(rest).substr(cut + (colon != std::string::npos ? 2 : 1)));
    return System(StripMarks(rest));
  }

  Status Message(std::string actor, std::string_view body) {
    if (actor.empty()) return RejectRecord(sink_, p_where_, "message without an author", p_rest_);
    std::string text = StripMarks(body);
    std::string kind = "text";
    static const std::pair<const char*, const char*> kPlaceholders[] = {
        {"<Media omitted>", "media"},      {"<Médias omis>", "media"},         {"<Medien ausgeschlossen>", "media"},
        {"image omitted", "image"},        {"video omitted", "video"},         {"audio omitted", "audio"},
        {"sticker omitted", "sticker"},    {"GIF omitted", "animation"},       {"document omitted", "file"},
        {"Contact card omitted", "contact"}, {"This message was deleted", "deleted"}, {"You deleted this message", "deleted"}};
    for (const auto& [text_of, k] : kPlaceholders) {
      if (text == text_of || (std::string_view(k) == "file" && EndsWith(text, text_of))) {
        kind = k;
        text.clear();
        break;
      }
    }
    if (kind == "text" && ((StartsWith(text, "<attached: ") && EndsWith(text, ">")) || EndsWith(text, "(file attached)"))) {
      kind = "media";
    }
    if (text.size() > kMaxTextBytes) {
      size_t n = kMaxTextBytes;
      while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
      text.resize(n);
    }
    std::string hex = ids_.Next(p_ts_, actor + "\n" + text + "\n" + kind);
    Event e = Base(EventType::kMessagePosted, fmt::format("wa:{}:{}", community_, hex), actor);
    e.message_id = hex;
    e.kind = kind;
    // "@491701234567" mentions a phone number.
    for (size_t at = text.find('@'); at != std::string::npos; at = text.find('@', at + 1)) {
      size_t k = at + 1;
      while (k < text.size() && Digit(text[k])) ++k;
      if (k - at - 1 >= 6) {
        std::string who = "+";
        who.append(text, at + 1, k - at - 1);
        if (std::find(e.mentions.begin(), e.mentions.end(), who) == e.mentions.end()) e.mentions.push_back(who);
      }
    }
    e.text = std::move(text);
    return Emit(sink_, std::move(e), p_where_);
  }

  Status System(const std::string& s) {
    std::string base = fmt::format("wa:{}:{}", community_, ids_.Next(p_ts_, "\x01" + s));
    auto joined = [&](const std::string& who, const std::string& inviter, std::string_view channel, int k) {
      Event e = Base(EventType::kMemberJoined, fmt::format("{}:j{}", base, k), who);
      if (inviter != who) e.inviter = inviter;
      e.channel = std::string(channel);
      return Emit(sink_, std::move(e), p_where_);
    };
    auto left = [&](const std::string& who, std::string_view reason, int k) {
      Event e = Base(EventType::kMemberLeft, fmt::format("{}:l{}", base, k), who);
      e.reason = std::string(reason);
      return Emit(sink_, std::move(e), p_where_);
    };
    size_t at;
    if ((at = s.find(" created group ")) != std::string::npos) return joined(NormalizeActor(s.substr(0, at)), "", "", 0);
    if (EndsWith(s, " joined using this group's invite link"))
      return joined(NormalizeActor(s.substr(0, s.size() - 38)), "", "invite_link", 0);
    if (EndsWith(s, " joined from the community")) return joined(NormalizeActor(s.substr(0, s.size() - 26)), "", "community", 0);
    if (EndsWith(s, " joined")) return joined(NormalizeActor(s.substr(0, s.size() - 7)), "", "", 0);
    if (s == "You were added") return joined("You", "", "", 0);
    if ((at = s.find(" added ")) != std::string::npos) {
      std::string by = NormalizeActor(s.substr(0, at));
      int k = 0;
      for (std::string who : SplitNames(s.substr(at + 7))) {
        if (who == "you") who = "You";
        QUN_RETURN_IF_ERROR(joined(who, by, "", k++));
      }
      return Status::Ok();
    }
    if ((at = s.find(" removed ")) != std::string::npos) {
      int k = 0;
      for (std::string who : SplitNames(s.substr(at + 9))) {
        if (who == "you") who = "You";
        QUN_RETURN_IF_ERROR(left(who, "removed", k++));
      }
      return Status::Ok();
    }
    if (EndsWith(s, " left")) return left(NormalizeActor(s.substr(0, s.size() - 5)), "left", 0);
    return Status::Ok();  // subject/icon/security-code notices: not member activity (documented)
  }

  std::string path_;
  const ImportOptions& opt_;
  EventSink& sink_;
  std::string community_;
  std::string order_;
  ContentIds ids_;
  bool pending_ = false;
  int64_t p_ts_ = 0;
  SourceLocation p_where_;
  std::string p_rest_;
};

class WhatsAppConnector : public Connector {
 public:
  std::string_view name() const override { return "whatsapp"; }
  int Detect(std::string_view path, std::string_view head) const override {
    int hits = 0, lines = 0;
    for (std::string_view line : SplitString(head.substr(0, 16 << 10), '\n')) {
      if (line.empty()) continue;
      if (++lines > 20) break;
      if (lines == 1 && StartsWith(line, "\xEF\xBB\xBF")) line.remove_prefix(3);
      if (auto h = ParseHeader(line)) hits += line.find(':', h->rest) != std::string_view::npos || h->rest < line.size();
    }
    if (hits == 0) return 0;
    int score = hits * 2 >= lines ? 80 : 40;
    if (BaseName(path).find("WhatsApp") != std::string_view::npos) score += 15;
    return score;
  }
  Status Read(const std::string& path, const ImportOptions& options, EventSink& sink) const override {
    WhatsAppReader r(path, options, sink);
    return r.Run();
  }
};

QUN_REGISTER_CONNECTOR(WhatsAppConnector);

}  // namespace
}  // namespace qun::connectors
