#include "core/members/activity_ledger.h"

#include <algorithm>

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

DayCounts& ActivityLedger::Row(uint32_t account, int32_t day) {
  if (account >= accounts_.size()) accounts_.resize(account + 1);
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

void ActivityLedger::Fold(const Engine& engine, uint32_t first_row, uint32_t end_row) {
  const EventColumns& c = engine.events();
  if (engaged_.size() < end_row) engaged_.resize(end_row, false);
  // Sized up front so no reference into accounts_ moves inside the loop.
  if (accounts_.size() < engine.accounts().size()) accounts_.resize(engine.accounts().size());
  const bool utc = scope_.tz.name() == "UTC";
  for (uint32_t r = first_row; r < end_row; ++r) {
    if (scope_.community != kNone && c.community[r] != scope_.community) continue;
    const int64_t ms = FromEngineSeconds(c.ts[r]);
    const int32_t day = utc ? static_cast<int32_t>(FloorDiv(ms, kMsPerDay)) : scope_.tz.LocalDay(ms);
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
    f.first_day = std::min(f.first_day, day);
    f.last_day = std::max(f.last_day, day);
    // A message's author gets credit for outside engagement; the message row
    // is earlier than r, so it is in scope whenever r is (same community).
    auto credit_author = [&](uint32_t msg_row, bool reply) {
      if (msg_row == kNone || msg_row >= r) return;
      uint32_t author = c.account[msg_row];
      if (author == acc) return;
      if (scope_.community != kNone && c.community[msg_row] != scope_.community) return;
      const int64_t mms = FromEngineSeconds(c.ts[msg_row]);
      const int32_t mday = utc ? static_cast<int32_t>(FloorDiv(mms, kMsPerDay)) : scope_.tz.LocalDay(mms);
      if (mday > scope_.until_day) return;
      DayCounts& ar = Row(author, day);
      if (reply) ++ar.replies_received;
      else ++ar.reactions_received;
      if (!engaged_[msg_row]) {
        engaged_[msg_row] = true;
        ++ar.ugc;
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
      case EventType::kMemberJoined: {
        uint32_t ts = c.ts[r];
        if (f.first_join_ts == kNone || ts < f.first_join_ts) f.first_join_ts = ts;
        if (f.last_join_ts == kNone || ts > f.last_join_ts) f.last_join_ts = ts;
        if (aux != kNone && aux != acc) ++Row(aux, day).invites;
        break;
      }
      case EventType::kMemberLeft: {
        uint32_t ts = c.ts[r];
        if (f.last_left_ts == kNone || ts > f.last_left_ts) f.last_left_ts = ts;
        break;
      }
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
        if (aux != kNone && (f.last_nps_ts == kNone || c.ts[r] >= f.last_nps_ts)) {
          f.last_nps_ts = c.ts[r];
          f.last_nps = static_cast<int8_t>(aux);
        }
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

size_t ActivityLedger::MemoryBytes() const {
  size_t b = accounts_.capacity() * sizeof(AccountFacts) + engaged_.capacity() / 8;
  for (const auto& a : accounts_) b += a.days.capacity() * sizeof(DayCounts);
  return b;
}

const ActivityLedger& LedgerFor(const Engine& engine, const LedgerScope& scope, ActivityLedger* storage) {
  if (auto* m = engine.module<MemberLedgerModule>()) {
    const ActivityLedger& live = m->ledger();
    if (scope.tz.name() == "UTC" && scope.community == kNone && live.max_day() <= scope.until_day &&
        live.rows_folded() == engine.events().size())
      return live;
  }
  *storage = ActivityLedger(scope);
  storage->Fold(engine, 0, static_cast<uint32_t>(engine.events().size()));
  return *storage;
}

}  // namespace qun
