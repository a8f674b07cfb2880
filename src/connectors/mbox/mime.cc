#include "connectors/mbox/mime.h"

#include <unicode/ucnv.h>

#include <cctype>
#include <cstring>

#include "common/strings.h"
#include "connectors/common/util.h"

namespace qun::connectors {

void SplitMessage(std::string_view m, MailHeaders* headers, std::string_view* body) {
  headers->clear();
  size_t pos = 0;
  while (pos < m.size()) {
    size_t nl = m.find('\n', pos);
    size_t end = nl == std::string_view::npos ? m.size() : nl;
    std::string_view line = m.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl == std::string_view::npos ? m.size() : nl + 1;
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !headers->empty()) {
      headers->back().second += ' ';
      headers->back().second += TrimWhitespace(line);
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    headers->emplace_back(AsciiLower(TrimWhitespace(line.substr(0, colon))),
                          std::string(TrimWhitespace(line.substr(colon + 1))));
  }
  *body = m.substr(std::min(pos, m.size()));
}

std::string HeaderValue(const MailHeaders& h, std::string_view name) {
  for (const auto& [k, v] : h)
    if (k == name) return v;
  return {};
}

std::string ToUtf8(std::string_view s, std::string_view charset) {
  std::string cs = AsciiLower(charset);
  if (cs.empty() || cs == "utf-8" || cs == "utf8" || cs == "us-ascii" || cs == "ascii") return RepairUtf8(s);
  if (s.empty()) return {};
  std::string out(s.size() * 4 + 16, '\0');
  UErrorCode err = U_ZERO_ERROR;
  int32_t n = ucnv_convert("UTF-8", cs.c_str(), out.data(), static_cast<int32_t>(out.size()), s.data(),
                           static_cast<int32_t>(s.size()), &err);
  if (U_FAILURE(err) || n < 0) return RepairUtf8(s);
  out.resize(static_cast<size_t>(n));
  return RepairUtf8(out);
}

std::string DecodeQuotedPrintable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 1 < s.size() && (s[i + 1] == '\n' || s[i + 1] == '\r')) {  // soft line break
      ++i;
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      continue;
    }
    if (i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
      continue;
    }
    out.push_back('=');
  }
  return out;
}

std::string DecodeBase64(std::string_view s) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+' || c == '-') v = 62;
    else if (c == '/' || c == '_') v = 63;
    else if (c == '=') break;
    else continue;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::string DecodeEncodedWords(std::string_view s) {
  std::string out;
  size_t pos = 0;
  bool last_encoded = false;
  while (pos < s.size()) {
    size_t start = s.find("=?", pos);
    if (start == std::string_view::npos) break;
    size_t q1 = s.find('?', start + 2);
    size_t q2 = q1 == std::string_view::npos ? q1 : s.find('?', q1 + 1);
    size_t end = q2 == std::string_view::npos ? q2 : s.find("?=", q2 + 1);
    if (end == std::string_view::npos || q2 != q1 + 2) {
      out += RepairUtf8(s.substr(pos, start + 2 - pos));
      pos = start + 2;
      last_encoded = false;
      continue;
    }
    std::string_view between = s.substr(pos, start - pos);
    // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
    if (!(last_encoded && TrimWhitespace(between).empty())) out += RepairUtf8(between);
    std::string charset(s.substr(start + 2, q1 - start - 2));
    if (size_t star = charset.find('*'); star != std::string::npos) charset.resize(star);  // RFC 2231 language
    char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(s[q1 + 1])));
    std::string_view payload = s.substr(q2 + 1, end - q2 - 1);
    std::string bytes;
    if (enc == 'B') {
      bytes = DecodeBase64(payload);
    } else {
      std::string p(payload);
      for (char& c : p)
        if (c == '_') c = ' ';
      bytes = DecodeQuotedPrintable(p);
    }
    out += ToUtf8(bytes, charset);
    pos = end + 2;
    last_encoded = true;
  }
  out += RepairUtf8(s.substr(std::min(pos, s.size())));
  return out;
}

std::string HeaderParam(std::string_view value, std::string_view param) {
  std::string lower = AsciiLower(value);
  std::string key = AsciiLower(param) + "=";
  size_t at = 0;
  while ((at = lower.find(key, at)) != std::string::npos) {
    if (at == 0 || lower[at - 1] == ';' || lower[at - 1] == ' ' || lower[at - 1] == '\t') break;
    at += key.size();
  }
  if (at == std::string::npos) return {};
  size_t v = at + key.size();
  if (v < value.size() && value[v] == '"') {
    size_t close = value.find('"', v + 1);
    return std::string(value.substr(v + 1, close == std::string_view::npos ? std::string_view::npos : close - v - 1));
  }
  size_t end = value.find_first_of("; \t", v);
  return std::string(value.substr(v, end == std::string_view::npos ? std::string_view::npos : end - v));
}

std::string PlainText(const MailHeaders& headers, std::string_view body, int depth) {
  std::string ctype = HeaderValue(headers, "content-type");
  std::string mime = AsciiLower(TrimWhitespace(ctype.substr(0, ctype.find(';'))));
  if (StartsWith(mime, "multipart/")) {
    std::string boundary = HeaderParam(ctype, "boundary");
    if (boundary.empty() || depth >= 8) return {};
    std::string delim = "--" + boundary;
    // Parts lie between delimiter lines; the first text/plain one wins.
    size_t pos = 0;
    std::vector<std::string_view> parts;
    size_t part_start = std::string_view::npos;
    bool closed = false;
    while (pos <= body.size()) {
      size_t nl = body.find('\n', pos);
      size_t end = nl == std::string_view::npos ? body.size() : nl;
      std::string_view line = body.substr(pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (StartsWith(line, delim)) {
        if (part_start != std::string_view::npos) parts.push_back(body.substr(part_start, pos - part_start));
        if (StartsWith(line.substr(delim.size()), "--")) {
          closed = true;
          break;
        }
        part_start = std::min(end + 1, body.size());
      }
      if (nl == std::string_view::npos) break;
      pos = nl + 1;
    }
    if (!closed && part_start != std::string_view::npos) parts.push_back(body.substr(part_start));  // truncated
    for (std::string_view part : parts) {
      MailHeaders ph;
      std::string_view pb;
      SplitMessage(part, &ph, &pb);
      std::string pt = AsciiLower(HeaderValue(ph, "content-type"));
      if (pt.empty() || StartsWith(pt, "text/plain") || StartsWith(pt, "multipart/")) {
        if (HeaderValue(ph, "content-disposition").find("attachment") != std::string::npos) continue;
        std::string t = PlainText(ph, pb, depth + 1);
        if (!t.empty()) return t;
      }
    }
    return {};
  }
  if (!mime.empty() && mime != "text/plain") return {};
  std::string cte = AsciiLower(TrimWhitespace(HeaderValue(headers, "content-transfer-encoding")));
  std::string raw;
  if (cte == "quoted-printable") raw = DecodeQuotedPrintable(body);
  else if (cte == "base64") raw = DecodeBase64(body);
  else raw = std::string(body);
  return ToUtf8(raw, HeaderParam(ctype, "charset"));
}

namespace {

int MonthIndex(std::string_view t) {
  static const char* const kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"};
  if (t.size() < 3) return 0;
  std::string l = AsciiLower(t.substr(0, 3));
  for (int i = 0; i < 12; ++i)
    if (l == kMonths[i]) return i + 1;
  return 0;
}

std::optional<int> Number(std::string_view t) {
  if (t.empty() || t.size() > 4) return std::nullopt;
  int v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// "HH:MM[:SS]" -> ms of day.
std::optional<int64_t> Clock(std::string_view t) {
  auto parts = SplitString(t, ':');
  if (parts.size() < 2 || parts.size() > 3) return std::nullopt;
  auto h = Number(parts[0]), m = Number(parts[1]);
  auto s = parts.size() == 3 ? Number(parts[2]) : std::optional<int>(0);
  if (!h || !m || !s || *h > 23 || *m > 59 || *s > 60) return std::nullopt;
  return *h * kMsPerHour + *m * kMsPerMinute + std::min(*s, 59) * kMsPerSecond;
}

// Zone offset in ms, or nullopt (unknown / absent).
std::optional<int64_t> Zone(std::string_view t) {
  if (t.size() == 5 && (t[0] == '+' || t[0] == '-')) {
    auto hh = Number(t.substr(1, 2)), mm = Number(t.substr(3, 2));
    if (!hh || !mm || *hh > 23 || *mm > 59) return std::nullopt;
    int64_t off = (*hh * 60 + *mm) * kMsPerMinute;
    return t[0] == '-' ? -off : off;
  }
  static const std::pair<const char*, int> kNames[] = {{"GMT", 0},  {"UT", 0},   {"UTC", 0},  {"Z", 0},
                                                       {"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5},
                                                       {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
  std::string up(t);
  for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const auto& [n, h] : kNames)
    if (up == n) return h * kMsPerHour;
  return std::nullopt;
}

std::vector<std::string_view> Tokens(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',' || s[i] == '\t' || s[i] == '_')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != ',' && s[j] != '\t' && s[j] != '_') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::optional<int64_t> Build(int y, int mo, int d, int64_t clock, std::optional<int64_t> zone, const TimeZone& tz) {
  if (y < 100) y += y < 70 ? 2000 : 1900;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  int32_t days = DaysFromCivil(y, mo, d);
  CivilDate back = CivilFromDays(days);
  if (back.day != d) return std::nullopt;
  int64_t local = days * kMsPerDay + clock;
  return zone ? local - *zone : LocalToUtc(tz, local);
}

}  // namespace

std::optional<int64_t> ParseMailDate(std::string_view s, const TimeZone& tz) {
  auto t = Tokens(s);
  for (size_t i = 1; i + 2 < t.size(); ++i) {
    int mo = MonthIndex(t[i]);
    auto d = Number(t[i - 1]);
    auto y = Number(t[i + 1]);
    auto c = Clock(t[i + 2]);
    if (!mo || !d || !y || !c || t[i].size() > 9) continue;
    std::optional<int64_t> zone = i + 3 < t.size() ? Zone(t[i + 3]) : std::nullopt;
    return Build(*y, mo, *d, *c, zone, tz);
  }
  return ParseAsctimeDate(s, tz);
}

std::optional<int64_t> ParseAsctimeDate(std::string_view s, const TimeZone& tz) {
  // "... Wed Dec  1 08:26:40 2010": month, day, time, year.
  auto t = Tokens(s);
  for (size_t i = 0; i + 3 < t.size(); ++i) {
    int mo = MonthIndex(t[i]);
    if (!mo || t[i].size() != 3) continue;
    auto d = Number(t[i + 1]);
    auto c = Clock(t[i + 2]);
    auto y = Number(t[i + 3]);
    if (!d || !c || !y || t[i + 3].size() != 4) continue;
    return Build(*y, mo, *d, *c, std::nullopt, tz);
  }
  return std::nullopt;
}

void ParseAddress(std::string_view from, std::string* address, std::string* name) {
  address->clear();
  name->clear();
  std::string_view f = TrimWhitespace(from);
  size_t lt = f.rfind('<');
  size_t gt = lt == std::string_view::npos ? lt : f.find('>', lt);
  std::string addr;
  if (lt != std::string_view::npos && gt != std::string_view::npos) {
    addr = std::string(f.substr(lt + 1, gt - lt - 1));
    std::string_view n = TrimWhitespace(f.substr(0, lt));
    if (n.size() >= 2 && n.front() == '"' && n.back() == '"') n = n.substr(1, n.size() - 2);
    *name = DecodeEncodedWords(n);
  } else {
    size_t lp = f.find('(');
    size_t rp = lp == std::string_view::npos ? lp : f.rfind(')');
    if (lp != std::string_view::npos && rp != std::string_view::npos && rp > lp) {
      *name = DecodeEncodedWords(TrimWhitespace(f.substr(lp + 1, rp - lp - 1)));
      addr = std::string(TrimWhitespace(f.substr(0, lp)));
    } else {
      addr = std::string(f);
    }
  }
  // Pipermail hides addresses as "user at host".
  if (size_t at = addr.find(" at "); at != std::string::npos && addr.find('@') == std::string::npos) {
    std::string_view a(addr);
    addr = std::string(a.substr(0, at)) + "@" + std::string(a.substr(at + 4));
  }
  std::string clean;
  for (char c : addr)
    if (c != ' ' && c != '"' && c != '\t') clean.push_back(c);
  *address = RepairUtf8(AsciiLower(clean));
}

}  // namespace qun::connectors
