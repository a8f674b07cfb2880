// Live metrics (docs/metrics.md). See metrics.h for the design.
#include "core/metrics/metrics.h"

#include "core/metrics/commerce.h"
#include "core/metrics/referral_forest.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/metrics/cohort.h"
#include "core/metrics/packed.h"

namespace qun::metrics {

// ---------------------------------------------------------------- helpers --

Result<Granularity> ParseGranularity(std::string_view s) {
  if (s == "day") return Granularity::kDay;
  if (s == "week") return Granularity::kWeek;
  if (s == "month") return Granularity::kMonth;
  return InvalidArgument("granularity: expected day, week or month, got '" + std::string(s) + "'");
}

std::string_view GranularityName(Granularity g) {
  switch (g) {
    case Granularity::kDay: return "day";
    case Granularity::kWeek: return "week";
    case Granularity::kMonth: return "month";
  }
  return "day";
}

int32_t PeriodStart(Granularity g, int32_t day) {
  switch (g) {
    case Granularity::kDay: return day;
    case Granularity::kWeek: return day - WeekdayFromDays(day);
    case Granularity::kMonth: {
      CivilDate c = CivilFromDays(day);
      return DaysFromCivil(c.year, c.month, 1);
    }
  }
  return day;
}

int32_t NextPeriod(Granularity g, int32_t start) {
  switch (g) {
    case Granularity::kDay: return start + 1;
    case Granularity::kWeek: return start + 7;
    case Granularity::kMonth: {
      CivilDate c = CivilFromDays(start);
      return c.month == 12 ? DaysFromCivil(c.year + 1, 1, 1) : DaysFromCivil(c.year, c.month + 1, 1);
    }
  }
  return start + 1;
}

namespace {

bool ContainsAny(std::string_view text, std::initializer_list<std::string_view> words) {
  for (auto w : words)
    if (text.find(w) != std::string_view::npos) return true;
  return false;
}

}  // namespace

bool IsQuestionText(std::string_view text) {
  if (ContainsAny(text, {"?", "\xEF\xBC\x9F" /* ？ */, "吗", "怎么", "如何", "为什么", "请问", "有没有", "能不能"}))
    return true;
  // An English interrogative first word (ASCII case-insensitive).
  size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) ++i;
  size_t j = i;
  while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
  std::string first;
  for (size_t k = i; k < j; ++k) first += static_cast<char>(std::tolower(static_cast<unsigned char>(text[k])));
  static const char* const kWords[] = {"how", "what", "why", "where", "when", "who", "which", "anyone"};
  for (const char* w : kWords)
    if (first == w) return true;
  return false;
}

std::vector<Anomaly> DetectAnomalies(int32_t first_day, const std::vector<double>& values,
                                     const AnomalyOptions& opt) {
  std::vector<Anomaly> out;
  std::vector<double> hist, dev;
  for (size_t i = 0; i < values.size(); ++i) {
    hist.clear();
    for (int w = 1; w <= opt.weeks; ++w) {
      if (i < static_cast<size_t>(7 * w)) break;
      hist.push_back(values[i - 7 * w]);
    }
    if (static_cast<int>(hist.size()) < opt.min_history) continue;
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      size_t n = v.size();
      return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    };
    double med = median(hist);
    dev.clear();
    for (double h : hist) dev.push_back(std::fabs(h - med));
    double mad = median(dev);
    // A flat history (MAD 0) falls back to 1 so any change of size >= threshold
    // counts (docs/metrics.md#anomalies).
    double scale = mad > 0 ? 1.4826 * mad : 1.0;
    double z = (values[i] - med) / scale;
    if (std::fabs(z) >= opt.threshold)
      out.push_back(Anomaly{first_day + static_cast<int32_t>(i), values[i], med, z, z > 0});
  }
  return out;
}

// ------------------------------------------------------------ state types --

namespace {

// Makes room for one more element, growing by a quarter rather than
// doubling (millions of entries: little slack).
template <typename T>
void ReserveOneMore(std::vector<T>& v, size_t n) {
  if (n > v.capacity()) v.reserve(std::max(n, v.capacity() + v.capacity() / 4 + 16));
}

enum SetKind { kActive = 0, kInteract, kVisit, kSignup, kBuy, kParticipate, kSetCount };

// An order event of a day: its row (4 bytes); the account, paid/refunded
// and the order (aux: index into Engine::orders(), which holds currency and
// amount) are read from the event columns.
struct OrderRec {
  uint32_t row;
  uint32_t Account(const Engine& e) const { return e.events().account[row]; }
  bool Refund(const Engine& e) const { return e.events().type[row] == EventType::kOrderRefunded; }
  const OrderInfo& Info(const Engine& e) const { return e.orders()[e.events().aux[row]]; }
  int64_t Signed(const Engine& e) const { return Refund(e) ? -Info(e).amount_minor : Info(e).amount_minor; }
};

struct DayAgg {
  // Accounts per set kind: the flushed sets (delta varints, packed.h) and
  // the current batch's raw pushes, merged in by Flush.
  std::array<PackedIdSet, kSetCount> sets;
  std::array<std::vector<uint32_t>, kSetCount> pending;
  std::array<uint32_t, 24> msg_hour{};
  uint32_t joins = 0, leaves = 0, views = 0, clicks = 0;
  std::array<uint32_t, 4> published{};
  std::array<uint32_t, 11> nps{};
  std::vector<OrderRec> orders;
  // The day's question rows in arrival order; rows of a day are close
  // together, so about 1 byte each.
  DeltaList questions;
  bool dirty = false;
  // Person-level cache (docs/metrics.md#caching): people[k] holds the sorted
  // distinct member ids of sets[k] while bit k of people_valid is set. Filled
  // lazily by queries (under ZoneView::cache_mu), dropped when sets[k] grows
  // or an identity change touches one of its accounts (writer lock).
  mutable std::array<std::vector<uint32_t>, kSetCount> people;
  mutable uint8_t people_valid = 0;
  // Active-series cache: WAU / MAU of this day, valid while active_valid.
  mutable uint32_t wau = 0, mau = 0;
  mutable bool active_valid = false;
  // Responsiveness cache: (question ts, first-reply wait or kNone) per
  // question of the day, valid while waits_valid.
  mutable std::vector<std::pair<uint32_t, uint32_t>> waits;
  mutable bool waits_valid = false;
  void DropWaits() const {
    waits_valid = false;
    std::vector<std::pair<uint32_t, uint32_t>>().swap(waits);
  }

  void DropPeople(int k) const {
    people_valid &= static_cast<uint8_t>(~(1u << k));
    std::vector<uint32_t>().swap(people[k]);
  }

  // Returns the kinds whose sets changed (bit mask).
  uint8_t Flush() {
    uint8_t changed = 0;
    DropWaits();  // questions may have been added
    std::vector<uint32_t> merged;
    for (int k = 0; k < kSetCount; ++k) {
      auto& v = pending[k];
      if (v.empty()) continue;
      changed |= static_cast<uint8_t>(1u << k);
      DropPeople(k);
      std::sort(v.begin(), v.end());
      merged.clear();
      sets[k].AppendTo(merged);
      const auto mid = merged.insert(merged.end(), v.begin(), v.end());
      std::inplace_merge(merged.begin(), mid, merged.end());
      merged.erase(std::unique(merged.begin(), merged.end()), merged.end());
      sets[k] = PackedIdSet(merged);
      std::vector<uint32_t>().swap(v);
    }
    dirty = false;
    return changed;
  }
  size_t Bytes() const {
    size_t b = sizeof(*this);
    for (int k = 0; k < kSetCount; ++k) b += sets[k].Bytes() + pending[k].capacity() * 4;
    for (const auto& s : people) b += s.capacity() * 4;
    b += waits.capacity() * 8;
    return b + orders.capacity() * sizeof(OrderRec) + questions.Bytes();
  }
};

// Per-scope day aggregates over [base, base + days.size()).
struct DaySeries {
  int32_t base = 0;
  std::vector<std::unique_ptr<DayAgg>> days;

  DayAgg* At(int32_t day) {
    if (days.empty()) {
      base = day;
    } else if (day < base) {
      std::vector<std::unique_ptr<DayAgg>> grown(static_cast<size_t>(base - day));
      for (auto& d : days) grown.push_back(std::move(d));
      days = std::move(grown);
      base = day;
    }
    size_t i = static_cast<size_t>(day - base);
    if (i >= days.size()) days.resize(i + 1);
    if (!days[i]) days[i] = std::make_unique<DayAgg>();
    return days[i].get();
  }
  const DayAgg* Get(int32_t day) const {
    if (day < base) return nullptr;
    size_t i = static_cast<size_t>(day - base);
    return i < days.size() ? days[i].get() : nullptr;
  }
};

// Per-scope caches of a zone view (docs/metrics.md#caching).
struct ScopeCache {
  // First-seen local day by member id (INT32_MAX: never), valid while fs_valid.
  bool fs_valid = false;
  std::vector<int32_t> fs;
  // Members at the end of day mem_base + i, valid while mem_valid.
  bool mem_valid = false;
  int32_t mem_base = 0;
  std::vector<uint32_t> mem;
  size_t Bytes() const { return sizeof(*this) + fs.capacity() * 4 + mem.capacity() * 4; }
};

struct ZoneView {
  explicit ZoneView(TimeZone z) : tz(std::move(z)) {}
  TimeZone tz;
  std::vector<DaySeries> comm;
  DaySeries ws;
  struct Touched {
    uint32_t scope;  // community or kNone (workspace)
    int32_t day;
    DayAgg* agg;
  };
  std::vector<Touched> touched;
  DaySeries& Series(uint32_t scope) { return scope == kNone ? ws : comm[scope]; }
  uint64_t last_use = 0;
  // Guards the lazily filled caches (DayAgg::people/wau/mau, scope caches)
  // against concurrent readers; writers hold the engine's writer lock.
  mutable std::mutex cache_mu;
  mutable std::vector<std::unique_ptr<ScopeCache>> comm_cache;  // by community (stable addresses)
  mutable ScopeCache ws_cache;
  // Cohort aggregates (docs/metrics.md#cohort-aggregates), built by the first
  // query of a scope and maintained by OnAppended; dropped on identity changes.
  mutable std::unique_ptr<CohortAggregate> ws_cohort;
  mutable std::vector<std::unique_ptr<CohortAggregate>> comm_cohort;  // by community

  // Call with cache_mu held.
  std::unique_ptr<CohortAggregate>& CohortSlot(uint32_t community) const {
    if (community == kNone) return ws_cohort;
    if (community >= comm_cohort.size()) comm_cohort.resize(community + 1);
    return comm_cohort[community];
  }
  size_t CohortBytes() const {
    size_t b = ws_cohort ? ws_cohort->Bytes() : 0;
    for (const auto& a : comm_cohort)
      if (a) b += a->Bytes();
    return b + comm_cohort.capacity() * 8;
  }

  // Call with cache_mu held.
  ScopeCache& CacheOf(uint32_t community) const {
    if (community == kNone) return ws_cache;
    if (community >= comm_cache.size()) comm_cache.resize(community + 1);
    if (!comm_cache[community]) comm_cache[community] = std::make_unique<ScopeCache>();
    return *comm_cache[community];
  }
  size_t Bytes() const {
    std::lock_guard lock(cache_mu);
    size_t b = sizeof(*this) + ws_cache.Bytes() + CohortBytes();
    for (const auto& c : comm_cache)
      if (c) b += c->Bytes();
    auto series = [&](const DaySeries& s) {
      b += s.days.capacity() * 8;
      for (const auto& d : s.days)
        if (d) b += d->Bytes();
    };
    for (const auto& s : comm) series(s);
    series(ws);
    return b;
  }
};

struct AccountRec {
  uint32_t account;
  uint32_t first_seen = kNone;   // engine seconds: first join or activity
  uint32_t last_active = 0;      // engine seconds (0: never active)
};

// Per community, the accounts seen in it (docs/metrics.md#memory-layout):
// 12-byte records in order of first appearance, an account -> position hash
// table and, per record, its (ts, joined) join/leave events in one arena.
struct ScopeAccounts {
  std::vector<AccountRec> recs;
  FlatIdMap index;  // account -> recs position
  ListArena<std::pair<uint32_t, bool>> membership;  // by recs position: (ts, joined), arrival order
  uint32_t min_ts = kNone, max_ts = 0;           // any event in scope

  // The record position of `account` (kNone: not seen).
  uint32_t Find(uint32_t account) const { return index.Find(account); }
  // The record position of `account`, created when new.
  uint32_t Rec(uint32_t account) {
    const uint32_t pos = index.FindOrInsert(account, static_cast<uint32_t>(recs.size()));
    if (pos == recs.size()) {
      ReserveOneMore(recs, recs.size() + 1);
      recs.push_back(AccountRec{account, kNone, 0});
      membership.Resize(recs.size());
    }
    return pos;
  }
  size_t Bytes() const { return recs.capacity() * sizeof(AccountRec) + index.Bytes() + membership.Bytes(); }
};

// A member.joined that names an inviter (docs/metrics.md#referral), read
// from the event columns of its row: the invite lists keep only rows.
struct InviteRec {
  uint32_t ts, community, account, inviter, row;
  InviteRec(const Engine& e, uint32_t r)
      : ts(e.events().ts[r]),
        community(e.events().community[r]),
        account(e.events().account[r]),
        inviter(e.events().aux[r]),
        row(r) {}
};

// Invites in referral order: event time, then joiner account, then inviter
// account (each by platform, then platform id), then row. Everything but the
// row is independent of arrival order; the row only orders identical edges.
struct InviteLess {
  const Engine& e;
  bool AccountLess(uint32_t a, uint32_t b) const {
    const AccountRef x = e.accounts()[a], y = e.accounts()[b];
    return x.platform != y.platform ? x.platform < y.platform : x.ext_id < y.ext_id;
  }
  bool operator()(uint32_t row_a, uint32_t row_b) const {
    const uint32_t ts_a = e.events().ts[row_a], ts_b = e.events().ts[row_b];
    if (ts_a != ts_b) return ts_a < ts_b;
    const InviteRec a(e, row_a), b(e, row_b);
    if (a.account != b.account) return AccountLess(a.account, b.account);
    if (a.inviter != b.inviter) return AccountLess(a.inviter, b.inviter);
    return a.row < b.row;
  }
};

// Invites (their rows) kept sorted by InviteLess as batches commit: the new
// tail of a batch is sorted and merged into the sorted prefix.
struct InviteList {
  std::vector<uint32_t> v;
  size_t clean = 0;  // sorted prefix length
  // Returns true when a new invite sorts before an earlier one.
  bool Sort(const InviteLess& less) {
    if (clean == v.size()) return false;
    auto mid = v.begin() + static_cast<std::ptrdiff_t>(clean);
    std::sort(mid, v.end(), less);
    const bool out_of_order = mid != v.begin() && less(*mid, *(mid - 1));
    if (out_of_order) std::inplace_merge(v.begin(), mid, v.end(), less);
    clean = v.size();
    return out_of_order;
  }
};

bool IsInteraction(EventType t) { return t == EventType::kMessagePosted || t == EventType::kReactionAdded; }

// First-seen local day of member `m` over the account records of `scopes`
// (INT32_MAX: never).
int32_t FirstSeenOf(const Engine& e, std::span<const ScopeAccounts> scopes, const TimeZone& tz, uint32_t m) {
  int32_t best = INT32_MAX;
  for (const ScopeAccounts& acc : scopes)
    for (uint32_t a : e.members()[m].accounts) {
      const uint32_t pos = acc.Find(a);
      if (pos == kNone) continue;
      const AccountRec& r = acc.recs[pos];
      if (r.first_seen != kNone) best = std::min(best, tz.LocalDay(FromEngineSeconds(r.first_seen)));
    }
  return best;
}

}  // namespace

struct MetricsModule::State {
  const Engine& engine;
  explicit State(const Engine& e) : engine(e), commerce(e, member) {}

  // account -> member, a dense copy of Engine::member_of kept current by
  // SyncMembers (4 bytes per account; hot loops stay in cache).
  std::vector<uint32_t> member;
  std::vector<bool> question;  // by row
  FlatIdMap first_reply;  // question row -> earliest reply ts by another member
  std::vector<uint32_t> replied;  // question rows whose first reply changed in the current batch
  // Account records per community. The workspace keeps only its time span
  // (ws_acc.min_ts/max_ts): its records would be the communities' merged
  // (first seen = the minimum, the only field workspace queries read), so
  // workspace queries read every community's records instead (Scopes).
  std::vector<ScopeAccounts> comm_acc;
  ScopeAccounts ws_acc;
  InviteList invites;                  // every invite, sorted (InviteLess)
  std::vector<InviteList> comm_invites;  // the same, by community
  // Conversion, value and funnel aggregates (docs/metrics.md#commerce-aggregates).
  CommerceAggregates commerce;
  // All-time invite forest per scope (docs/metrics.md#referral): built on the
  // first referral query, then grown as invites arrive in referral order;
  // rebuilt on the next query after an out-of-order invite or an identity
  // change (dirty).
  struct KeptForest {
    std::unique_ptr<ReferralForest> forest;
    size_t applied = 0;  // invites of the scope's list folded in
    bool dirty = true;
  };
  mutable std::mutex forest_mu;  // guards the kept forests
  mutable KeptForest ws_forest;
  mutable std::vector<KeptForest> comm_forest;
  uint32_t max_ts = 0;

  mutable std::mutex mu;  // guards views and use_clock
  mutable std::map<std::string, std::shared_ptr<ZoneView>> views;
  mutable uint64_t use_clock = 0;

  // Appends accounts created since the last call.
  void SyncMembers() {
    ReserveOneMore(member, engine.accounts().size());
    for (size_t a = member.size(); a < engine.accounts().size(); ++a)
      member.push_back(engine.member_of(static_cast<uint32_t>(a)));
  }

  ScopeAccounts& Acc(uint32_t community) {
    if (community >= comm_acc.size()) comm_acc.resize(community + 1);
    return comm_acc[community];
  }
  // The records a scope's first-seen days come from: one community's, or
  // every community's for the workspace (kNone).
  std::span<const ScopeAccounts> Scopes(uint32_t community) const {
    if (community == kNone) return comm_acc;
    if (community < comm_acc.size()) return {&comm_acc[community], 1};
    return {};
  }
  const ScopeAccounts* AccOf(uint32_t community) const {
    if (community == kNone) return &ws_acc;
    return community < comm_acc.size() ? &comm_acc[community] : nullptr;
  }

  // Zone-independent state for one row.
  // Call with forest_mu held.
  void AddGlobal(uint32_t row) {
    const auto& c = engine.events();
    const uint32_t ts = c.ts[row], acc = c.account[row], com = c.community[row];
    const EventType t = c.type[row];
    // aux only where it is read (a sparse aux block costs a rank per read).
    const uint32_t aux = t == EventType::kMemberJoined || t == EventType::kMessagePosted ? c.aux[row] : kNone;
    max_ts = std::max(max_ts, ts);
    const bool active = IsActivityType(t);
    ws_acc.min_ts = std::min(ws_acc.min_ts, ts);
    ws_acc.max_ts = std::max(ws_acc.max_ts, ts);
    {
      ScopeAccounts* s = &Acc(com);
      s->min_ts = std::min(s->min_ts, ts);
      s->max_ts = std::max(s->max_ts, ts);
      if (t == EventType::kMemberJoined || t == EventType::kMemberLeft || active) {
        const uint32_t pos = s->Rec(acc);
        AccountRec& r = s->recs[pos];
        if (t != EventType::kMemberLeft) r.first_seen = std::min(r.first_seen, ts);
        if (active) r.last_active = std::max(r.last_active, ts);
        if (t != EventType::kMemberLeft && !active) s->membership.Append(pos, {ts, true});
        if (t == EventType::kMemberLeft) s->membership.Append(pos, {ts, false});
      }
    }
    if (active) {
      for (KeptForest* f : {&ws_forest, com < comm_forest.size() ? &comm_forest[com] : nullptr})
        if (f && !f->dirty) f->forest->OnActive(member[acc], com, ts);
    }
    if (t == EventType::kMemberJoined && aux != kNone) {
      ReserveOneMore(invites.v, invites.v.size() + 1);
      invites.v.push_back(row);
      if (com >= comm_invites.size()) comm_invites.resize(com + 1);
      ReserveOneMore(comm_invites[com].v, comm_invites[com].v.size() + 1);
      comm_invites[com].v.push_back(row);
    }
    if (t == EventType::kMessagePosted && aux != kNone && aux < row && aux < question.size() && question[aux] &&
        engine.member_of(c.account[aux]) != engine.member_of(acc) && ts >= c.ts[aux]) {
      if (uint32_t* first = first_reply.Mutable(aux)) {
        if (ts < *first) {
          *first = ts;
          replied.push_back(aux);
        }
      } else {
        first_reply.FindOrInsert(aux, ts);
        replied.push_back(aux);
      }
    }
  }

  // Sorts the new invites in and grows the kept forests by them.
  void SortInvites() {
    const InviteLess less{engine};
    std::lock_guard lock(forest_mu);
    if (comm_forest.size() < comm_invites.size()) comm_forest.resize(comm_invites.size());
    if (invites.Sort(less)) ws_forest.dirty = true;
    Grow(ws_forest, invites);
    for (size_t i = 0; i < comm_invites.size(); ++i) {
      if (comm_invites[i].Sort(less)) comm_forest[i].dirty = true;
      Grow(comm_forest[i], comm_invites[i]);
    }
  }

  // Folds the invites of `list` not yet in `f` (call with forest_mu held).
  void Grow(KeptForest& f, const InviteList& list) const {
    if (f.dirty) return;
    for (; f.applied < list.v.size(); ++f.applied) AddInvite(*f.forest, list.v[f.applied]);
  }

  // The kept forest of `community` (kNone: workspace), rebuilt when dirty.
  // Call with forest_mu held.
  const ReferralForest& KeptForestOf(uint32_t community) const {
    static const InviteList kNoInvites;
    if (community != kNone && comm_forest.size() <= community) comm_forest.resize(community + 1);
    KeptForest& f = community == kNone ? ws_forest : comm_forest[community];
    if (f.dirty) {
      f.forest = std::make_unique<ReferralForest>();
      f.applied = 0;
      f.dirty = false;
      Grow(f, community == kNone                 ? invites
              : community < comm_invites.size() ? comm_invites[community]
                                                 : kNoInvites);
    }
    return *f.forest;
  }

  // One invite into `forest`, with its conversion as of now.
  void AddInvite(ReferralForest& forest, uint32_t row) const {
    const InviteRec r(engine, row);
    const uint32_t child = member[r.account];
    if (forest.Add(child, member[r.inviter], r.inviter, r.community, r.ts) && Converted(r, child))
      forest.MarkConverted(child);
  }

  // Converted: an account of the joiner was active in the join's community
  // at or after the join. The joining account's own record (created by the
  // join) decides most cases; only otherwise are the person's other accounts
  // looked up.
  bool Converted(const InviteRec& r, uint32_t child) const {
    const ScopeAccounts* sa = AccOf(r.community);
    auto active_after = [&](const AccountRec& rec) { return rec.last_active != 0 && rec.last_active >= r.ts; };
    const uint32_t own = sa->Find(r.account);
    if (own != kNone && active_after(sa->recs[own])) return true;
    const auto& accounts = engine.members()[child].accounts;
    if (accounts.size() > 1 || own == kNone)
      for (uint32_t a : accounts) {
        const uint32_t pos = sa->Find(a);
        if (pos != kNone && active_after(sa->recs[pos])) return true;
      }
    return false;
  }

  // One row into a zone view's day aggregates.
  void AddToView(ZoneView& v, uint32_t row) const {
    const auto& c = engine.events();
    const uint32_t acc = c.account[row], com = c.community[row];
    const EventType t = c.type[row];
    // aux only for the types whose case below reads it.
    const uint32_t aux = t == EventType::kContentPublished || t == EventType::kSurveyAnswered ||
                                 t == EventType::kOrderPaid || t == EventType::kOrderRefunded
                             ? c.aux[row]
                             : kNone;
    const int64_t ms = FromEngineSeconds(c.ts[row]);
    const int32_t day = v.tz.LocalDay(ms);
    if (com >= v.comm.size()) v.comm.resize(com + 1);
    for (uint32_t scope : {com, kNone}) {
      DayAgg* d = v.Series(scope).At(day);
      if (!d->dirty) {
        d->dirty = true;
        v.touched.push_back(ZoneView::Touched{scope, day, d});
      }
      if (IsActivityType(t)) d->pending[kActive].push_back(acc);
      if (IsInteraction(t)) d->pending[kInteract].push_back(acc);
      switch (t) {
        case EventType::kMemberJoined: ++d->joins; break;
        case EventType::kMemberLeft: ++d->leaves; break;
        case EventType::kMessagePosted:
          ++d->msg_hour[v.tz.LocalHour(ms)];
          if (row < question.size() && question[row]) d->questions.push_back(row);
          break;
        case EventType::kContentPublished:
          if (aux < engine.contents().size()) ++d->published[static_cast<int>(engine.contents()[aux].category)];
          break;
        case EventType::kContentViewed: ++d->views; break;
        case EventType::kContentClicked: ++d->clicks; break;
        case EventType::kVisit: d->pending[kVisit].push_back(acc); break;
        case EventType::kSignup: d->pending[kSignup].push_back(acc); break;
        case EventType::kActivityJoined: d->pending[kParticipate].push_back(acc); break;
        case EventType::kSurveyAnswered:
          if (aux <= 10) ++d->nps[aux];
          break;
        case EventType::kOrderPaid:
        case EventType::kOrderRefunded:
          if (aux < engine.orders().size()) {
            ReserveOneMore(d->orders, d->orders.size() + 1);
            d->orders.push_back(OrderRec{row});
            if (t == EventType::kOrderPaid) d->pending[kBuy].push_back(acc);
          }
          break;
        default: break;
      }
    }
  }

  // Whether one of `accounts` had an event of set `kind` on `day`, in the
  // part of the day's account set sorted before the current batch.
  static bool PastHas(const DaySeries& series, std::span<const uint32_t> accounts, SetKind kind, int32_t day) {
    const DayAgg* g = series.Get(day);
    if (!g) return false;
    for (uint32_t a : accounts)
      if (g->sets[kind].Contains(a)) return true;
    return false;
  }
  static SetKind SetOf(CohortAggregate::Kind k) { return k == CohortAggregate::kActivity ? kActive : kInteract; }

  // Calls f(aggregate, scope) for every cohort aggregate of the view.
  template <typename F>
  static void ForEachCohorts(ZoneView& v, F f) {
    if (v.ws_cohort) f(*v.ws_cohort, kNone);
    for (size_t i = 0; i < v.comm_cohort.size(); ++i)
      if (v.comm_cohort[i] && i < v.comm.size()) f(*v.comm_cohort[i], static_cast<uint32_t>(i));
  }

  // Identity change: forgets the people the change dissolved (`old_people`:
  // (old member, account) sorted) and restores `members` from the day sets.
  // Call with v.cache_mu held.
  void FixCohorts(ZoneView& v, const std::vector<std::pair<uint32_t, uint32_t>>& old_people,
                  std::span<const uint32_t> members) const {
    ForEachCohorts(v, [&](CohortAggregate& agg, uint32_t scope) {
      const DaySeries& series = v.Series(scope);
      std::vector<uint32_t> accounts;
      for (size_t i = 0; i < old_people.size();) {
        const uint32_t person = old_people[i].first;
        accounts.clear();
        for (; i < old_people.size() && old_people[i].first == person; ++i) accounts.push_back(old_people[i].second);
        agg.Forget(person, [&](uint32_t, CohortAggregate::Kind k, int32_t day) {
          return PastHas(series, accounts, SetOf(k), day);
        });
      }
      const auto scopes = Scopes(scope);
      std::array<std::vector<int32_t>, 2> days;
      for (uint32_t m : members) {
        if (m >= engine.members().size()) continue;
        for (auto& d : days) d.clear();
        const int32_t fs = FirstSeenOf(engine, scopes, v.tz, m);
        // No activity precedes the first-seen day (INT32_MAX: none at all).
        const int32_t end = series.base + static_cast<int32_t>(series.days.size());
        for (int32_t d = std::max(series.base, fs); d < end; ++d)
          for (int k = 0; k < 2; ++k)
            if (PastHas(series, engine.members()[m].accounts, SetOf(static_cast<CohortAggregate::Kind>(k)), d))
              days[k].push_back(d);
        agg.Restore(m, fs, days[0], days[1]);
      }
    });
  }

  // Feeds rows [first_row, end_row) to the view's cohort aggregates
  // (docs/metrics.md#cohort-aggregates). Call after AddToView, before FlushView.
  void MaintainCohorts(ZoneView& v, uint32_t first_row, uint32_t end_row) const {
    std::lock_guard lock(v.cache_mu);
    const auto& c = engine.events();
    ForEachCohorts(v, [&](CohortAggregate& agg, uint32_t scope) {
      for (uint32_t r = first_row; r < end_row; ++r) {
        if (scope != kNone && c.community[r] != scope) continue;
        const EventType t = c.type[r];
        const bool active = IsActivityType(t);
        if (t != EventType::kMemberJoined && !active) continue;  // first seen: a join or any activity
        const int32_t day = v.tz.LocalDay(FromEngineSeconds(c.ts[r]));
        const uint32_t person = member[c.account[r]];
        agg.NoteFirstSeen(person, day);
        if (active) agg.NoteDay(person, CohortAggregate::kActivity, day);
        if (IsInteraction(t)) agg.NoteDay(person, CohortAggregate::kInteraction, day);
      }
      const DaySeries& series = v.Series(scope);
      agg.End([&](uint32_t person, CohortAggregate::Kind k, int32_t day) {
        return PastHas(series, engine.members()[person].accounts, SetOf(k), day);
      });
    });
  }

  static void FlushView(ZoneView& v) {
    for (const auto& t : v.touched) {
      if (t.agg->Flush() & (1u << kActive)) InvalidateActive(v.Series(t.scope), t.day);
    }
    v.touched.clear();
    // New rows may add members or move first-seen days: drop the scope caches.
    v.ws_cache = ScopeCache{};
    v.comm_cache.clear();
  }

  // The WAU/MAU cache of `d` and of the 29 days after it depend on d's active set.
  static void InvalidateActive(const DaySeries& series, int32_t day) {
    for (int32_t d = day; d < day + 30; ++d)
      if (const DayAgg* g = series.Get(d)) g->active_valid = false;
  }

  std::shared_ptr<const ZoneView> View(const TimeZone& tz) const {
    std::lock_guard lock(mu);
    auto it = views.find(tz.name());
    if (it == views.end()) {
      if (views.size() > kMaxZoneViews) {
        auto victim = views.end();
        for (auto i = views.begin(); i != views.end(); ++i)
          if (i->first != "UTC" && (victim == views.end() || i->second->last_use < victim->second->last_use))
            victim = i;
        if (victim != views.end()) views.erase(victim);
      }
      auto v = std::make_shared<ZoneView>(tz);
      for (uint32_t r = 0; r < engine.events().size(); ++r) AddToView(*v, r);
      FlushView(*v);
      it = views.emplace(tz.name(), std::move(v)).first;
    }
    it->second->last_use = ++use_clock;
    return it->second;
  }
};

MetricsModule::MetricsModule(const Engine& engine) : s_(std::make_unique<State>(engine)) {
  auto utc = std::make_shared<ZoneView>(TimeZone::Utc());
  // The default scope's cohort aggregate is kept from the first row on.
  utc->ws_cohort = std::make_unique<CohortAggregate>();
  s_->views.emplace("UTC", std::move(utc));
}
MetricsModule::~MetricsModule() = default;

void MetricsModule::OnBatchEvents(const Engine& engine, const StagedBatch& batch) {
  for (const StagedEvent& se : batch.events) {
    if (se.event.type != EventType::kMessagePosted || !IsQuestionText(se.event.text)) continue;
    size_t row = se.seq - 1;
    if (s_->question.size() <= row) s_->question.resize(row + 1, false);
    s_->question[row] = true;
  }
}

void MetricsModule::OnAppended(const Engine& engine, uint32_t first_row, uint32_t end_row) {
  s_->SyncMembers();
  {
    std::lock_guard lock(s_->forest_mu);
    for (uint32_t r = first_row; r < end_row; ++r) s_->AddGlobal(r);
  }
  s_->commerce.OnAppended(first_row, end_row);
  s_->SortInvites();
  std::lock_guard lock(s_->mu);
  // A question's day (in every zone view) caches its wait: drop those caches.
  const auto& cols = engine.events();
  for (auto& [name, v] : s_->views)
    for (uint32_t row : s_->replied) {
      const int32_t day = v->tz.LocalDay(FromEngineSeconds(cols.ts[row]));
      if (const DayAgg* g = v->ws.Get(day)) g->DropWaits();
      if (cols.community[row] < v->comm.size())
        if (const DayAgg* g = v->comm[cols.community[row]].Get(day)) g->DropWaits();
    }
  s_->replied.clear();
  for (auto& [name, v] : s_->views) {
    for (uint32_t r = first_row; r < end_row; ++r) s_->AddToView(*v, r);
    s_->MaintainCohorts(*v, first_row, end_row);  // before FlushView: reads the sets' old prefixes
    State::FlushView(*v);
  }
}

void MetricsModule::OnIdentityChanged(const Engine& engine, std::span<const uint32_t> members) {
  // Targeted invalidation (docs/metrics.md#caching): only cached person sets
  // that hold an account of a member involved change.
  s_->SyncMembers();
  std::vector<uint32_t> accounts;
  for (uint32_t m : members)
    if (m < engine.members().size())
      accounts.insert(accounts.end(), engine.members()[m].accounts.begin(), engine.members()[m].accounts.end());
  std::sort(accounts.begin(), accounts.end());
  std::vector<std::pair<uint32_t, uint32_t>> old_people;  // (member before the change, account)
  for (uint32_t a : accounts) old_people.emplace_back(s_->member[a], a);
  std::sort(old_people.begin(), old_people.end());
  for (uint32_t a : accounts) s_->member[a] = engine.member_of(a);
  s_->commerce.OnIdentityChanged(old_people, members);
  {
    std::lock_guard lock(s_->forest_mu);
    s_->ws_forest.dirty = true;
    for (auto& f : s_->comm_forest) f.dirty = true;
  }
  std::lock_guard lock(s_->mu);
  for (auto& entry : s_->views) {
    auto& v = entry.second;  // not a structured binding: the lambdas below capture it (clang < 16)
    std::lock_guard cache_lock(v->cache_mu);
    s_->FixCohorts(*v, old_people, members);
    auto fix_series = [&](const DaySeries& series) {
      for (size_t i = 0; i < series.days.size(); ++i) {
        const DayAgg* g = series.days[i].get();
        if (!g || !g->people_valid) continue;
        for (int k = 0; k < kSetCount; ++k) {
          if (!(g->people_valid & (1u << k))) continue;
          const PackedIdSet& set = g->sets[k];
          bool hit = false;
          for (uint32_t a : accounts)
            if (set.Contains(a)) {
              hit = true;
              break;
            }
          if (!hit) continue;
          g->DropPeople(k);
          if (k == kActive) State::InvalidateActive(series, series.base + static_cast<int32_t>(i));
        }
      }
    };
    for (const auto& series : v->comm) fix_series(series);
    fix_series(v->ws);
    auto fix_scope = [&](ScopeCache& sc, uint32_t community) {
      sc.mem_valid = false;  // member counts: rebuilt on next use
      std::vector<uint32_t>().swap(sc.mem);
      if (!sc.fs_valid) return;
      const auto scopes = s_->Scopes(community);
      for (uint32_t m : members)
        if (m < sc.fs.size()) sc.fs[m] = FirstSeenOf(engine, scopes, v->tz, m);
    };
    fix_scope(v->ws_cache, kNone);
    for (size_t i = 0; i < v->comm_cache.size(); ++i)
      if (v->comm_cache[i]) fix_scope(*v->comm_cache[i], static_cast<uint32_t>(i));
  }
}

std::vector<std::pair<std::string, size_t>> MetricsModule::MemoryParts() const {
  size_t sets = 0, caches = 0, other = 0, scope = 0, accounts = 0, invites = 0, cohorts = 0;
  const size_t replies = s_->question.capacity() / 8 + s_->first_reply.Bytes() + s_->member.capacity() * 4;
  invites = s_->invites.v.capacity() * 4 + s_->comm_invites.capacity() * sizeof(InviteList);
  for (const InviteList& l : s_->comm_invites) invites += l.v.capacity() * 4;
  auto acc = [&](const ScopeAccounts& a) {
    accounts += a.Bytes();
  };
  for (const auto& a : s_->comm_acc) acc(a);
  acc(s_->ws_acc);
  std::lock_guard lock(s_->mu);
  for (const auto& [n, v] : s_->views) {
    std::lock_guard cache_lock(v->cache_mu);
    scope += sizeof(ZoneView) + v->ws_cache.Bytes();
    cohorts += v->CohortBytes();
    for (const auto& c : v->comm_cache)
      if (c) scope += c->Bytes();
    auto series = [&](const DaySeries& s) {
      other += s.days.capacity() * 8;
      for (const auto& d : s.days) {
        if (!d) continue;
        size_t b = d->Bytes(), sb = 0, cb = d->waits.capacity() * 8;
        for (int k = 0; k < kSetCount; ++k) sb += d->sets[k].Bytes() + d->pending[k].capacity() * 4;
        for (const auto& x : d->people) cb += x.capacity() * 4;
        sets += sb;
        caches += cb;
        other += b - sb - cb;
      }
    };
    for (const auto& s : v->comm) series(s);
    series(v->ws);
  }
  std::vector<std::pair<std::string, size_t>> parts = {
      {"day_sets", sets}, {"day_caches", caches}, {"day_other", other}, {"scope_caches", scope},
      {"accounts", accounts}, {"invites", invites}, {"replies", replies}, {"cohorts", cohorts}};
  for (auto& p : s_->commerce.MemoryParts()) parts.push_back(std::move(p));
  size_t forests = 0;
  {
    std::lock_guard forest_lock(s_->forest_mu);
    if (s_->ws_forest.forest) forests += s_->ws_forest.forest->Bytes();
    for (const auto& f : s_->comm_forest)
      if (f.forest) forests += f.forest->Bytes();
  }
  parts.emplace_back("referral_forests", forests);
  return parts;
}

size_t MetricsModule::MemoryBytes() const {
  size_t b = 0;
  for (const auto& [name, bytes] : MemoryParts()) b += bytes;
  return b;
}

// ---------------------------------------------------------------- queries --

namespace {

// The resolved context of one query.
struct Ctx {
  std::shared_ptr<const ZoneView> view;
  const DaySeries* series = nullptr;  // nullptr: scope has no day aggregates
  const ScopeAccounts* acc = nullptr;  // time span (min_ts, max_ts)
  std::span<const ScopeAccounts> scopes;  // account records (State::Scopes)
  int32_t from = 0, to = -1;          // inclusive; to < from: no data
  const Engine* engine = nullptr;
  const uint32_t* member = nullptr;  // account -> member (State::member)
  uint32_t community = kNone;

  uint32_t MemberOf(uint32_t account) const { return member[account]; }

  const DayAgg* Day(int32_t d) const { return series ? series->Get(d) : nullptr; }
  bool empty() const { return to < from; }
};

double Ratio(double a, double b) { return b == 0 ? 0 : a / b; }

// True when the range holds every event of the scope, so the all-time
// aggregates answer it (docs/metrics.md#commerce-aggregates).
bool CoversAll(const Ctx& c) {
  if (c.empty() || c.acc->min_ts == kNone) return false;
  const TimeZone& tz = c.view->tz;
  return c.from <= tz.LocalDay(FromEngineSeconds(c.acc->min_ts)) &&
         c.to >= tz.LocalDay(FromEngineSeconds(c.acc->max_ts));
}

// The cached person set (sorted distinct member ids) of `kind` on day `g`,
// filled on first use (docs/metrics.md#caching).
const std::vector<uint32_t>& PeopleOf(const Ctx& c, const DayAgg& g, SetKind kind) {
  std::lock_guard lock(c.view->cache_mu);
  const uint8_t bit = static_cast<uint8_t>(1u << kind);
  if (!(g.people_valid & bit)) {
    std::vector<uint32_t>& out = g.people[kind];
    out.clear();
    out.reserve(g.sets[kind].size());
    g.sets[kind].ForEach([&](uint32_t acc) { out.push_back(c.MemberOf(acc)); });
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    out.shrink_to_fit();
    g.people_valid |= bit;
  }
  return g.people[kind];
}

// Per-query scratch marks by member id.
struct Marks {
  std::vector<uint8_t> m;
  explicit Marks(size_t n) : m(n, 0) {}
};

// Distinct people of `kind` over days [a, b], unsorted (no duplicates).
std::vector<uint32_t> PeopleOver(const Ctx& c, SetKind kind, int32_t a, int32_t b, Marks& marks) {
  std::vector<uint32_t> out;
  if (a == b) {
    if (const DayAgg* g = c.Day(a)) out = PeopleOf(c, *g, kind);
    return out;
  }
  for (int32_t d = a; d <= b; ++d)
    if (const DayAgg* g = c.Day(d))
      for (uint32_t m : PeopleOf(c, *g, kind))
        if (!marks.m[m]) {
          marks.m[m] = 1;
          out.push_back(m);
        }
  for (uint32_t m : out) marks.m[m] = 0;
  return out;
}
size_t CountPeople(const Ctx& c, SetKind kind, int32_t a, int32_t b, Marks* marks = nullptr) {
  if (a == b) {
    const DayAgg* g = c.Day(a);
    return g ? PeopleOf(c, *g, kind).size() : 0;
  }
  if (marks) return PeopleOver(c, kind, a, b, *marks).size();
  Marks own(c.engine->members().size());
  return PeopleOver(c, kind, a, b, own).size();
}

// First-seen local day per member in scope (INT32_MAX-filled vector by member
// id), cached per (zone view, scope).
const std::vector<int32_t>& FirstSeenDays(const Ctx& c) {
  std::lock_guard lock(c.view->cache_mu);
  ScopeCache& sc = c.view->CacheOf(c.community);
  if (!sc.fs_valid) {
    constexpr int32_t kNever = INT32_MAX;
    sc.fs.assign(c.engine->members().size(), kNever);
    for (const ScopeAccounts& s : c.scopes)
      for (const AccountRec& r : s.recs) {
        if (r.first_seen == kNone) continue;
        int32_t d = c.view->tz.LocalDay(FromEngineSeconds(r.first_seen));
        uint32_t m = c.MemberOf(r.account);
        sc.fs[m] = std::min(sc.fs[m], d);
      }
    sc.fs_valid = true;
  }
  return sc.fs;
}

// Members at the end of every day of the scope's history (docs/metrics.md#members),
// as a difference array turned into counts; cached per (zone view, scope).
void BuildMembers(const Ctx& c, const std::vector<ScopeAccounts>& comm, ScopeCache& sc) {
  // (member, day, delta): account-level membership intervals in local days.
  struct Change {
    uint32_t member;
    int32_t day;
    int delta;
  };
  std::vector<Change> ch;
  const TimeZone& tz = c.view->tz;
  auto add_scope = [&](const ScopeAccounts& s) {
    std::vector<std::pair<uint32_t, int>> evs;  // (ts, +1 in / 0 out)
    for (uint32_t pos = 0; pos < s.recs.size(); ++pos) {
      const AccountRec& r = s.recs[pos];
      if (r.first_seen == kNone) continue;
      evs.clear();
      evs.emplace_back(r.first_seen, 1);
      for (auto [ts, joined] : s.membership.Get(pos)) evs.emplace_back(ts, joined ? 1 : 0);
      std::sort(evs.begin(), evs.end(), [](auto x, auto y) {
        return x.first != y.first ? x.first < y.first : x.second > y.second;  // ins before outs
      });
      bool in = false;
      uint32_t m = c.MemberOf(r.account);
      for (auto [ts, kind] : evs) {
        if (ts < r.first_seen) continue;
        bool now_in = kind == 1;
        if (now_in == in) continue;
        in = now_in;
        ch.push_back(Change{m, tz.LocalDay(FromEngineSeconds(ts)), in ? 1 : -1});
      }
    }
  };
  if (c.community == kNone) {
    for (const auto& s : comm) add_scope(s);
  } else if (c.community < comm.size()) {
    add_scope(comm[c.community]);
  }
  sc.mem.clear();
  sc.mem_valid = true;
  if (ch.empty()) return;
  std::sort(ch.begin(), ch.end(), [](const Change& a, const Change& b) {
    return a.member != b.member ? a.member < b.member : a.day != b.day ? a.day < b.day : a.delta > b.delta;
  });
  int32_t lo = INT32_MAX, hi = INT32_MIN;
  for (const Change& x : ch) lo = std::min(lo, x.day), hi = std::max(hi, x.day);
  // Person-level: a member counts while any account of theirs is in; the
  // state at a day's end is what counts, so changes within a day net out.
  std::vector<int64_t> diff(static_cast<size_t>(hi - lo) + 1, 0);
  for (size_t i = 0; i < ch.size();) {
    size_t j = i;
    int count = 0;
    bool was_in = false;
    while (j < ch.size() && ch[j].member == ch[i].member) {
      int32_t day = ch[j].day;
      while (j < ch.size() && ch[j].member == ch[i].member && ch[j].day == day) count += ch[j++].delta;
      bool now_in = count > 0;
      if (now_in != was_in) {
        diff[day - lo] += now_in ? 1 : -1;
        was_in = now_in;
      }
    }
    i = j;
  }
  sc.mem_base = lo;
  sc.mem.resize(diff.size());
  int64_t run = 0;
  for (size_t i = 0; i < diff.size(); ++i) {
    run += diff[i];
    sc.mem[i] = static_cast<uint32_t>(std::max<int64_t>(run, 0));
  }
}

// Members at the end of each day in [lo, hi] (docs/metrics.md#members).
std::vector<uint32_t> MembersByDay(const Ctx& c, const std::vector<ScopeAccounts>& comm, int32_t lo, int32_t hi) {
  std::vector<uint32_t> out(hi >= lo ? hi - lo + 1 : 0, 0);
  if (out.empty()) return out;
  std::lock_guard lock(c.view->cache_mu);
  ScopeCache& sc = c.view->CacheOf(c.community);
  if (!sc.mem_valid) BuildMembers(c, comm, sc);
  if (sc.mem.empty()) return out;
  const int32_t last = sc.mem_base + static_cast<int32_t>(sc.mem.size()) - 1;
  for (int32_t d = lo; d <= hi; ++d)
    out[d - lo] = d < sc.mem_base ? 0 : d > last ? sc.mem.back() : sc.mem[d - sc.mem_base];
  return out;
}

}  // namespace

std::optional<std::pair<int32_t, int32_t>> MetricsModule::ResolveRange(const Query& q) const {
  const ScopeAccounts* a = s_->AccOf(q.community);
  std::optional<int32_t> lo = q.from, hi = q.to;
  if (a && a->min_ts != kNone) {
    if (!lo) lo = q.tz.LocalDay(FromEngineSeconds(a->min_ts));
    if (!hi) hi = q.tz.LocalDay(FromEngineSeconds(a->max_ts));
  }
  if (!lo || !hi) return std::nullopt;
  return std::make_pair(*lo, *hi);
}

namespace {
Result<Ctx> MakeCtx(const MetricsModule& m, const MetricsModule::State& s, const Query& q,
                    std::shared_ptr<const ZoneView> view) {
  if (q.community != kNone && q.community >= s.engine.communities().size())
    return InvalidArgument("community: no community with index " + std::to_string(q.community));
  if (q.from && q.to && *q.from > *q.to) return InvalidArgument("from: later than to");
  Ctx c;
  c.engine = &s.engine;
  c.member = s.member.data();
  c.community = q.community;
  c.view = std::move(view);
  c.acc = s.AccOf(q.community);
  static const ScopeAccounts kEmpty;
  if (!c.acc) c.acc = &kEmpty;
  c.scopes = s.Scopes(q.community);
  if (q.community == kNone) c.series = &c.view->ws;
  else if (q.community < c.view->comm.size()) c.series = &c.view->comm[q.community];
  if (auto r = m.ResolveRange(q)) {
    c.from = r->first;
    c.to = r->second;
  }
  return c;
}
}  // namespace

#define QUN_METRICS_CTX(c, q)                                  \
  auto c##_or = MakeCtx(*this, *s_, q, s_->View((q).tz));      \
  if (!c##_or.ok()) return c##_or.status();                    \
  const Ctx& c = *c##_or

Result<std::vector<ActivePoint>> MetricsModule::Active(const Query& q) const {
  QUN_METRICS_CTX(c, q);
  std::vector<ActivePoint> out;
  if (c.empty()) return out;
  const size_t n = static_cast<size_t>(c.to - c.from + 1);
  std::vector<uint32_t> wau(n, 0), mau(n, 0);
  // Days whose WAU/MAU are cached need no window counting (docs/metrics.md#caching).
  bool all_cached = true;
  {
    std::lock_guard lock(c.view->cache_mu);
    for (int32_t d = c.from; d <= c.to; ++d)
      if (const DayAgg* g = c.Day(d)) {
        all_cached = all_cached && g->active_valid;
        wau[d - c.from] = g->wau;
        mau[d - c.from] = g->mau;
      }
  }
  if (!all_cached) {
    // Sliding 7- and 30-day windows over the cached per-day person sets.
    const size_t nm = s_->engine.members().size();
    constexpr int kW[2] = {7, 30};
    std::array<std::vector<uint16_t>, 2> cnt;
    for (auto& v : cnt) v.assign(nm, 0);
    std::array<uint32_t, 2> distinct{};
    const int32_t start = c.from - 29;
    std::vector<const std::vector<uint32_t>*> people(c.to - start + 1, nullptr);
    for (int32_t d = start; d <= c.to; ++d)
      if (const DayAgg* g = c.Day(d)) people[d - start] = &PeopleOf(c, *g, kActive);
    for (int32_t d = start; d <= c.to; ++d) {
      for (int w = 0; w < 2; ++w) {
        if (people[d - start])
          for (uint32_t m : *people[d - start])
            if (cnt[w][m]++ == 0) ++distinct[w];
        int32_t gone = d - kW[w];
        if (gone >= start && people[gone - start])
          for (uint32_t m : *people[gone - start])
            if (--cnt[w][m] == 0) --distinct[w];
      }
      if (d >= c.from) {
        wau[d - c.from] = distinct[0];
        mau[d - c.from] = distinct[1];
      }
    }
    std::lock_guard lock(c.view->cache_mu);
    for (int32_t d = c.from; d <= c.to; ++d)
      if (const DayAgg* g = c.Day(d)) {
        g->wau = wau[d - c.from];
        g->mau = mau[d - c.from];
        g->active_valid = true;
      }
  }
  out.reserve(n);
  for (int32_t d = c.from; d <= c.to; ++d) {
    const DayAgg* g = c.Day(d);
    uint32_t dau = 0, w = wau[d - c.from], m = mau[d - c.from];
    if (g) {
      dau = static_cast<uint32_t>(PeopleOf(c, *g, kActive).size());
    } else if (all_cached) {
      // A day without aggregates (no events) has no cache entry of its own.
      w = static_cast<uint32_t>(CountPeople(c, kActive, d - 6, d));
      m = static_cast<uint32_t>(CountPeople(c, kActive, d - 29, d));
    }
    out.push_back(ActivePoint{d, dau, w, m, Ratio(dau, m)});
  }
  return out;
}

namespace {
// Period starts covering [from, to].
std::vector<int32_t> Periods(Granularity g, int32_t from, int32_t to) {
  std::vector<int32_t> p;
  for (int32_t s = PeriodStart(g, from); s <= to; s = NextPeriod(g, s)) p.push_back(s);
  return p;
}

// True when the scope has no day aggregate (no event) in days [a, b].
bool NoDataIn(const Ctx& c, int32_t a, int32_t b) {
  for (int32_t d = a; d <= b; ++d)
    if (c.Day(d)) return false;
  return true;
}

// Whether the whole-period cohort aggregate answers a query over `periods`:
// true unless the range cuts off the last period before days with events.
bool CohortsAnswer(const Ctx& c, Granularity g, const std::vector<int32_t>& periods) {
  return NoDataIn(c, c.to + 1, NextPeriod(g, periods.back()) - 1);
}

// The scope's cohort aggregate in the query's zone view, built on first use
// by replaying the per-day person sets in day order
// (docs/metrics.md#cohort-aggregates). O(person-days) once.
const CohortAggregate& CohortsOf(const Ctx& c) {
  {
    std::lock_guard lock(c.view->cache_mu);
    if (const auto& slot = c.view->CohortSlot(c.community)) return *slot;
  }
  // Built without the lock: PeopleOf takes it.
  auto agg = std::make_unique<CohortAggregate>();
  for (const ScopeAccounts& s : c.scopes)
    for (const AccountRec& r : s.recs)
      if (r.first_seen != kNone)
        agg->NoteFirstSeen(c.MemberOf(r.account), c.view->tz.LocalDay(FromEngineSeconds(r.first_seen)));
  agg->End([](uint32_t, CohortAggregate::Kind, int32_t) { return false; });
  if (c.series) {
    // Days replay in order, so a person's earlier days are exactly the
    // already-processed ones.
    auto past = [&](uint32_t person, CohortAggregate::Kind k, int32_t day) {
      const DayAgg* g = c.Day(day);
      if (!g) return false;
      const auto& people = PeopleOf(c, *g, k == CohortAggregate::kActivity ? kActive : kInteract);
      return std::binary_search(people.begin(), people.end(), person);
    };
    const int32_t end = c.series->base + static_cast<int32_t>(c.series->days.size());
    for (int32_t d = c.series->base; d < end; ++d) {
      const DayAgg* g = c.Day(d);
      if (!g) continue;
      for (uint32_t m : PeopleOf(c, *g, kActive)) agg->NoteDay(m, CohortAggregate::kActivity, d);
      for (uint32_t m : PeopleOf(c, *g, kInteract)) agg->NoteDay(m, CohortAggregate::kInteraction, d);
      agg->End(past);
    }
  }
  std::lock_guard lock(c.view->cache_mu);
  auto& slot = c.view->CohortSlot(c.community);
  if (!slot) slot = std::move(agg);  // else a concurrent query built it first
  return *slot;
}
}  // namespace

Result<RetentionMatrix> MetricsModule::Retention(const Query& q, Granularity g) const {
  QUN_METRICS_CTX(c, q);
  RetentionMatrix out{g, {}};
  if (c.empty()) return out;
  std::vector<int32_t> periods = Periods(g, c.from, c.to);
  if (CohortsAnswer(c, g, periods)) {
    const CohortAggregate& agg = CohortsOf(c);
    for (size_t i = 0; i < periods.size(); ++i) {
      const int32_t idx = PeriodIndex(g, periods[i]);
      RetentionCohort co{periods[i], agg.CohortSize(g, idx), std::vector<uint32_t>(periods.size() - i)};
      for (size_t k = 0; k < co.retained.size(); ++k) co.retained[k] = agg.Retained(g, idx, static_cast<int32_t>(k));
      out.cohorts.push_back(std::move(co));
    }
    return out;
  }
  auto index_of = [&](int32_t day) -> int {
    auto it = std::upper_bound(periods.begin(), periods.end(), day);
    return static_cast<int>(it - periods.begin()) - 1;
  };
  const std::vector<int32_t>& fs = FirstSeenDays(c);
  std::vector<int> cohort(fs.size(), -1);
  for (auto& p : periods) out.cohorts.push_back(RetentionCohort{p, 0, {}});
  for (size_t m = 0; m < fs.size(); ++m) {
    if (fs[m] == INT32_MAX || fs[m] < periods.front() || fs[m] > c.to) continue;
    cohort[m] = index_of(fs[m]);
    ++out.cohorts[cohort[m]].size;
  }
  for (size_t i = 0; i < periods.size(); ++i) out.cohorts[i].retained.assign(periods.size() - i, 0);
  Marks marks(fs.size());
  for (size_t p = 0; p < periods.size(); ++p) {
    int32_t end = std::min<int32_t>(NextPeriod(g, periods[p]) - 1, c.to);
    for (uint32_t m : PeopleOver(c, kActive, periods[p], end, marks)) {
      int k = cohort[m];
      if (k >= 0 && static_cast<size_t>(k) <= p) ++out.cohorts[k].retained[p - k];
    }
  }
  return out;
}

Result<std::vector<std::pair<int32_t, double>>> MetricsModule::RetentionTrend(const Query& q, Granularity g,
                                                                              int n) const {
  if (n < 0) return InvalidArgument("n: must be >= 0");
  std::vector<std::pair<int32_t, double>> out;
  {
    QUN_METRICS_CTX(c, q);
    if (c.empty()) return out;
    const std::vector<int32_t> periods = Periods(g, c.from, c.to);
    if (CohortsAnswer(c, g, periods)) {  // one column of the matrix: O(cohorts)
      const CohortAggregate& agg = CohortsOf(c);
      for (size_t i = 0; i + static_cast<size_t>(n) < periods.size(); ++i) {
        const int32_t idx = PeriodIndex(g, periods[i]);
        out.emplace_back(periods[i], Ratio(agg.Retained(g, idx, n), agg.CohortSize(g, idx)));
      }
      return out;
    }
  }
  QUN_ASSIGN_OR_RETURN(RetentionMatrix m, Retention(q, g));
  for (const auto& co : m.cohorts)
    if (static_cast<size_t>(n) < co.retained.size()) out.emplace_back(co.start, Ratio(co.retained[n], co.size));
  return out;
}

Result<std::vector<LifecyclePoint>> MetricsModule::Lifecycle(const Query& q, Granularity g) const {
  QUN_METRICS_CTX(c, q);
  std::vector<LifecyclePoint> out;
  if (c.empty()) return out;
  std::vector<int32_t> periods = Periods(g, c.from, c.to);
  // New people are the cohort's own period (retained[0]); nobody new was
  // active in the period before.
  if (CohortsAnswer(c, g, periods)) {
    const CohortAggregate& agg = CohortsOf(c);
    for (int32_t p : periods) {
      const int32_t idx = PeriodIndex(g, p);
      const uint32_t active = agg.Active(g, idx), fresh = agg.Retained(g, idx, 0), both = agg.ActiveBoth(g, idx);
      out.push_back(LifecyclePoint{p, active, fresh, both, active - fresh - both, agg.Active(g, idx - 1) - both});
    }
    return out;
  }
  const std::vector<int32_t>& fs = FirstSeenDays(c);
  // The period before the first one, for returning/dormant. in_prev / in_cur
  // flag membership of the previous / current period's active people.
  Marks marks(fs.size()), in_prev(fs.size()), in_cur(fs.size());
  int32_t prev_start = PeriodStart(g, periods.front() - 1);
  std::vector<uint32_t> prev = PeopleOver(c, kActive, prev_start, periods.front() - 1, marks);
  for (uint32_t m : prev) in_prev.m[m] = 1;
  for (int32_t p : periods) {
    int32_t end = std::min<int32_t>(NextPeriod(g, p) - 1, c.to);
    std::vector<uint32_t> cur = PeopleOver(c, kActive, p, end, marks);
    LifecyclePoint lp{p, static_cast<uint32_t>(cur.size()), 0, 0, 0, 0};
    for (uint32_t m : cur) {
      in_cur.m[m] = 1;
      if (fs[m] >= p) ++lp.new_;
      else if (in_prev.m[m]) ++lp.returning;
      else ++lp.resurrecting;
    }
    for (uint32_t m : prev)
      if (!in_cur.m[m]) ++lp.dormant;
    out.push_back(lp);
    for (uint32_t m : prev) in_prev.m[m] = 0;
    std::swap(in_prev, in_cur);
    prev = std::move(cur);
  }
  return out;
}

Result<std::vector<InteractionPoint>> MetricsModule::Interaction(const Query& q, Granularity g) const {
  QUN_METRICS_CTX(c, q);
  std::vector<InteractionPoint> out;
  if (c.empty()) return out;
  std::vector<uint32_t> members = MembersByDay(c, s_->comm_acc, c.from, c.to);
  std::optional<Marks> marks;  // only for cut-off periods
  const CohortAggregate& agg = CohortsOf(c);
  for (int32_t p : Periods(g, c.from, c.to)) {
    const int32_t end = NextPeriod(g, p) - 1;
    int32_t a = std::max(p, c.from), b = std::min<int32_t>(end, c.to);
    // The maintained whole-period count, unless the range cuts off days with events.
    const bool whole = NoDataIn(c, p, a - 1) && NoDataIn(c, b + 1, end);
    uint32_t inter = 0;
    if (whole) {
      inter = agg.Interacting(g, PeriodIndex(g, p));
    } else {
      if (!marks) marks.emplace(s_->engine.members().size());
      inter = static_cast<uint32_t>(CountPeople(c, kInteract, a, b, &*marks));
    }
    uint32_t mem = members[b - c.from];
    out.push_back(InteractionPoint{p, inter, mem, Ratio(inter, mem)});
  }
  return out;
}

Result<std::vector<JoinsPoint>> MetricsModule::Joins(const Query& q) const {
  QUN_METRICS_CTX(c, q);
  std::vector<JoinsPoint> out;
  if (c.empty()) return out;
  std::vector<uint32_t> members = MembersByDay(c, s_->comm_acc, c.from, c.to);
  for (int32_t d = c.from; d <= c.to; ++d) {
    const DayAgg* g = c.Day(d);
    out.push_back(JoinsPoint{d, g ? g->joins : 0, g ? g->leaves : 0, members[d - c.from]});
  }
  return out;
}

Result<PeakHours> MetricsModule::Peak(const Query& q) const {
  QUN_METRICS_CTX(c, q);
  PeakHours out;
  for (int32_t d = c.from; d <= c.to; ++d)
    if (const DayAgg* g = c.Day(d))
      for (int h = 0; h < 24; ++h) {
        out.messages[WeekdayFromDays(d)][h] += g->msg_hour[h];
        out.total += g->msg_hour[h];
      }
  return out;
}

Result<Responsiveness> MetricsModule::Responsive(const Query& q) const {
  QUN_METRICS_CTX(c, q);
  Responsiveness out;
  std::vector<uint32_t> times;
  const auto& ts = s_->engine.events().ts;
  for (int32_t d = c.from; d <= c.to; ++d) {
    const DayAgg* g = c.Day(d);
    if (!g) continue;
    std::lock_guard lock(c.view->cache_mu);
    if (!g->waits_valid) {
      g->waits.clear();
      g->waits.reserve(g->questions.size());
      g->questions.ForEach([&](uint32_t row) {
        const uint32_t first = s_->first_reply.Find(row);
        g->waits.emplace_back(ts[row], first == FlatIdMap::kAbsent ? kNone : first - ts[row]);
      });
      g->waits_valid = true;
    }
    for (auto [qts, wait] : g->waits) {
      ++out.questions;
      if (wait != kNone) {
        ++out.answered;
        times.push_back(wait);
      }
      if (static_cast<uint64_t>(qts) + 86400 <= s_->max_ts) {
        ++out.due;
        if (wait == kNone || wait > 86400) ++out.unanswered_24h;
      }
    }
  }
  if (!times.empty()) {
    // Median by selection (O(n)): the upper middle, and for an even count the
    // largest of the lower half.
    const size_t n = times.size();
    auto mid = times.begin() + static_cast<std::ptrdiff_t>(n / 2);
    std::nth_element(times.begin(), mid, times.end());
    const double upper = *mid;
    out.median_first_reply_s =
        n % 2 ? upper : (static_cast<double>(*std::max_element(times.begin(), mid)) + upper) / 2;
  }
  out.unanswered_share = Ratio(out.unanswered_24h, out.due);
  return out;
}

Result<ContentMix> MetricsModule::Content(const Query& q) const {
  QUN_METRICS_CTX(c, q);
  ContentMix out;
  for (int32_t d = c.from; d <= c.to; ++d)
    if (const DayAgg* g = c.Day(d))
      for (int k = 0; k < 4; ++k) out.published[k] += g->published[k];
  for (int k = 0; k < 4; ++k) out.total += out.published[k];
  for (int k = 0; k < 4; ++k) {
    out.share[k] = Ratio(out.published[k], out.total);
    out.delta[k] = out.total ? out.share[k] - out.target[k] : 0;
    out.drift += std::fabs(out.delta[k]) / 2;
  }
  return out;
}

Result<Conversion> MetricsModule::Conversions(const Query& q) const {
  QUN_METRICS_CTX(c, q);
  Conversion out;
  if (c.empty()) return out;
  for (int32_t d = c.from; d <= c.to; ++d)
    if (const DayAgg* g = c.Day(d)) {
      out.impressions += g->views;
      out.clicks += g->clicks;
    }
  if (CoversAll(c)) {
    const CommerceAggregates::People p = s_->commerce.PeopleOf(q.community);
    out.visitors = p.visitors;
    out.signups = p.signups;
    out.buyers = p.buyers;
    out.participants = p.participants;
  } else {
    Marks marks(s_->engine.members().size());
    out.visitors = static_cast<uint32_t>(CountPeople(c, kVisit, c.from, c.to, &marks));
    out.signups = static_cast<uint32_t>(CountPeople(c, kSignup, c.from, c.to, &marks));
    out.buyers = static_cast<uint32_t>(CountPeople(c, kBuy, c.from, c.to, &marks));
    out.participants = static_cast<uint32_t>(CountPeople(c, kParticipate, c.from, c.to, &marks));
  }
  out.members = MembersByDay(c, s_->comm_acc, c.to, c.to)[0];
  out.click_through = Ratio(out.clicks, out.impressions);
  out.registration = Ratio(out.signups, out.visitors);
  out.purchase = Ratio(out.buyers, out.visitors);
  out.participation = Ratio(out.participants, out.members);
  return out;
}

Result<Funnel> MetricsModule::FunnelOf(const Query& q, const std::vector<EventType>& steps,
                                       uint32_t window_s) const {
  if (steps.empty() || steps.size() > 8) return InvalidArgument("steps: give 1 to 8 event types");
  if (window_s == 0) return InvalidArgument("window: must be > 0 seconds");
  for (EventType t : steps)
    if (!CommerceAggregates::IsFunnelType(t))
      return InvalidArgument("steps: '" + std::string(EventTypeName(t)) + "' cannot be a funnel step");
  QUN_METRICS_CTX(c, q);
  Funnel out{{}, window_s};
  std::vector<uint32_t> reached(steps.size(), 0);
  if (!c.empty()) {
    // Maintained per definition (docs/metrics.md#funnel); a range holding all
    // of the scope's events is the unbounded entry range, so it stays one
    // definition as days are added.
    const TimeZone& tz = c.view->tz;
    const bool all = CoversAll(c);
    const int64_t lo_ms = all ? INT64_MIN : tz.StartOfLocalDay(c.from);
    const int64_t hi_ms = all ? INT64_MAX : tz.StartOfLocalDay(c.to + 1);
    reached = s_->commerce.FunnelReached(q.community, steps, window_s, lo_ms, hi_ms);
  }
  for (size_t k = 0; k < steps.size(); ++k)
    out.steps.push_back(FunnelStep{steps[k], reached[k], k ? Ratio(reached[k], reached[k - 1]) : 1.0,
                                   Ratio(reached[k], reached[0]), k ? reached[k - 1] - reached[k] : 0});
  return out;
}

Result<std::vector<Value>> MetricsModule::Values(const Query& q, double lifetime_months) const {
  if (!(lifetime_months > 0)) return InvalidArgument("lifetime_months: must be > 0");
  QUN_METRICS_CTX(c, q);
  std::vector<Value> out;
  if (c.empty()) return out;
  const Engine& e = s_->engine;
  // currency -> value, paid amount (docs/metrics.md#value)
  std::map<uint32_t, std::pair<Value, int64_t>> by_cur;
  if (CoversAll(c)) {
    for (const CommerceAggregates::CurrencyTotals& t : s_->commerce.Currencies(q.community)) {
      Value& v = by_cur[t.currency].first;
      v.gmv_minor = t.gmv_minor;
      v.orders = t.orders;
      v.refunds = t.refunds;
      v.buyers = t.buyers;
      v.repeat_buyers = t.repeat_buyers;
      by_cur[t.currency].second = t.paid_minor;
    }
  } else {
    std::map<uint32_t, std::vector<uint8_t>> paid_orders;  // per buyer (member id; saturating at 2)
    for (int32_t d = c.from; d <= c.to; ++d) {
      const DayAgg* g = c.Day(d);
      if (!g) continue;
      for (const OrderRec& o : g->orders) {
        const OrderInfo& info = o.Info(e);
        auto& [v, paid] = by_cur[info.currency];
        if (o.Refund(e)) {
          v.gmv_minor -= info.amount_minor;
          ++v.refunds;
          continue;
        }
        v.gmv_minor += info.amount_minor;
        paid += info.amount_minor;
        ++v.orders;
        auto& buyers = paid_orders[info.currency];
        if (buyers.empty()) buyers.assign(e.members().size(), 0);
        uint8_t& n = buyers[c.MemberOf(o.Account(e))];
        if (n == 0) ++v.buyers;
        if (n == 1) ++v.repeat_buyers;
        if (n < 2) ++n;
      }
    }
  }
  uint32_t members = MembersByDay(c, s_->comm_acc, c.to, c.to)[0];
  const double days = c.to - c.from + 1;
  for (auto& [cur, vp] : by_cur) {
    auto& [v, paid] = vp;
    v.currency = cur < e.currencies().size() ? e.currencies()[cur] : "?";
    v.members = members;
    v.aov = Ratio(paid, v.orders);
    v.purchase_frequency = Ratio(v.orders, v.buyers);
    v.repurchase_rate = Ratio(v.repeat_buyers, v.buyers);
    v.arpu = Ratio(v.gmv_minor, members);
    v.ltv = v.aov * (v.purchase_frequency * 30.0 / days) * lifetime_months;
    out.push_back(std::move(v));
  }
  return out;
}

Result<std::vector<RevenueCohort>> MetricsModule::RevenueCohorts(const Query& q, Granularity g) const {
  QUN_METRICS_CTX(c, q);
  std::vector<RevenueCohort> out;
  if (c.empty()) return out;
  const Engine& e = s_->engine;
  std::vector<int32_t> periods = Periods(g, c.from, c.to);
  auto index_of = [&](int32_t day) -> int {
    auto it = std::upper_bound(periods.begin(), periods.end(), day);
    return static_cast<int>(it - periods.begin()) - 1;
  };
  // Cohorts exactly as in Retention.
  const std::vector<int32_t>& fs = FirstSeenDays(c);
  std::vector<int> cohort(fs.size(), -1);
  std::vector<uint32_t> size(periods.size(), 0);
  for (size_t m = 0; m < fs.size(); ++m) {
    if (fs[m] == INT32_MAX || fs[m] < periods.front() || fs[m] > c.to) continue;
    cohort[m] = index_of(fs[m]);
    ++size[cohort[m]];
  }
  // currency -> cohort -> revenue per period offset
  std::map<uint32_t, std::vector<std::vector<int64_t>>> rev;
  for (int32_t d = c.from; d <= c.to; ++d) {
    const DayAgg* day = c.Day(d);
    if (!day || day->orders.empty()) continue;
    const int p = index_of(d);
    for (const OrderRec& o : day->orders) {
      const int k = cohort[c.MemberOf(o.Account(*c.engine))];
      if (k < 0 || k > p) continue;
      auto& by_cohort = rev[o.Info(*c.engine).currency];
      if (by_cohort.empty()) {
        by_cohort.resize(periods.size());
        for (size_t i = 0; i < periods.size(); ++i) by_cohort[i].assign(periods.size() - i, 0);
      }
      by_cohort[k][p - k] += o.Signed(*c.engine);
    }
  }
  for (auto& [cur, by_cohort] : rev) {
    for (size_t k = 0; k < periods.size(); ++k) {
      if (size[k] == 0) continue;
      RevenueCohort rc{cur < e.currencies().size() ? e.currencies()[cur] : "?", periods[k], size[k],
                       std::move(by_cohort[k])};
      for (size_t i = 1; i < rc.cumulative_minor.size(); ++i) rc.cumulative_minor[i] += rc.cumulative_minor[i - 1];
      out.push_back(std::move(rc));
    }
  }
  return out;
}

Result<Nps> MetricsModule::NpsOf(const Query& q) const {
  QUN_METRICS_CTX(c, q);
  Nps out;
  for (int32_t d = c.from; d <= c.to; ++d)
    if (const DayAgg* g = c.Day(d))
      for (int k = 0; k <= 10; ++k) out.answers[k] += g->nps[k];
  for (int k = 0; k <= 10; ++k) {
    out.responses += out.answers[k];
    if (k >= 9) out.promoters += out.answers[k];
    else if (k >= 7) out.passives += out.answers[k];
    else out.detractors += out.answers[k];
  }
  if (out.responses)
    out.nps = 100.0 * (static_cast<double>(out.promoters) - static_cast<double>(out.detractors)) / out.responses;
  return out;
}

Result<Referral> MetricsModule::Referrals(const Query& q, size_t top) const {
  QUN_METRICS_CTX(c, q);
  Referral out;
  if (c.empty()) return out;
  const TimeZone& tz = c.view->tz;
  const std::vector<uint32_t>* list = nullptr;
  if (q.community == kNone) list = &s_->invites.v;
  else if (q.community < s_->comm_invites.size()) list = &s_->comm_invites[q.community].v;

  // Invites of the range: a binary search over the time-sorted list with two
  // days of margin on each side (a UTC offset moves an instant by at most 26 h
  // from its UTC day), then the exact local-day test for rows near an end.
  constexpr int64_t kMargin = 2 * 86400000LL;
  const int64_t lo_ms = tz.StartOfLocalDay(c.from), hi_ms = tz.StartOfLocalDay(c.to + 1);
  std::vector<uint32_t> in_range;  // rows
  const auto& ts = s_->engine.events().ts;
  const bool all = CoversAll(c);
  if (list && !all) {
    auto first = std::partition_point(list->begin(), list->end(),
                                      [&](uint32_t r) { return FromEngineSeconds(ts[r]) < lo_ms - kMargin; });
    for (auto it = first; it != list->end(); ++it) {
      const int64_t ms = FromEngineSeconds(ts[*it]);
      if (ms >= hi_ms + kMargin) break;
      if (ms < lo_ms + kMargin || ms >= hi_ms - kMargin) {
        const int32_t d = tz.LocalDay(ms);
        if (d < c.from || d > c.to) continue;
      }
      in_range.push_back(*it);
    }
  }

  // The invite forest (docs/metrics.md#referral): kept over all time per
  // scope, built afresh from the range's invites otherwise.
  ReferralForest partial;
  std::unique_lock<std::mutex> kept_lock(s_->forest_mu, std::defer_lock);
  const ReferralForest* forest = &partial;
  size_t invites_in_range = 0;
  if (all) {
    kept_lock.lock();
    forest = &s_->KeptForestOf(q.community);
    invites_in_range = list ? list->size() : 0;
  } else {
    for (uint32_t r : in_range) s_->AddInvite(partial, r);
    invites_in_range = in_range.size();
  }
  out.invited_joins = forest->invited();
  out.max_depth = forest->max_depth();
  out.trees = forest->trees();
  out.inviters = forest->Top(top);
  if (kept_lock.owns_lock()) kept_lock.unlock();
  uint32_t joins = 0;
  for (int32_t d = c.from; d <= c.to; ++d)
    if (const DayAgg* g = c.Day(d)) joins += g->joins;
  out.organic_joins = joins > invites_in_range ? joins - static_cast<uint32_t>(invites_in_range) : 0;
  out.members_at_start = MembersByDay(c, s_->comm_acc, c.from - 1, c.from - 1)[0];
  out.k_factor = Ratio(out.invited_joins, out.members_at_start);
  return out;
}

Result<std::vector<double>> MetricsModule::DailySeries(const Query& q, std::string_view name) const {
  std::vector<double> out;
  if (name == "dau" || name == "wau" || name == "mau") {
    QUN_ASSIGN_OR_RETURN(auto pts, Active(q));
    for (const auto& p : pts) out.push_back(name == "dau" ? p.dau : name == "wau" ? p.wau : p.mau);
    return out;
  }
  static const char* const kNames[] = {"messages", "joins", "leaves", "interacting", "questions", "orders", "gmv"};
  if (std::find(std::begin(kNames), std::end(kNames), name) == std::end(kNames))
    return InvalidArgument("series: unknown series '" + std::string(name) +
                           "' (dau, wau, mau, messages, joins, leaves, interacting, questions, orders, gmv)");
  QUN_METRICS_CTX(c, q);
  for (int32_t d = c.from; d <= c.to; ++d) {
    const DayAgg* g = c.Day(d);
    double v = 0;
    if (g) {
      if (name == "messages") for (uint32_t h : g->msg_hour) v += h;
      else if (name == "joins") v = g->joins;
      else if (name == "leaves") v = g->leaves;
      else if (name == "interacting") v = static_cast<double>(CountPeople(c, kInteract, d, d));
      else if (name == "questions") v = static_cast<double>(g->questions.size());
      else if (name == "orders") {
        for (const auto& o : g->orders) v += o.Refund(*c.engine) ? 0 : 1;
      } else {
        for (const auto& o : g->orders) v += static_cast<double>(o.Signed(*c.engine));
      }
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace qun::metrics
