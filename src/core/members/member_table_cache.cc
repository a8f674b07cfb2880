// MemberTableCache (member_table_cache.h).
#include "core/members/member_table_cache.h"

namespace qun {

std::shared_ptr<const MemberTable> MemberTableCache::Get(const Engine& engine, const ActivityLedger& ledger,
                                                         int32_t day) {
  Key key{&ledger, day, engine.events().size(), engine.merges().size(), 0};
  for (const MergeRecord& m : engine.merges()) key.undone += m.undone ? 1 : 0;
  std::lock_guard lock(mu_);
  if (!table_ || !(key == key_)) {
    table_ = std::make_shared<const MemberTable>(BuildMemberTable(engine, ledger, day));
    key_ = key;
  }
  return table_;
}

}  // namespace qun
