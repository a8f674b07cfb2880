// ActivityLedger: per platform account, one row of counts per local day on
// which the account did something — the raw material of member profiles
// (docs/members.md §2). MemberLedgerModule keeps the workspace's ledger fresh
// as batches are applied; a ledger can also be built on demand for another
// time zone, a cut-off day or a single community.
//
// Why per account and not per member: a merge or unmerge only changes which
// accounts a person owns, so profiles combine their accounts' rows at read
// time and identity changes never invalidate the ledger.
//
// Attribution (each row of an account gets the count on the day of the event
// that causes it):
//   messages            message.posted by the account
//   replies_given       its message.posted with a resolved reply_to
//   answers             replies_given to a message of another account
//   replies_received    replies (by anyone else) to its messages
//   reactions_given     its reaction.added
//   reactions_received  reactions by another account to its messages
//   ugc                 its messages that got their first reply or reaction
//                       from another account (counted on that day)
//   invites             member.joined events naming it as inviter
//   orders, gmv_minor   order.paid (+1, +amount) / order.refunded (−amount)
//   checkins, activities, surveys, clicks, funnel (visit/signup/content.*)
//   active              any activity-type event (IsActivityType)
//
// Thread-safety: none; the engine's owner guards it like the engine.
#ifndef QUN_CORE_MEMBERS_ACTIVITY_LEDGER_H_
#define QUN_CORE_MEMBERS_ACTIVITY_LEDGER_H_

#include <cstdint>
#include <limits>
#include <vector>

#include "common/time.h"
#include "core/engine/engine.h"

namespace qun {

// Field order keeps the row at 64 bytes (no padding holes; millions of rows).
struct DayCounts {
  int32_t day = 0;  // local civil day (days since 1970-01-01)
  bool own = false;     // the account itself did something that day
  bool active = false;  // … and it was an activity-type event
  int64_t gmv_minor = 0;
  uint32_t messages = 0;
  uint32_t replies_given = 0;
  uint32_t answers = 0;
  uint32_t replies_received = 0;
  uint32_t reactions_given = 0;
  uint32_t reactions_received = 0;
  uint32_t ugc = 0;
  uint32_t invites = 0;
  uint32_t orders = 0;
  uint32_t checkins = 0;
  uint32_t reports_filed = 0;
  uint32_t funnel = 0;  // visit, signup, content.viewed/clicked

  void Add(const DayCounts& o);
};
static_assert(sizeof(DayCounts) <= 64, "DayCounts grew: see the note above it");

// Per-account facts that are not day counts.
struct AccountFacts {
  int32_t first_day = std::numeric_limits<int32_t>::max();  // any own event
  int32_t last_day = std::numeric_limits<int32_t>::min();
  uint32_t first_join_ts = kNone;  // engine seconds of the earliest member.joined
  uint32_t last_join_ts = kNone;   // latest member.joined
  uint32_t last_left_ts = kNone;   // latest member.left
  uint32_t last_nps_ts = kNone;    // latest survey.answered …
  int8_t last_nps = -1;            // … and its score
  std::vector<DayCounts> days;     // sorted by day, one entry per day
};

struct LedgerScope {
  TimeZone tz = TimeZone::Utc();
  uint32_t community = kNone;                              // kNone = all communities
  int32_t until_day = std::numeric_limits<int32_t>::max();  // last local day included
};

class ActivityLedger {
 public:
  explicit ActivityLedger(LedgerScope scope = {}) : scope_(std::move(scope)) {}

  // Folds rows [first_row, end_row) of `engine` into the ledger. Rows must be
  // folded in increasing order, each exactly once.
  void Fold(const Engine& engine, uint32_t first_row, uint32_t end_row);

  const LedgerScope& scope() const { return scope_; }
  // Facts of `account`, or nullptr if nothing in scope concerns it.
  const AccountFacts* account(uint32_t account) const {
    return account < accounts_.size() && !accounts_[account].days.empty() ? &accounts_[account] : nullptr;
  }
  size_t account_slots() const { return accounts_.size(); }
  uint32_t rows_folded() const { return rows_folded_; }
  // Latest local day of any folded event in scope (INT32_MIN when none).
  int32_t max_day() const { return max_day_; }
  size_t MemoryBytes() const;

 private:
  DayCounts& Row(uint32_t account, int32_t day);

  LedgerScope scope_;
  std::vector<AccountFacts> accounts_;
  std::vector<bool> engaged_;  // per event row: message already got outside engagement
  uint32_t rows_folded_ = 0;
  int32_t max_day_ = std::numeric_limits<int32_t>::min();
};

// The workspace's live ledger (UTC days, all communities), attached by
// AttachStandardModules.
class MemberLedgerModule : public EngineModule {
 public:
  void OnAppended(const Engine& engine, uint32_t first_row, uint32_t end_row) override {
    ledger_.Fold(engine, first_row, end_row);
  }
  size_t MemoryBytes() const override { return ledger_.MemoryBytes(); }
  const ActivityLedger& ledger() const { return ledger_; }

 private:
  ActivityLedger ledger_;
};

// A ledger for `scope`: the live module's when it fits (UTC, all
// communities, nothing after until_day), else a fresh one built by folding
// every row. `storage` holds the fresh one.
const ActivityLedger& LedgerFor(const Engine& engine, const LedgerScope& scope, ActivityLedger* storage);

}  // namespace qun

#endif  // QUN_CORE_MEMBERS_ACTIVITY_LEDGER_H_
