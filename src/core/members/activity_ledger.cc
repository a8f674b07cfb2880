#include "core/members/activity_ledger.h"

#include <algorithm>
#include <atomic>

namespace qun {

void DayCounts::Add(const DayCounts& o) {
  own = own || o.own;
  active = active || o.active;
  messages += o.messages;
  replies_given += o.replies_given;
  answers += o.answers;
  replies_received += o.replies_received;
  reactions_given += o.reactions_given;
  reactions_received += o.reactions_received;
  ugc += o.ugc;
  invites += o.invites;
  orders += o.orders;
  gmv_minor += o.gmv_minor;
  checkins += o.checkins;
  reports_filed += o.reports_filed;
  funnel += o.funnel;
}

ActivityLedger::ActivityLedger(LedgerScope scope) : scope_(std::move(scope)) {
  static std::atomic<uint64_t> next_id{1};
  id_ = next_id.fetch_add(1, std::memory_order_relaxed);
}

void ActivityLedger::ChangedSince(uint32_t seq, std::vector<uint32_t>* accounts) const {
  for (uint32_t a = 0; a < changed_at_.size(); ++a)
    if (changed_at_[a] > seq) accounts->push_back(a);
}

// Every change of an account's facts goes through Row (a milestone's event
// also makes its own row), so marking here tracks them all.
DayCounts& ActivityLedger::Row(uint32_t account, int32_t day) {
  if (account >= accounts_.size()) accounts_.resize(account + 1);
  if (account >= changed_at_.size()) changed_at_.resize(accounts_.size(), 0);
  changed_at_[account] = fold_seq_;
  auto& days = accounts_[account].days;
  // Grow by 1/8 (at least 2 rows) instead of doubling: a ledger holds millions
  // of these small vectors and doubling would leave ~30% of them unused
  // (docs/metrics.md#memory). Amortized appends stay O(1).
  if (days.size() == days.capacity()) days.reserve(days.size() + std::max<size_t>(2, days.size() / 8));
  // Events mostly arrive in time order: the common case appends.
  if (days.empty() || days.back().day < day) {
    days.push_back(DayCounts{.day = day});
    return days.back();
  }
  if (days.back().day == day) return days.back();
  auto it = std::lower_bound(days.begin(), days.end(), day,
                             [](const DayCounts& d, int32_t v) { return d.day < v; });
  if (it != days.end() && it->day == day) return *it;
  return *days.insert(it, DayCounts{.day = day});
}

void ActivityLedger::DropIfEmpty(uint32_t account, int32_t day) {
  auto& days = accounts_[account].days;
  auto it = std::lower_bound(days.begin(), days.end(), day, [](const DayCounts& d, int32_t v) { return d.day < v; });
  if (it == days.end() || it->day != day) return;
  const DayCounts& d = *it;
  if (!d.own && !d.active && d.gmv_minor == 0 && d.messages == 0 && d.replies_given == 0 && d.answers == 0 &&
      d.replies_received == 0 && d.reactions_given == 0 && d.reactions_received == 0 && d.ugc == 0 &&
      d.invites == 0 && d.orders == 0 && d.checkins == 0 && d.reports_filed == 0 && d.funnel == 0)
    days.erase(it);
}

int32_t ActivityLedger::CreditedOffset(uint32_t msg_row) const {
  const uint8_t v = engaged_[msg_row];
  if (v == kNotEngaged) return -1;
  if (v != kFarOffset) return v;
  return engaged_far_.at(msg_row);
}

void ActivityLedger::SetCreditedOffset(uint32_t msg_row, int32_t offset) {
  if (offset < kFarOffset) {
    engaged_[msg_row] = static_cast<uint8_t>(offset);
    engaged_far_.erase(msg_row);
  } else {
    engaged_[msg_row] = kFarOffset;
    engaged_far_[msg_row] = offset;
  }
}

void ActivityLedger::Fold(const Engine& engine, uint32_t first_row, uint32_t end_row) {
  const EventColumns& c = engine.events();
  ++fold_seq_;
  if (engaged_.size() < end_row) engaged_.resize(end_row, kNotEngaged);
  // Sized up front so no reference into accounts_ moves inside the loop.
  if (accounts_.size() < engine.accounts().size()) accounts_.resize(engine.accounts().size());
  const bool utc = scope_.tz.name() == "UTC";
  auto day_of = [&](uint32_t ts) {
    const int64_t ms = FromEngineSeconds(ts);
    return utc ? static_cast<int32_t>(FloorDiv(ms, kMsPerDay)) : scope_.tz.LocalDay(ms);
  };
  for (uint32_t r = first_row; r < end_row; ++r) {
    if (scope_.community != kNone && c.community[r] != scope_.community) continue;
    const int32_t day = day_of(c.ts[r]);
    if (day > scope_.until_day) continue;
    max_day_ = std::max(max_day_, day);
    const EventType t = c.type[r];
    // Operator publishing and identity bookkeeping are not member behaviour.
    if (t == EventType::kContentPublished || t == EventType::kProfileUpdated || t == EventType::kIdentityLinked) continue;
    const uint32_t acc = c.account[r];
    const uint32_t aux = c.aux[r];
    DayCounts& row = Row(acc, day);
    row.own = true;
    if (IsActivityType(t)) row.active = true;
    AccountFacts& f = accounts_[acc];
    // A message's author gets credit for outside engagement on the later of
    // the two days; the message row is earlier than r (same community).
    auto credit_author = [&](uint32_t msg_row, bool reply) {
      if (msg_row == kNone || msg_row >= r) return;
      uint32_t author = c.account[msg_row];
      if (author == acc) return;
      if (scope_.community != kNone && c.community[msg_row] != scope_.community) return;
      const int32_t mday = day_of(c.ts[msg_row]);
      if (mday > scope_.until_day) return;
      const int32_t eday = std::max(day, mday);
      DayCounts& ar = Row(author, eday);
      if (reply) ++ar.replies_received;
      else ++ar.reactions_received;
      const int32_t offset = eday - mday;  // >= 0
      const int32_t credited = CreditedOffset(msg_row);
      if (credited < 0) {
        SetCreditedOffset(msg_row, offset);
        ++ar.ugc;
      } else if (offset < credited) {
        // An earlier engagement arrived late: the ugc moves to its day.
        ++ar.ugc;  // `ar` is used no more after the lookup below
        const int32_t old_day = mday + credited;
        --Row(author, old_day).ugc;
        DropIfEmpty(author, old_day);
        SetCreditedOffset(msg_row, offset);
      }
    };
    switch (t) {
      case EventType::kMessagePosted: {
        ++row.messages;
        if (aux != kNone) {
          ++row.replies_given;
          if (aux < r && c.account[aux] != acc) ++row.answers;
          // `row` may move when the author's vector grows: re-fetch nothing after.
          credit_author(aux, true);
        }
        break;
      }
      case EventType::kReactionAdded:
        ++row.reactions_given;
        credit_author(aux, false);
        break;
      case EventType::kMemberJoined:
        f.milestones.push_back({.ts = c.ts[r], .day = day, .kind = Milestone::kJoin});
        if (aux != kNone && aux != acc) ++Row(aux, day).invites;
        break;
      case EventType::kMemberLeft:
        f.milestones.push_back({.ts = c.ts[r], .day = day, .kind = Milestone::kLeft});
        break;
      case EventType::kOrderPaid:
        ++row.orders;
        if (aux != kNone) row.gmv_minor += engine.orders()[aux].amount_minor;
        break;
      case EventType::kOrderRefunded:
        if (aux != kNone) row.gmv_minor -= engine.orders()[aux].amount_minor;
        break;
      case EventType::kCheckin:
        ++row.checkins;
        break;
      case EventType::kReportFiled:
        ++row.reports_filed;
        break;
      case EventType::kSurveyAnswered:
        if (aux != kNone)
          f.milestones.push_back(
              {.ts = c.ts[r], .day = day, .kind = Milestone::kNps, .nps = static_cast<int8_t>(aux)});
        break;
      case EventType::kVisit:
      case EventType::kSignup:
      case EventType::kContentViewed:
      case EventType::kContentClicked:
        ++row.funnel;
        break;
      default:
        break;
    }
  }
  rows_folded_ = std::max(rows_folded_, end_row);
}

AccountMilestones AccountFacts::MilestonesAsOf(int32_t until_day) const {
  AccountMilestones m;
  for (const Milestone& s : milestones) {
    if (s.day > until_day) continue;
    switch (s.kind) {
      case Milestone::kJoin:
        if (m.first_join_ts < 0 || s.ts < m.first_join_ts) {
          m.first_join_ts = s.ts;
          m.first_join_day = s.day;
        }
        m.last_join_ts = std::max<int64_t>(m.last_join_ts, s.ts);
        break;
      case Milestone::kLeft:
        if (s.ts > m.last_left_ts) {
          m.last_left_ts = s.ts;
          m.last_left_day = s.day;
        }
        break;
      case Milestone::kNps:
        if (s.ts >= m.last_nps_ts) {
          m.last_nps_ts = s.ts;
          m.last_nps = s.nps;
        }
        break;
    }
  }
  return m;
}

std::vector<DayCounts>::const_iterator AccountFacts::DaysEnd(int32_t until_day) const {
  if (days.empty() || days.back().day <= until_day) return days.end();
  return std::upper_bound(days.begin(), days.end(), until_day,
                          [](int32_t v, const DayCounts& d) { return v < d.day; });
}

size_t ActivityLedger::MemoryBytes() const {
  size_t b = accounts_.capacity() * sizeof(AccountFacts) + engaged_.capacity() +
             engaged_far_.size() * (sizeof(std::pair<uint32_t, int32_t>) + 2 * sizeof(void*)) +
             engaged_far_.bucket_count() * sizeof(void*) + changed_at_.capacity() * sizeof(uint32_t);
  for (const auto& a : accounts_)
    b += a.days.capacity() * sizeof(DayCounts) + a.milestones.capacity() * sizeof(Milestone);
  return b;
}

size_t MemberLedgerModule::MemoryBytes() const {
  size_t b = ledger_.MemoryBytes();
  std::lock_guard lock(mu_);
  for (const auto& l : scoped_) b += l->MemoryBytes();
  return b;
}

size_t MemberLedgerModule::scoped_builds() const {
  std::lock_guard lock(mu_);
  return scoped_builds_;
}

std::shared_ptr<const ActivityLedger> MemberLedgerModule::Scoped(const Engine& engine, const LedgerScope& scope) const {
  const uint32_t rows = static_cast<uint32_t>(engine.events().size());
  if (scope.tz.name() == "UTC" && scope.community == kNone) {
    // Owned by the module; the aliasing pointer owns nothing.
    return std::shared_ptr<const ActivityLedger>(std::shared_ptr<const ActivityLedger>(), &ledger_);
  }
  std::lock_guard lock(mu_);
  for (auto it = scoped_.begin(); it != scoped_.end(); ++it) {
    const LedgerScope& s = (*it)->scope();
    if (s.community != scope.community || s.tz.name() != scope.tz.name()) continue;
    if ((*it)->rows_folded() > rows) {  // the engine was rebuilt smaller: start over
      scoped_.erase(it);
      break;
    }
    if ((*it)->rows_folded() < rows) {
      if (it->use_count() > 1) {
        // A reader still holds this version (it must have released the read
        // lock): fold a copy rather than change what it reads.
        *it = std::make_shared<ActivityLedger>(**it);
      }
      (*it)->Fold(engine, (*it)->rows_folded(), rows);
    }
    scoped_.splice(scoped_.begin(), scoped_, it);
    return scoped_.front();
  }
  auto built = std::make_shared<ActivityLedger>(LedgerScope{.tz = scope.tz, .community = scope.community});
  built->Fold(engine, 0, rows);
  ++scoped_builds_;
  scoped_.push_front(built);
  // At most kScopedCapacity ledgers and, beyond the newest, at most
  // kScopedBudget times the live ledger's memory in all.
  size_t bytes = 0;
  const size_t budget = kScopedBudget * ledger_.MemoryBytes();
  auto it = scoped_.begin();
  for (size_t n = 0; it != scoped_.end(); ++it, ++n) {
    bytes += (*it)->MemoryBytes();
    if (n > 0 && (n >= kScopedCapacity || bytes > budget)) break;
  }
  scoped_.erase(it, scoped_.end());
  return built;
}

std::shared_ptr<const ActivityLedger> LedgerFor(const Engine& engine, const LedgerScope& scope) {
  if (auto* m = engine.module<MemberLedgerModule>()) {
    if (m->ledger().rows_folded() == engine.events().size()) return m->Scoped(engine, scope);
  }
  auto fresh = std::make_shared<ActivityLedger>(scope);
  fresh->Fold(engine, 0, static_cast<uint32_t>(engine.events().size()));
  return fresh;
}

}  // namespace qun
