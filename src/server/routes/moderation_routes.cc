// Moderation over HTTP (docs/moderation.md#http-api):
//   POST   /v1/moderate                    operator  {"text": …} or NDJSON lines, as `qun moderate --json`
//   GET    /v1/review                      operator  ?status=&rule=&community=&limit=&offset=
//   GET    /v1/review/stats                analyst   false-positive rate per rule (no message text)
//   GET    /v1/review/{id}                 operator  item, context and audit
//   POST   /v1/review/{id}/decision        operator  {"decision": confirm|overturn, "note": …}; reviewer =
//   token name GET    /v1/moderation/findings         operator
//   ?community=&rule=&member=&since=&before_seq=&limit= GET    /v1/moderation/bans             operator POST
//   /v1/moderation/bans             admin     {"member": "platform:actor", "reason": …} DELETE
//   /v1/moderation/bans/{member}    admin
// Message text (queue items, findings' masked text) needs operator; analysts
// see only the per-rule statistics; viewers nothing.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "common/time.h"
#include "core/model/event_json.h"
#include "core/moderation/engine.h"
#include "server/router.h"
#include "store/moderation/inline_moderation.h"
#include "store/workspace.h"

namespace qun::server {
namespace {

using Json = nlohmann::ordered_json;
constexpr uint64_t kMaxPage = 1000;

Result<store::InlineModeration*> Moderation(ServerContext& c) {
  store::InlineModeration* m = c.workspace->moderation();
  if (!m) return FailedPrecondition("this data directory has no moderation store");
  return m;
}

Json ParseOr(const std::string& s, Json fallback) {
  Json j = Json::parse(s, nullptr, false);
  return j.is_discarded() ? fallback : j;
}

Json ItemJson(const moderation::ReviewItem& it) {
  return Json{{"id", it.id},
              {"status", moderation::ReviewStatusName(it.status)},
              {"action", moderation::ActionName(it.action)},
              {"seq", it.seq == 0 ? Json(nullptr) : Json(it.seq)},
              {"source_ref", it.source_ref},
              {"community", it.community},
              {"member", it.member},
              {"ts", it.ts_ms ? Json(FormatRfc3339(it.ts_ms)) : Json(nullptr)},
              {"text", it.text},
              {"rules", it.rules},
              {"findings", ParseOr(it.findings_json, Json::array())},
              {"enqueued", FormatRfc3339(it.enqueued_ms)}};
}

Json FindingJson(const moderation::FindingRecord& f) {
  return Json{{"seq", f.seq},
              {"event_id", f.event_id},
              {"type", f.type},
              {"platform", f.platform},
              {"community", f.community},
              {"member", f.member},
              {"person", f.person < 0 ? Json(nullptr) : Json(f.person)},
              {"ts", FormatRfc3339(f.ts_ms)},
              {"action", moderation::ActionName(f.action)},
              {"rules", f.rules},
              {"findings", ParseOr(f.findings_json, Json::array())},
              {"masked", f.masked},
              {"review_item", f.review_item == 0 ? Json(nullptr) : Json(f.review_item)}};
}

Result<uint64_t> Limit(const ApiRequest& q) {
  std::string s = q.Query("limit");
  if (s.empty()) return uint64_t{100};
  return ParseUintParam("limit", s, kMaxPage);
}

Result<int64_t> ItemId(const ApiRequest& q) {
  QUN_ASSIGN_OR_RETURN(uint64_t id, ParseUintParam("id", q.Param("id"), INT64_MAX));
  return static_cast<int64_t>(id);
}

Status CheckKnown(const ApiRequest& q, std::initializer_list<std::string_view> known) {
  for (const auto& [k, v] : q.query) {
    bool ok = false;
    for (auto n : known) ok = ok || k == n;
    if (!ok) {
      std::string names;
      for (auto n : known) names += (names.empty() ? "" : ", ") + std::string(n);
      return InvalidArgument(fmt::format("parameter '{}': unknown ({})", k, names));
    }
  }
  return Status::Ok();
}

// POST /v1/moderate: one JSON object {"text"} → one result object; otherwise
// one result per line (NDJSON out), lines read as `qun moderate` reads them.
Result<ApiResponse> Moderate(ServerContext& c, const ApiRequest& q) {
  QUN_ASSIGN_OR_RETURN(store::InlineModeration * m, Moderation(c));
  auto ruleset = m->ruleset();
  if (!ruleset)
    return FailedPrecondition(
        "moderation is not enabled for this data directory (qun moderation enable --lexicon PATH, then "
        "restart)");
  // A fresh engine per request: stateful detectors see only this request's
  // events, as with one `qun moderate` run; ingest's history is untouched.
  moderation::ModerationEngine engine(ruleset);
  std::string_view body = q.body;
  std::string_view trimmed = TrimWhitespace(body);
  if (!trimmed.empty() && trimmed.front() == '{' && trimmed.find('\n') == std::string_view::npos) {
    Json j = Json::parse(trimmed, nullptr, false);
    if (j.is_object() && j.contains("text") && j["text"].is_string() && !j.contains("type")) {
      std::string text = j["text"].get<std::string>();
      std::string out;
      moderation::AppendModerationJson(out, engine.ModerateText(text));
      return ApiResponse{200, out, "application/json"};
    }
  }
  if (auto bad = FindInvalidUtf8(body))
    return InvalidArgument(fmt::format("body: invalid UTF-8 at byte {}", *bad));
  EventParser parser;
  std::string out;
  size_t lines = 0;
  for (std::string_view raw : SplitString(body, '\n')) {
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (raw.empty() && lines > 0) continue;
    if (++lines > c.max_events_per_request)
      return ApiResponse::Error(ResourceExhausted(fmt::format("more than {} lines in one request; split it",
                                                              c.max_events_per_request)),
                                {{"limit", "lines"}, {"max_lines", c.max_events_per_request}}, "lines");
    std::string_view t = TrimWhitespace(raw);
    moderation::ModerationResult r;
    bool done = false;
    if (!t.empty() && t.front() == '{') {
      auto ev = parser.Parse(t);
      if (ev.ok() && (ev->type == EventType::kMessagePosted || ev->type == EventType::kMessageEdited ||
                      ev->type == EventType::kMemberJoined)) {
        r = engine.Moderate(*ev);
        done = true;
      } else {
        Json j = Json::parse(t, nullptr, false);
        if (j.is_object() && j.contains("text") && j["text"].is_string()) {
          r = engine.ModerateText(j["text"].get<std::string>());
          done = true;
        }
      }
    }
    if (!done) r = engine.ModerateText(raw);
    moderation::AppendModerationJson(out, r);
    out += '\n';
  }
  return ApiResponse{200, out, "application/x-ndjson"};
}

}  // namespace

void RegisterModerationRoutes(Router& r) {
  r.Add("POST", "/v1/moderate", Role::kOperator, Moderate);

  r.Add("GET", "/v1/review", Role::kOperator,
        [](ServerContext& c, const ApiRequest& q) -> Result<ApiResponse> {
          QUN_RETURN_IF_ERROR(CheckKnown(q, {"status", "rule", "community", "limit", "offset"}));
          QUN_ASSIGN_OR_RETURN(store::InlineModeration * m, Moderation(c));
          moderation::ReviewFilter f;
          std::string status = q.Query("status", "pending");
          if (status != "all") {
            f.status = moderation::ParseReviewStatus(status);
            if (!f.status)
              return InvalidArgument("parameter 'status': expected pending, confirmed, overturned or all");
          }
          f.rule = q.Query("rule");
          f.community = q.Query("community");
          QUN_ASSIGN_OR_RETURN(uint64_t limit, Limit(q));
          QUN_ASSIGN_OR_RETURN(uint64_t offset, ParseUintParam("offset", q.Query("offset", "0"), INT64_MAX));
          f.limit = static_cast<int64_t>(limit);
          f.offset = static_cast<int64_t>(offset);
          int64_t total = 0;
          QUN_ASSIGN_OR_RETURN(auto items, m->ListReview(f, &total));
          Json arr = Json::array();
          for (const auto& it : items) arr.push_back(ItemJson(it));
          uint64_t next = offset + items.size();
          return ApiResponse::Json(
              Json{{"items", arr},
                   {"total", total},
                   {"next_offset", static_cast<int64_t>(next) < total ? Json(next) : Json(nullptr)}});
        });

  r.Add("GET", "/v1/review/stats", Role::kAnalyst,
        [](ServerContext& c, const ApiRequest& q) -> Result<ApiResponse> {
          QUN_RETURN_IF_ERROR(CheckKnown(q, {}));
          QUN_ASSIGN_OR_RETURN(store::InlineModeration * m, Moderation(c));
          QUN_ASSIGN_OR_RETURN(auto outcomes, m->RuleOutcomes());
          Json arr = Json::array();
          for (const auto& o : outcomes)
            arr.push_back({{"rule", o.rule},
                           {"pending", o.pending},
                           {"confirmed", o.confirmed},
                           {"overturned", o.overturned},
                           {"false_positive_rate",
                            o.false_positive_rate ? Json(*o.false_positive_rate) : Json(nullptr)}});
          return ApiResponse::Json(Json{{"rules", arr}});
        });

  r.Add("GET", "/v1/review/{id}", Role::kOperator,
        [](ServerContext& c, const ApiRequest& q) -> Result<ApiResponse> {
          QUN_RETURN_IF_ERROR(CheckKnown(q, {}));
          QUN_ASSIGN_OR_RETURN(store::InlineModeration * m, Moderation(c));
          QUN_ASSIGN_OR_RETURN(int64_t id, ItemId(q));
          QUN_ASSIGN_OR_RETURN(auto item, m->GetReview(id));
          QUN_ASSIGN_OR_RETURN(auto audit, m->Audit(id));
          Json j = ItemJson(item);
          Json ctx = ParseOr(item.context_json, Json::array());
          for (auto& e : ctx)
            if (e.contains("ts_ms") && e["ts_ms"].is_number_integer()) {
              e["ts"] = FormatRfc3339(e["ts_ms"].get<int64_t>());
              e.erase("ts_ms");
            }
          j["context"] = ctx;
          Json decisions = Json::array();
          for (const auto& d : audit)
            decisions.push_back({{"id", d.id},
                                 {"decision", moderation::DecisionName(d.decision)},
                                 {"reviewer", d.reviewer},
                                 {"note", d.note},
                                 {"decided", FormatRfc3339(d.decided_ms)}});
          j["decisions"] = decisions;
          return ApiResponse::Json(j);
        });

  r.Add("POST", "/v1/review/{id}/decision", Role::kOperator,
        [](ServerContext& c, const ApiRequest& q) -> Result<ApiResponse> {
          QUN_ASSIGN_OR_RETURN(store::InlineModeration * m, Moderation(c));
          QUN_ASSIGN_OR_RETURN(int64_t id, ItemId(q));
          Json body = Json::parse(q.body, nullptr, false);
          if (!body.is_object() || !body.contains("decision") || !body["decision"].is_string())
            return InvalidArgument(
                "body must be a JSON object {\"decision\": \"confirm\"|\"overturn\", \"note\": string}");
          auto d = moderation::ParseDecision(body["decision"].get<std::string>());
          if (!d) return InvalidArgument("decision: expected confirm or overturn");
          std::string note;
          if (body.contains("note")) {
            if (!body["note"].is_string()) return InvalidArgument("note: must be a string");
            note = body["note"].get<std::string>();
          }
          QUN_RETURN_IF_ERROR(m->Decide(id, *d, q.principal.name, note));
          QUN_ASSIGN_OR_RETURN(auto item, m->GetReview(id));
          return ApiResponse::Json(Json{{"id", id},
                                        {"status", moderation::ReviewStatusName(item.status)},
                                        {"decision", moderation::DecisionName(*d)},
                                        {"reviewer", q.principal.name}});
        });

  r.Add("GET", "/v1/moderation/findings", Role::kOperator,
        [](ServerContext& c, const ApiRequest& q) -> Result<ApiResponse> {
          QUN_RETURN_IF_ERROR(
              CheckKnown(q, {"community", "rule", "member", "action", "since", "before_seq", "limit"}));
          QUN_ASSIGN_OR_RETURN(store::InlineModeration * m, Moderation(c));
          moderation::FindingFilter f;
          f.community = q.Query("community");
          f.rule = q.Query("rule");
          f.member = q.Query("member");
          if (std::string a = q.Query("action"); !a.empty()) {
            auto act = moderation::ParseAction(a);
            if (!act || *act == moderation::Action::kAllow)
              return InvalidArgument(
                  "parameter 'action': expected flag, mask, recall, mute or remove (the minimum)");
            f.min_action = *act;
          }
          if (std::string s = q.Query("since"); !s.empty()) {
            auto ms = ParseRfc3339(s);
            if (!ms.ok()) return InvalidArgument("parameter 'since': " + ms.status().message());
            f.since_ms = *ms;
          }
          QUN_ASSIGN_OR_RETURN(f.before_seq,
                               ParseUintParam("before_seq", q.Query("before_seq", "0"), UINT64_MAX));
          QUN_ASSIGN_OR_RETURN(uint64_t limit, Limit(q));
          f.limit = static_cast<int64_t>(limit);
          QUN_ASSIGN_OR_RETURN(auto list, m->Findings(f));
          Json arr = Json::array();
          for (const auto& x : list) arr.push_back(FindingJson(x));
          Json next = list.size() == limit && !list.empty() ? Json(list.back().seq) : Json(nullptr);
          return ApiResponse::Json(Json{{"findings", arr}, {"next_before_seq", next}});
        });

  r.Add("GET", "/v1/moderation/bans", Role::kOperator,
        [](ServerContext& c, const ApiRequest& q) -> Result<ApiResponse> {
          QUN_RETURN_IF_ERROR(CheckKnown(q, {}));
          QUN_ASSIGN_OR_RETURN(store::InlineModeration * m, Moderation(c));
          QUN_ASSIGN_OR_RETURN(auto bans, m->Bans());
          Json arr = Json::array();
          for (const auto& b : bans)
            arr.push_back({{"member", b.member},
                           {"reason", b.reason},
                           {"by", b.by},
                           {"created", FormatRfc3339(b.created_ms)}});
          return ApiResponse::Json(Json{{"bans", arr}});
        });

  r.Add("POST", "/v1/moderation/bans", Role::kAdmin,
        [](ServerContext& c, const ApiRequest& q) -> Result<ApiResponse> {
          QUN_ASSIGN_OR_RETURN(store::InlineModeration * m, Moderation(c));
          Json body = Json::parse(q.body, nullptr, false);
          if (!body.is_object() || !body.contains("member") || !body["member"].is_string())
            return InvalidArgument(
                "body must be a JSON object {\"member\": \"platform:actor\", \"reason\": string}");
          std::string member = body["member"].get<std::string>();
          if (member.find(':') == std::string::npos || member.size() > 512)
            return InvalidArgument("member: expected platform:actor, e.g. telegram:12345");
          std::string reason;
          if (body.contains("reason")) {
            if (!body["reason"].is_string()) return InvalidArgument("reason: must be a string");
            reason = body["reason"].get<std::string>();
          }
          QUN_ASSIGN_OR_RETURN(bool added, m->Ban({member, reason, q.principal.name, 0}));
          return ApiResponse::Json(Json{{"member", member}, {"banned", true}, {"added", added}},
                                   added ? 201 : 200);
        });

  r.Add("POST", "/v1/moderation/reload", Role::kAdmin,
        [](ServerContext& c, const ApiRequest& q) -> Result<ApiResponse> {
          QUN_RETURN_IF_ERROR(CheckKnown(q, {}));
          QUN_ASSIGN_OR_RETURN(store::InlineModeration * m, Moderation(c));
          QUN_ASSIGN_OR_RETURN(size_t entries, m->Reload(c.workspace->data_dir()));
          return ApiResponse::Json(Json{{"reloaded", true}, {"lexicon_entries", entries}});
        });

  r.Add("DELETE", "/v1/moderation/bans/{member}", Role::kAdmin,
        [](ServerContext& c, const ApiRequest& q) -> Result<ApiResponse> {
          QUN_ASSIGN_OR_RETURN(store::InlineModeration * m, Moderation(c));
          QUN_ASSIGN_OR_RETURN(bool removed, m->Unban(q.Param("member")));
          if (!removed) return NotFound(fmt::format("{} is not on the ban list", q.Param("member")));
          return ApiResponse::Json(Json{{"member", q.Param("member")}, {"banned", false}});
        });
}

}  // namespace qun::server
