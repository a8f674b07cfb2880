// Members from the engine's identity tables: profile, timeline, manual merge
// and unmerge, and the merge history (the filtered list: intel_routes.cc).
//   GET  /v1/members/{id}            analyst  id = member number or platform:account
//   GET  /v1/members/{id}/timeline   analyst  ?limit=&offset=
//   POST /v1/members/{id}/merge      operator {"from": "<member>", "reason": "..."}
//   GET  /v1/merges                  analyst
//   POST /v1/merges/{id}/unmerge     operator {"reason": "..."}
#include <algorithm>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/time.h"
#include "core/engine/lookup.h"
#include "core/members/profile.h"
#include "server/router.h"
#include "store/workspace.h"

namespace qun::server {
namespace {

constexpr uint64_t kMaxPage = 1000;

// Per-member activity summary, rebuilt when the log or identities change.
struct MemberActivity {
  const void* ws = nullptr;
  uint64_t seq = UINT64_MAX;
  size_t merges = SIZE_MAX;
  std::vector<uint32_t> events;  // per account
  std::vector<uint32_t> first, last;  // per account, engine seconds
};

std::mutex g_activity_mu;
MemberActivity g_activity;

// Call with the read lock held; returns with g_activity_mu held via `hold`.
const MemberActivity& Activity(const Workspace& ws, std::unique_lock<std::mutex>& hold) {
  hold = std::unique_lock(g_activity_mu);
  const Engine& e = ws.engine();
  MemberActivity& a = g_activity;
  if (a.ws == &ws && a.seq == e.last_seq() && a.merges == e.merges().size()) return a;
  size_t na = e.accounts().size();
  a.events.assign(na, 0);
  a.first.assign(na, UINT32_MAX);
  a.last.assign(na, 0);
  const auto& cols = e.events();
  for (size_t i = 0; i < cols.size(); ++i) {
    uint32_t acc = cols.account[i];
    ++a.events[acc];
    a.first[acc] = std::min(a.first[acc], cols.ts[i]);
    a.last[acc] = std::max(a.last[acc], cols.ts[i]);
  }
  a.ws = &ws;
  a.seq = e.last_seq();
  a.merges = e.merges().size();
  return a;
}

std::string DisplayName(const Engine& e, const MemberRef& m) {
  for (uint32_t acc : m.accounts)
    if (!e.display_name(acc).empty()) return e.display_name(acc);
  return {};
}

nlohmann::json Summary(const Engine& e, const MemberActivity& a, uint32_t id) {
  const MemberRef m = e.members()[id];
  uint64_t events = 0;
  uint32_t first = UINT32_MAX, last = 0;
  nlohmann::json accounts = nlohmann::json::array();
  for (uint32_t acc : m.accounts) {
    accounts.push_back(AccountKey(e, acc));
    events += a.events[acc];
    first = std::min(first, a.first[acc]);
    last = std::max(last, a.last[acc]);
  }
  return {{"id", id},
          {"name", DisplayName(e, m)},
          {"accounts", accounts},
          {"events", events},
          {"first_seen", events ? nlohmann::json(FormatRfc3339(FromEngineSeconds(first))) : nlohmann::json()},
          {"last_seen", events ? nlohmann::json(FormatRfc3339(FromEngineSeconds(last))) : nlohmann::json()}};
}

nlohmann::json MergeJson(const MergeRecord& m) {
  return {{"id", m.id},           {"into", m.into},     {"from", m.from},     {"accounts", m.accounts.size()},
          {"reason", m.reason},   {"manual", m.manual}, {"undone", m.undone}, {"after_seq", m.after_seq},
          {"ts", FormatRfc3339(m.ts_ms)}};
}

Result<ApiResponse> Profile(ServerContext& c, const ApiRequest& q) {
  auto lock = c.workspace->ReadLock();
  const Engine& e = c.workspace->engine();
  QUN_ASSIGN_OR_RETURN(uint32_t id, ResolveMember(e, q.Param("id")));
  std::unique_lock<std::mutex> hold;
  const MemberActivity& a = Activity(*c.workspace, hold);
  nlohmann::json j = Summary(e, a, id);
  nlohmann::json attrs = nlohmann::json::object();
  for (const auto& [k, v] : e.attributes(id)) attrs[std::string(k)] = v;
  j["attributes"] = attrs;
  nlohmann::json merges = nlohmann::json::array();
  for (const auto& m : e.merges())
    if (m.into == id || m.from == id) merges.push_back(MergeJson(m));
  j["merges"] = merges;
  return ApiResponse::Json(j);
}

Result<ApiResponse> Timeline(ServerContext& c, const ApiRequest& q) {
  QUN_ASSIGN_OR_RETURN(uint64_t limit, ParseUintParam("limit", q.Query("limit", "100"), kMaxPage));
  QUN_ASSIGN_OR_RETURN(uint64_t offset, ParseUintParam("offset", q.Query("offset", "0"), UINT32_MAX));
  auto lock = c.workspace->ReadLock();
  const Engine& e = c.workspace->engine();
  QUN_ASSIGN_OR_RETURN(uint32_t id, ResolveMember(e, q.Param("id")));
  const auto& cols = e.events();
  const auto accounts = e.members().accounts(id);
  // Newest first by event time (imports of history arrive out of order);
  // ties by seq. One scan of the account column.
  std::vector<uint32_t> rows;
  for (uint32_t row = 0; row < cols.size(); ++row)
    if (std::find(accounts.begin(), accounts.end(), cols.account[row]) != accounts.end()) rows.push_back(row);
  std::sort(rows.begin(), rows.end(), [&](uint32_t a, uint32_t b) {
    return cols.ts[a] != cols.ts[b] ? cols.ts[a] > cols.ts[b] : a > b;
  });
  nlohmann::json items = nlohmann::json::array();
  for (size_t i = offset; i < rows.size() && items.size() < limit; ++i) {
    uint32_t row = rows[i];
    const auto& ci = e.communities()[cols.community[row]];
    items.push_back({{"seq", row + 1},
                     {"ts", FormatRfc3339(FromEngineSeconds(cols.ts[row]))},
                     {"type", EventTypeName(cols.type[row])},
                     {"community", std::string(PlatformName(ci.platform)) + ":" + ci.ext_id},
                     {"account", AccountKey(e, cols.account[row])}});
  }
  uint64_t next = offset + items.size();
  return ApiResponse::Json(nlohmann::json{{"member", id},
                                          {"total", rows.size()},
                                          {"events", items},
                                          {"next_offset", next < rows.size() ? nlohmann::json(next) : nlohmann::json()}});
}

Result<nlohmann::json> JsonBody(const ApiRequest& q) {
  if (q.body.empty()) return nlohmann::json::object();
  nlohmann::json j = nlohmann::json::parse(q.body, nullptr, false);
  if (!j.is_object()) return InvalidArgument("body must be a JSON object");
  return j;
}

std::string StringField(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_unsigned()) return std::to_string(it->get<uint64_t>());
  return {};
}

Result<ApiResponse> Merge(ServerContext& c, const ApiRequest& q) {
  QUN_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(q));
  std::string from_text = StringField(body, "from");
  if (from_text.empty()) return InvalidArgument("body field 'from': the member to merge into this one is required");
  std::string reason = StringField(body, "reason");
  uint32_t into = 0, from = 0;
  {
    auto lock = c.workspace->ReadLock();
    const Engine& e = c.workspace->engine();
    QUN_ASSIGN_OR_RETURN(into, ResolveMember(e, q.Param("id")));
    QUN_ASSIGN_OR_RETURN(from, ResolveMember(e, from_text));
  }
  if (into == from) return FailedPrecondition(fmt::format("member {} and '{}' are already one person", into, from_text));
  std::string why = reason.empty() ? "via API by token " + q.principal.name : reason;
  QUN_ASSIGN_OR_RETURN(uint32_t merge_id, c.workspace->Merge(into, from, why));
  // The engine decides which member id survives; report the record.
  auto lock = c.workspace->ReadLock();
  const auto& merges = c.workspace->engine().merges();
  if (merge_id == 0 || merge_id > merges.size()) return Internal("merge record missing after a merge");
  return ApiResponse::Json(MergeJson(merges[merge_id - 1]));
}

Result<ApiResponse> Merges(ServerContext& c, const ApiRequest&) {
  auto lock = c.workspace->ReadLock();
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& m : c.workspace->engine().merges()) arr.push_back(MergeJson(m));
  return ApiResponse::Json(nlohmann::json{{"merges", arr}});
}

Result<ApiResponse> Unmerge(ServerContext& c, const ApiRequest& q) {
  QUN_ASSIGN_OR_RETURN(uint64_t id, ParseUintParam("id", q.Param("id"), UINT32_MAX));
  QUN_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(q));
  std::string reason = StringField(body, "reason");
  QUN_RETURN_IF_ERROR(c.workspace->Unmerge(static_cast<uint32_t>(id), reason.empty() ? "unmerged via API" : reason));
  return ApiResponse::Json(nlohmann::json{{"unmerged", id}});
}

}  // namespace

void RegisterMemberRoutes(Router& r) {
  r.Add("GET", "/v1/members/{id}", Role::kAnalyst, Profile);
  r.Add("GET", "/v1/members/{id}/timeline", Role::kAnalyst, Timeline);
  r.Add("POST", "/v1/members/{id}/merge", Role::kOperator, Merge);
  r.Add("GET", "/v1/merges", Role::kAnalyst, Merges);
  r.Add("POST", "/v1/merges/{id}/unmerge", Role::kOperator, Unmerge);
}

}  // namespace qun::server
