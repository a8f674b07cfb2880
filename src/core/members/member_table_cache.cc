// MemberTableCache (member_table_cache.h).
#include "core/members/member_table_cache.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace qun {

std::string EngineContentKey(const Engine& engine) {
  size_t undone = 0;
  for (const MergeRecord& m : engine.merges()) undone += m.undone ? 1 : 0;
  return fmt::format("{}|{}|{}|{}", static_cast<const void*>(&engine), engine.events().size(),
                     engine.merges().size(), undone);
}

const std::vector<MemberActivity>& CachedMemberTable::Activity(const Engine& engine) const {
  std::call_once(activity_once_, [&] { activity_ = ScanMemberActivity(engine, community); });
  return activity_;
}

const std::vector<uint32_t>& CachedMemberTable::ProfileIndex(const Engine& engine) const {
  std::call_once(index_once_, [&] {
    index_.assign(engine.members().size(), kNone);
    for (size_t i = 0; i < table.profiles.size(); ++i)
      index_[table.profiles[i].member] = static_cast<uint32_t>(i);
  });
  return index_;
}

const nlohmann::ordered_json& CachedMemberTable::Overview() const {
  std::call_once(overview_once_, [&] {
    overview_ = std::make_shared<const nlohmann::ordered_json>(MembersOverviewJson(table));
  });
  return *overview_;
}

Result<std::shared_ptr<const CachedMemberTable>> MemberTableCache::Get(
    const Engine& engine, const std::string& scope, const std::function<Status(CachedMemberTable&)>& build) {
  std::string key = EngineContentKey(engine) + "|" + scope;
  {
    std::lock_guard lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first != key) continue;
      entries_.splice(entries_.begin(), entries_, it);
      return entries_.front().second;
    }
  }
  auto built = std::make_shared<CachedMemberTable>();
  QUN_RETURN_IF_ERROR(build(*built));
  std::lock_guard lock(mu_);
  entries_.emplace_front(std::move(key), built);
  while (entries_.size() > capacity_) entries_.pop_back();
  return std::shared_ptr<const CachedMemberTable>(std::move(built));
}

std::shared_ptr<const MemberTable> MemberTableCache::Get(const Engine& engine, const ActivityLedger& ledger,
                                                         int32_t day) {
  auto entry = *Get(engine, fmt::format("ledger@{}|day={}", static_cast<const void*>(&ledger), day),
                    [&](CachedMemberTable& t) {
                      t.day = day;
                      t.table = BuildMemberTable(engine, ledger, day);
                      return Status::Ok();
                    });
  return std::shared_ptr<const MemberTable>(entry, &entry->table);  // shares the entry's ownership
}

}  // namespace qun
