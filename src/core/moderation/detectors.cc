#include "core/moderation/detectors.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "common/hash.h"

namespace qun::moderation {
namespace {

constexpr std::string_view kTlds[] = {"com", "cn", "net", "org", "io", "cc", "top", "xyz", "me", "info", "vip",
                                      "club", "ly", "gl", "tk", "co", "app", "site", "shop", "link", "ru", "tv"};

bool IsUrlByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::strchr("-._~:/?#[]@!$&'*+,;=%", c) != nullptr;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (Lower(s[i]) != prefix[i]) return false;
  return true;
}

bool LooksLikeDomain(std::string_view host) {
  while (!host.empty() && (host.back() == '.' || host.back() == ':')) host.remove_suffix(1);
  size_t dot = host.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  std::string tld;
  for (char c : host.substr(dot + 1)) tld += Lower(c);
  if (std::find(std::begin(kTlds), std::end(kTlds), tld) == std::end(kTlds)) return false;
  // Every label non-empty and made of letters, digits or '-'.
  size_t start = 0;
  while (start <= host.size()) {
    size_t d = host.find('.', start);
    if (d == std::string_view::npos) d = host.size();
    if (d == start) return false;
    for (size_t i = start; i < d; ++i) {
      char c = host[i];
      if (!(IsAsciiAlnum(static_cast<unsigned char>(c)) || c == '-')) return false;
    }
    start = d + 1;
  }
  return true;
}

// Where `marker` (plain, uncollapsed text) matches t at char i, honouring
// run counts: "qq" matches one 'q' standing for two. Returns the end index,
// or 0 when it does not match.
size_t MatchMarkerAt(const NormalizedText& t, size_t i, const std::u32string& marker) {
  size_t j = i, k = 0;
  while (k < marker.size()) {
    size_t need = 1;
    while (k + need < marker.size() && marker[k + need] == marker[k]) ++need;
    size_t have = 0;
    while (have < need && j < t.size() && t.chars[j] == marker[k]) have += t.run[j++];
    if (have < need) return 0;
    k += need;
  }
  return j;
}

// Finds every occurrence of any marker in t; calls f(start, end, marker index).
template <typename F>
void FindMarkers(const NormalizedText& t, const std::u32string* markers, size_t n, F&& f) {
  for (size_t i = 0; i < t.size(); ++i) {
    for (size_t m = 0; m < n; ++m) {
      if (t.chars[i] != markers[m][0]) continue;
      if (size_t e = MatchMarkerAt(t, i, markers[m]); e != 0) f(i, e, m);
    }
  }
}

int DigitValue(char32_t c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  static constexpr std::u32string_view kHan = U"零一二三四五六七八九";
  static constexpr std::u32string_view kUpper = U"〇壹贰叁肆伍陆柒捌玖";
  if (auto p = kHan.find(c); p != std::u32string_view::npos) return static_cast<int>(p);
  if (auto p = kUpper.find(c); p != std::u32string_view::npos) return static_cast<int>(p);
  return -1;
}

bool IsLatinMarker(const std::u32string& m) { return IsAsciiAlnum(m.front()); }

}  // namespace

void DetectLinks(std::string_view text, std::vector<Detection>* out) {
  size_t i = 0;
  while (i < text.size()) {
    if (!IsUrlByte(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && IsUrlByte(static_cast<unsigned char>(text[j]))) ++j;
    std::string_view token = text.substr(i, j - i);
    // Trailing sentence punctuation is not part of a link.
    while (!token.empty() && std::strchr(".,;:!?)]'", token.back()) != nullptr) token.remove_suffix(1);
    bool link = StartsWithNoCase(token, "http://") || StartsWithNoCase(token, "https://") ||
                (StartsWithNoCase(token, "www.") && token.size() > 4);
    if (!link && token.find('@') == std::string_view::npos) {
      size_t slash = token.find('/');
      link = LooksLikeDomain(token.substr(0, slash));
    }
    if (link) out->push_back({"link", static_cast<uint32_t>(i), static_cast<uint32_t>(i + token.size()), std::string(token)});
    i = j;
  }
}

void DetectQrSolicitation(const NormalizedText& t, std::vector<Detection>* out) {
  static const std::u32string kMarkers[] = {U"二维码", U"扫码", U"扫一扫", U"qrcode", U"群码", U"扫我"};
  bool found = false;
  FindMarkers(t, kMarkers, std::size(kMarkers), [&](size_t s, size_t e, size_t) {
    if (found) return;  // one finding per message is enough
    found = true;
    out->push_back({"qr", t.begin[s], t.end[e - 1], t.Utf8(s, e)});
  });
}

void DetectPhones(const NormalizedText& t, std::vector<Detection>* out) {
  size_t i = 0;
  while (i < t.size()) {
    if (DigitValue(t.chars[i]) < 0) {
      ++i;
      continue;
    }
    size_t j = i;
    std::string digits;
    while (j < t.size() && DigitValue(t.chars[j]) >= 0) {
      digits.append(t.run[j], static_cast<char>('0' + DigitValue(t.chars[j])));
      ++j;
    }
    std::string_view d = digits;
    if (d.size() == 13 && d.substr(0, 2) == "86") d.remove_prefix(2);
    if (d.size() == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9')
      out->push_back({"phone", t.begin[i], t.end[j - 1], std::string(d)});
    i = j;
  }
}

void DetectWeChat(const NormalizedText& t, std::vector<Detection>* out) {
  // Markers that introduce an id; the last three take digit ids (QQ).
  static const std::u32string kIdMarkers[] = {U"微信", U"威信", U"薇信", U"维信", U"徽信", U"v信", U"微x",
                                              U"vx",   U"wx",   U"weixin", U"wechat", U"qq", U"扣扣", U"企鹅"};
  constexpr size_t kFirstQq = 11;
  // Markers that solicit contact by themselves.
  static const std::u32string kAsk[] = {U"加v", U"加微", U"加薇", U"加威", U"加我v", U"加q", U"加扣"};
  static constexpr std::u32string_view kFiller = U"号是加搜我的为";
  size_t covered_until = 0;
  FindMarkers(t, kIdMarkers, std::size(kIdMarkers), [&](size_t s, size_t e, size_t m) {
    if (s < covered_until) return;
    const std::u32string& marker = kIdMarkers[m];
    if (IsLatinMarker(marker) && s > 0 && !t.gap[s] && IsAsciiAlnum(t.chars[s - 1])) return;
    size_t k = e;
    for (int skip = 0; skip < 3 && k < t.size() && kFiller.find(t.chars[k]) != std::u32string_view::npos; ++skip) ++k;
    size_t id_start = k;
    std::string id;
    while (k < t.size() && IsAsciiAlnum(t.chars[k]) && id.size() < 40) {
      id.append(t.run[k], static_cast<char>(t.chars[k]));
      ++k;
    }
    bool qq = m >= kFirstQq;
    bool ok = qq ? (id.size() >= 5 && id.size() <= 11 && std::all_of(id.begin(), id.end(), ::isdigit))
                 : (id.size() >= 5 && id.size() <= 20);
    if (!ok) return;
    out->push_back({"wechat", t.begin[s], t.end[k - 1], std::string(qq ? "qq:" : "id:") + id});
    covered_until = k;
    (void)id_start;
  });
  FindMarkers(t, kAsk, std::size(kAsk), [&](size_t s, size_t e, size_t) {
    if (s < covered_until) return;
    out->push_back({"wechat", t.begin[s], t.end[e - 1], "solicitation"});
    covered_until = e;
  });
}

uint64_t SimHash(const NormalizedText& t) {
  std::array<int32_t, 64> v{};
  auto add = [&](uint64_t h) {
    for (int b = 0; b < 64; ++b) v[b] += ((h >> b) & 1) ? 1 : -1;
  };
  if (t.size() == 1) add(Hash64(std::string_view(reinterpret_cast<const char*>(t.chars.data()), 4)));
  for (size_t i = 0; i + 1 < t.size(); ++i)
    add(Hash64(std::string_view(reinterpret_cast<const char*>(t.chars.data() + i), 8)));
  uint64_t h = 0;
  for (int b = 0; b < 64; ++b)
    if (v[b] > 0) h |= 1ULL << b;
  return h;
}

void MessageHistory::Trim(std::unordered_map<std::string, std::deque<int64_t>>* m, int64_t ts_ms) {
  if (m->size() <= max_members_) return;
  // Forget members idle for a day, then (if still too many) arbitrary ones.
  for (auto it = m->begin(); it != m->end();) {
    if (it->second.empty() || it->second.back() < ts_ms - 86'400'000) it = m->erase(it);
    else ++it;
  }
  while (m->size() > max_members_ * 3 / 4) m->erase(m->begin());
}

int MessageHistory::RecordMessage(std::string_view community, std::string_view member, int64_t ts_ms,
                                  int64_t window_ms) {
  std::string key;
  key.reserve(community.size() + member.size() + 1);
  key.append(community).push_back('\x1f');
  key.append(member);
  auto& d = messages_[key];
  d.push_back(ts_ms);
  while (!d.empty() && d.front() <= ts_ms - window_ms) d.pop_front();
  while (d.size() > 100'000) d.pop_front();
  int n = static_cast<int>(d.size());
  Trim(&messages_, ts_ms);
  return n;
}

int MessageHistory::RecordText(uint64_t simhash, std::string_view community, int64_t ts_ms, int64_t window_ms,
                               int max_distance) {
  uint64_t ch = Hash64(community);
  while (!texts_.empty() && texts_.front().ts_ms <= ts_ms - window_ms) texts_.pop_front();
  std::vector<uint64_t> communities{ch};
  for (const TextSeen& s : texts_) {
    if (s.ts_ms <= ts_ms - window_ms || s.ts_ms > ts_ms) continue;
    if (HammingDistance(s.simhash, simhash) > max_distance) continue;
    if (std::find(communities.begin(), communities.end(), s.community) == communities.end())
      communities.push_back(s.community);
  }
  texts_.push_back({simhash, ch, ts_ms});
  while (texts_.size() > max_texts_) texts_.pop_front();
  return static_cast<int>(communities.size());
}

void MessageHistory::RecordJoin(std::string_view member, int64_t ts_ms) {
  joins_[std::string(member)] = ts_ms;
  if (joins_.size() > max_members_) {
    for (auto it = joins_.begin(); it != joins_.end();) {
      if (it->second < ts_ms - 7 * 86'400'000LL) it = joins_.erase(it);
      else ++it;
    }
    while (joins_.size() > max_members_ * 3 / 4) joins_.erase(joins_.begin());
  }
}

int64_t MessageHistory::SinceJoin(std::string_view member, int64_t ts_ms) const {
  auto it = joins_.find(std::string(member));
  if (it == joins_.end()) return -1;
  return ts_ms - it->second;
}

int MessageHistory::RecordInfraction(std::string_view member, int64_t ts_ms, int64_t window_ms) {
  auto& d = infractions_[std::string(member)];
  d.push_back(ts_ms);
  while (!d.empty() && d.front() <= ts_ms - window_ms) d.pop_front();
  while (d.size() > 10'000) d.pop_front();
  int n = static_cast<int>(d.size());
  Trim(&infractions_, ts_ms);
  return n;
}

int MessageHistory::CountInfractions(std::string_view member, int64_t ts_ms, int64_t window_ms) const {
  auto it = infractions_.find(std::string(member));
  if (it == infractions_.end()) return 0;
  return static_cast<int>(std::count_if(it->second.begin(), it->second.end(),
                                        [&](int64_t t) { return t > ts_ms - window_ms && t <= ts_ms; }));
}

}  // namespace qun::moderation
