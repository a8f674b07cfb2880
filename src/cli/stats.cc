// qun stats: what is in a data directory.
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "common/time.h"
#include "core/engine/memory_json.h"
#include "store/sqlite/sqlite_store.h"
#include "store/workspace.h"

namespace qun::cli {
namespace {

struct StatsFlags {
  std::string data_dir;
  bool json = false;
};

Status RunStats(const StatsFlags& f) {
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(f.data_dir, {.read_only = true, .create = false}));
  auto lock = ws->ReadLock();
  const Engine& e = ws->engine();
  const auto& cols = e.events();
  uint64_t by_type[kEventTypeCount] = {};
  uint64_t by_platform[kPlatformCount] = {};
  uint32_t min_ts = UINT32_MAX, max_ts = 0;
  for (size_t i = 0; i < cols.size(); ++i) {
    ++by_type[static_cast<int>(cols.type[i])];
    ++by_platform[static_cast<int>(e.communities()[cols.community[i]].platform)];
    min_ts = std::min(min_ts, cols.ts[i]);
    max_ts = std::max(max_ts, cols.ts[i]);
  }
  size_t merges_active = 0;
  for (const auto& m : e.merges()) merges_active += !m.undone;
  std::error_code ec;
  uint64_t store_bytes = 0;
  for (const char* name : {"qun.db", "qun.db-wal"}) {
    auto p = std::filesystem::path(f.data_dir) / name;
    if (std::filesystem::exists(p, ec)) store_bytes += std::filesystem::file_size(p, ec);
  }
  size_t mem = e.MemoryBytes();
  double bpe = cols.size() ? static_cast<double>(mem) / cols.size() : 0;

  nlohmann::json j;
  j["events"] = cols.size();
  j["members"] = e.live_member_count();
  j["accounts"] = e.accounts().size();
  j["communities"] = e.communities().size();
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
  j["engine_bytes"] = mem;
  j["engine_bytes_per_event"] = bpe;
  j["engine_memory"] = MemoryBreakdownJson(e);
  j["store_bytes"] = store_bytes;
  j["schema_version"] = ws->store().schema_version();
  if (f.json) {
    std::printf("%s\n", j.dump().c_str());
    return Status::Ok();
  }
  std::printf("data dir     %s (schema v%d, %.1f MB on disk)\n", f.data_dir.c_str(), ws->store().schema_version(),
              store_bytes / 1e6);
  std::printf("events       %zu", cols.size());
  if (cols.size())
    std::printf("  (%s .. %s)", FormatRfc3339(FromEngineSeconds(min_ts)).c_str(),
                FormatRfc3339(FromEngineSeconds(max_ts)).c_str());
  std::printf("\nmembers      %zu (people; %zu platform accounts, %zu merges)\n", e.live_member_count(),
              e.accounts().size(), merges_active);
  std::printf("communities  %zu\n", e.communities().size());
  std::printf("engine       %.1f MB in memory, %.1f bytes/event\n", mem / 1e6, bpe);
  for (const MemoryPart& p : e.MemoryBreakdown())
    std::printf("  %s%-*s %9.1f MB %7.2f bytes/event\n", p.detail ? "  " : "", p.detail ? 30 : 32, p.name.c_str(),
                p.bytes / 1e6, cols.size() ? static_cast<double>(p.bytes) / cols.size() : 0.0);
  std::printf("by type\n");
  for (int t = 0; t < kEventTypeCount; ++t)
    if (by_type[t]) std::printf("  %-18s %llu\n", std::string(EventTypeName(static_cast<EventType>(t))).c_str(),
                                static_cast<unsigned long long>(by_type[t]));
  std::printf("by platform\n");
  for (int p = 0; p < kPlatformCount; ++p)
    if (by_platform[p]) std::printf("  %-18s %llu\n", std::string(PlatformName(static_cast<Platform>(p))).c_str(),
                                    static_cast<unsigned long long>(by_platform[p]));
  return Status::Ok();
}

void Setup(CLI::App& root) {
  static StatsFlags flags;  // CLI11 binds to it for the process lifetime
  auto* f = &flags;
  auto* sub = root.add_subcommand("stats", "Show what a data directory holds: events, members, communities");
  AddDataDirOption(sub, &f->data_dir);
  sub->add_flag("--json", f->json, "Print one JSON object");
  SetRun(sub, [f] { return RunStats(*f); });
}

}  // namespace
}  // namespace qun::cli

QUN_REGISTER_COMMAND(stats, 30, qun::cli::Setup);
