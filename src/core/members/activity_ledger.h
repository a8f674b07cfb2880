// ActivityLedger: per platform account, one row of counts per local day on
// which the account did something — the raw material of member profiles
// (docs/members.md §2). MemberLedgerModule keeps the workspace's ledger fresh
// as batches are applied; a ledger can also be built on demand for another
// time zone or a single community, and read as of any day.
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
//   ugc                 its messages that got a reply or reaction from
//                       another account (counted once, on the earliest day)
//   invites             member.joined events naming it as inviter
//   orders, gmv_minor   order.paid (+1, +amount) / order.refunded (−amount)
//   checkins, activities, surveys, clicks, funnel (visit/signup/content.*)
//   active              any activity-type event (IsActivityType)
// Engagement received is counted on the engagement's day, or the message's
// day when that is later (a reply time-stamped before its message). Joins,
// leaves and NPS answers are per-account milestones, not day counts.
//
// Thread-safety: ActivityLedger has none (the engine's owner guards it like
// the engine); MemberLedgerModule documents its own below.
#ifndef QUN_CORE_MEMBERS_ACTIVITY_LEDGER_H_
#define QUN_CORE_MEMBERS_ACTIVITY_LEDGER_H_

#include <cstdint>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <unordered_map>
#include <vector>

#include "common/time.h"
#include "core/engine/engine.h"

namespace qun {

// One (account, day) row, decoded. The ledger stores rows encoded
// (AccountFacts); this is what readers and Fold work with.
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
  bool operator==(const DayCounts&) const = default;  // every field, day included
};

// A join, leave or NPS answer of an account: the facts that are not day
// counts, kept as a short list so they can be read as of any day.
struct Milestone {
  enum Kind : uint8_t { kJoin = 0, kLeft = 1, kNps = 2 };
  uint32_t ts = 0;   // engine seconds
  int32_t day = 0;   // local day of ts in the ledger's zone
  Kind kind = kJoin;
  int8_t nps = -1;   // the score, for kNps
};

// Milestones of an account folded into their values as of a day.
struct AccountMilestones {
  int64_t first_join_ts = -1, last_join_ts = -1;  // engine seconds, -1 = none
  int32_t first_join_day = std::numeric_limits<int32_t>::min();
  int64_t last_left_ts = -1;
  int32_t last_left_day = std::numeric_limits<int32_t>::min();
  int64_t last_nps_ts = -1;  // the latest answer (ties: the later folded row)
  int last_nps = -1;
};

// One account's rows and milestones, read in place: a `const AccountFacts*`
// points at the account's block inside its ledger's AccountFactsArena (it is
// never constructed; the object is the block's bytes) and stays valid until
// the ledger is next folded. docs/members.md §2.2 has the layout and its
// bytes: a 9-byte header (u32 block size, i32 latest row's day, u8 length of
// the latest row), a varint milestone count, the milestones (fold order; 5
// bytes: u32 ts, a tag byte with the kind and the milestone's local day
// minus its UTC day, then the score for NPS answers; the local day itself
// follows the tag in the rare case the difference is outside -4..3), then
// the day rows sorted by day, each encoded as
//   varint day (first row: zigzag of the day; later rows: gap to the previous
//   row's day, >= 1), varint presence mask of the non-zero fields (the two
//   flags are mask bits), then a varint per present field in mask-bit order
//   (gmv_minor zigzag-encoded).
// Thread-safety: read-only; the ledger's owner serialises writers.
class AccountFacts {
 public:
  AccountFacts() = delete;
  AccountFacts(const AccountFacts&) = delete;
  AccountFacts& operator=(const AccountFacts&) = delete;

  // True when the account has no day row (then it has no milestone either:
  // Fold gives every milestone's event its own row).
  bool empty() const;
  // The latest row's day. Precondition: !empty().
  int32_t last_day() const;
  // Appends the rows on or before `until_day`, sorted by day, to `out`.
  void AppendDays(int32_t until_day, std::vector<DayCounts>* out) const;
  // Every row (tests, debugging).
  std::vector<DayCounts> Days() const;

  bool has_milestones() const;
  // Join/leave/NPS facts over milestones on or before `until_day`.
  AccountMilestones MilestonesAsOf(int32_t until_day) const;
  // Appends the join and leave milestones on or before `until_day` (fold
  // order) to `out`.
  void AppendMembership(int32_t until_day, std::vector<Milestone>* out) const;

 private:
  const uint8_t* bytes() const { return &first_; }
  uint8_t first_;  // the block's first byte; the rest follows it in the arena
};

// Every account's AccountFacts block in one arena (metrics::ListArena: 8 bytes
// per account slot, blocks in size classes of at most 25% slack, moved to the
// arena's end when they outgrow their class, compaction when abandoned slots
// exceed an eighth). Ownership: owns the arena. Thread-safety: none (like the
// ledger that owns it); const members may run concurrently with each other.
// Limit: the arena addresses its bytes with 32-bit offsets (4 GiB of blocks,
// about 1.5 billion events at the measured density).
class AccountFactsArena {
 public:
  AccountFactsArena();
  ~AccountFactsArena();
  AccountFactsArena(const AccountFactsArena&);
  AccountFactsArena& operator=(const AccountFactsArena&);
  AccountFactsArena(AccountFactsArena&&) noexcept;
  AccountFactsArena& operator=(AccountFactsArena&&) noexcept;

  // Makes account slots [0, n) exist. Never shrinks.
  void Resize(size_t n);
  size_t accounts() const;
  // The account's facts, or nullptr when it has no day row (or no slot).
  // Valid until the next non-const call.
  const AccountFacts* Get(uint32_t account) const;

  // Adds `delta` field by field (DayCounts::Add: flags or-ed, counters with
  // unsigned wrap-around) to the row of day delta.day, creating the row when
  // missing (a zero delta with `drop_if_zero` creates nothing). With
  // `drop_if_zero`, a row left with every field zero/false is removed. Adding
  // to the latest day re-encodes just that row; an earlier day re-encodes the
  // account's rows (rare: events mostly arrive in time order).
  // Precondition: account < accounts().
  void AddToDay(uint32_t account, const DayCounts& delta, bool drop_if_zero);
  // Appends a milestone (kept in the order added).
  void AddMilestone(uint32_t account, const Milestone& m);
  // Heap bytes: the arena's capacity (abandoned slots included), the slot
  // table and the re-encoding buffers.
  size_t Bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct LedgerScope {
  TimeZone tz = TimeZone::Utc();
  uint32_t community = kNone;                              // kNone = all communities
  int32_t until_day = std::numeric_limits<int32_t>::max();  // last local day included
};

// As-of semantics (docs/members.md §2.1): every count is attributed to one
// local day and every milestone carries its day, so the ledger of all rows
// viewed as of day D (rows and milestones with day <= D) equals the ledger
// folded with until_day = D, field by field. Two attributions make that hold
// whatever order rows arrive in: credit for engagement goes to the later of
// the engagement's and the message's day, and a message's ugc goes to the
// earliest such day (a late-arriving earlier engagement moves it).
class ActivityLedger {
 public:
  explicit ActivityLedger(LedgerScope scope = {});

  // Folds rows [first_row, end_row) of `engine` into the ledger. Rows must be
  // folded in increasing order, each exactly once.
  void Fold(const Engine& engine, uint32_t first_row, uint32_t end_row);

  const LedgerScope& scope() const { return scope_; }
  // Facts of `account`, or nullptr if nothing in scope concerns it. Readers
  // that want a day D use AppendDays(D) / MilestonesAsOf(D).
  const AccountFacts* account(uint32_t account) const {
    return facts_.Get(account);
  }
  size_t account_slots() const { return facts_.accounts(); }
  uint32_t rows_folded() const { return rows_folded_; }
  // Latest local day of any folded event in scope (INT32_MIN when none).
  int32_t max_day() const { return max_day_; }
  size_t MemoryBytes() const;
  // MemoryBytes by part: "accounts" (arena, slots), "engaged",
  // "changed_at".
  std::vector<std::pair<std::string, size_t>> MemoryParts() const;

  // Change tracking, for readers that patch what they derived from the
  // ledger (PatchMemberTable): `id()` is unique to this ledger object for the
  // process's life (never reused, unlike its address); `fold_seq()` counts
  // Fold calls. ChangedSince(s) appends, in increasing order, every account
  // whose facts changed in a Fold after fold_seq() was s. O(account slots).
  uint64_t id() const { return id_; }
  uint32_t fold_seq() const { return fold_seq_; }
  void ChangedSince(uint32_t seq, std::vector<uint32_t>* accounts) const;

 private:
  // Adds `delta` to the row (account, delta.day) and marks the account
  // changed: every change of an account's facts goes through here (a
  // milestone's event also makes its own row).
  void AddToDay(uint32_t account, const DayCounts& delta, bool drop_if_zero = false);

  LedgerScope scope_;
  AccountFactsArena facts_;
  // Per event row, for a message: the day its ugc is credited on minus the
  // message's own day (>= 0), or not engaged — kEngagedBits per row, packed:
  // 0 = not engaged, v in 1..kEngagedFar-1 = offset v-1, kEngagedFar = the
  // offset is in engaged_far_ (engagement days after the message; rare).
  static constexpr unsigned kEngagedBits = 2;
  static constexpr uint8_t kEngagedFar = (1u << kEngagedBits) - 1;
  int32_t CreditedOffset(uint32_t msg_row) const;  // -1 = not engaged
  void SetCreditedOffset(uint32_t msg_row, int32_t offset);
  std::vector<uint8_t> engaged_;  // 8 / kEngagedBits rows per byte
  std::unordered_map<uint32_t, int32_t> engaged_far_;
  uint32_t rows_folded_ = 0;
  uint64_t id_ = 0;
  uint32_t fold_seq_ = 0;
  std::vector<uint32_t> changed_at_;  // per account: fold_seq_ of its last change (4 B/account)
  int32_t max_day_ = std::numeric_limits<int32_t>::min();
};

// The workspace's live ledger (UTC days — the default zone of every CLI flag
// and API parameter — all communities, every row), attached by
// AttachStandardModules, plus a small cache of ledgers for other scopes (a
// zone, a community): each is built by one full fold on first use and then
// folded forward by only the rows appended since, when next asked for.
//
// Ownership: the cache shares ownership of its ledgers with readers, so a
// reader may keep one after the cache evicted it (least recently used go
// first: at most `kScopedCapacity` ledgers, and none beyond the newest once
// they hold more than `kScopedBudget` × the live ledger's bytes — a scoped
// ledger over all communities is as large as the live one).
// Thread-safety: OnAppended runs under the engine's write lock. Scoped() may
// be called by several readers holding the engine's read lock at once: an
// internal mutex guards the cache and the forward folds. A ledger returned
// is not modified while the caller holds the read lock (only rows appended
// under the write lock are folded later).
class MemberLedgerModule : public EngineModule {
 public:
  static constexpr size_t kScopedCapacity = 4;
  static constexpr size_t kScopedBudget = 2;

  void OnAppended(const Engine& engine, uint32_t first_row, uint32_t end_row) override {
    ledger_.Fold(engine, first_row, end_row);
  }
  // The live ledger plus the cached scoped ledgers.
  size_t MemoryBytes() const override;
  // The live ledger's ActivityLedger::MemoryParts plus "scoped" (the cache).
  std::vector<std::pair<std::string, size_t>> MemoryParts() const override;
  const ActivityLedger& ledger() const { return ledger_; }

  // The ledger of (scope.tz, scope.community), over every row of `engine`
  // (scope.until_day is ignored: read it as of a day). The live ledger for
  // UTC over all communities, else a cached one.
  std::shared_ptr<const ActivityLedger> Scoped(const Engine& engine, const LedgerScope& scope) const;
  // How many scoped ledgers were built by a full fold (for tests).
  size_t scoped_builds() const;

 private:
  ActivityLedger ledger_;
  mutable std::mutex mu_;
  mutable std::list<std::shared_ptr<ActivityLedger>> scoped_;  // most recent first
  mutable size_t scoped_builds_ = 0;
};

// A ledger whose view as of scope.until_day answers for `scope`: the engine's
// MemberLedgerModule (live or cached scoped ledger) when attached, else a
// fresh fold of every row up to until_day. Readers must cut at until_day
// (BuildTimeline's `until_day`, BuildMemberTable's day do).
std::shared_ptr<const ActivityLedger> LedgerFor(const Engine& engine, const LedgerScope& scope);

}  // namespace qun

#endif  // QUN_CORE_MEMBERS_ACTIVITY_LEDGER_H_
