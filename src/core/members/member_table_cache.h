// MemberTableCache: the one memo of member tables (profiles, stages, levels,
// RFM; docs/members.md §10), so repeated reads of the member list, overview,
// pyramid, RFM, tags or segments do not rebuild every profile (O(people +
// active days)) on each call. Used by the server's member routes (through
// LoadMemberIntel, src/store/member_queries.h) and the analytics benchmark.
//
// An entry is keyed by everything its table depends on:
//  - the engine's content: which engine, its number of event rows, of merge
//    records and of undone merges (every ingest, merge and unmerge changes
//    one of them), computed here;
//  - `scope`: the caller's canonical text of everything else — the zone,
//    community and evaluation day (or the ledger it was built from) and a
//    fingerprint of the manual tags applied.
// Any change makes a new entry on the next Get. Callers that give a
// `lineage` (the scope without the parts a patch can follow: the content
// and the evaluation day) and a `patch` function get it by patching the
// latest entry of that lineage (PatchMemberTable: only the people a batch
// touched are rebuilt) instead of building from scratch; the old entry is
// taken over when no reader holds it, else copied. The least recently used
// entries leave (`capacity`, default 4).
//
// Ownership: the cache shares ownership of its entries (shared_ptr), so a
// caller may keep using one after the cache dropped it.
// Thread-safety: Get may be called concurrently (internal mutex; a build runs
// outside it, so two first readers of one key may both build). Callers hold
// the workspace read lock while the engine is read; CachedMemberTable's lazy
// parts are computed once, whoever asks first.
#ifndef QUN_CORE_MEMBERS_MEMBER_TABLE_CACHE_H_
#define QUN_CORE_MEMBERS_MEMBER_TABLE_CACHE_H_

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "common/time.h"
#include "core/members/member_table_patch.h"
#include "core/members/members_json.h"
#include "core/members/profile.h"
#include "qun/status.h"

namespace qun {

// A member table with its scope and what is derived from it on first use.
// Immutable once built (the lazy parts are logically const).
class CachedMemberTable {
 public:
  uint32_t community = kNone;  // kNone = all communities
  TimeZone tz = TimeZone::Utc();
  int32_t day = 0;  // evaluation day (= table.day)
  MemberTable table;
  MemberTableBasis basis;  // for patching; set by whoever builds or patches

  // ScanMemberActivity(engine, community), index = member id.
  const std::vector<MemberActivity>& Activity(const Engine& engine) const;
  // Profile index in `table` of each member id, kNone when it has none.
  const std::vector<uint32_t>& ProfileIndex(const Engine& engine) const;
  // MembersOverviewJson(table).
  const nlohmann::ordered_json& Overview() const;

 private:
  mutable std::once_flag activity_once_, index_once_, overview_once_;
  mutable std::vector<MemberActivity> activity_;
  mutable std::vector<uint32_t> index_;
  mutable std::shared_ptr<const nlohmann::ordered_json> overview_;
};

// Which engine and what it holds: changes with every ingest, merge and
// unmerge. Call under the workspace read lock.
std::string EngineContentKey(const Engine& engine);

class MemberTableCache {
 public:
  explicit MemberTableCache(size_t capacity = 4) : capacity_(capacity) {}

  // The entry for the engine's current content and `scope`; on a miss,
  // build() fills a new one, kept when build() returns Ok and otherwise
  // dropped with its error returned.
  Result<std::shared_ptr<const CachedMemberTable>> Get(
      const Engine& engine, const std::string& scope, const std::function<Status(CachedMemberTable&)>& build);

  // As above; on a miss, when an entry of the same non-empty `lineage`
  // exists, `patch` first gets a copy of its most recent one (community, tz,
  // day, table, basis) to bring up to date: returning true keeps the result,
  // false (or an error) falls back to build() on a fresh entry.
  using PatchFn = std::function<Result<bool>(CachedMemberTable&)>;
  Result<std::shared_ptr<const CachedMemberTable>> Get(const Engine& engine, const std::string& scope,
                                                       const std::string& lineage,
                                                       const std::function<Status(CachedMemberTable&)>& build,
                                                       const PatchFn& patch);

  // BuildMemberTable(engine, ledger, day) with the default MemberConfig and
  // no manual tags, keyed by the ledger's identity (ActivityLedger::id) and
  // patched from the previous table of that ledger when there is one.
  std::shared_ptr<const MemberTable> Get(const Engine& engine, const ActivityLedger& ledger, int32_t day);

 private:
  const size_t capacity_;
  std::mutex mu_;
  struct Entry {
    std::string key, lineage;
    std::shared_ptr<const CachedMemberTable> table;
  };
  std::list<Entry> entries_;  // most recent first
};

}  // namespace qun

#endif  // QUN_CORE_MEMBERS_MEMBER_TABLE_CACHE_H_
