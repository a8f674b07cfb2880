// Discord: the JSON files DiscordChatExporter writes (one channel per file).
// docs/formats/discord.md is the mapping.
#include <fmt/format.h>

#include <algorithm>

#include "common/strings.h"
#include "connectors/common/input.h"
#include "connectors/common/json_stream.h"
#include "connectors/common/json_value.h"
#include "connectors/common/util.h"
#include "connectors/connector.h"

namespace qun::connectors {
namespace {

class DiscordReader {
 public:
  DiscordReader(const std::string& path, const ImportOptions& opt, EventSink& sink)
      : path_(path), opt_(opt), sink_(sink), names_(Platform::kDiscord, "discord") {
    where_.file = path;
  }

  Status Run() {
    QUN_ASSIGN_OR_RETURN(auto src, FileSource::Open(path_));
    JsonStream js(*src);
    Status st = ReadRoot(js);
    if (!st.ok() && st.code() == StatusCode::kInvalidArgument && !stopped_) {
      where_.offset = js.offset();
      return sink_.Reject(st, where_, "");
    }
    return st;
  }

 private:
  Status ReadRoot(JsonStream& js) {
    QUN_RETURN_IF_ERROR(js.BeginObject());
    std::string key;
    for (;;) {
      QUN_ASSIGN_OR_RETURN(bool more, js.NextKey(&key));
      if (!more) break;
      if (key == "guild" || key == "channel") {
        QUN_RETURN_IF_ERROR(js.Capture(&raw_));
        element v;
        if (ParseRaw(parser_, raw_, &v) == simdjson::SUCCESS && IsObject(v)) {
          if (key == "guild") guild_id_ = Str(v, "id");
          else {
            channel_id_ = Str(v, "id");
            channel_type_ = Str(v, "type");
          }
        }
      } else if (key == "messages") {
        QUN_RETURN_IF_ERROR(ReadMessages(js));
      } else {
        QUN_RETURN_IF_ERROR(js.Skip());
      }
    }
    QUN_ASSIGN_OR_RETURN(bool end, js.AtEnd());
    if (!end) return InvalidArgument(fmt::format("byte {}: data after the end of the document", js.offset()));
    return Status::Ok();
  }

  Status ReadMessages(JsonStream& js) {
    // The guild is the community (joins are guild-wide); a DM export has the
    // placeholder guild "0", so the channel stands in.
    community_ = !opt_.community.empty() ? opt_.community
                 : (!guild_id_.empty() && guild_id_ != "0") ? guild_id_
                 : !channel_id_.empty()                     ? channel_id_
                                                            : CommunityFromPath(path_);
    QUN_RETURN_IF_ERROR(js.BeginArray());
    for (;;) {
      QUN_ASSIGN_OR_RETURN(bool more, js.NextElement());
      if (!more) return Status::Ok();
      where_.offset = js.offset();
      QUN_RETURN_IF_ERROR(js.Capture(&raw_));
      element m;
      Status st;
      if (ParseRaw(parser_, raw_, &m) != simdjson::SUCCESS || !IsObject(m))
        st = RejectRecord(sink_, where_, "message is not a valid JSON object", raw_);
      else
        st = MapMessage(m);
      if (!st.ok()) {
        stopped_ = true;
        return st;
      }
      sink_.Progress(js.offset());
    }
  }

  Event Base(EventType type, std::string id, int64_t ts, std::string actor) {
    Event e;
    e.type = type;
    e.id = std::move(id);
    e.ts_ms = ts;
    e.platform = Platform::kDiscord;
    e.community = community_;
    e.actor = RepairUtf8(actor);
    return e;
  }

  static std::string Kind(element m) {
    if (auto st = Arr(m, "stickers"); st && st->size() > 0) return "sticker";
    if (auto atts = Arr(m, "attachments")) {
      for (element a : *atts) {
        std::string n = AsciiLower(Str(a, "fileName"));
        size_t dot = n.rfind('.');
        std::string ext = dot == std::string::npos ? "" : n.substr(dot + 1);
        if (ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "gif" || ext == "webp") return "image";
        if (ext == "mp4" || ext == "webm" || ext == "mov") return "video";
        if (ext == "mp3" || ext == "ogg" || ext == "wav" || ext == "m4a") return "audio";
        return "file";
      }
    }
    return "text";
  }

  Status MapMessage(element m) {
    std::string id = Str(m, "id");
    std::string type = Str(m, "type");
    std::string ts_s = Str(m, "timestamp");
    auto ts = ParseRfc3339(ts_s);
    auto author = Field(m, "author");
    std::string actor = author ? Str(*author, "id") : "";
    if (id.empty() || !ts.ok() || actor.empty())
      return RejectRecord(sink_, where_,
                          id.empty() ? "message has no 'id'" : !ts.ok() ? ts.status().message() : "message has no author.id",
                          raw_);
    std::string name = Str(*author, "nickname");
    if (name.empty()) name = Str(*author, "name");
    Event p;
    if (names_.Observe(community_, actor, name, *ts, &p, Str(*author, "name")))
      QUN_RETURN_IF_ERROR(Emit(sink_, std::move(p), where_));
    std::string base_id = "discord:" + id;

    if (type == "GuildMemberJoin" || type == "RecipientAdd") {
      Event e = Base(EventType::kMemberJoined, base_id, *ts, actor);
      if (type == "RecipientAdd") {
        // "X added Y": the added user is the first mention.
        if (auto ms = Arr(m, "mentions"))
          for (element x : *ms) {
            std::string who = Str(x, "id");
            if (!who.empty() && who != actor) {
              e.inviter = e.actor;
              e.actor = who;
            }
            break;
          }
      }
      return Emit(sink_, std::move(e), where_);
    }
    if (type == "RecipientRemove") {
      Event e = Base(EventType::kMemberLeft, base_id, *ts, actor);
      e.reason = "left";
      if (auto ms = Arr(m, "mentions"))
        for (element x : *ms) {
          std::string who = Str(x, "id");
          if (!who.empty() && who != actor) {
            e.actor = who;
            e.reason = "removed";
          }
          break;
        }
      return Emit(sink_, std::move(e), where_);
    }
    bool posted = type.empty() || type == "Default" || type == "Reply" || type == "ThreadStarterMessage" ||
                  type == "ChatInputCommand" || type == "ContextMenuCommand";
    if (!posted) return Status::Ok();  // pins, calls, boosts, name changes: documented

    Event e = Base(EventType::kMessagePosted, base_id, *ts, actor);
    e.message_id = id;
    e.text = RepairUtf8(Str(m, "content"));
    e.kind = Kind(m);
    if (auto ref = Field(m, "reference")) {
      std::string rid = Str(*ref, "messageId");
      std::string rch = Str(*ref, "channelId");
      if (!rid.empty() && (rch.empty() || rch == channel_id_)) e.reply_to = rid;
    }
    if (channel_type_.find("Thread") != std::string::npos) e.thread = channel_id_;
    if (auto ms = Arr(m, "mentions")) {
      for (element x : *ms) {
        std::string who = Str(x, "id");
        if (!who.empty() && std::find(e.mentions.begin(), e.mentions.end(), who) == e.mentions.end())
          e.mentions.push_back(RepairUtf8(who));
      }
    }
    if (Bool(*author, "isBot")) e.props_json = "{\"bot\":true}";
    QUN_RETURN_IF_ERROR(Emit(sink_, std::move(e), where_));

    std::string edited = Str(m, "timestampEdited");
    if (!edited.empty()) {
      auto ets = ParseRfc3339(edited);
      if (ets.ok()) {
        Event x = Base(EventType::kMessageEdited, fmt::format("{}:e{}", base_id, *ets), *ets, actor);
        x.message_id = id;
        QUN_RETURN_IF_ERROR(Emit(sink_, std::move(x), where_));
      }
    }
    if (auto reactions = Arr(m, "reactions")) {
      for (element r : *reactions) {
        auto emoji = Field(r, "emoji");
        if (!emoji) continue;
        std::string ename = Str(*emoji, "name");
        std::string ekey = Str(*emoji, "id").empty() ? ename : Str(*emoji, "id");
        auto users = Arr(r, "users");
        if (ekey.empty() || !users) continue;  // counts only: nothing to attribute (documented)
        for (element u : *users) {
          std::string who = Str(u, "id");
          if (who.empty()) continue;
          Event x = Base(EventType::kReactionAdded, fmt::format("{}:r:{}:{}", base_id, ekey, who), *ts, who);
          x.message_id = id;
          x.emoji = RepairUtf8(ename.empty() ? ekey : ename);
          Event up;
          std::string uname = Str(u, "nickname").empty() ? Str(u, "name") : Str(u, "nickname");
          if (names_.Observe(community_, who, uname, *ts, &up, Str(u, "name")))
            QUN_RETURN_IF_ERROR(Emit(sink_, std::move(up), where_));
          QUN_RETURN_IF_ERROR(Emit(sink_, std::move(x), where_));
        }
      }
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
  std::string guild_id_, channel_id_, channel_type_, community_;
  bool stopped_ = false;
};

class DiscordConnector : public Connector {
 public:
  std::string_view name() const override { return "discord"; }
  int Detect(std::string_view, std::string_view head) const override {
    bool guild = head.find("\"guild\"") != std::string_view::npos;
    bool channel = head.find("\"channel\"") != std::string_view::npos;
    bool messages = head.find("\"messages\"") != std::string_view::npos ||
                    head.find("\"exportedAt\"") != std::string_view::npos;
    return guild && channel && messages ? 95 : 0;
  }
  Status Read(const std::string& path, const ImportOptions& options, EventSink& sink) const override {
    DiscordReader r(path, options, sink);
    return r.Run();
  }
};

QUN_REGISTER_CONNECTOR(DiscordConnector);

}  // namespace
}  // namespace qun::connectors
