// Slack: a workspace export (zip or unpacked folder: channels.json,
// users.json, <channel>/<YYYY-MM-DD>.json), a single day file, or Web API
// conversations.history pages. docs/formats/slack.md is the mapping.
#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <unordered_map>

#include "common/strings.h"
#include "connectors/common/input.h"
#include "connectors/common/json_stream.h"
#include "connectors/common/json_value.h"
#include "connectors/common/util.h"
#include "connectors/connector.h"

namespace qun::connectors {
namespace {

struct User {
  std::string name;
  bool bot = false;
};

bool IsDayFile(std::string_view member) {
  // "<channel>/YYYY-MM-DD.json"
  std::string_view base = BaseName(member);
  return member.find('/') != std::string_view::npos && base.size() == 15 && EndsWith(base, ".json") &&
         DateInFileName(base).has_value();
}

// "1452845865.000008" -> ms; nullopt when not a Slack ts.
std::optional<int64_t> SlackTs(std::string_view ts) {
  size_t dot = ts.find('.');
  std::string_view sec = ts.substr(0, dot);
  if (sec.empty() || sec.size() > 12) return std::nullopt;
  int64_t s = 0;
  for (char c : sec) {
    if (c < '0' || c > '9') return std::nullopt;
    s = s * 10 + (c - '0');
  }
  int64_t ms = 0;
  if (dot != std::string_view::npos) {
    std::string_view frac = ts.substr(dot + 1);
    for (size_t i = 0; i < 3; ++i) {
      char c = i < frac.size() ? frac[i] : '0';
      if (c < '0' || c > '9') return std::nullopt;
      ms = ms * 10 + (c - '0');
    }
  }
  return s * 1000 + ms;
}

class SlackReader {
 public:
  SlackReader(const std::string& path, const ImportOptions& opt, EventSink& sink)
      : path_(path), opt_(opt), sink_(sink), names_(Platform::kSlack, "slack") {}

  Status Run() {
    std::error_code ec;
    if (std::filesystem::is_directory(path_, ec)) return RunFolder();
    std::string head(4, '\0');
    {
      QUN_ASSIGN_OR_RETURN(auto probe, FileSource::Open(path_));
      QUN_ASSIGN_OR_RETURN(size_t n, probe->Read(head.data(), head.size()));
      head.resize(n);
    }
    if (StartsWith(head, "PK")) return RunZip();
    QUN_ASSIGN_OR_RETURN(auto src, FileSource::Open(path_));
    where_ = SourceLocation{path_, 0, 0, ""};
    std::string channel = opt_.community.empty() ? CommunityFromPath(path_) : opt_.community;
    std::string_view parent = ParentName(path_);
    if (DateInFileName(BaseName(path_)) && !parent.empty()) channel = opt_.community.empty() ? std::string(parent) : opt_.community;
    return ReadMessages(*src, channel);
  }

 private:
  // ---- metadata ----

  void LoadChannels(std::string& text) {
    element root;
    if (ParseRaw(parser_, text, &root) != simdjson::SUCCESS) return;
    array list;
    if (root.get(list) != simdjson::SUCCESS) return;
    for (element c : list) {
      std::string id = Str(c, "id"), name = Str(c, "name");
      if (!id.empty()) channel_ids_[name.empty() ? id : name] = id;
    }
  }

  void LoadUsers(std::string& text) {
    element root;
    if (ParseRaw(parser_, text, &root) != simdjson::SUCCESS) return;
    array list;
    if (root.get(list) != simdjson::SUCCESS) return;
    for (element u : list) {
      std::string id = Str(u, "id");
      if (id.empty()) continue;
      User user;
      user.name = Str(u, "real_name");
      if (auto profile = Field(u, "profile")) {
        if (user.name.empty()) user.name = Str(*profile, "real_name");
        if (user.name.empty()) user.name = Str(*profile, "display_name");
      }
      if (user.name.empty()) user.name = Str(u, "name");
      user.bot = Bool(u, "is_bot");
      users_[id] = std::move(user);
    }
  }

  static bool IsMetaFile(std::string_view name) {
    return name == "channels.json" || name == "groups.json" || name == "mpims.json" || name == "dms.json" ||
           name == "users.json";
  }

  void LoadMeta(std::string_view name, std::string& text) {
    if (name == "users.json") LoadUsers(text);
    else LoadChannels(text);
  }

  std::string ChannelOf(std::string_view folder) const {
    auto it = channel_ids_.find(std::string(folder));
    return it == channel_ids_.end() ? RepairUtf8(folder) : it->second;
  }

  // ---- zip ----

  static std::string ArchiveError(struct archive* a) {
    const char* e = archive_error_string(a);
    return e ? e : "unreadable archive";
  }

  struct ArchiveCloser {
    void operator()(struct archive* a) const { archive_read_free(a); }
  };
  using ArchivePtr = std::unique_ptr<struct archive, ArchiveCloser>;

  Result<ArchivePtr> OpenZip() {
    ArchivePtr a(archive_read_new());
    archive_read_support_format_zip(a.get());
    if (archive_read_open_filename(a.get(), path_.c_str(), 1 << 16) != ARCHIVE_OK)
      return InvalidArgument(fmt::format("{}: not a readable zip: {}", path_, ArchiveError(a.get())));
    return a;
  }

  Status RunZip() {
    {
      QUN_ASSIGN_OR_RETURN(ArchivePtr a, OpenZip());
      struct archive_entry* entry;
      int rc;
      while ((rc = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
        std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
        // Metadata sits at the top, or under one wrapping folder.
        if (!IsMetaFile(BaseName(name)) || std::count(name.begin(), name.end(), '/') > 1) continue;
        ArchiveEntrySource src(a.get(), name);
        std::string text;
        char buf[65536];
        for (;;) {
          QUN_ASSIGN_OR_RETURN(size_t n, src.Read(buf, sizeof buf));
          if (n == 0) break;
          text.append(buf, n);
          if (text.size() > (512u << 20)) return ResourceExhausted(fmt::format("{}[{}]: larger than 512 MiB", path_, name));
        }
        LoadMeta(BaseName(name), text);
      }
      if (rc != ARCHIVE_EOF)
        return sink_.Reject(DataLoss(fmt::format("zip: {}", ArchiveError(a.get()))), SourceLocation{path_, 0, 0, ""}, "");
    }
    QUN_ASSIGN_OR_RETURN(ArchivePtr a, OpenZip());
    struct archive_entry* entry;
    int rc;
    while ((rc = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
      std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
      if (!IsDayFile(name)) continue;
      where_ = SourceLocation{path_, 0, 0, name};
      ArchiveEntrySource src(a.get(), name);
      QUN_RETURN_IF_ERROR(ReadMessages(src, ChannelOf(ParentName(name))));
    }
    if (rc != ARCHIVE_EOF)
      return sink_.Reject(DataLoss(fmt::format("zip: {}", ArchiveError(a.get()))), SourceLocation{path_, 0, 0, ""}, "");
    return Status::Ok();
  }

  // ---- folder ----

  Status RunFolder() {
    namespace fs = std::filesystem;
    std::vector<fs::path> days;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(path_, ec)) {
      std::string n = e.path().filename().string();
      if (e.is_regular_file() && IsMetaFile(n)) {
        QUN_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(e.path().string(), 512u << 20));
        LoadMeta(n, text);
      } else if (e.is_directory()) {
        for (const auto& f : fs::directory_iterator(e.path(), ec))
          if (f.is_regular_file() && IsDayFile(n + "/" + f.path().filename().string())) days.push_back(f.path());
      }
    }
    if (ec) return NotFound(fmt::format("{}: {}", path_, ec.message()));
    std::sort(days.begin(), days.end());
    for (const auto& d : days) {
      QUN_ASSIGN_OR_RETURN(auto src, FileSource::Open(d.string()));
      where_ = SourceLocation{d.string(), 0, 0, ""};
      QUN_RETURN_IF_ERROR(ReadMessages(*src, ChannelOf(d.parent_path().filename().string())));
    }
    return Status::Ok();
  }

  // ---- messages ----

  // A day file is an array of messages; an API page is {"messages":[...]}.
  Status ReadMessages(ByteSource& src, const std::string& channel) {
    JsonStream js(src);
    Status st = ReadMessagesIn(js, channel);
    if (!st.ok() && st.code() == StatusCode::kInvalidArgument && !stopped_) {
      where_.offset = js.offset();
      return sink_.Reject(st, where_, "");
    }
    return st;
  }

  Status ReadMessagesIn(JsonStream& js, const std::string& channel) {
    QUN_ASSIGN_OR_RETURN(char c, js.Peek());
    if (c == '{') {
      QUN_RETURN_IF_ERROR(js.BeginObject());
      std::string key;
      for (;;) {
        QUN_ASSIGN_OR_RETURN(bool more, js.NextKey(&key));
        if (!more) return Status::Ok();
        if (key == "messages") QUN_RETURN_IF_ERROR(ReadArray(js, channel));
        else QUN_RETURN_IF_ERROR(js.Skip());
      }
    }
    return ReadArray(js, channel);
  }

  Status ReadArray(JsonStream& js, const std::string& channel) {
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
        st = MapMessage(m, channel);
      if (!st.ok()) {
        stopped_ = true;
        return st;
      }
      if (where_.member.empty()) sink_.Progress(js.offset());
    }
  }

  Event Base(EventType type, std::string id, int64_t ts, const std::string& channel, std::string actor) {
    Event e;
    e.type = type;
    e.id = std::move(id);
    e.ts_ms = ts;
    e.platform = Platform::kSlack;
    e.community = opt_.community.empty() ? channel : opt_.community;
    e.actor = RepairUtf8(actor);
    return e;
  }

  static void Mentions(std::string_view text, std::vector<std::string>* out) {
    for (size_t at = text.find("<@"); at != std::string_view::npos; at = text.find("<@", at + 2)) {
      size_t end = text.find_first_of("|>", at + 2);
      if (end == std::string_view::npos) break;
      std::string id(text.substr(at + 2, end - at - 2));
      if (id.empty() || id.size() > 64 || std::find(out->begin(), out->end(), id) != out->end()) continue;
      out->push_back(RepairUtf8(id));
    }
  }

  static std::string Kind(element m) {
    std::optional<element> file = Field(m, "file");
    if (auto files = Arr(m, "files")) {
      for (element f : *files) {
        file = f;
        break;
      }
    }
    if (file) return StartsWith(Str(*file, "mimetype"), "image/") ? "image" : "file";
    if (Str(m, "subtype") == "me_message") return "action";
    return "text";
  }

  Status MapMessage(element m, const std::string& channel) {
    std::string ts_s = Str(m, "ts");
    auto ts = SlackTs(ts_s);
    if (!ts) return RejectRecord(sink_, where_, fmt::format("message has no valid 'ts' ('{}')", Excerpt(ts_s)), raw_);
    std::string subtype = Str(m, "subtype");
    std::string user = Str(m, "user");
    std::string base_id = fmt::format("slack:{}:{}", channel, ts_s);

    if (subtype == "channel_join" || subtype == "group_join") {
      Event e = Base(EventType::kMemberJoined, base_id, *ts, channel, user);
      e.inviter = Str(m, "inviter");
      QUN_RETURN_IF_ERROR(EmitName(e.community, user, *ts));
      return Emit(sink_, std::move(e), where_);
    }
    if (subtype == "channel_leave" || subtype == "group_leave") {
      Event e = Base(EventType::kMemberLeft, base_id, *ts, channel, user);
      e.reason = "left";
      return Emit(sink_, std::move(e), where_);
    }
    if (subtype == "message_changed") {
      auto inner = Field(m, "message");
      if (!inner) return RejectRecord(sink_, where_, "message_changed without 'message'", raw_);
      std::string orig = Str(*inner, "ts");
      std::string when = ts_s;
      if (auto ed = Field(*inner, "edited")) when = Str(*ed, "ts").empty() ? ts_s : Str(*ed, "ts");
      auto wts = SlackTs(when);
      Event e = Base(EventType::kMessageEdited, fmt::format("slack:{}:{}:e{}", channel, orig, when), wts ? *wts : *ts,
                     channel, Str(*inner, "user"));
      e.message_id = orig;
      e.text = RepairUtf8(Str(*inner, "text"));
      return Emit(sink_, std::move(e), where_);
    }
    if (subtype == "message_deleted") {
      std::string orig = Str(m, "deleted_ts");
      std::string who = user;
      if (auto prev = Field(m, "previous_message")) who = Str(*prev, "user");
      Event e = Base(EventType::kMessageRecalled, fmt::format("slack:{}:{}:d", channel, orig), *ts, channel, who);
      e.message_id = orig;
      return Emit(sink_, std::move(e), where_);
    }
    bool posted = subtype.empty() || subtype == "bot_message" || subtype == "file_share" ||
                  subtype == "file_comment" || subtype == "thread_broadcast" || subtype == "me_message" ||
                  subtype == "reply_broadcast";
    if (!posted) return Status::Ok();  // topic/purpose/name changes, bot_add, pins: documented

    std::string actor = user;
    bool bot = subtype == "bot_message";
    if (subtype == "file_comment") {
      if (auto comment = Field(m, "comment")) actor = Str(*comment, "user");
    }
    if (actor.empty()) actor = Str(m, "bot_id");
    if (actor.empty()) actor = Str(m, "username");
    if (actor.empty()) return RejectRecord(sink_, where_, "message has no 'user' or 'bot_id'", raw_);
    auto u = users_.find(actor);
    if (u != users_.end() && u->second.bot) bot = true;

    Event e = Base(EventType::kMessagePosted, base_id, *ts, channel, actor);
    e.message_id = ts_s;
    std::string text = Str(m, "text");
    if (text.empty()) {
      // Bot posts often carry their text only in attachments.
      if (auto atts = Arr(m, "attachments"))
        for (element a : *atts) {
          text = Str(a, "fallback");
          if (!text.empty()) break;
        }
    }
    e.text = RepairUtf8(text);
    e.kind = Kind(m);
    std::string thread_ts = Str(m, "thread_ts");
    if (!thread_ts.empty() && thread_ts != ts_s) {
      e.thread = thread_ts;
      e.reply_to = thread_ts;
    }
    Mentions(e.text, &e.mentions);
    if (bot) e.props_json = "{\"bot\":true}";
    std::string community = e.community;
    QUN_RETURN_IF_ERROR(EmitName(community, actor, *ts, Str(m, "username")));
    QUN_RETURN_IF_ERROR(Emit(sink_, std::move(e), where_));

    if (auto ed = Field(m, "edited")) {
      std::string when = Str(*ed, "ts");
      if (auto wts = SlackTs(when)) {
        std::string editor = Str(*ed, "user");
        Event x = Base(EventType::kMessageEdited, fmt::format("{}:e{}", base_id, when), *wts, channel,
                       editor.empty() ? actor : editor);
        x.message_id = ts_s;
        QUN_RETURN_IF_ERROR(Emit(sink_, std::move(x), where_));
      }
    }
    if (auto reactions = Arr(m, "reactions")) {
      for (element r : *reactions) {
        std::string emoji = Str(r, "name");
        auto who = Arr(r, "users");
        if (emoji.empty() || !who) continue;
        for (element w : *who) {
          std::string_view uid;
          if (w.get(uid) != simdjson::SUCCESS || uid.empty()) continue;
          // The export has no reaction time: the message's time stands in (documented).
          Event x = Base(EventType::kReactionAdded, fmt::format("{}:r:{}:{}", base_id, emoji, uid), *ts, channel,
                         std::string(uid));
          x.message_id = ts_s;
          x.emoji = RepairUtf8(emoji);
          QUN_RETURN_IF_ERROR(Emit(sink_, std::move(x), where_));
        }
      }
    }
    return Status::Ok();
  }

  Status EmitName(const std::string& community, const std::string& actor, int64_t ts, std::string_view fallback = {}) {
    auto u = users_.find(actor);
    std::string name = u != users_.end() ? u->second.name : std::string(fallback);
    Event p;
    if (names_.Observe(community, actor, name, ts, &p)) return Emit(sink_, std::move(p), where_);
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
  std::unordered_map<std::string, std::string> channel_ids_;  // folder name -> channel id
  std::unordered_map<std::string, User> users_;
};

class SlackConnector : public Connector {
 public:
  std::string_view name() const override { return "slack"; }
  int Detect(std::string_view path, std::string_view head) const override {
    std::error_code ec;
    std::filesystem::path p{std::string(path)};
    if (std::filesystem::is_directory(p, ec))
      return std::filesystem::exists(p / "channels.json", ec) || std::filesystem::exists(p / "users.json", ec) ? 90 : 0;
    if (StartsWith(head, "PK")) {
      bool names = head.find("channels.json") != std::string_view::npos || head.find("users.json") != std::string_view::npos;
      return names ? 90 : (EndsWith(path, ".zip") ? 20 : 0);
    }
    bool slack_ts = head.find("\"ts\"") != std::string_view::npos && head.find("\"type\"") != std::string_view::npos &&
                    head.find("\"message\"") != std::string_view::npos;
    if (slack_ts && (head.find("\"user\"") != std::string_view::npos || head.find("\"bot_id\"") != std::string_view::npos))
      return 70;
    return 0;
  }
  Status Read(const std::string& path, const ImportOptions& options, EventSink& sink) const override {
    SlackReader r(path, options, sink);
    return r.Run();
  }
};

QUN_REGISTER_CONNECTOR(SlackConnector);

}  // namespace
}  // namespace qun::connectors
