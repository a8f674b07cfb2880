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
// (IntelCache) and the health/report answers (ResponseCache) are kept for
// repeated queries, keyed by the engine state, so nothing stale is served.
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
#include "core/health/health_json.h"
#include "core/members/activity_ledger.h"
#include "core/members/members_json.h"
#include "core/members/segment_filter.h"
#include "core/report/weekly_report.h"
#include "server/router.h"
#include "store/sqlite/members_db.h"
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

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Row {
  uint32_t id;
  uint64_t events = 0;
  uint32_t first = UINT32_MAX, last = 0;
};

// The member table for the request's scope, as `qun members` builds it: the
// evaluation day defaults to the local day of the workspace's last event;
// manual tags from members.db applied. Shared read-only between requests
// through IntelCache.
struct Intel {
  TimeZone tz = TimeZone::Utc();
  int32_t day = 0;
  uint32_t community = kNone;
  ActivityLedger storage;
  MemberTable table;

  // Per-member event counts and first/last seen in scope (the list's
  // columns), computed on first use. Call under the workspace read lock.
  // MembersOverviewJson(table), computed on first use.
  const nlohmann::ordered_json& Overview() const {
    std::call_once(overview_once_, [&] { overview_ = MembersOverviewJson(table); });
    return overview_;
  }

  const std::vector<Row>& Rows(const Engine& e) const {
    std::call_once(rows_once_, [&] {
      rows_.resize(e.members().size());
      for (uint32_t i = 0; i < rows_.size(); ++i) rows_[i].id = i;
      const auto& cols = e.events();
      for (size_t i = 0; i < cols.size(); ++i) {
        if (community != kNone && cols.community[i] != community) continue;
        Row& r = rows_[e.member_of(cols.account[i])];
        ++r.events;
        r.first = std::min(r.first, cols.ts[i]);
        r.last = std::max(r.last, cols.ts[i]);
      }
    });
    return rows_;
  }

 private:
  mutable std::once_flag rows_once_, overview_once_;
  mutable std::vector<Row> rows_;
  mutable nlohmann::ordered_json overview_;
};

// What the engine's identity state is: appends change last_seq, merges and
// unmerges change the merge records.
std::string EngineStateKey(const Workspace& ws) {
  const Engine& e = ws.engine();
  size_t undone = 0;
  for (const auto& m : e.merges()) undone += m.undone;
  return fmt::format("{}|{}|{}|{}", static_cast<const void*>(&ws), e.last_seq(), e.merges().size(), undone);
}

// The last few member tables, keyed by everything they depend on (engine
// state, scope parameters, the manual tags). Building one costs a pass over
// the scope's activity; dashboards ask the same scope again and again.
class IntelCache {
 public:
  std::shared_ptr<const Intel> Get(const std::string& key) {
    std::lock_guard l(mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first != key) continue;
      entries_.splice(entries_.begin(), entries_, it);  // most recent first
      return entries_.front().second;
    }
    return nullptr;
  }
  void Put(std::string key, std::shared_ptr<const Intel> v) {
    std::lock_guard l(mu_);
    entries_.emplace_front(std::move(key), std::move(v));
    while (entries_.size() > kEntries) entries_.pop_back();
  }

 private:
  static constexpr size_t kEntries = 4;
  std::mutex mu_;
  std::list<std::pair<std::string, std::shared_ptr<const Intel>>> entries_;
};

IntelCache g_intel_cache;

// Call with the workspace read lock held.
Result<std::shared_ptr<const Intel>> LoadIntel(const Workspace& ws, const ApiRequest& q, bool scoped) {
  const Engine& e = ws.engine();
  std::string community_text = scoped ? q.Query("community") : std::string();
  QUN_ASSIGN_OR_RETURN(auto db, MembersDb::Open(ws.data_dir(), /*read_only=*/true));
  QUN_ASSIGN_OR_RETURN(auto tags, db->Tags());
  uint64_t tags_hash = tags.size();
  for (const auto& [k, t] : tags) tags_hash = tags_hash * 1000003u ^ std::hash<std::string>()(k + '\x1f' + t);
  std::string key = fmt::format("{}|{}|{}|{}|{}", EngineStateKey(ws), q.Query("tz", "UTC"), community_text,
                                q.Query("as_of"), tags_hash);
  if (auto hit = g_intel_cache.Get(key)) return hit;
  auto in = std::make_shared<Intel>();
  auto tz = TimeZone::Load(q.Query("tz", "UTC"));
  if (!tz.ok()) return InvalidArgument("parameter 'tz': " + tz.status().message());
  in->tz = *tz;
  if (!community_text.empty()) {
    QUN_ASSIGN_OR_RETURN(in->community, ResolveCommunity(e, community_text));
  }
  if (std::string as_of = q.Query("as_of"); !as_of.empty()) {
    auto d = ParseDate(as_of);
    if (!d.ok()) return InvalidArgument("parameter 'as_of': " + d.status().message());
    in->day = *d;
  } else {
    const EventColumns& c = e.events();
    uint32_t last = 0;
    for (size_t i = 0; i < c.size(); ++i) last = std::max(last, c.ts[i]);
    in->day = c.size() ? in->tz.LocalDay(FromEngineSeconds(last)) : 0;
  }
  LedgerScope ls{.tz = in->tz, .community = in->community, .until_day = in->day};
  const ActivityLedger& ledger = LedgerFor(e, ls, &in->storage);
  in->table = BuildMemberTable(e, ledger, in->day);
  ApplyManualTags(e, in->table, tags);
  g_intel_cache.Put(std::move(key), in);
  return std::shared_ptr<const Intel>(std::move(in));
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
  std::string key = EngineStateKey(ws) + "|" + q.path;
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

// The filters of stage/level/rfm/tag/segment/where, ANDed; the values of one
// parameter are ORed (as the CLI's repeated flags).
Result<std::vector<SegmentFilter>> BuildFilters(const Workspace& ws, const ApiRequest& q,
                                                std::string segment) {
  std::vector<SegmentFilter> out;
  auto any_of = [&](const std::string& field, bool tag) -> Status {
    std::string text;
    for (std::string val : ListParam(q, field)) {
      if (!text.empty()) text += " or ";
      std::string op = "=";
      if (field == "level" && val.back() == '+') {
        op = ">=";
        val.pop_back();
      }
      std::string quoted = val.find('"') != std::string::npos ? "'" + val + "'" : "\"" + val + "\"";
      text += tag ? "tag:" + quoted : field + op + (field == "level" ? val : quoted);
    }
    if (text.empty()) return Status::Ok();
    auto r = SegmentFilter::Parse(text);
    if (!r.ok()) return InvalidArgument("parameter '" + field + "': " + r.status().message());
    out.push_back(*r);
    return Status::Ok();
  };
  QUN_RETURN_IF_ERROR(any_of("stage", false));
  QUN_RETURN_IF_ERROR(any_of("level", false));
  QUN_RETURN_IF_ERROR(any_of("rfm", false));
  QUN_RETURN_IF_ERROR(any_of("tag", true));
  if (segment.empty()) segment = q.Query("segment");
  if (!segment.empty()) {
    QUN_ASSIGN_OR_RETURN(auto db, MembersDb::Open(ws.data_dir(), true));
    QUN_ASSIGN_OR_RETURN(SavedSegment seg, db->Segment(segment));
    auto r = SegmentFilter::Parse(seg.filter);
    if (!r.ok()) return InvalidArgument("segment '" + seg.name + "': " + r.status().message());
    out.push_back(*r);
  }
  if (std::string where = q.Query("where"); !where.empty()) {
    auto r = SegmentFilter::Parse(where);
    if (!r.ok()) return InvalidArgument("parameter 'where': " + r.status().message());
    out.push_back(*r);
  }
  return out;
}

std::string AccountLabel(const Engine& e, uint32_t a) {
  return fmt::format("{}:{}", PlatformName(e.accounts()[a].platform), e.accounts()[a].ext_id);
}

std::string DisplayName(const Engine& e, uint32_t m) {
  for (uint32_t a : e.members()[m].accounts)
    if (!e.accounts()[a].display_name.empty()) return e.accounts()[a].display_name;
  return "";
}

bool ContainsFolded(std::string_view hay, std::string_view needle) {
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
  if (hay.size() < needle.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && lower(hay[i + k]) == lower(needle[k])) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

// An ordered_json value as a json value, without a round trip through text.
Json ToJson(const nlohmann::ordered_json& v) {
  switch (v.type()) {
    case nlohmann::ordered_json::value_t::object: {
      Json o = Json::object();
      for (const auto& [k, x] : v.items()) o[k] = ToJson(x);
      return o;
    }
    case nlohmann::ordered_json::value_t::array: {
      Json a = Json::array();
      for (const auto& x : v) a.push_back(ToJson(x));
      return a;
    }
    case nlohmann::ordered_json::value_t::string:
      return v.get<std::string>();
    case nlohmann::ordered_json::value_t::boolean:
      return v.get<bool>();
    case nlohmann::ordered_json::value_t::number_integer:
      return v.get<int64_t>();
    case nlohmann::ordered_json::value_t::number_unsigned:
      return v.get<uint64_t>();
    case nlohmann::ordered_json::value_t::number_float:
      return v.get<double>();
    default:
      return nullptr;
  }
}

// The `qun members list --json` document, plus the API's `q` search.
Result<ApiResponse> MemberList(ServerContext& c, const ApiRequest& q, const std::string& segment) {
  QUN_RETURN_IF_ERROR(CheckParams(q, {"q", "community", "limit", "offset", "sort", "stage", "level", "rfm",
                                      "tag", "segment", "where", "as_of", "tz"}));
  QUN_ASSIGN_OR_RETURN(uint64_t limit, ParseUintParam("limit", q.Query("limit", "50"), kMaxPage));
  QUN_ASSIGN_OR_RETURN(uint64_t offset, ParseUintParam("offset", q.Query("offset", "0"), UINT32_MAX));
  std::string sort = q.Query("sort", "events");
  if (sort != "events" && sort != "last_seen" && sort != "contribution" && sort != "id")
    return InvalidArgument(
        fmt::format("parameter 'sort' '{}': expected events, last_seen, contribution or id", sort));
  std::string needle = q.Query("q");
  HeavySlot slot;
  QUN_RETURN_IF_ERROR(slot.status());
  auto lock = c.workspace->ReadLock();
  const Engine& e = c.workspace->engine();
  QUN_ASSIGN_OR_RETURN(auto intel, LoadIntel(*c.workspace, q, true));
  QUN_ASSIGN_OR_RETURN(auto filters, BuildFilters(*c.workspace, q, segment));
  const uint32_t community = intel->community;
  std::vector<Row> rows = intel->Rows(e);
  const MemberTable& table = intel->table;
  std::vector<uint32_t> prof(e.members().size(), kNone);
  for (size_t i = 0; i < table.profiles.size(); ++i)
    prof[table.profiles[i].member] = static_cast<uint32_t>(i);
  auto drop = [&](const Row& r) {
    if (e.members()[r.id].merged_into != kNone || (community != kNone && r.events == 0)) return true;
    if (!needle.empty()) {
      bool hit = std::to_string(r.id) == needle || ContainsFolded(DisplayName(e, r.id), needle);
      for (uint32_t a : e.members()[r.id].accounts) hit = hit || ContainsFolded(AccountLabel(e, a), needle);
      if (!hit) return true;
    }
    if (filters.empty()) return false;
    if (prof[r.id] == kNone) return true;
    FilterSubject subj = SubjectFor(e, table, prof[r.id]);
    for (const auto& f : filters)
      if (!f.Matches(subj)) return true;
    return false;
  };
  rows.erase(std::remove_if(rows.begin(), rows.end(), drop), rows.end());
  auto contribution = [&](const Row& r) {
    return prof[r.id] == kNone ? -1.0 : table.profiles[prof[r.id]].contribution;
  };
  if (sort == "contribution")
    std::stable_sort(rows.begin(), rows.end(),
                     [&](const Row& a, const Row& b) { return contribution(a) > contribution(b); });
  else if (sort == "events")
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Row& a, const Row& b) { return a.events > b.events; });
  else if (sort == "last_seen")
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.last > b.last; });
  size_t begin = std::min<size_t>(offset, rows.size()), end = std::min<size_t>(rows.size(), begin + limit);
  Json items = Json::array();
  for (size_t i = begin; i < end; ++i) {
    const Row& r = rows[i];
    Json accounts = Json::array();
    for (uint32_t a : e.members()[r.id].accounts) accounts.push_back(AccountLabel(e, a));
    Json item = {{"id", r.id}, {"name", DisplayName(e, r.id)}, {"accounts", accounts}, {"events", r.events}};
    item["first_seen"] = r.events ? Json(FormatRfc3339(FromEngineSeconds(r.first))) : Json();
    item["last_seen"] = r.events ? Json(FormatRfc3339(FromEngineSeconds(r.last))) : Json();
    if (uint32_t pi = prof[r.id]; pi != kNone) {
      nlohmann::ordered_json pj = MemberJson(e, table, pi, false);
      for (const char* k :
           {"stage", "level", "level_name", "rfm", "contribution", "tags", "active_days", "last_active"})
        item[k] = ToJson(pj[k]);
    }
    items.push_back(std::move(item));
  }
  return ApiResponse::Json(
      Json{{"total", rows.size()}, {"as_of", FormatDate(intel->day)}, {"members", items}});
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

Status CheckTagName(const std::string& t) {
  if (t.empty() || t.size() > 64) return InvalidArgument("tag '" + t + "': 1 to 64 bytes");
  if (FindInvalidUtf8(t)) return InvalidArgument("tag: invalid UTF-8");
  for (unsigned char ch : t)
    if (ch < 0x20 || ch == '"' || ch == '\'')
      return InvalidArgument("tag '" + t + "': no quotes or control characters");
  return Status::Ok();
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

// The member's account keys (manual tags are keyed by account).
Result<std::pair<uint32_t, std::vector<std::string>>> MemberAccounts(ServerContext& c,
                                                                     const std::string& who) {
  auto lock = c.workspace->ReadLock();
  const Engine& e = c.workspace->engine();
  QUN_ASSIGN_OR_RETURN(uint32_t m, ResolveMember(e, who));
  std::vector<std::string> keys;
  for (uint32_t a : e.members()[m].accounts) keys.push_back(AccountLabel(e, a));
  if (keys.empty()) return FailedPrecondition("member " + who + " has no accounts");
  return std::make_pair(m, std::move(keys));
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
    QUN_RETURN_IF_ERROR(CheckTagName(tags.back()));
  }
  QUN_ASSIGN_OR_RETURN(auto who, MemberAccounts(c, q.Param("id")));
  QUN_ASSIGN_OR_RETURN(auto db, MembersDb::Open(c.workspace->data_dir(), false));
  int changed = 0;
  for (const auto& t : tags) {
    QUN_RETURN_IF_ERROR(db->AddTag(who.second.front(), t, NowMs()));
    ++changed;
  }
  return ApiResponse::Json(Json{{"member", who.first}, {"tagged", tags}, {"changed", changed}});
}

Result<ApiResponse> RemoveTag(ServerContext& c, const ApiRequest& q) {
  const std::string& tag = q.Param("tag");
  QUN_RETURN_IF_ERROR(CheckTagName(tag));
  QUN_ASSIGN_OR_RETURN(auto who, MemberAccounts(c, q.Param("id")));
  QUN_ASSIGN_OR_RETURN(auto db, MembersDb::Open(c.workspace->data_dir(), false));
  QUN_ASSIGN_OR_RETURN(int n, db->RemoveTag(who.second, tag));
  return ApiResponse::Json(Json{{"member", who.first}, {"untagged", Json::array({tag})}, {"changed", n}});
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
  const Engine& e = c.workspace->engine();
  QUN_ASSIGN_OR_RETURN(auto db, MembersDb::Open(c.workspace->data_dir(), true));
  QUN_ASSIGN_OR_RETURN(auto segs, db->Segments());
  QUN_ASSIGN_OR_RETURN(auto intel, LoadIntel(*c.workspace, q, false));
  Json arr = Json::array();
  for (const auto& s : segs) {
    Json item = {{"name", s.name}, {"filter", s.filter}, {"created", FormatRfc3339(s.created_ms)}};
    auto flt = SegmentFilter::Parse(s.filter);
    if (flt.ok()) {
      uint32_t n = 0;
      for (size_t i = 0; i < intel->table.profiles.size(); ++i)
        if (flt->Matches(SubjectFor(e, intel->table, i))) ++n;
      item["members"] = n;
    } else {
      item["members"] = nullptr;
      item["error"] = flt.status().message();
    }
    arr.push_back(item);
  }
  return ApiResponse::Json(Json{{"as_of", FormatDate(intel->day)}, {"segments", arr}});
}

Result<ApiResponse> SaveSegment(ServerContext& c, std::string name, const std::string& filter, bool replace,
                                int status) {
  auto parsed = SegmentFilter::Parse(filter);
  if (!parsed.ok()) return InvalidArgument("body field 'filter': " + parsed.status().message());
  if (name.empty() || name.size() > 64 || FindInvalidUtf8(name))
    return InvalidArgument("segment name: 1 to 64 bytes of UTF-8");
  QUN_ASSIGN_OR_RETURN(auto db, MembersDb::Open(c.workspace->data_dir(), false));
  SavedSegment seg{std::move(name), parsed->ToString(), NowMs()};
  QUN_RETURN_IF_ERROR(db->SaveSegment(seg, replace));
  return ApiResponse::Json(Json{{"name", seg.name}, {"filter", seg.filter}}, status);
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
  return SaveSegment(c, name, filter, replace, 201);
}

Result<ApiResponse> UpdateSegment(ServerContext& c, const ApiRequest& q) {
  QUN_ASSIGN_OR_RETURN(Json body, JsonBody(q));
  QUN_ASSIGN_OR_RETURN(std::string filter, StringField(body, "filter", true));
  {
    QUN_ASSIGN_OR_RETURN(auto db, MembersDb::Open(c.workspace->data_dir(), true));
    QUN_RETURN_IF_ERROR(db->Segment(q.Param("name")).status());  // PUT updates; POST creates
  }
  return SaveSegment(c, q.Param("name"), filter, true, 200);
}

Result<ApiResponse> DeleteSegment(ServerContext& c, const ApiRequest& q) {
  QUN_ASSIGN_OR_RETURN(auto db, MembersDb::Open(c.workspace->data_dir(), false));
  QUN_RETURN_IF_ERROR(db->DeleteSegment(q.Param("name")));
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
  auto tz = TimeZone::Load(q.Query("tz", "UTC"));
  if (!tz.ok()) return InvalidArgument("parameter 'tz': " + tz.status().message());
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
  ReportOptions opt;
  opt.tz = *tz;
  opt.lang = lang;
  opt.community_label = q.Query("community");
  if (!opt.community_label.empty()) {
    QUN_ASSIGN_OR_RETURN(opt.community, ResolveCommunity(e, opt.community_label));
  }
  auto last = LastEventDay(e, opt.community, opt.tz);
  if (!last) return FailedPrecondition("no events in scope: import data first (qun import)");
  opt.week_start = week ? *week : DefaultReportWeek(*last);
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
