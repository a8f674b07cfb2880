#include "core/model/event_csv.h"

#include <fmt/format.h>

#include "common/strings.h"
#include "common/time.h"
#include "core/model/event_json.h"

namespace qun {
namespace {

void AppendCell(std::string& out, std::string_view v) {
  bool quote = v.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

const std::vector<std::string_view>& CanonicalCsvColumns() {
  static const std::vector<std::string_view> kCols = {
      "id",          "type",        "ts",          "platform",       "community",     "actor",
      "inviter",     "channel",     "reason",      "message_id",     "kind",          "reply_to",
      "thread",      "mentions",    "emoji",       "content_id",     "category",      "title",
      "activity_id", "order_id",    "amount",      "currency",       "nps",           "target_message",
      "target_member", "linked_platform", "linked_actor", "attributes", "text"};
  return kCols;
}

void AppendCsvHeader(std::string& out) {
  const auto& cols = CanonicalCsvColumns();
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) out.push_back(',');
    out.append(cols[i]);
  }
  out.push_back('\n');
}

void AppendEventCsv(std::string& out, const Event& e) {
  std::string mentions;
  for (size_t i = 0; i < e.mentions.size(); ++i) {
    if (i) mentions.push_back(' ');
    mentions += e.mentions[i];
  }
  std::string attrs;
  if (!e.attributes.empty()) {
    attrs = "{";
    for (size_t i = 0; i < e.attributes.size(); ++i) {
      if (i) attrs.push_back(',');
      AppendJsonString(attrs, e.attributes[i].first);
      attrs.push_back(':');
      AppendJsonString(attrs, e.attributes[i].second);
    }
    attrs.push_back('}');
  }
  bool is_order = e.type == EventType::kOrderPaid || e.type == EventType::kOrderRefunded;
  std::string ts = std::to_string(e.ts_ms);
  std::string amount = is_order ? FormatAmount(e.amount_minor) : "";
  std::string nps = e.nps >= 0 ? std::to_string(e.nps) : "";
  std::string linked_platform(e.type == EventType::kIdentityLinked ? PlatformName(e.linked_platform) : "");
  const std::string_view cells[] = {
      e.id,          EventTypeName(e.type), ts,           PlatformName(e.platform), e.community,
      e.actor,       e.inviter,             e.channel,    e.reason,                 e.message_id,
      e.kind,        e.reply_to,            e.thread,     mentions,                 e.emoji,
      e.content_id,  e.category,            e.title,      e.activity_id,            e.order_id,
      amount,        e.currency,            nps,          e.target_message,         e.target_member,
      linked_platform, e.linked_actor,      attrs,        e.text};
  for (size_t i = 0; i < std::size(cells); ++i) {
    if (i) out.push_back(',');
    AppendCell(out, cells[i]);
  }
  out.push_back('\n');
}

Result<std::string> CsvRowToJson(const std::vector<std::string>& header, const std::vector<std::string>& row) {
  if (row.size() != header.size())
    return InvalidArgument(fmt::format("row has {} cells, the header has {}", row.size(), header.size()));
  std::string json = "{";
  std::string props;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string& name = header[i];
    const std::string& v = row[i];
    if (v.empty()) continue;
    bool known = false;
    for (auto c : CanonicalCsvColumns())
      if (c == name) known = true;
    std::string* out = known ? &json : &props;
    if (out->size() > 1 || (out == &props && !props.empty())) out->push_back(',');
    AppendJsonString(*out, name);
    out->push_back(':');
    if ((name == "ts" && AllDigits(v)) || name == "amount" || name == "nps") {
      // Numbers are passed through as JSON numbers; the parser validates them.
      bool numeric = !v.empty() && v.find_first_not_of("0123456789.-") == std::string::npos;
      if (numeric) out->append(v);
      else AppendJsonString(*out, v);
    } else if (name == "mentions") {
      out->push_back('[');
      bool first = true;
      for (auto m : SplitString(v, ' ')) {
        if (m.empty()) continue;
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(*out, m);
      }
      out->push_back(']');
    } else if (name == "attributes") {
      out->append(v);  // JSON object text; the parser checks it
    } else {
      AppendJsonString(*out, v);
    }
  }
  if (!props.empty()) {
    if (json.size() > 1) json.push_back(',');
    json += "\"props\":{" + props + "}";
  }
  json.push_back('}');
  return json;
}

}  // namespace qun
