// Member intelligence over HTTP: the filtered member list, the population
// overview and its sections (stages, pyramid with transitions, RFM, 80/20),
// manual tags, saved segments, the health score and the weekly report.
// Each document is the one the CLI prints with --json for the same query
// (docs/api/README.md#member-intelligence; shapes in docs/members.md §9 and
// docs/health.md §4–5); tests/integration/server_api.sh compares them.
//
//   GET    /v1/members                    analyst  filters, sort, paging, q
//   GET    /v1/members/overview           viewer   = qun members overview --json
//   GET    /v1/members/{stages|pyramid|rfm|contribution}  viewer  one section
//   GET    /v1/members/{id}/profile       analyst  = .profile of qun members show --json
//   GET    /v1/tags                       analyst  tag names with member counts
//   POST   /v1/members/{id}/tags          operator {"tags": [...]}
//   DELETE /v1/members/{id}/tags/{tag}    operator
//   GET    /v1/segments                   analyst  = qun members segments list --json
//   POST   /v1/segments                   operator {"name","filter","replace"?}
//   PUT    /v1/segments/{name}            operator {"filter"}
//   DELETE /v1/segments/{name}             operator
//   GET    /v1/segments/{name}/members    analyst  = /v1/members?segment=name
//   GET    /v1/health                     viewer   = qun health --json
//   GET    /v1/reports/weekly             analyst  = qun report (html|md|json)
//
// The computations are synchronous and not cancellable, so a gate bounds how
// many run at once (kMaxHeavy, the core count); a request that cannot enter
// within kGateWait gets 503 instead of queueing without bound. Member tables
// (MemberTableCache, src/core/members/member_table_cache.h, through
// LoadMemberIntel) and the health/report answers (ResponseCache) are kept for
// repeated queries, keyed by the engine's content, so nothing stale is served.
// What the routes compute is shared with the CLI in src/store/member_queries.h:
// this file only parses parameters and maps answers to HTTP.
#include <algorithm>
#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <semaphore>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "common/time.h"
#include "core/engine/lookup.h"
#include "core/engine/scope.h"
#include "core/health/health_json.h"
#include "core/members/activity_ledger.h"
#include "core/members/members_json.h"
#include "core/members/segment_filter.h"
#include "core/moderation/tally.h"
#include "core/report/weekly_report.h"
#include "server/router.h"
#include "store/member_queries.h"
#include "store/workspace.h"

namespace qun::server {
namespace {

using Json = nlohmann::json;

constexpr uint64_t kMaxPage = 1000;
constexpr std::ptrdiff_t kMaxHeavy = 2;
constexpr auto kGateWait = std::chrono::seconds(10);

std::counting_semaphore<kMaxHeavy> g_heavy(kMaxHeavy);

// Holds one slot of the heavy-query gate for its lifetime.
class HeavySlot {
 public:
  HeavySlot() : held_(g_heavy.try_acquire_for(kGateWait)) {}
  ~HeavySlot() {
    if (held_) g_heavy.release();
  }
  HeavySlot(const HeavySlot&) = delete;
  HeavySlot& operator=(const HeavySlot&) = delete;
  Status status() const {
    if (held_) return Status::Ok();
    return Unavailable(
        fmt::format("server busy: {} member-intelligence queries already running for {} s; retry", kMaxHeavy,
                    kGateWait.count()));
  }

 private:
  bool held_;
};

// InvalidArgument for any query parameter not in `known`.
Status CheckParams(const ApiRequest& q, std::initializer_list<std::string_view> known) {
  for (const auto& [k, v] : q.query) {
    if (std::find(known.begin(), known.end(), k) != known.end()) continue;
    std::string list;
    for (auto n : known) list += (list.empty() ? "" : ", ") + std::string(n);
    return InvalidArgument(fmt::format("parameter '{}': unknown (expected {})", k, list));
  }
  return Status::Ok();
}

MemberTableCache g_member_tables;

// The scope of `q` (community only when the route takes one).
ScopeText ScopeOf(const ApiRequest& q, bool scoped) {
  return ScopeText{.community = scoped ? q.Query("community") : std::string(),
                   .as_of = q.Query("as_of"),
                   .tz = q.Query("tz", "UTC")};
}

// Call with the workspace read lock held.
Result<std::shared_ptr<const CachedMemberTable>> LoadIntel(const Workspace& ws, const ApiRequest& q,
                                                           bool scoped) {
  return LoadMemberIntel(ws, ScopeOf(q, scoped), ParamStyle::kApi, &g_member_tables);
}

// Answers of the engine-only routes (health, report), keyed by engine state,
// route and parameters: they read nothing else.
class ResponseCache {
 public:
  std::optional<ApiResponse> Get(const std::string& key) {
    std::lock_guard l(mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first != key) continue;
      entries_.splice(entries_.begin(), entries_, it);
      return entries_.front().second;
    }
    return std::nullopt;
  }
  void Put(std::string key, const ApiResponse& r) {
    if (r.status != 200 || r.body.size() > kMaxBody) return;
    std::lock_guard l(mu_);
    entries_.emplace_front(std::move(key), r);
    while (entries_.size() > kEntries) entries_.pop_back();
  }

 private:
  static constexpr size_t kEntries = 16;
  static constexpr size_t kMaxBody = 4 << 20;
  std::mutex mu_;
  std::list<std::pair<std::string, ApiResponse>> entries_;
};

ResponseCache g_response_cache;

// Call with the workspace read lock held.
std::string ResponseKey(const Workspace& ws, const ApiRequest& q) {
  // Inline moderation grows the tally of flagged messages (health's
  // complaints) just after a batch's Apply, so it is part of the key.
  const auto* tally = ws.engine().module<moderation::ModerationTally>();
  std::string key =
      fmt::format("{}|tally={}|{}", EngineContentKey(ws.engine()), tally ? tally->size() : 0, q.path);
  for (const auto& [k, v] : q.query) key += "|" + k + "=" + v;  // a sorted map
  return key;
}

// Comma-separated values of `name`, empty ones dropped.
std::vector<std::string> ListParam(const ApiRequest& q, std::string_view name) {
  std::vector<std::string> out;
  std::string all = q.Query(name);
  for (auto part : SplitString(all, ',')) {
    std::string_view v = TrimWhitespace(part);
    if (!v.empty()) out.emplace_back(v);
  }
  return out;
}

// The `qun members list --json` document, plus the API's `q` search.
Result<ApiResponse> MemberList(ServerContext& c, const ApiRequest& q, const std::string& segment) {
  QUN_RETURN_IF_ERROR(CheckParams(q, {"q", "community", "limit", "offset", "sort", "stage", "level", "rfm",
                                      "tag", "segment", "where", "as_of", "tz"}));
  MemberListQuery lq;
  QUN_ASSIGN_OR_RETURN(lq.limit, ParseUintParam("limit", q.Query("limit", "50"), kMaxPage));
  QUN_ASSIGN_OR_RETURN(lq.offset, ParseUintParam("offset", q.Query("offset", "0"), UINT32_MAX));
  lq.scope = ScopeOf(q, true);
  lq.filters = {.stages = ListParam(q, "stage"),
                .levels = ListParam(q, "level"),
                .rfm = ListParam(q, "rfm"),
                .tags = ListParam(q, "tag"),
                .segment = segment.empty() ? q.Query("segment") : segment,
                .where = q.Query("where")};
  lq.search = q.Query("q");
  lq.sort = q.Query("sort", "events");
  HeavySlot slot;
  QUN_RETURN_IF_ERROR(slot.status());
  auto lock = c.workspace->ReadLock();
  QUN_ASSIGN_OR_RETURN(MemberListPage page,
                       ListMembers(*c.workspace, lq, ParamStyle::kApi, &g_member_tables));
  return ApiResponse::Json(MemberListJson(c.workspace->engine(), page));
}

// The overview, or one section of it with as_of and members.
Result<ApiResponse> Overview(ServerContext& c, const ApiRequest& q, std::string_view section) {
  QUN_RETURN_IF_ERROR(CheckParams(q, {"community", "as_of", "tz"}));
  HeavySlot slot;
  QUN_RETURN_IF_ERROR(slot.status());
  auto lock = c.workspace->ReadLock();
  QUN_ASSIGN_OR_RETURN(auto intel, LoadIntel(*c.workspace, q, true));
  const nlohmann::ordered_json& all = intel->Overview();
  if (section.empty()) return ApiResponse::Json(all);
  nlohmann::ordered_json j;
  j["as_of"] = all["as_of"];
  j["members"] = all["members"];
  j[std::string(section)] = all[std::string(section)];
  if (section == "rfm") {
    // The R × FM grid behind the tiers (docs/members.md §6): grid[r-1][fm-1].
    std::vector<std::vector<int>> grid(5, std::vector<int>(5, 0));
    nlohmann::ordered_json tiers = nlohmann::ordered_json::array();
    for (const MemberProfile& p : intel->table.profiles)
      if (p.rfm.tier != RfmTier::kNone && p.rfm.r >= 1 && p.rfm.r <= 5 && p.rfm.fm >= 1 && p.rfm.fm <= 5)
        ++grid[p.rfm.r - 1][p.rfm.fm - 1];
    for (int r = 1; r <= 5; ++r) {
      nlohmann::ordered_json row = nlohmann::ordered_json::array();
      for (int fm = 1; fm <= 5; ++fm) row.push_back(RfmTierSlug(RfmTierFor(r, fm)));
      tiers.push_back(row);
    }
    j["grid"] = {{"counts", grid}, {"tiers", tiers}};
  }
  return ApiResponse::Json(j);
}

// One member's intelligence profile: the `profile` of `qun members show --json`.
Result<ApiResponse> MemberProfileRoute(ServerContext& c, const ApiRequest& q) {
  QUN_RETURN_IF_ERROR(CheckParams(q, {"as_of", "tz"}));
  HeavySlot slot;
  QUN_RETURN_IF_ERROR(slot.status());
  auto lock = c.workspace->ReadLock();
  const Engine& e = c.workspace->engine();
  QUN_ASSIGN_OR_RETURN(uint32_t m, ResolveMember(e, q.Param("id")));
  QUN_ASSIGN_OR_RETURN(auto intel, LoadIntel(*c.workspace, q, false));
  QUN_ASSIGN_OR_RETURN(size_t index, FindProfile(e, intel->table, std::to_string(m)));
  return ApiResponse::Json(MemberJson(e, intel->table, index, /*history=*/true));
}

Result<Json> JsonBody(const ApiRequest& q) {
  if (q.body.empty()) return Json::object();
  Json j = Json::parse(q.body, nullptr, false);
  if (!j.is_object()) return InvalidArgument("body must be a JSON object");
  return j;
}

Result<std::string> StringField(const Json& body, const char* name, bool required) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return InvalidArgument(fmt::format("body field '{}': required", name));
    return std::string();
  }
  if (!it->is_string()) return InvalidArgument(fmt::format("body field '{}': expected a string", name));
  return it->get<std::string>();
}

Result<ApiResponse> AddTags(ServerContext& c, const ApiRequest& q) {
  QUN_ASSIGN_OR_RETURN(Json body, JsonBody(q));
  auto it = body.find("tags");
  if (it == body.end() || !it->is_array() || it->empty())
    return InvalidArgument("body field 'tags': a non-empty array of tag names is required");
  std::vector<std::string> tags;
  for (const auto& t : *it) {
    if (!t.is_string()) return InvalidArgument("body field 'tags': every tag must be a string");
    tags.push_back(t.get<std::string>());
  }
  QUN_ASSIGN_OR_RETURN(TagChange ch, AddMemberTags(*c.workspace, q.Param("id"), tags));
  return ApiResponse::Json(Json{{"member", ch.member}, {"tagged", tags}, {"changed", ch.changed}});
}

Result<ApiResponse> RemoveTag(ServerContext& c, const ApiRequest& q) {
  const std::string& tag = q.Param("tag");
  QUN_ASSIGN_OR_RETURN(TagChange ch, RemoveMemberTags(*c.workspace, q.Param("id"), {tag}));
  return ApiResponse::Json(
      Json{{"member", ch.member}, {"untagged", Json::array({tag})}, {"changed", ch.changed}});
}

// Every tag any member in scope carries (rule-based and manual), with counts.
Result<ApiResponse> TagList(ServerContext& c, const ApiRequest& q) {
  QUN_RETURN_IF_ERROR(CheckParams(q, {"community", "as_of", "tz"}));
  HeavySlot slot;
  QUN_RETURN_IF_ERROR(slot.status());
  auto lock = c.workspace->ReadLock();
  QUN_ASSIGN_OR_RETURN(auto intel, LoadIntel(*c.workspace, q, true));
  std::map<std::string, std::pair<int, int>> counts;  // tag -> (members, manually tagged members)
  for (const MemberProfile& p : intel->table.profiles) {
    for (const auto& t : p.tags) ++counts[t].first;
    for (const auto& t : p.manual_tags) ++counts[t].second;
  }
  Json arr = Json::array();
  for (const auto& [tag, n] : counts)
    arr.push_back({{"tag", tag}, {"members", n.first}, {"manual", n.second}});
  return ApiResponse::Json(Json{{"as_of", FormatDate(intel->day)}, {"tags", arr}});
}

Result<ApiResponse> SegmentList(ServerContext& c, const ApiRequest& q) {
  QUN_RETURN_IF_ERROR(CheckParams(q, {"as_of", "tz"}));
  HeavySlot slot;
  QUN_RETURN_IF_ERROR(slot.status());
  auto lock = c.workspace->ReadLock();
  QUN_ASSIGN_OR_RETURN(Json j,
                       SegmentListJson(*c.workspace, ScopeOf(q, false), ParamStyle::kApi, &g_member_tables));
  return ApiResponse::Json(j);
}

Result<ApiResponse> CreateSegment(ServerContext& c, const ApiRequest& q) {
  QUN_ASSIGN_OR_RETURN(Json body, JsonBody(q));
  QUN_ASSIGN_OR_RETURN(std::string name, StringField(body, "name", true));
  QUN_ASSIGN_OR_RETURN(std::string filter, StringField(body, "filter", true));
  bool replace = false;
  if (auto it = body.find("replace"); it != body.end()) {
    if (!it->is_boolean()) return InvalidArgument("body field 'replace': expected true or false");
    replace = it->get<bool>();
  }
  QUN_ASSIGN_OR_RETURN(
      SavedSegment seg,
      SaveMemberSegment(*c.workspace, name, filter, replace ? SegmentWrite::kReplace : SegmentWrite::kCreate,
                        ParamStyle::kApi));
  return ApiResponse::Json(Json{{"name", seg.name}, {"filter", seg.filter}}, 201);
}

// PUT updates an existing segment; POST creates.
Result<ApiResponse> UpdateSegment(ServerContext& c, const ApiRequest& q) {
  QUN_ASSIGN_OR_RETURN(Json body, JsonBody(q));
  QUN_ASSIGN_OR_RETURN(std::string filter, StringField(body, "filter", true));
  QUN_ASSIGN_OR_RETURN(SavedSegment seg, SaveMemberSegment(*c.workspace, q.Param("name"), filter,
                                                           SegmentWrite::kUpdate, ParamStyle::kApi));
  return ApiResponse::Json(Json{{"name", seg.name}, {"filter", seg.filter}});
}

Result<ApiResponse> DeleteSegment(ServerContext& c, const ApiRequest& q) {
  QUN_RETURN_IF_ERROR(DeleteMemberSegment(*c.workspace, q.Param("name")));
  return ApiResponse::Json(Json{{"deleted", q.Param("name")}});
}

Result<ApiResponse> Health(ServerContext& c, const ApiRequest& q) {
  HealthParams p;
  for (const auto& [k, v] : q.query) p[k] = v;
  HeavySlot slot;
  QUN_RETURN_IF_ERROR(slot.status());
  auto lock = c.workspace->ReadLock();
  std::string key = ResponseKey(*c.workspace, q);
  if (auto hit = g_response_cache.Get(key)) return *hit;
  QUN_ASSIGN_OR_RETURN(auto j, HealthQueryJson(c.workspace->engine(), p));
  ApiResponse r = ApiResponse::Json(j);
  g_response_cache.Put(std::move(key), r);
  return r;
}

Result<ApiResponse> WeeklyReport(ServerContext& c, const ApiRequest& q) {
  QUN_RETURN_IF_ERROR(CheckParams(q, {"week", "format", "lang", "community", "tz"}));
  std::string lang = q.Query("lang", "en"), format = q.Query("format", "html");
  if (lang != "en" && lang != "zh")
    return InvalidArgument("parameter 'lang' '" + lang + "': expected zh or en");
  if (format != "html" && format != "md" && format != "json")
    return InvalidArgument("parameter 'format' '" + format + "': expected html, md or json");
  std::optional<int32_t> week;
  if (std::string w = q.Query("week"); !w.empty()) {
    auto parsed = ParseIsoWeek(w);
    if (!parsed.ok()) return InvalidArgument("parameter 'week': " + parsed.status().message());
    week = *parsed;
  }
  HeavySlot slot;
  QUN_RETURN_IF_ERROR(slot.status());
  auto lock = c.workspace->ReadLock();
  std::string key = ResponseKey(*c.workspace, q);
  if (auto hit = g_response_cache.Get(key)) return *hit;
  const Engine& e = c.workspace->engine();
  ScopeText text{.community = q.Query("community"), .as_of = "", .tz = q.Query("tz", "UTC")};
  QUN_ASSIGN_OR_RETURN(ResolvedScope scope,
                       ResolveScope(e, text, ParamStyle::kApi, DefaultDay::kLastEventInScope));
  if (scope.empty) return FailedPrecondition("no events in scope: import data first (qun import)");
  ReportOptions opt;
  opt.tz = scope.tz;
  opt.lang = lang;
  opt.community_label = text.community;
  opt.community = scope.community;
  opt.week_start = week ? *week : DefaultReportWeek(scope.last_day);
  auto report = BuildWeeklyReport(e, opt);
  ApiResponse r = format == "json" ? ApiResponse{200, RenderReportJson(report), "application/json"}
                  : format == "md"
                      ? ApiResponse{200, RenderReportMarkdown(report), "text/markdown; charset=utf-8"}
                      : ApiResponse{200, RenderReportHtml(report), "text/html; charset=utf-8"};
  g_response_cache.Put(std::move(key), r);
  return r;
}

}  // namespace

void RegisterIntelRoutes(Router& r) {
  r.Add("GET", "/v1/members", Role::kAnalyst,
        [](ServerContext& c, const ApiRequest& q) { return MemberList(c, q, {}); });
  r.Add("GET", "/v1/members/overview", Role::kViewer,
        [](ServerContext& c, const ApiRequest& q) { return Overview(c, q, {}); });
  for (std::string_view section : {"stages", "pyramid", "rfm", "contribution"}) {
    r.Add("GET", "/v1/members/" + std::string(section), Role::kViewer,
          [section](ServerContext& c, const ApiRequest& q) { return Overview(c, q, section); });
  }
  r.Add("GET", "/v1/members/{id}/profile", Role::kAnalyst, MemberProfileRoute);
  r.Add("GET", "/v1/tags", Role::kAnalyst, TagList);
  r.Add("POST", "/v1/members/{id}/tags", Role::kOperator, AddTags);
  r.Add("DELETE", "/v1/members/{id}/tags/{tag}", Role::kOperator, RemoveTag);
  r.Add("GET", "/v1/segments", Role::kAnalyst, SegmentList);
  r.Add("POST", "/v1/segments", Role::kOperator, CreateSegment);
  r.Add("PUT", "/v1/segments/{name}", Role::kOperator, UpdateSegment);
  r.Add("DELETE", "/v1/segments/{name}", Role::kOperator, DeleteSegment);
  r.Add("GET", "/v1/segments/{name}/members", Role::kAnalyst,
        [](ServerContext& c, const ApiRequest& q) { return MemberList(c, q, q.Param("name")); });
  r.Add("GET", "/v1/health", Role::kViewer, Health);
  r.Add("GET", "/v1/reports/weekly", Role::kAnalyst, WeeklyReport);
}

}  // namespace qun::server
