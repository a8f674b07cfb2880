// Detectors beside the lexicon (docs/moderation.md#detectors).
//
// Stateless detectors look at one message: links, QR-code solicitation,
// phone numbers, WeChat ids and their evasions. Stateful ones keep bounded
// history and take time only from the events they are given (never a
// clock): flood, duplicate and near-duplicate spam across communities,
// first-day links. Mass mentions need only the event.
//
// Stateless functions are pure and thread-safe. A MessageHistory is not
// thread-safe: its owner (ModerationEngine) serializes access.
#ifndef QUN_CORE_MODERATION_DETECTORS_H_
#define QUN_CORE_MODERATION_DETECTORS_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/moderation/normalizer.h"

namespace qun::moderation {

struct Detection {
  std::string_view detector;  // one of kDetectorNames (static storage)
  uint32_t start = 0;         // UTF-8 byte offsets in the original text
  uint32_t end = 0;
  std::string detail;         // e.g. the normalized phone number or id
};

// http(s)://…, www.…, and bare domains with a common TLD (example.com/x).
void DetectLinks(std::string_view text, std::vector<Detection>* out);
// "扫码", "二维码", "扫一扫", "qr code" … on the normalized text.
void DetectQrSolicitation(const NormalizedText& t, std::vector<Detection>* out);
// Chinese mobile numbers (1[3-9] + 9 digits, optional 86 prefix), also
// written with ①, full-width digits, 一二三 or 壹贰叁 and noise in between.
void DetectPhones(const NormalizedText& t, std::vector<Detection>* out);
// WeChat / QQ contact solicitation: a marker (微信, 威信, 薇信, v信, vx, wx,
// weixin, wechat, 加v, 加微, qq …) followed by an id, or "加v"-style alone.
void DetectWeChat(const NormalizedText& t, std::vector<Detection>* out);

// 64-bit SimHash of the character bigrams of normalized text (run counts
// expanded), for near-duplicate detection; Hamming distance compares two.
uint64_t SimHash(const NormalizedText& t);
inline int HammingDistance(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }

// Bounded per-member and per-text history for the stateful detectors.
class MessageHistory {
 public:
  // Caps on remembered members and texts; beyond them the oldest go first.
  explicit MessageHistory(size_t max_members = 200'000, size_t max_texts = 8192)
      : max_members_(max_members), max_texts_(max_texts) {}

  // Records a message by `member` in `community` at ts_ms and returns how
  // many messages that member posted there within the last window_ms
  // (this one included).
  int RecordMessage(std::string_view community, std::string_view member, int64_t ts_ms, int64_t window_ms);
  // Records a text's SimHash and returns in how many distinct communities a
  // text within max_distance was seen in the last window_ms (this one
  // included).
  int RecordText(uint64_t simhash, std::string_view community, int64_t ts_ms, int64_t window_ms, int max_distance);
  void RecordJoin(std::string_view member, int64_t ts_ms);
  // Milliseconds since the member joined, or -1 when no join is known.
  int64_t SinceJoin(std::string_view member, int64_t ts_ms) const;
  // Records an infraction and returns how many fell within window_ms.
  int RecordInfraction(std::string_view member, int64_t ts_ms, int64_t window_ms);
  int CountInfractions(std::string_view member, int64_t ts_ms, int64_t window_ms) const;

 private:
  struct TextSeen {
    uint64_t simhash;
    uint64_t community;  // hash of the community id
    int64_t ts_ms;
  };
  void Trim(std::unordered_map<std::string, std::deque<int64_t>>* m, int64_t ts_ms);

  size_t max_members_, max_texts_;
  std::unordered_map<std::string, std::deque<int64_t>> messages_;     // community\x1fmember -> times
  std::unordered_map<std::string, std::deque<int64_t>> infractions_;  // member -> times
  std::unordered_map<std::string, int64_t> joins_;
  std::deque<TextSeen> texts_;
};

}  // namespace qun::moderation

#endif  // QUN_CORE_MODERATION_DETECTORS_H_
