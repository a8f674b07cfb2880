// Keeping a MemberTable up to date without rebuilding it (docs/members.md
// §10.1): after a batch, only the people whose ledger rows or accounts
// changed are rebuilt; the views that depend on everyone (RFM quintiles, the
// 80/20 cut, stage and level counts) are recomputed by counting over bounded
// value ranges and by merging the few changed values into sorted lists.
//
// PatchMemberTable(engine, ledger, day, table, basis) leaves `table` equal,
// field by field, to BuildMemberTable(engine, ledger, day, table.config)
// (manual tags aside: re-apply them, ApplyManualTags is idempotent), for any
// sequence of batches (in or out of time order), merges and unmerges, and a
// day that stays or moves forward: a moved day re-evaluates every profile
// from its kept timeline (windows, stages and levels change by the passing of
// days alone) and rebuilds the timelines of the people whose ledger rows
// reached past the old day.
//
// Ownership: plain values. Thread-safety: none; the caller owns the table
// and holds the workspace read lock while the engine and ledger are read.
#ifndef QUN_CORE_MEMBERS_MEMBER_TABLE_PATCH_H_
#define QUN_CORE_MEMBERS_MEMBER_TABLE_PATCH_H_

#include <cstdint>
#include <vector>

#include "core/engine/engine.h"
#include "core/members/activity_ledger.h"
#include "core/members/profile.h"

namespace qun {

// The parts of a table that depend on everyone: every member's RFM scores
// and tier (docs/members.md §6), summary[i].rfm_tier, has_orders and
// `population`. Requires profiles with facts, stage, level and contribution,
// `summary` parallel to them, and member_contributions / member_monetary
// sorted. O(people + days in the recency range), plus O(log buyers) per buyer.
void FinishMemberTable(MemberTable& table);

// What a table was derived from, so it can be patched later.
struct MemberTableBasis {
  uint64_t ledger_id = 0;             // ActivityLedger::id()
  uint32_t ledger_seq = 0;            // its fold_seq() when last read
  std::vector<uint8_t> merge_undone;  // per engine merge record then: undone
  std::vector<uint32_t> ahead;        // member ids with ledger rows after table.day, ascending
  size_t MemoryBytes() const { return merge_undone.capacity() + ahead.capacity() * sizeof(uint32_t); }
};

// The basis of `table`, just built by BuildMemberTable(engine, ledger, …).
// O(merges), plus O(accounts) when the ledger has rows after table.day.
MemberTableBasis BasisOf(const Engine& engine, const ActivityLedger& ledger, const MemberTable& table);

// Brings `table` (built or patched from `ledger`, described by `basis`) to
// `day` and the engine's and ledger's current content, and updates `basis`.
// Returns false, leaving both unchanged, when it cannot: another ledger
// object, a day before table.day, or fewer merge records than before; the
// caller then builds. Cost: O(accounts) to find the changed ones, the
// rebuild of the changed people, O(people) for the views over everyone, and
// when the day moves, the re-evaluation of every profile (O(person-days)).
bool PatchMemberTable(const Engine& engine, const ActivityLedger& ledger, int32_t day, MemberTable& table,
                      MemberTableBasis& basis);

}  // namespace qun

#endif  // QUN_CORE_MEMBERS_MEMBER_TABLE_PATCH_H_
