// WeCom (企业微信) chat-archive (会话内容存档) messages as the operator's
// archive SDK writes them after decryption: one JSON object per line.
// docs/formats/wecom.md is the mapping.
#include <fmt/format.h>

#include "common/strings.h"
#include "connectors/common/input.h"
#include "connectors/common/json_value.h"
#include "connectors/common/util.h"
#include "connectors/connector.h"

namespace qun::connectors {
namespace {

// The readable text of a message of type `type`.
std::string TextOf(element m, const std::string& type) {
  auto body = Field(m, type);
  if (!body) return {};
  if (type == "text") return Str(*body, "content");
  if (type == "markdown") {
    if (auto info = Field(*body, "info")) return Str(*info, "content");
    return Str(*body, "content");
  }
  if (type == "link" || type == "weapp" || type == "news" || type == "calendar" || type == "meeting" ||
      type == "todo" || type == "docmsg" || type == "sphfeed")
    return Str(*body, "title");
  if (type == "file") return Str(*body, "filename");
  if (type == "location") return Str(*body, "address");
  if (type == "vote") return Str(*body, "votetitle");
  if (type == "redpacket" || type == "external_redpacket") return Str(*body, "wish");
  return {};
}

class WecomConnector : public Connector {
 public:
  std::string_view name() const override { return "wecom"; }

  int Detect(std::string_view, std::string_view head) const override {
    std::string_view first = head.substr(0, head.find('\n'));
    first = TrimWhitespace(first);
    if (!StartsWith(first, "{")) return 0;
    bool msgid = first.find("\"msgid\"") != std::string_view::npos;
    bool archive = first.find("\"msgtime\"") != std::string_view::npos || first.find("\"action\"") != std::string_view::npos;
    return msgid && archive ? 95 : 0;
  }

  Status Read(const std::string& path, const ImportOptions& opt, EventSink& sink) const override {
    QUN_ASSIGN_OR_RETURN(auto src, FileSource::Open(path));
    LineReader lines(*src);
    simdjson::dom::parser parser;
    std::string buf;
    std::string_view line;
    for (;;) {
      QUN_ASSIGN_OR_RETURN(bool more, lines.Next(&line));
      if (!more) return Status::Ok();
      SourceLocation where{path, lines.line_no(), lines.line_offset(), ""};
      if (TrimWhitespace(line).empty()) continue;
      buf.assign(line);
      element m;
      if (ParseRaw(parser, buf, &m) != simdjson::SUCCESS || !IsObject(m)) {
        QUN_RETURN_IF_ERROR(RejectRecord(sink, where, "not a JSON object", line));
        continue;
      }
      QUN_RETURN_IF_ERROR(MapMessage(m, opt, sink, where, line));
      if ((lines.line_no() & 1023) == 0) sink.Progress(lines.bytes_read());
    }
  }

 private:
  static Status MapMessage(element m, const ImportOptions& opt, EventSink& sink, const SourceLocation& where,
                           std::string_view line) {
    std::string action = Str(m, "action");
    if (action == "switch") return Status::Ok();  // an employee switched enterprise: no group activity
    std::string msgid = Str(m, "msgid");
    std::string from = Str(m, "from");
    auto msgtime = Int(m, "msgtime");
    std::string type = Str(m, "msgtype");
    if (msgid.empty() || from.empty() || !msgtime || type.empty())
      return RejectRecord(sink, where, "message lacks msgid, from, msgtime or msgtype", line);
    int64_t ts = *msgtime < 100000000000LL ? *msgtime * 1000 : *msgtime;  // seconds in some SDK dumps
    std::string room = Str(m, "roomid");
    std::string community = opt.community;
    if (community.empty()) community = room;
    if (community.empty()) {
      // 1:1 chats have no room: a stable id from the two accounts, sorted.
      std::string to;
      if (auto tolist = Arr(m, "tolist")) {
        for (element t : *tolist) {
          std::string_view s;
          if (t.get(s) == simdjson::SUCCESS) {
            to = std::string(s);
            break;
          }
        }
      }
      if (to.empty()) return RejectRecord(sink, where, "1:1 message (empty roomid) without a recipient in tolist", line);
      community = from < to ? fmt::format("p2p:{}:{}", from, to) : fmt::format("p2p:{}:{}", to, from);
    }
    Event e;
    e.id = "wecom:" + msgid;
    e.ts_ms = ts;
    e.platform = Platform::kWecom;
    e.community = RepairUtf8(community);
    e.actor = RepairUtf8(from);
    if (action == "recall" || type == "revoke") {
      e.type = EventType::kMessageRecalled;
      if (auto revoke = Field(m, "revoke")) e.message_id = Str(*revoke, "pre_msgid");
      if (e.message_id.empty()) return RejectRecord(sink, where, "recall without revoke.pre_msgid", line);
      return Emit(sink, std::move(e), where);
    }
    e.type = EventType::kMessagePosted;
    e.message_id = msgid;
    e.kind = RepairUtf8(type);
    e.text = RepairUtf8(TextOf(m, type));
    return Emit(sink, std::move(e), where);
  }
};

QUN_REGISTER_CONNECTOR(WecomConnector);

}  // namespace
}  // namespace qun::connectors
