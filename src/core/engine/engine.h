// Engine: the in-memory, columnar state of a workspace, rebuilt from the store
// at open and advanced once per committed batch.
//
// What it holds
//   * dimensions: communities, platform accounts, members (people), with
//     identity merges (by identity.linked events, by verified keys — unionid,
//     phone_hash, email_hash in profile.updated — and manual merges) and the
//     merge history, every merge with its reason, every one reversible;
//   * the event log as columns indexed by row (row = seq - 1): time, account,
//     community, type and an `aux` reference whose meaning depends on type;
//     the idempotency keys live only in the key index (KeyIndex, exact on
//     64 bits, ~8.5 bytes per event at 1M);
//   * side tables for orders, content and message ids (for replies,
//     reactions and first-response times).
// Per-member figures follow the merged person: columns store the *account*;
// `member_of(account)` resolves the person at read time, so a merge or an
// unmerge never rewrites the log.
//
// Ingest protocol (single writer):
//   1. Stage(events)  — decides duplicates and new dimension rows without
//                       changing the engine;
//   2. the store commits the StagedBatch in one transaction;
//   3. Apply(batch)   — advances the engine (identity, columns, observers).
// Rebuild at open = Apply of every stored batch in seq order (plus the
// manual identity operations at their recorded positions), so the state after
// a restart equals the state before it.
//
// Thread-safety: not synchronized. The owner serializes writers and guards
// readers (a shared_mutex: Stage/Apply exclusive, queries shared).
#ifndef QUN_CORE_ENGINE_ENGINE_H_
#define QUN_CORE_ENGINE_ENGINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/engine/event_columns.h"
#include "core/engine/flat_map.h"
#include "core/engine/identity_tables.h"
#include "core/engine/key_index.h"
#include "qun/event.h"
#include "qun/status.h"

namespace qun {

constexpr uint32_t kNone = 0xFFFFFFFFu;

// At most this many communities per workspace (the community column is 16
// bits wide); Stage reports ResourceExhausted for the event that would add
// one more.
constexpr uint32_t kMaxCommunities = 65535;
// At most this many accounts (ids stay below 2^31, see MemberDirectory); Stage
// reports ResourceExhausted likewise, also when the accounts' ids together
// would exceed AccountTable::kMaxChars bytes.
constexpr uint32_t kMaxAccounts = 0x7FFFFFFFu;

// Engine time unit: seconds since 2000-01-01T00:00:00Z (fits uint32 to 2136).
constexpr int64_t kEngineEpochMs = 946684800000LL;
inline uint32_t ToEngineSeconds(int64_t ts_ms) { return static_cast<uint32_t>((ts_ms - kEngineEpochMs) / 1000); }
inline int64_t FromEngineSeconds(uint32_t s) { return kEngineEpochMs + static_cast<int64_t>(s) * 1000; }

struct CommunityInfo {
  Platform platform;
  std::string ext_id;  // the group/channel id on the platform
};

// A new account as Stage creates it (the engine keeps accounts in an
// AccountTable; readers see AccountRef). Display names and profile
// attributes are held by few accounts and members: they live in side tables
// (Engine::display_name, Engine::attributes), not in every row.
struct AccountInfo {
  Platform platform;
  std::string ext_id;        // the platform's account id
  uint32_t member = kNone;   // the person it belongs to now
};

struct MergeRecord {
  uint32_t id = 0;             // 1-based, in order of happening
  uint64_t after_seq = 0;      // the merge happened after this event seq
  int64_t ts_ms = 0;           // event time of the cause (manual: the operator's time)
  uint32_t into = kNone;       // surviving member
  uint32_t from = kNone;       // member whose accounts moved
  std::vector<uint32_t> accounts;  // accounts that moved from -> into
  std::string reason;          // "identity.linked <event id>", "verified key unionid", "manual: …"
  bool manual = false;
  bool undone = false;         // reversed by an unmerge
};

// What `aux` holds for each event type (kNone when absent / unresolved).
//   message.posted          row of the replied-to message (reply_to), or kNone
//   message.edited/recalled row of the message
//   reaction.added          row of the message reacted to
//   member.joined           inviter account
//   member.left             0 left, 1 removed, 2 banned
//   content.*               index into contents()
//   order.paid/refunded     index into orders()
//   survey.answered         nps 0..10
//   report.filed            target account (target_member) or row of target_message
//   identity.linked         the linked account
//   activity.joined         index of the activity id (activities())
//   others                  kNone
// The columns (core/engine/event_columns.h) are bit-packed in blocks of
// 256 rows (frame of reference); about 6 bytes per event instead of the 15
// of plain vectors (docs/metrics.md#event-columns). Engine::Compact
// gives back the spare capacity.

struct OrderInfo {
  int64_t amount_minor;
  uint32_t row;        // event row of the order event
  uint32_t currency;   // index into currencies()
};

struct ContentInfo {
  std::string content_id;
  ContentCategory category = ContentCategory::kValue;
  uint32_t community = kNone;
  uint32_t published_row = kNone;  // kNone until content.published is seen
};

// One event of a batch after staging.
struct StagedEvent {
  Event event;
  uint64_t seq = 0;          // assigned store sequence (1-based)
  uint64_t key = 0;          // idempotency key
  uint32_t community = kNone;
  uint32_t account = kNone;
  uint32_t linked_account = kNone;  // identity.linked target, mentions are not resolved
  uint32_t inviter_account = kNone; // member.joined inviter
  uint32_t target_account = kNone;  // report.filed target_member
};

struct StagedBatch {
  // Not OK when the batch must not be applied: a limit would be exceeded
  // (ResourceExhausted naming the event); `events` is then incomplete.
  Status status;
  std::vector<StagedEvent> events;             // new events only, in seq order
  uint64_t duplicates = 0;                     // dropped as already stored / repeated in batch
  // Dimension rows this batch creates (ids continue the engine's ranges).
  uint32_t first_new_community = 0;
  std::vector<CommunityInfo> new_communities;
  uint32_t first_new_account = 0;
  std::vector<AccountInfo> new_accounts;       // member is filled by Apply
};

class Engine;

// Modules keep derived state (metrics aggregates, member stages, …) fresh:
// they see every applied batch (after commit) and every identity change.
// A module is attached once, before the rebuild, and lives as long as the
// engine. Modules read the engine; they never modify it.
class EngineModule {
 public:
  virtual ~EngineModule() = default;
  // Rows [first_row, end_row) were appended (rows = seq - 1).
  virtual void OnAppended(const Engine& engine, uint32_t first_row, uint32_t end_row) = 0;
  // Called just before OnAppended with the applied batch itself, for the
  // payload the columns do not keep (message text, …); the row of
  // batch.events[i] is batch.events[i].seq - 1.
  virtual void OnBatchEvents(const Engine& engine, const StagedBatch& batch) {}
  // The account -> member mapping changed for these members (merge/unmerge).
  virtual void OnIdentityChanged(const Engine& engine, std::span<const uint32_t> members) {}
  // Approximate heap bytes the module holds.
  virtual size_t MemoryBytes() const { return 0; }
  // Optional finer split of MemoryBytes() as (part name, bytes); the parts
  // need not add up to the total (docs/metrics.md#memory). Empty by default.
  virtual std::vector<std::pair<std::string, size_t>> MemoryParts() const { return {}; }
};

// One line of Engine::MemoryBreakdown: a named part of the engine's heap.
struct MemoryPart {
  std::string name;   // e.g. "columns.ts", "index.key", "module.metrics"
  size_t bytes = 0;
  bool detail = false;  // a finer split of the part before it (not added to the total)
};

// Attaches every standard module (src/core/engine/modules.cc lists them).
void AttachStandardModules(Engine& engine);

class Engine {
 public:
  Engine();
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // --- writing (single writer) ---
  // Stages `events` (already validated). `first_seq` is the seq the store
  // will give the first new event. Never changes the engine.
  // `same_stored` confirms a 64-bit key hit against the stored event of
  // that row (true = the stored event has the same platform and id); the
  // workspace passes a store lookup, so a hash collision never drops an event.
  // Without it a key hit counts as a duplicate.
  using StoredIdCheck = std::function<bool(uint32_t row, const Event& e)>;
  StagedBatch Stage(std::vector<Event> events, uint64_t first_seq,
                    const StoredIdCheck& same_stored = nullptr) const;
  // Applies a committed batch. Precondition: Stage'd against the current
  // state, batch.status OK, committed by the store. (A batch whose status is
  // not OK is ignored.)
  void Apply(const StagedBatch& batch);
  // Gives back spare capacity (columns, key index, dimension tables); call
  // after a rebuild. O(events).
  void Compact();

  // Manual identity operations (also replayed at rebuild).
  // Merges member `from` into `into`. NotFound / FailedPrecondition on bad ids.
  Result<uint32_t> Merge(uint32_t into, uint32_t from, std::string reason, int64_t ts_ms);
  // Reverses merge record `merge_id` (auto or manual): its accounts go back
  // to the member they came from; that pair is not re-merged automatically.
  Status Unmerge(uint32_t merge_id, int64_t ts_ms);

  // Takes ownership. Attach before the first Apply. `name` labels the
  // module in MemoryBreakdown ("module.<name>").
  void AttachModule(std::unique_ptr<EngineModule> m, std::string name = "module") {
    modules_.push_back(std::move(m));
    module_names_.push_back(std::move(name));
  }
  // The attached module of type T, or nullptr.
  template <typename T>
  T* module() const {
    for (const auto& m : modules_)
      if (auto* t = dynamic_cast<T*>(m.get())) return t;
    return nullptr;
  }

  // --- reading ---
  const EventColumns& events() const { return cols_; }
  uint64_t last_seq() const { return cols_.size(); }
  const std::vector<CommunityInfo>& communities() const { return communities_; }
  const AccountTable& accounts() const { return accounts_; }
  const MemberDirectory& members() const { return members_; }
  const std::vector<MergeRecord>& merges() const { return merges_; }
  const std::vector<OrderInfo>& orders() const { return orders_; }
  const std::vector<ContentInfo>& contents() const { return contents_; }
  const std::vector<std::string>& activities() const { return activities_; }
  const std::vector<std::string>& currencies() const { return currencies_; }

  uint32_t member_of(uint32_t account) const { return accounts_.member(account); }
  // The account's last profile.updated "name" attribute ("" when none).
  const std::string& display_name(uint32_t account) const;
  // The member's profile attributes (empty when none), sorted by name; a
  // merge copies the merged-away member's attributes that the survivor lacks.
  AttributeList attributes(uint32_t member) const { return attributes_.Of(member); }
  // Live members: those not merged into another (merged-away ids stay as tombstones).
  size_t live_member_count() const { return live_members_; }
  uint32_t FindCommunity(Platform p, std::string_view ext_id) const;
  uint32_t FindAccount(Platform p, std::string_view ext_id) const;
  // Row of a message.posted by (community, message_id), or kNone.
  uint32_t FindMessage(uint32_t community, std::string_view message_id) const;

  // Approximate heap bytes held by the engine (columns, dimensions, indexes,
  // attached modules): the sum of MemoryBreakdown()'s non-detail parts.
  size_t MemoryBytes() const;
  // The same, split by part (docs/metrics.md#memory), in a fixed order:
  // columns.*, index.*, identity (followed by its detail parts identity.*,
  // detail = true), side_tables, then module.<name> per module
  // followed by its detail parts (module.<name>.<part>, detail = true).
  std::vector<MemoryPart> MemoryBreakdown() const;

 private:
  void AutoMerge(uint32_t a, uint32_t b, std::string reason, uint64_t after_seq, int64_t ts_ms);
  void ApplyProfile(const StagedEvent& e, uint64_t seq);
  void MoveAccounts(uint32_t into, uint32_t from, std::span<const uint32_t> accounts);

  EventColumns cols_;
  std::vector<CommunityInfo> communities_;
  AccountTable accounts_;
  MemberDirectory members_;
  std::vector<MergeRecord> merges_;
  std::vector<OrderInfo> orders_;
  std::vector<ContentInfo> contents_;
  std::vector<std::string> activities_;
  std::vector<std::string> currencies_;
  size_t live_members_ = 0;
  // Side tables: account -> index into display_names_ (only accounts that
  // have one), members' attributes.
  FlatMap64 display_name_index_;
  std::vector<std::string> display_names_;
  AttributeStore attributes_;

  KeyIndex key_index_;            // idempotency key -> row
  FlatMap64 community_index_;     // hash(platform, ext) -> community
  KeyIndex account_index_;        // hash(platform, ext) -> account
  KeyIndex message_index_;        // hash(community, message_id) -> row
  FlatMap64 content_index_;       // hash(content_id) -> content
  FlatMap64 activity_index_;      // hash(activity_id) -> activity
  FlatMap64 verified_key_index_;  // hash(kind, value) -> account holding it first
  std::vector<std::pair<uint32_t, uint32_t>> separations_;  // account pairs never auto-merged again
  std::vector<std::unique_ptr<EngineModule>> modules_;
  std::vector<std::string> module_names_;  // parallel to modules_
};

// The idempotency key of an event: hash of (platform, id).
uint64_t EventKey(Platform p, std::string_view id);

}  // namespace qun

#endif  // QUN_CORE_ENGINE_ENGINE_H_
