// The canonical event model, version 1 (docs/formats/events.md is the spec).
//
// Every connector emits Events; ingest validates them, resolves identities and
// stores them; the engine indexes them. An Event is a plain value: which
// payload fields are meaningful depends on `type` (see the spec); unused
// fields stay empty. Unknown extra fields from the source are kept verbatim
// in `props_json`.
//
// Thread-safety: plain values.
#ifndef QUN_EVENT_H_
#define QUN_EVENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qun {

enum class EventType : uint8_t {
  kMemberJoined = 0,
  kMemberLeft,
  kMessagePosted,
  kMessageEdited,
  kMessageRecalled,
  kReactionAdded,
  kCheckin,
  kContentPublished,
  kContentViewed,
  kContentClicked,
  kVisit,
  kSignup,
  kActivityJoined,
  kOrderPaid,
  kOrderRefunded,
  kSurveyAnswered,
  kReportFiled,
  kIdentityLinked,
  kProfileUpdated,
};
constexpr int kEventTypeCount = 19;

// "member.joined" etc. ParseEventType returns nullopt for unknown names.
std::string_view EventTypeName(EventType t);
std::optional<EventType> ParseEventType(std::string_view name);

enum class Platform : uint8_t {
  kWecom = 0,
  kWechat,
  kTelegram,
  kDiscord,
  kSlack,
  kWhatsapp,
  kIrc,
  kMail,
  kWeb,
  kCustom,
};
constexpr int kPlatformCount = 10;

std::string_view PlatformName(Platform p);
std::optional<Platform> ParsePlatform(std::string_view name);

// Content categories for content.published (DESIGN §4, the 4:3:2:1 mix).
enum class ContentCategory : uint8_t { kValue = 0, kPromo, kInteraction, kBrand };
std::string_view ContentCategoryName(ContentCategory c);
std::optional<ContentCategory> ParseContentCategory(std::string_view name);

struct Event {
  // Envelope (all types).
  std::string id;          // idempotency key, unique per platform
  EventType type = EventType::kMessagePosted;
  int64_t ts_ms = 0;       // UTC milliseconds
  Platform platform = Platform::kCustom;
  std::string community;   // group/channel/list id on the platform
  std::string actor;       // platform account that did it

  // member.joined
  std::string inviter;     // account that invited (same platform)
  std::string channel;     // e.g. a QR code or invite link id
  // member.left: "left" | "removed" | "banned"
  std::string reason;
  // message.posted / edited / recalled; reaction.added uses message_id
  std::string message_id;
  std::string text;
  std::string kind;        // "text", "image", "file", … (default "text")
  std::string reply_to;    // message_id replied to
  std::string thread;      // thread root message_id
  std::vector<std::string> mentions;  // mentioned accounts
  std::string emoji;       // reaction.added
  // content.*
  std::string content_id;
  std::string category;    // content.published: value|promo|interaction|brand
  std::string title;
  // activity.joined
  std::string activity_id;
  // order.paid / order.refunded: amount in minor units (cents, fen)
  std::string order_id;
  int64_t amount_minor = 0;
  std::string currency;
  // survey.answered: nps 0..10, -1 when absent
  int nps = -1;
  // report.filed
  std::string target_message;
  std::string target_member;
  // identity.linked: actor is the same person as linked_actor on linked_platform
  Platform linked_platform = Platform::kCustom;
  std::string linked_actor;
  // profile.updated: attribute name -> value (region, gender, age_band, name,
  // unionid, phone_hash, email_hash, …), in source order
  std::vector<std::pair<std::string, std::string>> attributes;
  // Unknown extra fields, as the text of a JSON object ("" when none).
  std::string props_json;
};

// True for the types that make a member "active" on a day (DESIGN §4).
bool IsActivityType(EventType t);

}  // namespace qun

#endif  // QUN_EVENT_H_
