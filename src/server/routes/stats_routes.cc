// GET /v1/stats (what `qun stats --json` reports, minus on-disk sizes) and
// GET /v1/communities. Both scan the event columns once; the result is
// cached until the next committed batch or identity change.
#include <algorithm>
#include <mutex>

#include <nlohmann/json.hpp>

#include "common/time.h"
#include "core/engine/memory_json.h"
#include "server/router.h"
#include "store/sqlite/sqlite_store.h"
#include "store/workspace.h"

namespace qun::server {
namespace {

struct Cached {
  std::mutex mu;
  const void* ws = nullptr;
  uint64_t seq = UINT64_MAX;
  size_t merges = 0;
  std::string stats;
  std::string communities;
};

Cached& Cache() {
  static Cached c;
  return c;
}

void Compute(const Engine& e, std::string* stats, std::string* communities) {
  const auto& cols = e.events();
  uint64_t by_type[kEventTypeCount] = {};
  uint64_t by_platform[kPlatformCount] = {};
  uint32_t min_ts = UINT32_MAX, max_ts = 0;
  size_t nc = e.communities().size();
  std::vector<uint64_t> c_events(nc, 0);
  std::vector<uint32_t> c_first(nc, UINT32_MAX), c_last(nc, 0);
  for (size_t i = 0; i < cols.size(); ++i) {
    ++by_type[static_cast<int>(cols.type[i])];
    uint32_t c = cols.community[i];
    ++by_platform[static_cast<int>(e.communities()[c].platform)];
    min_ts = std::min(min_ts, cols.ts[i]);
    max_ts = std::max(max_ts, cols.ts[i]);
    ++c_events[c];
    c_first[c] = std::min(c_first[c], cols.ts[i]);
    c_last[c] = std::max(c_last[c], cols.ts[i]);
  }
  size_t merges_active = 0;
  for (const auto& m : e.merges()) merges_active += !m.undone;
  nlohmann::json j;
  j["events"] = cols.size();
  j["members"] = e.live_member_count();
  j["accounts"] = e.accounts().size();
  j["communities"] = nc;
  j["merges"] = merges_active;
  nlohmann::json bt = nlohmann::json::object();
  for (int t = 0; t < kEventTypeCount; ++t)
    if (by_type[t]) bt[std::string(EventTypeName(static_cast<EventType>(t)))] = by_type[t];
  j["by_type"] = bt;
  nlohmann::json bp = nlohmann::json::object();
  for (int p = 0; p < kPlatformCount; ++p)
    if (by_platform[p]) bp[std::string(PlatformName(static_cast<Platform>(p)))] = by_platform[p];
  j["by_platform"] = bp;
  j["first_event"] = cols.size() ? nlohmann::json(FormatRfc3339(FromEngineSeconds(min_ts))) : nlohmann::json();
  j["last_event"] = cols.size() ? nlohmann::json(FormatRfc3339(FromEngineSeconds(max_ts))) : nlohmann::json();
  j["engine_bytes"] = e.MemoryBytes();
  j["engine_bytes_per_event"] = cols.size() ? static_cast<double>(e.MemoryBytes()) / cols.size() : 0.0;
  j["engine_memory"] = MemoryBreakdownJson(e);
  j["schema_version"] = kStoreSchemaVersion;
  *stats = j.dump();

  nlohmann::json arr = nlohmann::json::array();
  for (size_t c = 0; c < nc; ++c) {
    const auto& ci = e.communities()[c];
    arr.push_back({{"id", ci.ext_id},
                   {"platform", PlatformName(ci.platform)},
                   {"key", std::string(PlatformName(ci.platform)) + ":" + ci.ext_id},
                   {"events", c_events[c]},
                   {"first_event", c_events[c] ? nlohmann::json(FormatRfc3339(FromEngineSeconds(c_first[c])))
                                               : nlohmann::json()},
                   {"last_event", c_events[c] ? nlohmann::json(FormatRfc3339(FromEngineSeconds(c_last[c])))
                                              : nlohmann::json()}});
  }
  *communities = nlohmann::json{{"communities", arr}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<ApiResponse> Serve(ServerContext& c, bool want_stats) {
  auto lock = c.workspace->ReadLock();
  const Engine& e = c.workspace->engine();
  Cached& k = Cache();
  std::lock_guard l(k.mu);
  if (k.ws != c.workspace || k.seq != e.last_seq() || k.merges != e.merges().size() || k.stats.empty()) {
    Compute(e, &k.stats, &k.communities);
    k.ws = c.workspace;
    k.seq = e.last_seq();
    k.merges = e.merges().size();
  }
  return ApiResponse{200, want_stats ? k.stats : k.communities, "application/json"};
}

}  // namespace

void RegisterStatsRoutes(Router& r) {
  r.Add("GET", "/v1/stats", Role::kViewer,
        [](ServerContext& c, const ApiRequest&) -> Result<ApiResponse> { return Serve(c, true); });
  r.Add("GET", "/v1/communities", Role::kViewer,
        [](ServerContext& c, const ApiRequest&) -> Result<ApiResponse> { return Serve(c, false); });
}

}  // namespace qun::server
