#include "qun/event.h"

#include <array>

namespace qun {
namespace {

constexpr std::array<std::string_view, kEventTypeCount> kTypeNames = {
    "member.joined",    "member.left",     "message.posted",  "message.edited",
    "message.recalled", "reaction.added",  "checkin",         "content.published",
    "content.viewed",   "content.clicked", "visit",           "signup",
    "activity.joined",  "order.paid",      "order.refunded",  "survey.answered",
    "report.filed",     "identity.linked", "profile.updated",
};

constexpr std::array<std::string_view, kPlatformCount> kPlatformNames = {
    "wecom", "wechat", "telegram", "discord", "slack", "whatsapp", "irc", "mail", "web", "custom",
};

constexpr std::array<std::string_view, 4> kCategoryNames = {"value", "promo", "interaction", "brand"};

}  // namespace

std::string_view EventTypeName(EventType t) { return kTypeNames[static_cast<size_t>(t)]; }

std::optional<EventType> ParseEventType(std::string_view name) {
  for (size_t i = 0; i < kTypeNames.size(); ++i)
    if (kTypeNames[i] == name) return static_cast<EventType>(i);
  return std::nullopt;
}

std::string_view PlatformName(Platform p) { return kPlatformNames[static_cast<size_t>(p)]; }

std::optional<Platform> ParsePlatform(std::string_view name) {
  for (size_t i = 0; i < kPlatformNames.size(); ++i)
    if (kPlatformNames[i] == name) return static_cast<Platform>(i);
  return std::nullopt;
}

std::string_view ContentCategoryName(ContentCategory c) { return kCategoryNames[static_cast<size_t>(c)]; }

std::optional<ContentCategory> ParseContentCategory(std::string_view name) {
  for (size_t i = 0; i < kCategoryNames.size(); ++i)
    if (kCategoryNames[i] == name) return static_cast<ContentCategory>(i);
  return std::nullopt;
}

bool IsActivityType(EventType t) {
  switch (t) {
    case EventType::kMessagePosted:
    case EventType::kReactionAdded:
    case EventType::kCheckin:
    case EventType::kContentClicked:
    case EventType::kActivityJoined:
    case EventType::kSurveyAnswered:
    case EventType::kOrderPaid:
      return true;
    default:
      return false;
  }
}

}  // namespace qun
