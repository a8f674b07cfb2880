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
  return Get(engine, scope, "", build, nullptr);
}

Result<std::shared_ptr<const CachedMemberTable>> MemberTableCache::Get(
    const Engine& engine, const std::string& scope, const std::string& lineage,
    const std::function<Status(CachedMemberTable&)>& build, const PatchFn& patch) {
  std::string key = EngineContentKey(engine) + "|" + scope;
  std::shared_ptr<const CachedMemberTable> prior;
  bool sole_owner = false;
  {
    std::lock_guard lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->key != key) continue;
      entries_.splice(entries_.begin(), entries_, it);
      return entries_.front().table;
    }
    if (patch && !lineage.empty()) {
      for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it->lineage != lineage) continue;
        // Nobody else holds it, and nobody can get it once it leaves the
        // list (under the lock): patch it in place instead of copying.
        sole_owner = it->table.use_count() == 1;
        prior = sole_owner ? std::move(it->table) : it->table;
        if (sole_owner) entries_.erase(it);
        break;
      }
    }
  }
  std::shared_ptr<CachedMemberTable> built;
  if (prior) {
    built = std::make_shared<CachedMemberTable>();
    built->community = prior->community;
    built->tz = prior->tz;
    built->day = prior->day;
    if (sole_owner) {
      // Created non-const (below), so taking its parts is defined.
      auto& old = const_cast<CachedMemberTable&>(*prior);
      built->table = std::move(old.table);
      built->basis = std::move(old.basis);
    } else {
      built->table = prior->table;
      built->basis = prior->basis;
    }
    prior.reset();
    Result<bool> patched = patch(*built);
    if (!patched.ok() || !*patched) built.reset();
  }
  if (!built) {
    built = std::make_shared<CachedMemberTable>();
    QUN_RETURN_IF_ERROR(build(*built));
  }
  std::lock_guard lock(mu_);
  entries_.push_front(Entry{std::move(key), lineage, built});
  while (entries_.size() > capacity_) entries_.pop_back();
  return std::shared_ptr<const CachedMemberTable>(std::move(built));
}

std::shared_ptr<const MemberTable> MemberTableCache::Get(const Engine& engine, const ActivityLedger& ledger,
                                                         int32_t day) {
  const std::string lineage = fmt::format("ledger#{}", ledger.id());
  auto entry = *Get(
      engine, fmt::format("{}|day={}", lineage, day), lineage,
      [&](CachedMemberTable& t) {
        t.day = day;
        t.table = BuildMemberTable(engine, ledger, day);
        t.basis = BasisOf(engine, ledger, t.table);
        return Status::Ok();
      },
      [&](CachedMemberTable& t) -> Result<bool> {
        if (!PatchMemberTable(engine, ledger, day, t.table, t.basis)) return false;
        t.day = day;
        return true;
      });
  return std::shared_ptr<const MemberTable>(entry, &entry->table);  // shares the entry's ownership
}

}  // namespace qun
