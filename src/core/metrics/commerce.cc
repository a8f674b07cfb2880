// Maintained commerce aggregates (docs/metrics.md#commerce-aggregates).
#include "core/metrics/commerce.h"

#include <algorithm>
#include <array>

namespace qun::metrics {

namespace {

// Conversion kinds (bits of the kind mask).
enum Kind : uint8_t { kVisitBit = 1, kSignupBit = 2, kBuyBit = 4, kParticipateBit = 8 };
// Entry key of the kind mask; other keys are currency indexes.
constexpr uint16_t kKindsKey = 0xFFFF;

constexpr EventType kFunnelTypes[] = {
    EventType::kMemberJoined, EventType::kContentViewed, EventType::kContentClicked,
    EventType::kVisit,        EventType::kSignup,        EventType::kActivityJoined,
    EventType::kOrderPaid,    EventType::kCheckin,       EventType::kSurveyAnswered};

// Entry key <-> its code in an account's list (0: the kind mask).
uint32_t KeyCode(uint16_t key) { return key == kKindsKey ? 0 : uint32_t{key} + 1; }
uint16_t KeyOf(uint64_t code) { return code == 0 ? kKindsKey : static_cast<uint16_t>(code - 1); }

// Calls f(community, key, value offset) for each entry of an account's list;
// returns the offset of the list's first row varint.
template <typename F>
size_t ForEachEntry(std::span<const uint8_t> list, F f) {
  if (list.empty()) return 0;
  const uint8_t* const begin = list.data();
  const uint8_t* p = begin;
  for (uint64_t n = GetVarint(p); n > 0; --n) {
    const auto community = static_cast<uint32_t>(GetVarint(p));
    const uint16_t key = KeyOf(GetVarint(p));
    f(community, key, static_cast<size_t>(p - begin));
    ++p;
  }
  return static_cast<size_t>(p - begin);
}

// Offset of the first row varint of an account's list (past its entries).
size_t RowsAt(std::span<const uint8_t> list) {
  return ForEachEntry(list, [](uint32_t, uint16_t, size_t) {});
}

}  // namespace

struct CommerceAggregates::ScopeTotals {
  std::array<uint32_t, 4> people{};    // by kind bit position
  std::vector<CurrencyTotals> by_cur;  // by currency index
};

struct CommerceAggregates::FunnelCache {
  uint32_t scope;
  std::vector<EventType> steps;
  uint32_t window_s;
  int64_t lo_ms, hi_ms;
  std::vector<uint8_t> stage;      // by member: steps reached (0: not entered)
  std::vector<uint32_t> at_stage;  // people per stage value (index 0 unused)
  uint64_t last_use = 0;
  bool Same(uint32_t s, std::span<const EventType> st, uint32_t w, int64_t lo, int64_t hi) const {
    return scope == s && window_s == w && lo_ms == lo && hi_ms == hi &&
           std::equal(st.begin(), st.end(), steps.begin(), steps.end());
  }
};

CommerceAggregates::CommerceAggregates(const Engine& engine, const std::vector<uint32_t>& member)
    : engine_(engine), member_(member), ws_(std::make_unique<ScopeTotals>()) {}
CommerceAggregates::~CommerceAggregates() = default;

bool CommerceAggregates::IsFunnelType(EventType t) {
  return std::find(std::begin(kFunnelTypes), std::end(kFunnelTypes), t) != std::end(kFunnelTypes);
}

CommerceAggregates::ScopeTotals& CommerceAggregates::Totals(uint32_t scope) {
  if (scope == kNone) return *ws_;
  if (scope >= comm_.size()) comm_.resize(scope + 1);
  return comm_[scope];
}

size_t CommerceAggregates::FindEntry(std::span<const uint8_t> list, uint32_t community, uint16_t key) {
  size_t at = 0;
  ForEachEntry(list, [&](uint32_t c, uint16_t k, size_t off) {
    if (c == community && k == key) at = off;
  });
  return at;
}

uint8_t CommerceAggregates::PersonValue(std::span<const uint32_t> accounts, uint32_t scope,
                                        uint16_t key) const {
  unsigned v = 0;
  for (uint32_t a : accounts) {
    if (a >= lists_.lists()) continue;
    const auto list = lists_.Get(a);
    ForEachEntry(list, [&](uint32_t c, uint16_t k, size_t off) {
      if (k != key || (scope != kNone && c != scope)) return;
      v = key == kKindsKey ? (v | list[off]) : std::min(2u, v + list[off]);
    });
  }
  return static_cast<uint8_t>(v);
}

void CommerceAggregates::Contribute(uint32_t scope, uint16_t key, uint8_t value, int sign) {
  if (!value) return;
  ScopeTotals& t = Totals(scope);
  if (key == kKindsKey) {
    for (int k = 0; k < 4; ++k)
      if (value & (1u << k)) t.people[k] += static_cast<uint32_t>(sign);
    return;
  }
  if (key >= t.by_cur.size()) t.by_cur.resize(key + 1);
  CurrencyTotals& c = t.by_cur[key];
  c.buyers += static_cast<uint32_t>(sign);
  if (value >= 2) c.repeat_buyers += static_cast<uint32_t>(sign);
}

void CommerceAggregates::Raise(uint32_t a, uint32_t community, uint16_t key, uint8_t value) {
  const size_t at = FindEntry(lists_.Get(a), community, key);
  const uint8_t old = at ? lists_.Get(a)[at] : 0;
  const uint8_t now = key == kKindsKey ? static_cast<uint8_t>(old | value) : std::max(old, value);
  if (now == old) return;  // the common case: nothing changes for anyone
  const auto& accounts = engine_.members()[member_[a]].accounts;
  const uint8_t before_c = PersonValue(accounts, community, key),
                before_w = PersonValue(accounts, kNone, key);
  if (at) {
    lists_.Mutable(a)[at] = now;
  } else {
    // A new entry (once per account, community and key): rewrite the list
    // with the count one higher and the entry after the others.
    const auto list = lists_.Get(a);
    const uint8_t* p = list.data();
    const uint64_t n = list.empty() ? 0 : GetVarint(p);
    const size_t rows_at = RowsAt(list);
    const size_t head = list.empty() ? 0 : static_cast<size_t>(p - list.data());
    std::vector<uint8_t> bytes;
    bytes.reserve(list.size() + 8);
    PutVarint(bytes, n + 1);
    bytes.insert(bytes.end(), list.begin() + static_cast<std::ptrdiff_t>(head),
                 list.begin() + static_cast<std::ptrdiff_t>(rows_at));
    PutVarint(bytes, community);
    PutVarint(bytes, KeyCode(key));
    bytes.push_back(now);
    bytes.insert(bytes.end(), list.begin() + static_cast<std::ptrdiff_t>(rows_at), list.end());
    lists_.Assign(a, bytes);
  }
  for (uint32_t scope : {community, kNone}) {
    const uint8_t before = scope == kNone ? before_w : before_c, after = PersonValue(accounts, scope, key);
    if (before == after) continue;
    Contribute(scope, key, before, -1);
    Contribute(scope, key, after, +1);
  }
}

void CommerceAggregates::OnAppended(uint32_t first_row, uint32_t end_row) {
  lists_.Resize(engine_.accounts().size());
  const auto& cols = engine_.events();
  std::vector<std::pair<uint32_t, uint32_t>> fresh;  // (account, row) of new funnel rows
  for (uint32_t r = first_row; r < end_row; ++r) {
    const EventType t = cols.type[r];
    const uint32_t a = cols.account[r], com = cols.community[r];
    const uint32_t aux = t == EventType::kOrderPaid || t == EventType::kOrderRefunded ? cols.aux[r] : kNone;
    uint8_t kind = 0;
    switch (t) {
      case EventType::kVisit:
        kind = kVisitBit;
        break;
      case EventType::kSignup:
        kind = kSignupBit;
        break;
      case EventType::kActivityJoined:
        kind = kParticipateBit;
        break;
      case EventType::kOrderPaid:
      case EventType::kOrderRefunded: {
        if (aux >= engine_.orders().size()) break;
        const OrderInfo& o = engine_.orders()[aux];
        const bool paid = t == EventType::kOrderPaid;
        for (uint32_t scope : {com, kNone}) {
          ScopeTotals& tot = Totals(scope);
          if (o.currency >= tot.by_cur.size()) tot.by_cur.resize(o.currency + 1);
          CurrencyTotals& c = tot.by_cur[o.currency];
          c.gmv_minor += paid ? o.amount_minor : -o.amount_minor;
          if (paid) {
            c.paid_minor += o.amount_minor;
            ++c.orders;
          } else {
            ++c.refunds;
          }
        }
        if (paid) {
          kind = kBuyBit;
          const auto list = lists_.Get(a);
          const size_t at = FindEntry(list, com, static_cast<uint16_t>(o.currency));
          const uint8_t n = at ? list[at] : 0;
          if (n < 2) Raise(a, com, static_cast<uint16_t>(o.currency), static_cast<uint8_t>(n + 1));
        }
        break;
      }
      default:
        break;
    }
    if (kind) Raise(a, com, kKindsKey, kind);
    if (IsFunnelType(t)) fresh.emplace_back(a, r);
  }
  // Each touched account's new rows, grouped by account (rows ascending).
  std::stable_sort(fresh.begin(), fresh.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<uint32_t> people, group;
  for (size_t i = 0; i < fresh.size();) {
    const uint32_t a = fresh[i].first;
    group.clear();
    for (; i < fresh.size() && fresh[i].first == a; ++i) group.push_back(fresh[i].second);
    AddRows(a, group);
    people.push_back(member_[a]);
  }
  std::sort(people.begin(), people.end());
  people.erase(std::unique(people.begin(), people.end()), people.end());
  std::lock_guard lock(funnel_mu_);
  for (auto& f : funnels_) {
    f->stage.resize(engine_.members().size(), 0);
    for (uint32_t m : people) Restage(*f, m);
  }
}

void CommerceAggregates::OnIdentityChanged(std::span<const std::pair<uint32_t, uint32_t>> old_groups,
                                           std::span<const uint32_t> members) {
  // The moved accounts, grouped by their old owner: those groups' values
  // leave the counts, the new owners' values enter them.
  // Every (scope, key) a group of accounts has entries for; the workspace too.
  auto each_value = [&](std::span<const uint32_t> accounts, int sign) {
    std::vector<std::pair<uint32_t, uint16_t>> keys;
    for (uint32_t a : accounts)
      if (a < lists_.lists())
        ForEachEntry(lists_.Get(a), [&](uint32_t c, uint16_t k, size_t) {
          keys.emplace_back(c, k);
          keys.emplace_back(kNone, k);
        });
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (auto [scope, key] : keys) Contribute(scope, key, PersonValue(accounts, scope, key), sign);
  };
  std::vector<uint32_t> group;
  for (size_t i = 0; i < old_groups.size();) {
    group.clear();
    size_t j = i;
    for (; j < old_groups.size() && old_groups[j].first == old_groups[i].first; ++j)
      group.push_back(old_groups[j].second);
    each_value(group, -1);
    i = j;
  }
  for (uint32_t m : members)
    if (m < engine_.members().size()) each_value(engine_.members()[m].accounts, +1);
  std::lock_guard lock(funnel_mu_);
  for (auto& f : funnels_) {
    f->stage.resize(engine_.members().size(), 0);
    for (uint32_t m : members)
      if (m < f->stage.size()) Restage(*f, m);
  }
}

CommerceAggregates::People CommerceAggregates::PeopleOf(uint32_t scope) const {
  const ScopeTotals* t = scope == kNone ? ws_.get() : scope < comm_.size() ? &comm_[scope] : nullptr;
  if (!t) return {};
  return People{t->people[0], t->people[1], t->people[2], t->people[3]};
}

std::vector<CommerceAggregates::CurrencyTotals> CommerceAggregates::Currencies(uint32_t scope) const {
  std::vector<CurrencyTotals> out;
  const ScopeTotals* t = scope == kNone ? ws_.get() : scope < comm_.size() ? &comm_[scope] : nullptr;
  if (!t) return out;
  for (size_t i = 0; i < t->by_cur.size(); ++i) {
    if (t->by_cur[i].orders == 0 && t->by_cur[i].refunds == 0) continue;
    out.push_back(t->by_cur[i]);
    out.back().currency = static_cast<uint32_t>(i);
  }
  return out;
}

void CommerceAggregates::DecodeRows(uint32_t a, std::vector<uint32_t>& out) const {
  const auto list = lists_.Get(a);
  const uint8_t* p = list.data() + RowsAt(list);
  const uint8_t* const end = list.data() + list.size();
  int64_t row = 0;
  while (p < end) {
    row += UnZigZag(GetVarint(p));
    out.push_back(static_cast<uint32_t>(row));
  }
}

void CommerceAggregates::AddRows(uint32_t a, std::span<uint32_t> fresh) {
  const auto& ts = engine_.events().ts;
  auto less = [&](uint32_t x, uint32_t y) { return ts[x] != ts[y] ? ts[x] < ts[y] : x < y; };
  std::sort(fresh.begin(), fresh.end(), less);
  std::vector<uint8_t> bytes;
  // The last kept row (in (ts, row) order): the sum of the deltas.
  const auto list = lists_.Get(a);
  const size_t rows_at = RowsAt(list);
  uint32_t last = kNone;
  {
    const uint8_t* p = list.data() + rows_at;
    const uint8_t* const end = list.data() + list.size();
    int64_t row = 0;
    while (p < end) row += UnZigZag(GetVarint(p));
    if (rows_at < list.size()) last = static_cast<uint32_t>(row);
  }
  if (last == kNone || less(last, fresh.front())) {
    // The common case: every new row sorts after the kept ones; append.
    int64_t prev = last == kNone ? 0 : last;
    for (uint32_t r : fresh) {
      PutVarint(bytes, ZigZag(r - prev));
      prev = r;
    }
    if (list.empty()) bytes.insert(bytes.begin(), 0);  // no entries yet
    lists_.Append(a, bytes);
  } else {
    std::vector<uint32_t> all;
    DecodeRows(a, all);
    const size_t mid = all.size();
    all.insert(all.end(), fresh.begin(), fresh.end());
    std::inplace_merge(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(mid), all.end(), less);
    bytes.assign(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(rows_at));
    int64_t prev = 0;
    for (uint32_t r : all) {
      PutVarint(bytes, ZigZag(r - prev));
      prev = r;
    }
    lists_.Assign(a, bytes);
  }
}

uint8_t CommerceAggregates::FunnelStage(const FunnelCache& f, uint32_t member) const {
  const auto& accounts = engine_.members()[member].accounts;
  scratch_.clear();
  for (uint32_t a : accounts)
    if (a < lists_.lists()) DecodeRows(a, scratch_);
  if (accounts.size() > 1) {
    // A merged person: the accounts' rows merged into one time order.
    const auto& ts = engine_.events().ts;
    std::sort(scratch_.begin(), scratch_.end(),
              [&](uint32_t x, uint32_t y) { return ts[x] != ts[y] ? ts[x] < ts[y] : x < y; });
  }
  const std::span<const uint32_t> rows = scratch_;
  if (rows.empty()) return 0;
  const auto& cols = engine_.events();
  auto fits = [&](uint32_t r, EventType t) {
    return cols.type[r] == t && (f.scope == kNone || cols.community[r] == f.scope);
  };
  size_t i = 0;  // position of the row that reached the last step
  for (; i < rows.size(); ++i) {
    const uint32_t r = rows[i];
    if (!fits(r, f.steps[0])) continue;
    const int64_t ms = FromEngineSeconds(cols.ts[r]);
    if (ms >= f.lo_ms && ms < f.hi_ms) break;
  }
  if (i == rows.size()) return 0;
  const uint64_t deadline = static_cast<uint64_t>(cols.ts[rows[i]]) + f.window_s;
  uint8_t stage = 1;
  // Rows are in time order, so "the first step-k row at or after step k-1's
  // time" is the first fitting row from the first row of that second on (the
  // same row may serve two equal steps).
  for (size_t k = 1; k < f.steps.size(); ++k) {
    const uint32_t at = cols.ts[rows[i]];
    while (i > 0 && cols.ts[rows[i - 1]] == at) --i;  // rows of the same second count too
    while (i < rows.size() && !fits(rows[i], f.steps[k])) ++i;
    if (i == rows.size() || cols.ts[rows[i]] > deadline) break;
    ++stage;
  }
  return stage;
}

void CommerceAggregates::Restage(FunnelCache& f, uint32_t member) const {
  const uint8_t now = FunnelStage(f, member);
  uint8_t& old = f.stage[member];
  if (now == old) return;
  if (old) --f.at_stage[old];  // at_stage[0] (not entered) is not kept
  if (now) ++f.at_stage[now];
  old = now;
}

std::vector<uint32_t> CommerceAggregates::FunnelReached(uint32_t scope, std::span<const EventType> steps,
                                                        uint32_t window_s, int64_t lo_ms,
                                                        int64_t hi_ms) const {
  std::lock_guard lock(funnel_mu_);
  FunnelCache* f = nullptr;
  for (auto& c : funnels_)
    if (c->Same(scope, steps, window_s, lo_ms, hi_ms)) f = c.get();
  if (!f) {
    if (funnels_.size() >= kMaxFunnels) {
      auto victim = std::min_element(funnels_.begin(), funnels_.end(),
                                     [](const auto& x, const auto& y) { return x->last_use < y->last_use; });
      funnels_.erase(victim);
    }
    auto c = std::make_unique<FunnelCache>();
    c->scope = scope;
    c->steps.assign(steps.begin(), steps.end());
    c->window_s = window_s;
    c->lo_ms = lo_ms;
    c->hi_ms = hi_ms;
    const size_t nm = engine_.members().size();
    c->stage.assign(nm, 0);
    c->at_stage.assign(steps.size() + 1, 0);
    for (uint32_t m = 0; m < nm; ++m) Restage(*c, m);
    f = c.get();
    funnels_.push_back(std::move(c));
  }
  f->last_use = ++use_clock_;
  // Reached step k = people whose stage is above k.
  std::vector<uint32_t> reached(steps.size(), 0);
  uint32_t run = 0;
  for (size_t k = steps.size(); k-- > 0;) {
    run += f->at_stage[k + 1];
    reached[k] = run;
  }
  return reached;
}

std::vector<std::pair<std::string, size_t>> CommerceAggregates::MemoryParts() const {
  const size_t acc = lists_.Bytes();
  size_t scopes =
      sizeof(ScopeTotals) * (comm_.capacity() + 1) + ws_->by_cur.capacity() * sizeof(CurrencyTotals);
  for (const ScopeTotals& t : comm_) scopes += t.by_cur.capacity() * sizeof(CurrencyTotals);
  size_t funnels = 0;
  {
    std::lock_guard lock(funnel_mu_);
    for (const auto& f : funnels_)
      funnels += sizeof(FunnelCache) + f->stage.capacity() + f->at_stage.capacity() * 4;
  }
  return {{"commerce_accounts", acc}, {"commerce_scopes", scopes}, {"funnel_caches", funnels}};
}

}  // namespace qun::metrics
