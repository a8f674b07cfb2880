// MemberTableCache: memoizes the MemberTable (profiles, stages, levels, RFM)
// of one evaluation day, so repeated dashboard reads of the members overview,
// pyramid, RFM or health do not rebuild every profile (O(people + active
// days)) on each call (docs/members.md §10).
//
// The cached table is returned while the engine is unchanged since it was
// built: same number of event rows, same number of merge records and same
// number of undone merges (every ingest, merge and unmerge changes one of
// them). Any change rebuilds it on the next Get; a table is never patched,
// because RFM quintiles and the 80/20 view depend on every person.
//
// Ownership: the cache owns its table; Get hands out shared ownership, so a
// caller may keep using a table after the cache moved on.
// Thread-safety: Get may be called concurrently (internal mutex); callers hold
// the workspace read lock while the engine and ledger are read.
#ifndef QUN_CORE_MEMBERS_MEMBER_TABLE_CACHE_H_
#define QUN_CORE_MEMBERS_MEMBER_TABLE_CACHE_H_

#include <cstdint>
#include <memory>
#include <mutex>

#include "core/members/profile.h"

namespace qun {

class MemberTableCache {
 public:
  // The table of BuildMemberTable(engine, ledger, day) with the default
  // MemberConfig, from the cache when the engine is unchanged and `day` and
  // `ledger` are the cached ones.
  std::shared_ptr<const MemberTable> Get(const Engine& engine, const ActivityLedger& ledger, int32_t day);

 private:
  struct Key {
    const ActivityLedger* ledger = nullptr;
    int32_t day = kNoDay;
    uint64_t rows = 0, merges = 0, undone = 0;
    bool operator==(const Key&) const = default;
  };
  std::mutex mu_;
  Key key_;
  std::shared_ptr<const MemberTable> table_;
};

}  // namespace qun

#endif  // QUN_CORE_MEMBERS_MEMBER_TABLE_CACHE_H_
