// Mail archives: mbox files and Mailman/pipermail monthly archives.
// docs/formats/mbox.md is the mapping.
#include <fmt/format.h>

#include "common/strings.h"
#include "connectors/common/input.h"
#include "connectors/common/util.h"
#include "connectors/connector.h"
#include "connectors/mbox/mime.h"
#include "core/model/event_json.h"

namespace qun::connectors {
namespace {

constexpr size_t kMaxMessageBytes = 64 << 20;  // larger messages keep their first 64 MiB

// "From addr  date": a separator only at the start of the file or after a blank line.
bool IsSeparator(std::string_view line) {
  if (!StartsWith(line, "From ") || line.size() < 8) return false;
  for (char c : line.substr(5))
    if (c >= '0' && c <= '9') return true;
  return false;
}

// The first "<…>" token of a header, without brackets; else the trimmed value.
std::string FirstId(std::string_view v) {
  size_t lt = v.find('<');
  size_t gt = lt == std::string_view::npos ? lt : v.find('>', lt);
  std::string_view id = lt != std::string_view::npos && gt != std::string_view::npos ? v.substr(lt + 1, gt - lt - 1)
                                                                                     : TrimWhitespace(v);
  if (id.find(' ') != std::string_view::npos) id = id.substr(0, id.find(' '));
  return RepairUtf8(id.substr(0, kMaxIdBytes - 16));
}

class MboxReader {
 public:
  MboxReader(const std::string& path, const ImportOptions& opt, EventSink& sink)
      : path_(path), opt_(opt), sink_(sink), names_(Platform::kMail, "mail") {}

  Status Run() {
    QUN_ASSIGN_OR_RETURN(auto src, FileSource::Open(path_));
    LineReader lines(*src);
    std::string_view line;
    bool prev_blank = true;
    for (;;) {
      QUN_ASSIGN_OR_RETURN(bool more, lines.Next(&line));
      if (!more) break;
      // Before the first message any separator starts one; later only after a blank line.
      if ((prev_blank || !started_) && IsSeparator(line)) {
        started_ = true;
        QUN_RETURN_IF_ERROR(Flush());
        in_message_ = true;
        where_ = SourceLocation{path_, lines.line_no(), lines.line_offset(), ""};
        separator_.assign(line);
        message_.clear();
      } else if (in_message_) {
        if (message_.size() < kMaxMessageBytes) {
          // mboxrd escapes body lines that start with "From " as ">From ".
          if (StartsWith(line, ">From ")) line.remove_prefix(1);
          message_.append(line);
          message_.push_back('\n');
        }
      } else if (!TrimWhitespace(line).empty() && !garbage_reported_) {
        garbage_reported_ = true;  // one report for the whole leading block
        QUN_RETURN_IF_ERROR(RejectRecord(sink_, SourceLocation{path_, lines.line_no(), lines.line_offset(), ""},
                                         "text before the first 'From ' separator line: not an mbox file?", line));
      }
      prev_blank = TrimWhitespace(line).empty();
      if ((lines.line_no() & 1023) == 0) sink_.Progress(lines.bytes_read());
    }
    return Flush();
  }

 private:
  Status Flush() {
    if (!in_message_) return Status::Ok();
    in_message_ = false;
    MailHeaders h;
    std::string_view body;
    SplitMessage(message_, &h, &body);
    std::string address, name;
    ParseAddress(HeaderValue(h, "from"), &address, &name);
    if (address.empty()) {
      // The separator's sender: "From goran at domain.com  Wed Dec …".
      std::string_view rest = std::string_view(separator_).substr(5);
      std::string_view who = rest.substr(0, rest.find("  "));
      ParseAddress(who.find(' ') != std::string_view::npos && who.find(" at ") == std::string_view::npos
                       ? who.substr(0, who.find(' '))
                       : who,
                   &address, &name);
    }
    if (address.empty()) return RejectRecord(sink_, where_, "message has no From header and no sender on its separator", separator_);
    std::optional<int64_t> ts = ParseMailDate(HeaderValue(h, "date"), opt_.tz);
    if (!ts) ts = ParseAsctimeDate(std::string_view(separator_).substr(5), opt_.tz);
    if (!ts) return RejectRecord(sink_, where_, "no usable Date header and no date on the 'From ' line", separator_);

    std::string text = PlainText(h, body);
    // Pipermail appends scrubbed attachments after this line.
    if (size_t cut = text.find("\n-------------- next part --------------"); cut != std::string::npos) text.resize(cut + 1);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (text.size() > kMaxTextBytes) {
      size_t n = kMaxTextBytes;
      while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
      text.resize(n);
    }
    std::string subject = DecodeEncodedWords(HeaderValue(h, "subject"));
    std::string msgid = FirstId(HeaderValue(h, "message-id"));
    if (msgid.empty()) msgid = "h" + HashHex(address + "\n" + std::to_string(*ts) + "\n" + subject + "\n" + text.substr(0, 4096));

    Event e;
    e.type = EventType::kMessagePosted;
    e.id = "mail:" + msgid;
    e.ts_ms = *ts;
    e.platform = Platform::kMail;
    std::string list = FirstId(HeaderValue(h, "list-id"));
    e.community = !opt_.community.empty() ? opt_.community : !list.empty() ? list : CommunityFromPath(path_);
    e.actor = address;
    e.message_id = msgid;
    e.kind = "text";
    std::string in_reply_to = HeaderValue(h, "in-reply-to");
    if (!in_reply_to.empty() && in_reply_to.find('<') != std::string::npos) e.reply_to = FirstId(in_reply_to);
    std::string refs = HeaderValue(h, "references");
    e.thread = refs.find('<') != std::string::npos ? FirstId(refs) : e.reply_to;
    e.text = std::move(text);
    if (!subject.empty()) {
      e.props_json = "{\"subject\":";
      AppendJsonString(e.props_json, Excerpt(subject, 1000));
      e.props_json += "}";
    }
    Event p;
    if (names_.Observe(e.community, address, name, *ts, &p)) QUN_RETURN_IF_ERROR(Emit(sink_, std::move(p), where_));
    return Emit(sink_, std::move(e), where_);
  }

  std::string path_;
  const ImportOptions& opt_;
  EventSink& sink_;
  NameTracker names_;
  SourceLocation where_;
  bool in_message_ = false, started_ = false, garbage_reported_ = false;
  std::string separator_, message_;
};

class MboxConnector : public Connector {
 public:
  std::string_view name() const override { return "mbox"; }
  int Detect(std::string_view path, std::string_view head) const override {
    if (!IsSeparator(head.substr(0, head.find('\n')))) return 0;
    bool headers = head.find("\nFrom:") != std::string_view::npos || head.find("\nDate:") != std::string_view::npos ||
                   head.find("\nMessage-ID:") != std::string_view::npos || head.find("\nSubject:") != std::string_view::npos;
    return headers ? 90 : (EndsWith(path, ".mbox") ? 50 : 20);
  }
  Status Read(const std::string& path, const ImportOptions& options, EventSink& sink) const override {
    MboxReader r(path, options, sink);
    return r.Run();
  }
};

QUN_REGISTER_CONNECTOR(MboxConnector);

}  // namespace
}  // namespace qun::connectors
