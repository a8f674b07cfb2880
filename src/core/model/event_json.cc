#include "core/model/event_json.h"

#include <simdjson.h>

#include <cmath>

#include <fmt/format.h>

#include "common/strings.h"
#include "common/time.h"

namespace qun {

struct EventParser::Impl {
  simdjson::dom::parser parser;
};

EventParser::EventParser() : impl_(std::make_unique<Impl>()) {}
EventParser::~EventParser() = default;
EventParser::EventParser(EventParser&&) noexcept = default;
EventParser& EventParser::operator=(EventParser&&) noexcept = default;

namespace {

Status FieldError(std::string_view field, std::string_view why) {
  return InvalidArgument(fmt::format("field '{}': {}", field, why));
}

const char* JsonTypeName(simdjson::dom::element_type t) {
  using T = simdjson::dom::element_type;
  switch (t) {
    case T::ARRAY: return "an array";
    case T::OBJECT: return "an object";
    case T::INT64: case T::UINT64: case T::DOUBLE: return "a number";
    case T::STRING: return "a string";
    case T::BOOL: return "a boolean";
    case T::NULL_VALUE: return "null";
  }
  return "a value";
}

Status GetString(simdjson::dom::element v, std::string_view field, size_t max, std::string& out) {
  std::string_view s;
  if (v.get(s) != simdjson::SUCCESS)
    return FieldError(field, fmt::format("expected a string, got {}", JsonTypeName(v.type())));
  if (s.size() > max)
    return FieldError(field, fmt::format("{} bytes is longer than the limit of {} bytes", s.size(), max));
  out.assign(s);
  return Status::Ok();
}

// Ids may arrive as numbers (Telegram, Discord); they are kept as their
// decimal text.
Status GetId(simdjson::dom::element v, std::string_view field, std::string& out) {
  int64_t i;
  uint64_t u;
  if (v.get(i) == simdjson::SUCCESS) { out = std::to_string(i); return Status::Ok(); }
  if (v.get(u) == simdjson::SUCCESS) { out = std::to_string(u); return Status::Ok(); }
  QUN_RETURN_IF_ERROR(GetString(v, field, kMaxIdBytes, out));
  return Status::Ok();
}

Status ParseTs(simdjson::dom::element v, int64_t& out) {
  int64_t ms;
  std::string_view s;
  double d;
  if (v.get(ms) == simdjson::SUCCESS) {
    out = ms;
  } else if (v.get(s) == simdjson::SUCCESS) {
    auto r = ParseRfc3339(s);
    if (!r.ok()) return FieldError("ts", r.status().message());
    out = *r;
  } else if (v.get(d) == simdjson::SUCCESS) {
    return FieldError("ts", "epoch milliseconds must be an integer");
  } else {
    return FieldError("ts", fmt::format("expected an RFC 3339 string or epoch milliseconds, got {}",
                                        JsonTypeName(v.type())));
  }
  if (out < kMinEventTimeMs || out >= kMaxEventTimeMs) {
    if (!s.empty())
      return FieldError("ts", fmt::format("'{}' is outside the accepted range 2000-01-01 .. 2100-01-01", Excerpt(s)));
    return FieldError("ts", fmt::format("{} is outside the accepted range 2000-01-01 .. 2100-01-01 "
                                        "(epoch seconds instead of milliseconds?)",
                                        out));
  }
  return Status::Ok();
}

Status ParseAmount(simdjson::dom::element v, int64_t& out) {
  int64_t i;
  double d;
  std::string_view s;
  if (v.get(i) == simdjson::SUCCESS) {
    if (i < 0 || i > kMaxAmountMinor / 100) return FieldError("amount", "must be between 0 and 10^10");
    out = i * 100;
    return Status::Ok();
  }
  if (v.get(d) == simdjson::SUCCESS) {
    if (!std::isfinite(d) || d < 0 || d > 1e10) return FieldError("amount", "must be between 0 and 10^10");
    out = std::llround(d * 100.0);
    return Status::Ok();
  }
  if (v.get(s) == simdjson::SUCCESS) {
    // Decimal strings are accepted ("19.99") so money never passes through binary floating point.
    int64_t whole = 0, frac = 0;
    int frac_digits = 0;
    size_t p = 0;
    bool any = false;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      whole = whole * 10 + (s[p++] - '0');
      any = true;
      if (whole > kMaxAmountMinor / 100) return FieldError("amount", "must be between 0 and 10^10");
    }
    if (p < s.size() && s[p] == '.') {
      ++p;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9' && frac_digits < 2) {
        frac = frac * 10 + (s[p++] - '0');
        ++frac_digits;
      }
    }
    if (!any || p != s.size()) return FieldError("amount", fmt::format("'{}' is not a decimal amount with at most 2 decimals", Excerpt(s)));
    if (frac_digits == 1) frac *= 10;
    out = whole * 100 + frac;
    return Status::Ok();
  }
  return FieldError("amount", fmt::format("expected a number, got {}", JsonTypeName(v.type())));
}

void AppendField(std::string& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  out.push_back(',');
  AppendJsonString(out, key);
  out.push_back(':');
  AppendJsonString(out, value);
}

}  // namespace

Status ValidateEvent(const Event& e) {
  auto check_len = [](std::string_view field, const std::string& v, size_t max) -> Status {
    if (v.size() > max) return FieldError(field, fmt::format("{} bytes is longer than the limit of {} bytes", v.size(), max));
    return Status::Ok();
  };
  if (e.id.empty()) return FieldError("id", "required and must not be empty");
  if (e.community.empty()) return FieldError("community", "required and must not be empty");
  if (e.actor.empty()) return FieldError("actor", "required and must not be empty");
  QUN_RETURN_IF_ERROR(check_len("id", e.id, kMaxIdBytes));
  QUN_RETURN_IF_ERROR(check_len("community", e.community, kMaxIdBytes));
  QUN_RETURN_IF_ERROR(check_len("actor", e.actor, kMaxIdBytes));
  QUN_RETURN_IF_ERROR(check_len("text", e.text, kMaxTextBytes));
  if (e.ts_ms < kMinEventTimeMs || e.ts_ms >= kMaxEventTimeMs)
    return FieldError("ts", fmt::format("{} is outside the accepted range 2000-01-01 .. 2100-01-01", e.ts_ms));
  const std::pair<const char*, const std::string*> utf8_fields[] = {
      {"id", &e.id}, {"community", &e.community}, {"actor", &e.actor}, {"text", &e.text}, {"title", &e.title},
      {"message_id", &e.message_id}, {"inviter", &e.inviter}, {"linked_actor", &e.linked_actor}};
  for (const auto& [name, s] : utf8_fields) {
    if (auto bad = FindInvalidUtf8(*s)) return FieldError(name, fmt::format("invalid UTF-8 at byte {}", *bad));
  }
  if (e.mentions.size() > kMaxMentions) return FieldError("mentions", fmt::format("more than {} entries", kMaxMentions));
  if (e.attributes.size() > kMaxAttributes) return FieldError("attributes", fmt::format("more than {} entries", kMaxAttributes));
  switch (e.type) {
    case EventType::kMemberLeft:
      if (!e.reason.empty() && e.reason != "left" && e.reason != "removed" && e.reason != "banned")
        return FieldError("reason", fmt::format("'{}' is not one of left, removed, banned", Excerpt(e.reason)));
      break;
    case EventType::kMessageEdited:
    case EventType::kMessageRecalled:
    case EventType::kReactionAdded:
      if (e.message_id.empty()) return FieldError("message_id", fmt::format("required for {}", EventTypeName(e.type)));
      break;
    case EventType::kContentPublished:
      if (e.content_id.empty()) return FieldError("content_id", "required for content.published");
      if (!ParseContentCategory(e.category))
        return FieldError("category", fmt::format("'{}' is not one of value, promo, interaction, brand", Excerpt(e.category)));
      break;
    case EventType::kContentViewed:
    case EventType::kContentClicked:
      if (e.content_id.empty()) return FieldError("content_id", fmt::format("required for {}", EventTypeName(e.type)));
      break;
    case EventType::kActivityJoined:
      if (e.activity_id.empty()) return FieldError("activity_id", "required for activity.joined");
      break;
    case EventType::kOrderPaid:
    case EventType::kOrderRefunded:
      if (e.order_id.empty()) return FieldError("order_id", fmt::format("required for {}", EventTypeName(e.type)));
      if (e.amount_minor < 0 || e.amount_minor > kMaxAmountMinor) return FieldError("amount", "must be between 0 and 10^10");
      break;
    case EventType::kSurveyAnswered:
      if (e.nps < 0 || e.nps > 10) return FieldError("nps", "required for survey.answered, an integer 0..10");
      break;
    case EventType::kReportFiled:
      if (e.target_message.empty() && e.target_member.empty())
        return FieldError("target_message", "report.filed needs target_message or target_member");
      break;
    case EventType::kIdentityLinked:
      if (e.linked_actor.empty()) return FieldError("linked_actor", "required for identity.linked");
      if (e.linked_actor == e.actor && e.linked_platform == e.platform)
        return FieldError("linked_actor", "links an account to itself");
      break;
    case EventType::kProfileUpdated:
      for (const auto& [k, v] : e.attributes) {
        if (k == "phone" || k == "email" || k == "mobile")
          return FieldError("attributes." + k, fmt::format("raw {0} is never stored; send {0}_hash (a salted hash)", k == "mobile" ? "phone" : k));
      }
      break;
    default:
      break;
  }
  return Status::Ok();
}

Result<Event> EventParser::Parse(std::string_view json) {
  if (json.size() > kMaxEventLineBytes)
    return ResourceExhausted(fmt::format("line is {} bytes, over the limit of {} bytes", json.size(), kMaxEventLineBytes));
  if (auto bad = FindInvalidUtf8(json)) return InvalidArgument(fmt::format("invalid UTF-8 at byte {}", *bad));
  simdjson::dom::element root;
  if (auto err = impl_->parser.parse(json.data(), json.size()).get(root); err != simdjson::SUCCESS)
    return InvalidArgument(fmt::format("invalid JSON: {}", simdjson::error_message(err)));
  simdjson::dom::object obj;
  if (root.get(obj) != simdjson::SUCCESS)
    return InvalidArgument(fmt::format("expected a JSON object, got {}", JsonTypeName(root.type())));

  Event e;
  bool has_type = false, has_ts = false, has_platform = false;
  std::string props = "{";
  for (auto field : obj) {
    std::string_view k = field.key;
    simdjson::dom::element v = field.value;
    if (k == "id") {
      QUN_RETURN_IF_ERROR(GetId(v, k, e.id));
    } else if (k == "type") {
      std::string_view s;
      if (v.get(s) != simdjson::SUCCESS) return FieldError(k, "expected a string");
      auto t = ParseEventType(s);
      if (!t) return FieldError(k, fmt::format("unknown event type '{}'", Excerpt(s)));
      e.type = *t;
      has_type = true;
    } else if (k == "ts") {
      QUN_RETURN_IF_ERROR(ParseTs(v, e.ts_ms));
      has_ts = true;
    } else if (k == "platform" || k == "linked_platform") {
      std::string_view s;
      if (v.get(s) != simdjson::SUCCESS) return FieldError(k, "expected a string");
      auto p = ParsePlatform(s);
      if (!p) return FieldError(k, fmt::format("unknown platform '{}'", Excerpt(s)));
      if (k == "platform") { e.platform = *p; has_platform = true; }
      else e.linked_platform = *p;
    } else if (k == "community") { QUN_RETURN_IF_ERROR(GetId(v, k, e.community));
    } else if (k == "actor") { QUN_RETURN_IF_ERROR(GetId(v, k, e.actor));
    } else if (k == "inviter") { QUN_RETURN_IF_ERROR(GetId(v, k, e.inviter));
    } else if (k == "channel") { QUN_RETURN_IF_ERROR(GetString(v, k, kMaxIdBytes, e.channel));
    } else if (k == "reason") { QUN_RETURN_IF_ERROR(GetString(v, k, kMaxIdBytes, e.reason));
    } else if (k == "message_id") { QUN_RETURN_IF_ERROR(GetId(v, k, e.message_id));
    } else if (k == "text") { QUN_RETURN_IF_ERROR(GetString(v, k, kMaxTextBytes, e.text));
    } else if (k == "kind") { QUN_RETURN_IF_ERROR(GetString(v, k, kMaxIdBytes, e.kind));
    } else if (k == "reply_to") { QUN_RETURN_IF_ERROR(GetId(v, k, e.reply_to));
    } else if (k == "thread") { QUN_RETURN_IF_ERROR(GetId(v, k, e.thread));
    } else if (k == "emoji") { QUN_RETURN_IF_ERROR(GetString(v, k, kMaxIdBytes, e.emoji));
    } else if (k == "content_id") { QUN_RETURN_IF_ERROR(GetId(v, k, e.content_id));
    } else if (k == "category") { QUN_RETURN_IF_ERROR(GetString(v, k, kMaxIdBytes, e.category));
    } else if (k == "title") { QUN_RETURN_IF_ERROR(GetString(v, k, 4 * kMaxIdBytes, e.title));
    } else if (k == "activity_id") { QUN_RETURN_IF_ERROR(GetId(v, k, e.activity_id));
    } else if (k == "order_id") { QUN_RETURN_IF_ERROR(GetId(v, k, e.order_id));
    } else if (k == "amount") { QUN_RETURN_IF_ERROR(ParseAmount(v, e.amount_minor));
    } else if (k == "currency") {
      QUN_RETURN_IF_ERROR(GetString(v, k, 8, e.currency));
    } else if (k == "nps") {
      int64_t n;
      if (v.get(n) != simdjson::SUCCESS || n < 0 || n > 10) return FieldError(k, "expected an integer 0..10");
      e.nps = static_cast<int>(n);
    } else if (k == "target_message") { QUN_RETURN_IF_ERROR(GetId(v, k, e.target_message));
    } else if (k == "target_member") { QUN_RETURN_IF_ERROR(GetId(v, k, e.target_member));
    } else if (k == "linked_actor") { QUN_RETURN_IF_ERROR(GetId(v, k, e.linked_actor));
    } else if (k == "mentions") {
      simdjson::dom::array arr;
      if (v.get(arr) != simdjson::SUCCESS) return FieldError(k, "expected an array of account ids");
      size_t i = 0;
      for (auto m : arr) {
        if (++i > kMaxMentions) return FieldError(k, fmt::format("more than {} entries", kMaxMentions));
        std::string id;
        QUN_RETURN_IF_ERROR(GetId(m, fmt::format("mentions[{}]", i - 1), id));
        e.mentions.push_back(std::move(id));
      }
    } else if (k == "attributes") {
      simdjson::dom::object attrs;
      if (v.get(attrs) != simdjson::SUCCESS) return FieldError(k, "expected an object of name -> string");
      for (auto a : attrs) {
        if (e.attributes.size() >= kMaxAttributes) return FieldError(k, fmt::format("more than {} entries", kMaxAttributes));
        std::string val;
        std::string fname = fmt::format("attributes.{}", Excerpt(a.key));
        if (a.key.size() > kMaxIdBytes) return FieldError(fname, "name too long");
        QUN_RETURN_IF_ERROR(GetId(a.value, fname, val));
        e.attributes.emplace_back(std::string(a.key), std::move(val));
      }
    } else if (k == "props") {
      simdjson::dom::object p;
      if (v.get(p) != simdjson::SUCCESS) return FieldError(k, "expected an object");
      for (auto f : p) {
        if (props.size() > 1) props.push_back(',');
        AppendJsonString(props, f.key);
        props.push_back(':');
        props += simdjson::minify(f.value);
      }
    } else {
      if (props.size() > 1) props.push_back(',');
      AppendJsonString(props, k);
      props.push_back(':');
      props += simdjson::minify(v);
    }
    if (props.size() > kMaxPropsBytes) return FieldError("props", fmt::format("unknown fields exceed {} bytes", kMaxPropsBytes));
  }
  if (!has_type) return FieldError("type", "required");
  if (!has_ts) return FieldError("ts", "required");
  if (!has_platform) return FieldError("platform", "required");
  if (e.type == EventType::kIdentityLinked && e.linked_platform == Platform::kCustom) {
    // linked_platform defaults to the event's own platform.
    bool given = obj["linked_platform"].error() == simdjson::SUCCESS;
    if (!given) e.linked_platform = e.platform;
  }
  if (props.size() > 1) {
    props.push_back('}');
    e.props_json = std::move(props);
  }
  QUN_RETURN_IF_ERROR(ValidateEvent(e));
  return e;
}

std::string FormatAmount(int64_t minor) {
  int64_t whole = minor / 100, frac = minor % 100;
  if (frac == 0) return std::to_string(whole);
  if (frac % 10 == 0) return fmt::format("{}.{}", whole, frac / 10);
  return fmt::format("{}.{:02d}", whole, frac);
}

void AppendEventJson(std::string& out, const Event& e) {
  out += "{\"id\":";
  AppendJsonString(out, e.id);
  out += ",\"type\":\"";
  out += EventTypeName(e.type);
  out += "\",\"ts\":\"";
  out += FormatRfc3339(e.ts_ms);
  out += "\",\"platform\":\"";
  out += PlatformName(e.platform);
  out += '"';
  AppendField(out, "community", e.community);
  AppendField(out, "actor", e.actor);
  AppendField(out, "inviter", e.inviter);
  AppendField(out, "channel", e.channel);
  AppendField(out, "reason", e.reason);
  AppendField(out, "message_id", e.message_id);
  AppendField(out, "kind", e.kind);
  AppendField(out, "reply_to", e.reply_to);
  AppendField(out, "thread", e.thread);
  if (!e.mentions.empty()) {
    out += ",\"mentions\":[";
    for (size_t i = 0; i < e.mentions.size(); ++i) {
      if (i) out.push_back(',');
      AppendJsonString(out, e.mentions[i]);
    }
    out.push_back(']');
  }
  AppendField(out, "emoji", e.emoji);
  AppendField(out, "content_id", e.content_id);
  AppendField(out, "category", e.category);
  AppendField(out, "title", e.title);
  AppendField(out, "activity_id", e.activity_id);
  AppendField(out, "order_id", e.order_id);
  if (e.type == EventType::kOrderPaid || e.type == EventType::kOrderRefunded) {
    out += ",\"amount\":";
    out += FormatAmount(e.amount_minor);
  }
  AppendField(out, "currency", e.currency);
  if (e.nps >= 0) {
    out += ",\"nps\":";
    out += std::to_string(e.nps);
  }
  AppendField(out, "target_message", e.target_message);
  AppendField(out, "target_member", e.target_member);
  if (e.type == EventType::kIdentityLinked) {
    out += ",\"linked_platform\":\"";
    out += PlatformName(e.linked_platform);
    out += '"';
    AppendField(out, "linked_actor", e.linked_actor);
  }
  if (!e.attributes.empty()) {
    out += ",\"attributes\":{";
    for (size_t i = 0; i < e.attributes.size(); ++i) {
      if (i) out.push_back(',');
      AppendJsonString(out, e.attributes[i].first);
      out.push_back(':');
      AppendJsonString(out, e.attributes[i].second);
    }
    out.push_back('}');
  }
  AppendField(out, "text", e.text);
  if (!e.props_json.empty()) {
    out += ",\"props\":";
    out += e.props_json;
  }
  out.push_back('}');
}

std::string EventToJson(const Event& e) {
  std::string s;
  AppendEventJson(s, e);
  return s;
}

}  // namespace qun
