// Telegram: Telegram Desktop exports (result.json, one chat or a full
// account export with chats.list[]) and Bot API updates (getUpdates pages
// or one update per line). docs/formats/telegram.md is the mapping.
#include <fmt/format.h>

#include <memory>

#include "common/strings.h"
#include "connectors/common/input.h"
#include "connectors/common/json_stream.h"
#include "connectors/common/json_value.h"
#include "connectors/common/util.h"
#include "connectors/connector.h"

namespace qun::connectors {
namespace {

struct ChatContext {
  std::string id, name, type;
};

class TelegramReader {
 public:
  TelegramReader(const std::string& path, const ImportOptions& opt, EventSink& sink)
      : path_(path), opt_(opt), sink_(sink), names_(Platform::kTelegram, "tg") {
    where_.file = path;
  }

  Status Run() {
    QUN_ASSIGN_OR_RETURN(auto src, FileSource::Open(path_));
    // The first key tells the shape: getUpdates pages start with "ok" or
    // "result", bare updates with "update_id", Desktop exports with anything else.
    std::string head(4096, '\0');
    {
      QUN_ASSIGN_OR_RETURN(auto probe, FileSource::Open(path_));
      QUN_ASSIGN_OR_RETURN(size_t n, probe->Read(head.data(), head.size()));
      head.resize(n);
    }
    JsonStream js(*src);
    Status st = Dispatch(js, FirstKey(head));
    if (!st.ok() && st.code() == StatusCode::kInvalidArgument && !stopped_) {
      // Structural error: the document cannot be resynchronized.
      where_.line = 0;
      where_.offset = js.offset();
      return sink_.Reject(st, where_, "");
    }
    return st;
  }

  static std::string FirstKey(std::string_view head) {
    size_t i = head.find_first_not_of(" \t\r\n");
    if (i == std::string_view::npos) return "";
    if (head[i] == '[') return "[";
    if (head[i] != '{') return "";
    i = head.find_first_not_of(" \t\r\n", i + 1);
    if (i == std::string_view::npos || head[i] != '"') return "";
    size_t e = head.find('"', i + 1);
    return e == std::string_view::npos ? "" : std::string(head.substr(i + 1, e - i - 1));
  }

 private:
  Status Dispatch(JsonStream& js, const std::string& first) {
    if (first == "[") {
      QUN_RETURN_IF_ERROR(js.BeginArray());
      return ReadUpdateArray(js, /*begun=*/true);
    }
    if (first == "ok" || first == "result" || first == "update_id" || first == "message" ||
        first == "edited_message" || first == "message_reaction" || first == "chat_member" ||
        first == "channel_post") {
      // A sequence of top-level values: pages {"ok","result":[...]} or updates.
      for (;;) {
        QUN_ASSIGN_OR_RETURN(bool end, js.AtEnd());
        if (end) return Status::Ok();
        where_.offset = js.offset();
        QUN_RETURN_IF_ERROR(js.Capture(&raw_));
        element root;
        if (ParseRaw(parser_, raw_, &root) != simdjson::SUCCESS || !IsObject(root)) {
          QUN_RETURN_IF_ERROR(Stop(RejectRecord(sink_, where_, "not a JSON object (a Bot API update or getUpdates page)", raw_)));
          continue;
        }
        if (auto result = Arr(root, "result")) {
          for (element u : *result) QUN_RETURN_IF_ERROR(MapUpdate(u));
        } else if (Field(root, "ok")) {
          continue;  // an error page {"ok":false,...} carries no updates
        } else {
          QUN_RETURN_IF_ERROR(MapUpdate(root));
        }
        sink_.Progress(js.offset());
      }
    }
    return ReadDesktop(js);
  }

  Status Stop(Status s) {
    if (!s.ok()) stopped_ = true;
    return s;
  }

  Status ReadUpdateArray(JsonStream& js, bool) {
    for (;;) {
      QUN_ASSIGN_OR_RETURN(bool more, js.NextElement());
      if (!more) return Status::Ok();
      where_.offset = js.offset();
      QUN_RETURN_IF_ERROR(js.Capture(&raw_));
      element u;
      if (ParseRaw(parser_, raw_, &u) != simdjson::SUCCESS || !IsObject(u)) {
        QUN_RETURN_IF_ERROR(Stop(RejectRecord(sink_, where_, "update is not a valid JSON object", raw_)));
        continue;
      }
      QUN_RETURN_IF_ERROR(MapUpdate(u));
    }
  }

  // ---- Telegram Desktop export ----

  Status ReadDesktop(JsonStream& js) {
    QUN_RETURN_IF_ERROR(js.BeginObject());
    ChatContext root;
    std::string key;
    for (;;) {
      QUN_ASSIGN_OR_RETURN(bool more, js.NextKey(&key));
      if (!more) break;
      if (key == "chats" || key == "left_chats") {
        QUN_RETURN_IF_ERROR(js.BeginObject());
        std::string k2;
        for (;;) {
          QUN_ASSIGN_OR_RETURN(bool m2, js.NextKey(&k2));
          if (!m2) break;
          if (k2 != "list") {
            QUN_RETURN_IF_ERROR(js.Skip());
            continue;
          }
          QUN_RETURN_IF_ERROR(js.BeginArray());
          for (;;) {
            QUN_ASSIGN_OR_RETURN(bool m3, js.NextElement());
            if (!m3) break;
            QUN_RETURN_IF_ERROR(ReadChat(js));
          }
        }
      } else if (key == "messages") {
        QUN_RETURN_IF_ERROR(ReadMessages(js, root));
      } else if (key == "name" || key == "type" || key == "id") {
        QUN_RETURN_IF_ERROR(ReadScalar(js, key, root));
      } else {
        QUN_RETURN_IF_ERROR(js.Skip());
      }
    }
    QUN_ASSIGN_OR_RETURN(bool end, js.AtEnd());
    if (!end) return InvalidArgument(fmt::format("byte {}: data after the end of the document", js.offset()));
    return Status::Ok();
  }

  Status ReadScalar(JsonStream& js, const std::string& key, ChatContext& chat) {
    QUN_RETURN_IF_ERROR(js.Capture(&raw_));
    element v;
    std::string wrapped = "{\"v\":" + raw_ + "}";
    if (ParseRaw(parser_, wrapped, &v) != simdjson::SUCCESS) return Status::Ok();
    std::string s = Str(v, "v");
    if (key == "name") chat.name = s;
    else if (key == "type") chat.type = s;
    else chat.id = s;
    return Status::Ok();
  }

  Status ReadChat(JsonStream& js) {
    ChatContext chat;
    QUN_RETURN_IF_ERROR(js.BeginObject());
    std::string key;
    for (;;) {
      QUN_ASSIGN_OR_RETURN(bool more, js.NextKey(&key));
      if (!more) return Status::Ok();
      if (key == "messages") QUN_RETURN_IF_ERROR(ReadMessages(js, chat));
      else if (key == "name" || key == "type" || key == "id") QUN_RETURN_IF_ERROR(ReadScalar(js, key, chat));
      else QUN_RETURN_IF_ERROR(js.Skip());
    }
  }

  Status ReadMessages(JsonStream& js, const ChatContext& chat) {
    std::string community = !opt_.community.empty() ? opt_.community
                            : !chat.id.empty()      ? chat.id
                            : !chat.name.empty()    ? RepairUtf8(chat.name)
                                                    : CommunityFromPath(path_);
    std::string chat_key = chat.id.empty() ? community : chat.id;
    ContentIds content_ids;
    QUN_RETURN_IF_ERROR(js.BeginArray());
    for (;;) {
      QUN_ASSIGN_OR_RETURN(bool more, js.NextElement());
      if (!more) return Status::Ok();
      where_.offset = js.offset();
      QUN_RETURN_IF_ERROR(js.Capture(&raw_));
      element m;
      if (ParseRaw(parser_, raw_, &m) != simdjson::SUCCESS || !IsObject(m)) {
        QUN_RETURN_IF_ERROR(Stop(RejectRecord(sink_, where_, "message is not a valid JSON object", raw_)));
        continue;
      }
      QUN_RETURN_IF_ERROR(Stop(MapDesktopMessage(m, community, chat_key, content_ids)));
      sink_.Progress(js.offset());
    }
  }

  static std::string FlattenText(element m, std::vector<std::string>* mentions) {
    auto v = Field(m, "text");
    if (!v) return {};
    std::string_view s;
    if (v->get(s) == simdjson::SUCCESS) {
      // Entities (mentions) are listed separately in newer exports.
      if (auto ents = Arr(m, "text_entities"))
        for (element e : *ents) CollectMention(e, mentions);
      return std::string(s);
    }
    array parts;
    if (v->get(parts) != simdjson::SUCCESS) return {};
    std::string out;
    for (element p : parts) {
      if (p.get(s) == simdjson::SUCCESS) {
        out += s;
      } else if (IsObject(p)) {
        out += Str(p, "text");
        CollectMention(p, mentions);
      }
    }
    return out;
  }

  static void CollectMention(element e, std::vector<std::string>* mentions) {
    std::string t = Str(e, "type");
    std::string id;
    if (t == "mention") id = Str(e, "text");
    else if (t == "mention_name") id = "user" + Str(e, "user_id");
    if (id.empty() || id == "user") return;
    id = RepairUtf8(id);
    for (const auto& x : *mentions)
      if (x == id) return;
    mentions->push_back(std::move(id));
  }

  static std::string DesktopKind(element m) {
    std::string media = Str(m, "media_type");
    if (media == "sticker") return "sticker";
    if (media == "voice_message") return "voice";
    if (media == "video_message" || media == "video_file") return "video";
    if (media == "animation") return "animation";
    if (media == "audio_file") return "audio";
    if (Field(m, "photo")) return "image";
    if (Field(m, "file")) return "file";
    if (Field(m, "poll")) return "poll";
    if (Field(m, "location_information")) return "location";
    if (Field(m, "contact_information")) return "contact";
    return "text";
  }

  Result<int64_t> DesktopTime(element m, std::string_view field_unix, std::string_view field_local) {
    if (auto t = Int(m, field_unix)) return *t * 1000;
    std::string local = Str(m, field_local);
    if (local.size() >= 19) {
      auto utc = ParseRfc3339(local.substr(0, 19) + "Z");
      if (utc.ok()) return LocalToUtc(opt_.tz, *utc);
    }
    return InvalidArgument(fmt::format("no usable '{}' or '{}'", field_unix, field_local));
  }

  Event Base(EventType type, const std::string& id, int64_t ts, const std::string& community,
             const std::string& actor) {
    Event e;
    e.type = type;
    e.id = id;
    e.ts_ms = ts;
    e.platform = Platform::kTelegram;
    e.community = community;
    e.actor = RepairUtf8(actor);
    return e;
  }

  Status MapDesktopMessage(element m, const std::string& community, const std::string& chat_key,
                           ContentIds& content_ids) {
    std::string type = Str(m, "type");
    auto ts = DesktopTime(m, "date_unixtime", "date");
    if (!ts.ok()) return RejectRecord(sink_, where_, ts.status().message(), raw_);
    std::string msg_id = Str(m, "id");
    std::vector<std::string> mentions;
    std::string text = RepairUtf8(FlattenText(m, &mentions));
    if (type == "service") return MapService(m, *ts, community, chat_key, msg_id);
    if (type != "message") return Status::Ok();  // unknown record kinds are skipped (documented)
    std::string actor = Str(m, "from_id");
    std::string name = Str(m, "from");
    if (actor.empty()) actor = name;  // older exports: the display name is all there is
    if (actor.empty()) return RejectRecord(sink_, where_, "message has neither 'from_id' nor 'from'", raw_);
    std::string id_part = !msg_id.empty() ? msg_id : "h" + content_ids.Next(*ts, actor + "\n" + text);
    std::string base_id = fmt::format("tg:{}:{}", chat_key, id_part);
    Event e = Base(EventType::kMessagePosted, base_id, *ts, community, actor);
    e.message_id = msg_id.empty() ? "h" + base_id.substr(base_id.rfind(':') + 2) : msg_id;
    e.text = std::move(text);
    e.kind = DesktopKind(m);
    e.reply_to = Str(m, "reply_to_message_id");
    e.mentions = std::move(mentions);
    std::string message_id = e.message_id;
    Event profile;
    if (name != actor && names_.Observe(community, e.actor, name, *ts, &profile))
      QUN_RETURN_IF_ERROR(Emit(sink_, std::move(profile), where_));
    QUN_RETURN_IF_ERROR(Emit(sink_, std::move(e), where_));
    if (Field(m, "edited_unixtime") || Field(m, "edited")) {
      auto ets = DesktopTime(m, "edited_unixtime", "edited");
      if (ets.ok()) {
        Event ed = Base(EventType::kMessageEdited, fmt::format("{}:e{}", base_id, *ets / 1000), *ets, community, actor);
        ed.message_id = message_id;
        QUN_RETURN_IF_ERROR(Emit(sink_, std::move(ed), where_));
      }
    }
    if (auto reactions = Arr(m, "reactions")) {
      for (element r : *reactions) {
        std::string emoji = Str(r, "emoji");
        if (emoji.empty()) emoji = Str(r, "document_id");
        if (emoji.empty()) continue;
        auto recent = Arr(r, "recent");
        if (!recent) continue;  // counts only: nothing to attribute (documented)
        for (element who : *recent) {
          std::string ra = Str(who, "from_id");
          if (ra.empty()) continue;
          auto rts = DesktopTime(who, "date_unixtime", "date");
          Event re = Base(EventType::kReactionAdded, fmt::format("{}:r:{}:{}", base_id, emoji, ra),
                          rts.ok() ? *rts : *ts, community, ra);
          re.message_id = message_id;
          re.emoji = RepairUtf8(emoji);
          QUN_RETURN_IF_ERROR(Emit(sink_, std::move(re), where_));
        }
      }
    }
    return Status::Ok();
  }

  Status MapService(element m, int64_t ts, const std::string& community, const std::string& chat_key,
                    const std::string& msg_id) {
    std::string action = Str(m, "action");
    std::string actor = Str(m, "actor_id");
    std::string actor_name = Str(m, "actor");
    if (actor.empty()) actor = actor_name;
    std::string base_id = fmt::format("tg:{}:{}", chat_key, msg_id.empty() ? HashHex(raw_) : msg_id);
    auto emit = [&](EventType t, const std::string& who, int idx, std::string_view reason, std::string_view channel,
                    std::string_view inviter) -> Status {
      if (who.empty()) return Status::Ok();
      Event e = Base(t, fmt::format("{}:{}{}", base_id, t == EventType::kMemberJoined ? "j" : "l", idx), ts,
                     community, who);
      e.reason = std::string(reason);
      e.channel = std::string(channel);
      if (inviter != who) e.inviter = RepairUtf8(inviter);
      return Emit(sink_, std::move(e), where_);
    };
    auto members = Arr(m, "members");
    if (action == "invite_members" || action == "create_group" || action == "create_channel" ||
        action == "migrate_from_group") {
      int idx = 0;
      if (action != "invite_members") QUN_RETURN_IF_ERROR(emit(EventType::kMemberJoined, actor, idx++, "", "", ""));
      if (members) {
        for (element x : *members) {
          std::string_view name;
          if (x.get(name) != simdjson::SUCCESS) continue;
          // The export lists invited members by display name only.
          std::string who = name == actor_name ? actor : std::string(name);
          if (who == actor && action != "invite_members") continue;
          QUN_RETURN_IF_ERROR(emit(EventType::kMemberJoined, who, idx++, "", "", actor));
        }
      }
      return Status::Ok();
    }
    if (action == "join_group_by_link") return emit(EventType::kMemberJoined, actor, 0, "", "invite_link", "");
    if (action == "join_group_by_request") return emit(EventType::kMemberJoined, actor, 0, "", "request", "");
    if (action == "remove_members") {
      int idx = 0;
      if (members) {
        for (element x : *members) {
          std::string_view name;
          if (x.get(name) != simdjson::SUCCESS) continue;
          bool self = name == actor_name;
          QUN_RETURN_IF_ERROR(emit(EventType::kMemberLeft, self ? actor : std::string(name), idx++,
                                   self ? "left" : "removed", "", ""));
        }
      }
      return Status::Ok();
    }
    return Status::Ok();  // pins, title changes, calls …: not member activity (documented)
  }

  // ---- Bot API ----

  static std::string CommunityOfChat(element chat) {
    auto id = Int(chat, "id");
    if (!id) return {};
    int64_t v = *id;
    // Supergroups and channels are -100<id>, basic groups -<id>; Desktop exports
    // use the bare id, so both sources name the same chat alike.
    if (v <= -1000000000000LL) v = -v - 1000000000000LL;
    else if (v < 0) v = -v;
    return std::to_string(v);
  }

  static std::string UserId(element user) {
    std::string id = Str(user, "id");
    return id.empty() ? "" : "user" + id;
  }

  static std::string FullName(element user) {
    std::string n = Str(user, "first_name");
    std::string last = Str(user, "last_name");
    if (!last.empty()) n += (n.empty() ? "" : " ") + last;
    if (n.empty()) n = Str(user, "title");
    return n;
  }

  static std::string BotKind(element m) {
    if (Field(m, "photo")) return "image";
    if (Field(m, "sticker")) return "sticker";
    if (Field(m, "voice")) return "voice";
    if (Field(m, "video") || Field(m, "video_note")) return "video";
    if (Field(m, "animation")) return "animation";
    if (Field(m, "audio")) return "audio";
    if (Field(m, "document")) return "file";
    if (Field(m, "poll")) return "poll";
    if (Field(m, "location") || Field(m, "venue")) return "location";
    if (Field(m, "contact")) return "contact";
    return "text";
  }

  // Byte offset of UTF-16 offset `u16` in UTF-8 `s`.
  static size_t Utf16ToByte(std::string_view s, int64_t u16) {
    size_t i = 0;
    int64_t units = 0;
    while (i < s.size() && units < u16) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      units += len == 4 ? 2 : 1;
      i += len;
    }
    return std::min(i, s.size());
  }

  Status EmitName(const std::string& community, element user, int64_t ts) {
    Event p;
    if (names_.Observe(community, UserId(user), FullName(user), ts, &p, Str(user, "username")))
      return Emit(sink_, std::move(p), where_);
    return Status::Ok();
  }

  Status MapUpdate(element u) {
    if (!IsObject(u)) return Stop(RejectRecord(sink_, where_, "update is not an object", raw_));
    if (auto msg = Field(u, "message")) return Stop(MapBotMessage(*msg, false));
    if (auto msg = Field(u, "channel_post")) return Stop(MapBotMessage(*msg, false));
    if (auto msg = Field(u, "edited_message")) return Stop(MapBotMessage(*msg, true));
    if (auto msg = Field(u, "edited_channel_post")) return Stop(MapBotMessage(*msg, true));
    if (auto r = Field(u, "message_reaction")) return Stop(MapBotReaction(*r));
    if (auto cm = Field(u, "chat_member")) return Stop(MapChatMember(*cm));
    return Status::Ok();  // other update kinds carry no community activity (documented)
  }

  Status MapBotMessage(element m, bool edited) {
    auto chat = Field(m, "chat");
    std::string community = chat ? CommunityOfChat(*chat) : "";
    std::string chat_key = community;
    if (!opt_.community.empty()) community = opt_.community;
    std::string mid = Str(m, "message_id");
    auto date = Int(m, "date");
    if (chat_key.empty() || mid.empty() || !date) return RejectRecord(sink_, where_, "message lacks chat.id, message_id or date", raw_);
    int64_t ts = *date * 1000;
    auto from = Field(m, "from");
    std::string actor = from ? UserId(*from) : "";
    if (actor.empty()) {
      auto sender = Field(m, "sender_chat");
      if (!sender && chat) sender = chat;
      if (sender) actor = "chat" + CommunityOfChat(*sender);
    }
    std::string base_id = fmt::format("tg:{}:{}", chat_key, mid);
    if (from) QUN_RETURN_IF_ERROR(EmitName(community, *from, ts));
    if (edited) {
      auto ed = Int(m, "edit_date");
      int64_t ets = ed ? *ed * 1000 : ts;
      Event e = Base(EventType::kMessageEdited, fmt::format("{}:e{}", base_id, ets / 1000), ets, community, actor);
      e.message_id = mid;
      e.text = RepairUtf8(Str(m, "text").empty() ? Str(m, "caption") : Str(m, "text"));
      return Emit(sink_, std::move(e), where_);
    }
    if (auto joined = Arr(m, "new_chat_members")) {
      int idx = 0;
      for (element who : *joined) {
        QUN_RETURN_IF_ERROR(EmitName(community, who, ts));
        Event e = Base(EventType::kMemberJoined, fmt::format("{}:j{}", base_id, idx++), ts, community, UserId(who));
        if (e.actor != actor) e.inviter = actor;
        QUN_RETURN_IF_ERROR(Emit(sink_, std::move(e), where_));
      }
      return Status::Ok();
    }
    if (auto left = Field(m, "left_chat_member")) {
      Event e = Base(EventType::kMemberLeft, base_id + ":l0", ts, community, UserId(*left));
      e.reason = e.actor == actor ? "left" : "removed";
      return Emit(sink_, std::move(e), where_);
    }
    bool has_content = Field(m, "text") || Field(m, "caption") || BotKind(m) != "text";
    if (!has_content) return Status::Ok();  // service messages (pins, titles): documented
    Event e = Base(EventType::kMessagePosted, base_id, ts, community, actor);
    e.message_id = mid;
    bool caption = !Field(m, "text");
    std::string text = Str(m, caption ? "caption" : "text");
    e.kind = BotKind(m);
    if (auto reply = Field(m, "reply_to_message")) {
      std::string rid = Str(*reply, "message_id");
      if (rid != Str(m, "message_thread_id")) e.reply_to = rid;  // topic root is not a reply
    }
    e.thread = Str(m, "message_thread_id");
    if (auto ents = Arr(m, caption ? "caption_entities" : "entities")) {
      for (element ent : *ents) {
        std::string t = Str(ent, "type");
        std::string who;
        if (t == "text_mention") {
          if (auto user = Field(ent, "user")) who = UserId(*user);
        } else if (t == "mention") {
          auto off = Int(ent, "offset");
          auto len = Int(ent, "length");
          if (off && len && *off >= 0 && *len > 0) {
            size_t b = Utf16ToByte(text, *off);
            size_t end = Utf16ToByte(text, *off + *len);
            who = text.substr(b, end - b);
          }
        }
        if (!who.empty()) e.mentions.push_back(RepairUtf8(who));
      }
    }
    e.text = RepairUtf8(text);
    if (from && Bool(*from, "is_bot")) e.props_json = "{\"bot\":true}";
    return Emit(sink_, std::move(e), where_);
  }

  Status MapBotReaction(element r) {
    auto chat = Field(r, "chat");
    std::string chat_key = chat ? CommunityOfChat(*chat) : "";
    std::string community = opt_.community.empty() ? chat_key : opt_.community;
    std::string mid = Str(r, "message_id");
    auto date = Int(r, "date");
    auto user = Field(r, "user");
    if (chat_key.empty() || mid.empty() || !date || !user)
      return Status::Ok();  // anonymous (actor_chat) reactions have no member to credit
    auto old_r = Arr(r, "old_reaction");
    auto new_r = Arr(r, "new_reaction");
    if (!new_r) return Status::Ok();
    auto key = [](element x) {
      std::string k = Str(x, "emoji");
      return k.empty() ? Str(x, "custom_emoji_id") : k;
    };
    std::string actor = UserId(*user);
    for (element x : *new_r) {
      std::string k = key(x);
      bool had = false;
      if (old_r)
        for (element o : *old_r) had = had || key(o) == k;
      if (k.empty() || had) continue;
      Event e = Base(EventType::kReactionAdded, fmt::format("tg:{}:{}:r:{}:{}", chat_key, mid, k, actor),
                     *date * 1000, community, actor);
      e.message_id = mid;
      e.emoji = RepairUtf8(k);
      QUN_RETURN_IF_ERROR(Emit(sink_, std::move(e), where_));
    }
    return Status::Ok();
  }

  Status MapChatMember(element cm) {
    auto chat = Field(cm, "chat");
    std::string chat_key = chat ? CommunityOfChat(*chat) : "";
    std::string community = opt_.community.empty() ? chat_key : opt_.community;
    auto date = Int(cm, "date");
    auto oldm = Field(cm, "old_chat_member");
    auto newm = Field(cm, "new_chat_member");
    if (chat_key.empty() || !date || !oldm || !newm) return RejectRecord(sink_, where_, "chat_member update lacks chat, date or members", raw_);
    auto user = Field(*newm, "user");
    if (!user) return Status::Ok();
    auto in = [](const std::string& s) { return s == "member" || s == "administrator" || s == "creator" || s == "restricted"; };
    std::string was = Str(*oldm, "status"), now = Str(*newm, "status");
    std::string actor = UserId(*user);
    auto from = Field(cm, "from");
    std::string by = from ? UserId(*from) : "";
    std::string id = fmt::format("tg:{}:m:{}:{}", chat_key, actor, *date);
    if (!in(was) && in(now)) {
      Event e = Base(EventType::kMemberJoined, id, *date * 1000, community, actor);
      if (!by.empty() && by != actor) e.inviter = by;
      if (auto link = Field(cm, "invite_link")) e.channel = RepairUtf8(Str(*link, "name").empty() ? "invite_link" : Str(*link, "name"));
      QUN_RETURN_IF_ERROR(EmitName(community, *user, *date * 1000));
      return Emit(sink_, std::move(e), where_);
    }
    if (in(was) && !in(now)) {
      Event e = Base(EventType::kMemberLeft, id, *date * 1000, community, actor);
      e.reason = now == "kicked" ? "banned" : (by.empty() || by == actor ? "left" : "removed");
      return Emit(sink_, std::move(e), where_);
    }
    return Status::Ok();
  }

  std::string path_;
  const ImportOptions& opt_;
  EventSink& sink_;
  SourceLocation where_;
  NameTracker names_;
  simdjson::dom::parser parser_;
  std::string raw_;
  bool stopped_ = false;
};

class TelegramConnector : public Connector {
 public:
  std::string_view name() const override { return "telegram"; }
  int Detect(std::string_view path, std::string_view head) const override {
    std::string first = TelegramReader::FirstKey(head);
    if (first.empty()) return 0;
    bool desktop = head.find("\"date_unixtime\"") != std::string_view::npos ||
                   (head.find("\"from_id\"") != std::string_view::npos && head.find("\"messages\"") != std::string_view::npos);
    if (desktop) return 90;
    if (head.find("\"update_id\"") != std::string_view::npos) return 95;  // above the canonical .jsonl score
    if (EndsWith(path, "result.json")) return 50;
    return 0;
  }
  Status Read(const std::string& path, const ImportOptions& options, EventSink& sink) const override {
    TelegramReader r(path, options, sink);
    return r.Run();
  }
};

QUN_REGISTER_CONNECTOR(TelegramConnector);

}  // namespace
}  // namespace qun::connectors
