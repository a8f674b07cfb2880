#include "core/members/activity_ledger.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <new>

#include "common/varint.h"
#include "core/metrics/packed.h"

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

namespace {

// An AccountFacts block (activity_ledger.h): this header, then the payload —
// varint milestone count, the milestones, the day rows.
//   [0, 4)  u32 size of the whole block
//   [4, 8)  i32 day of the latest row (when there is a row)
//   [8]     u8 length of the latest row (day field included; <= kMaxRow)
constexpr size_t kHeader = 9;
// Longest encoded row: day (5) + mask (3) + 12 counters (5 each) + gmv (10).
constexpr size_t kMaxRow = 5 + 3 + 12 * 5 + 10;
static_assert(kMaxRow <= 255);

uint32_t LoadU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
void StoreU32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
uint32_t BlockSize(const uint8_t* b) { return LoadU32(b); }
int32_t LastDay(const uint8_t* b) { return static_cast<int32_t>(LoadU32(b + 4)); }
void StoreHeader(uint8_t* b, size_t size, int32_t last_day, size_t last_len) {
  StoreU32(b, static_cast<uint32_t>(size));
  StoreU32(b + 4, static_cast<uint32_t>(last_day));
  b[8] = static_cast<uint8_t>(last_len);
}

// Milestone: u32 ts, tag byte, [i32 day when kExplicitDay], [i8 score when
// kNps]. The tag holds the kind (bits 0-1) and, unless kExplicitDay (bit 5),
// the local day minus the UTC day of ts, plus 4 (bits 2-4).
constexpr uint8_t kKindMask = 3, kExplicitDay = 1u << 5;
constexpr int kAdjBias = 4;
constexpr size_t kMaxMilestone = 4 + 1 + 4 + 1;

int32_t UtcDay(uint32_t ts) { return static_cast<int32_t>(FloorDiv(FromEngineSeconds(ts), kMsPerDay)); }

uint8_t* EncodeMilestone(const Milestone& m, uint8_t* p) {
  StoreU32(p, m.ts);
  const int64_t adj = static_cast<int64_t>(m.day) - UtcDay(m.ts);
  uint8_t& tag = p[4];
  p += 5;
  if (adj >= -kAdjBias && adj < 8 - kAdjBias) {
    tag = static_cast<uint8_t>(m.kind | ((adj + kAdjBias) << 2));
  } else {
    tag = static_cast<uint8_t>(m.kind | kExplicitDay);
    StoreU32(p, static_cast<uint32_t>(m.day));
    p += 4;
  }
  if (m.kind == Milestone::kNps) *p++ = static_cast<uint8_t>(m.nps);
  return p;
}

const uint8_t* DecodeMilestone(const uint8_t* p, Milestone* m) {
  m->ts = LoadU32(p);
  const uint8_t tag = p[4];
  p += 5;
  m->kind = static_cast<Milestone::Kind>(tag & kKindMask);
  if (tag & kExplicitDay) {
    m->day = static_cast<int32_t>(LoadU32(p));
    p += 4;
  } else {
    m->day = UtcDay(m->ts) + ((tag >> 2) & 7) - kAdjBias;
  }
  m->nps = -1;
  if (m->kind == Milestone::kNps) m->nps = static_cast<int8_t>(*p++);
  return p;
}

size_t MilestoneLen(const uint8_t* p) {
  return 5 + ((p[4] & kExplicitDay) ? 4 : 0) + ((p[4] & kKindMask) == Milestone::kNps ? 1 : 0);
}

// Offset of the first row in the block.
size_t RowsBegin(const uint8_t* b) {
  const uint8_t* p = b + kHeader;
  for (uint64_t n = GetVarint(p); n > 0; --n) p += MilestoneLen(p);
  return static_cast<size_t>(p - b);
}

// Mask bits in order of how often the field is non-zero in the generated
// data (share of rows at 2M events: own 95%, active 73%, messages 47%, funnel
// 44%, reactions_given 33%, reactions_received 29%, ugc 29%, replies_given
// 22%, answers 22%, replies_received 19%, checkins 16%, the rest < 2%), so
// the usual mask fits a one-byte varint; gmv_minor at bit kGmvBit.
constexpr uint32_t kOwnBit = 1u << 0, kActiveBit = 1u << 1;
constexpr uint32_t DayCounts::*kCounters[] = {
    &DayCounts::messages,      &DayCounts::funnel,  &DayCounts::reactions_given, &DayCounts::reactions_received,
    &DayCounts::ugc,           &DayCounts::replies_given, &DayCounts::answers,   &DayCounts::replies_received,
    &DayCounts::checkins,      &DayCounts::orders,  &DayCounts::invites,         &DayCounts::reports_filed,
};
constexpr int kFirstCounterBit = 2;
constexpr int kGmvBit = kFirstCounterBit + static_cast<int>(std::size(kCounters));

// Mask, then the present values. Returns the end of what was written.
uint8_t* EncodeBody(const DayCounts& d, uint8_t* p) {
  uint32_t mask = (d.own ? kOwnBit : 0) | (d.active ? kActiveBit : 0);
  for (size_t i = 0; i < std::size(kCounters); ++i)
    if (d.*kCounters[i] != 0) mask |= 1u << (kFirstCounterBit + i);
  if (d.gmv_minor != 0) mask |= 1u << kGmvBit;
  p = PutVarint(p, mask);
  for (size_t i = 0; i < std::size(kCounters); ++i)
    if (mask & (1u << (kFirstCounterBit + i))) p = PutVarint(p, d.*kCounters[i]);
  if (mask & (1u << kGmvBit)) p = PutVarint(p, ZigZag(d.gmv_minor));
  return p;
}

// Reads a body into `d` (every field but day is set). Returns its end.
const uint8_t* DecodeBody(const uint8_t* p, DayCounts* d) {
  const uint32_t mask = static_cast<uint32_t>(GetVarint(p));
  d->own = (mask & kOwnBit) != 0;
  d->active = (mask & kActiveBit) != 0;
  for (const auto field : kCounters) d->*field = 0;
  // Only the present counters, lowest bit first.
  for (uint32_t m = (mask >> kFirstCounterBit) & ((1u << std::size(kCounters)) - 1); m != 0; m &= m - 1)
    d->*kCounters[std::countr_zero(m)] = static_cast<uint32_t>(GetVarint(p));
  d->gmv_minor = (mask & (1u << kGmvBit)) ? UnZigZag(GetVarint(p)) : 0;
  return p;
}

// The day field of a row: the first row's day minus kDayBias zigzag-encoded
// (two bytes for the days of 2004..2048), else the gap (>= 1) to the previous
// row's day.
constexpr int64_t kDayBias = 20480;  // 2026-01-27
uint64_t DayField(bool first, int32_t prev_day, int32_t day) {
  return first ? ZigZag(day - kDayBias) : static_cast<uint64_t>(static_cast<int64_t>(day) - prev_day);
}
int32_t ReadDay(const uint8_t*& p, bool first, int32_t prev_day) {
  const uint64_t v = GetVarint(p);
  return static_cast<int32_t>(first ? UnZigZag(v) + kDayBias : prev_day + static_cast<int64_t>(v));
}

bool IsZero(const DayCounts& d) {
  if (d.own || d.active || d.gmv_minor != 0) return false;
  for (auto field : kCounters)
    if (d.*field != 0) return false;
  return true;
}

}  // namespace

bool AccountFacts::empty() const { return RowsBegin(bytes()) == BlockSize(bytes()); }

int32_t AccountFacts::last_day() const { return LastDay(bytes()); }

bool AccountFacts::has_milestones() const { return bytes()[kHeader] != 0; }

void AccountFacts::AppendDays(int32_t until_day, std::vector<DayCounts>* out) const {
  const uint8_t* b = bytes();
  const uint8_t* end = b + BlockSize(b);
  const uint8_t* begin = b + RowsBegin(b);
  int32_t day = 0;
  for (const uint8_t* p = begin; p < end;) {
    day = ReadDay(p, p == begin, day);
    if (day > until_day) break;
    DayCounts& d = out->emplace_back();
    d.day = day;
    p = DecodeBody(p, &d);
  }
}

std::vector<DayCounts> AccountFacts::Days() const {
  std::vector<DayCounts> days;
  AppendDays(std::numeric_limits<int32_t>::max(), &days);
  return days;
}

void AccountFacts::AppendMembership(int32_t until_day, std::vector<Milestone>* out) const {
  const uint8_t* p = bytes() + kHeader;
  for (uint64_t n = GetVarint(p); n > 0; --n) {
    Milestone s;
    p = DecodeMilestone(p, &s);
    if (s.day <= until_day && s.kind != Milestone::kNps) out->push_back(s);
  }
}

AccountMilestones AccountFacts::MilestonesAsOf(int32_t until_day) const {
  AccountMilestones m;
  const uint8_t* p = bytes() + kHeader;
  for (uint64_t n = GetVarint(p); n > 0; --n) {
    Milestone s;
    p = DecodeMilestone(p, &s);
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

struct AccountFactsArena::Impl {
  metrics::ListArena<uint8_t> arena;  // one list (block) per account
  std::vector<DayCounts> rows;        // re-encoding an account's rows
  std::vector<uint8_t> block;         // rebuilding a block
};

AccountFactsArena::AccountFactsArena() : impl_(std::make_unique<Impl>()) {}
AccountFactsArena::~AccountFactsArena() = default;
AccountFactsArena::AccountFactsArena(const AccountFactsArena& o) : impl_(std::make_unique<Impl>(*o.impl_)) {}
AccountFactsArena& AccountFactsArena::operator=(const AccountFactsArena& o) {
  if (this != &o) *impl_ = *o.impl_;
  return *this;
}
AccountFactsArena::AccountFactsArena(AccountFactsArena&&) noexcept = default;
AccountFactsArena& AccountFactsArena::operator=(AccountFactsArena&&) noexcept = default;

void AccountFactsArena::Resize(size_t n) { impl_->arena.Resize(n); }
size_t AccountFactsArena::accounts() const { return impl_->arena.lists(); }

const AccountFacts* AccountFactsArena::Get(uint32_t account) const {
  if (account >= impl_->arena.lists()) return nullptr;
  const std::span<const uint8_t> b = impl_->arena.Get(account);
  if (b.empty()) return nullptr;
  const auto* f = reinterpret_cast<const AccountFacts*>(b.data());
  return f->empty() ? nullptr : f;
}

size_t AccountFactsArena::Bytes() const {
  return impl_->arena.Bytes() + impl_->rows.capacity() * sizeof(DayCounts) + impl_->block.capacity();
}

void AccountFactsArena::AddToDay(uint32_t account, const DayCounts& delta, bool drop_if_zero) {
  metrics::ListArena<uint8_t>& arena = impl_->arena;
  const std::span<const uint8_t> b = arena.Get(account);
  uint8_t row[kMaxRow];
  if (b.empty()) {  // the account's first fact: a block with no milestone
    if (drop_if_zero && IsZero(delta)) return;
    uint8_t block[kHeader + 1 + kMaxRow];
    block[kHeader] = 0;
    uint8_t* e = EncodeBody(delta, PutVarint(block + kHeader + 1, DayField(true, 0, delta.day)));
    const size_t size = static_cast<size_t>(e - block);
    StoreHeader(block, size, delta.day, size - kHeader - 1);
    arena.Append(account, std::span<const uint8_t>(block, size));
    return;
  }
  const uint8_t* blk = b.data();
  const size_t size = b.size(), rows_begin = RowsBegin(blk);
  const bool no_rows = rows_begin == size;
  const int32_t last_day = LastDay(blk);
  if (no_rows || delta.day > last_day) {  // a new latest row: append it
    if (drop_if_zero && IsZero(delta)) return;
    const size_t n = static_cast<size_t>(EncodeBody(delta, PutVarint(row, DayField(no_rows, last_day, delta.day))) - row);
    arena.Append(account, std::span<const uint8_t>(row, n));
    StoreHeader(arena.Mutable(account).data(), size + n, delta.day, n);
    return;
  }
  if (delta.day == last_day) {  // the latest row: re-encode just its body
    const size_t last_off = size - blk[8];
    const uint8_t* p = blk + last_off;
    GetVarint(p);  // the day field stays
    const size_t body_off = static_cast<size_t>(p - blk);
    DayCounts d;
    DecodeBody(p, &d);
    d.Add(delta);
    if (!(drop_if_zero && IsZero(d))) {
      const size_t n = static_cast<size_t>(EncodeBody(d, row) - row), new_size = body_off + n;
      if (new_size > size) {
        arena.Append(account, std::span<const uint8_t>(row, new_size - size));  // room; overwritten below
      } else if (new_size < size) {
        impl_->block.assign(blk, blk + body_off);
        impl_->block.insert(impl_->block.end(), row, row + n);
        arena.Assign(account, impl_->block);
      }
      uint8_t* w = arena.Mutable(account).data();
      std::memcpy(w + body_off, row, n);
      StoreHeader(w, new_size, last_day, new_size - last_off);
      return;
    }
  }
  // An earlier day, or the latest row is dropped: re-encode every row.
  std::vector<DayCounts>& rows = impl_->rows;
  rows.clear();
  reinterpret_cast<const AccountFacts*>(blk)->AppendDays(std::numeric_limits<int32_t>::max(), &rows);
  auto it = std::lower_bound(rows.begin(), rows.end(), delta.day,
                             [](const DayCounts& d, int32_t v) { return d.day < v; });
  if (it == rows.end() || it->day != delta.day) it = rows.insert(it, DayCounts{.day = delta.day});
  it->Add(delta);
  if (drop_if_zero && IsZero(*it)) rows.erase(it);
  std::vector<uint8_t>& out = impl_->block;
  out.assign(blk, blk + rows_begin);  // header and milestones
  size_t last_len = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const size_t n =
        static_cast<size_t>(EncodeBody(rows[i], PutVarint(row, DayField(i == 0, i ? rows[i - 1].day : 0, rows[i].day))) - row);
    out.insert(out.end(), row, row + n);
    last_len = n;
  }
  if (rows.empty() && out[kHeader] == 0) {  // nothing left: the account has no block
    arena.Assign(account, {});
    return;
  }
  StoreHeader(out.data(), out.size(), rows.empty() ? 0 : rows.back().day, last_len);
  arena.Assign(account, out);
}

void AccountFactsArena::AddMilestone(uint32_t account, const Milestone& m) {
  metrics::ListArena<uint8_t>& arena = impl_->arena;
  uint8_t ms[kMaxMilestone];
  const size_t ms_len = static_cast<size_t>(EncodeMilestone(m, ms) - ms);
  const std::span<const uint8_t> b = arena.Get(account);
  std::vector<uint8_t>& out = impl_->block;
  out.assign(kHeader, 0);
  uint64_t n = 0;
  const uint8_t *old_ms = nullptr, *rows = nullptr;
  if (!b.empty()) {
    std::memcpy(out.data(), b.data(), kHeader);
    const uint8_t* p = b.data() + kHeader;
    n = GetVarint(p);
    old_ms = p;
    rows = b.data() + RowsBegin(b.data());
  }
  uint8_t count[10];
  out.insert(out.end(), count, PutVarint(count, n + 1));
  if (!b.empty()) {
    out.insert(out.end(), old_ms, rows);
    out.insert(out.end(), ms, ms + ms_len);
    out.insert(out.end(), rows, b.data() + b.size());
  } else {
    out.insert(out.end(), ms, ms + ms_len);
  }
  StoreU32(out.data(), static_cast<uint32_t>(out.size()));
  arena.Assign(account, out);
}

ActivityLedger::ActivityLedger(LedgerScope scope) : scope_(std::move(scope)) {
  static std::atomic<uint64_t> next_id{1};
  id_ = next_id.fetch_add(1, std::memory_order_relaxed);
}

void ActivityLedger::ChangedSince(uint32_t seq, std::vector<uint32_t>* accounts) const {
  for (uint32_t a = 0; a < changed_at_.size(); ++a)
    if (changed_at_[a] > seq) accounts->push_back(a);
}

void ActivityLedger::AddToDay(uint32_t account, const DayCounts& delta, bool drop_if_zero) {
  if (account >= facts_.accounts()) facts_.Resize(account + 1);
  if (account >= changed_at_.size()) changed_at_.resize(facts_.accounts(), 0);
  changed_at_[account] = fold_seq_;
  facts_.AddToDay(account, delta, drop_if_zero);
}

int32_t ActivityLedger::CreditedOffset(uint32_t msg_row) const {
  constexpr unsigned kPerByte = 8 / kEngagedBits;
  const unsigned v = (engaged_[msg_row / kPerByte] >> (msg_row % kPerByte * kEngagedBits)) & kEngagedFar;
  if (v == 0) return -1;
  if (v != kEngagedFar) return static_cast<int32_t>(v) - 1;
  return engaged_far_.at(msg_row);
}

void ActivityLedger::SetCreditedOffset(uint32_t msg_row, int32_t offset) {
  constexpr unsigned kPerByte = 8 / kEngagedBits;
  uint8_t& byte = engaged_[msg_row / kPerByte];
  const unsigned shift = msg_row % kPerByte * kEngagedBits;
  const unsigned old = (byte >> shift) & kEngagedFar;
  const unsigned v = offset < kEngagedFar - 1 ? static_cast<unsigned>(offset) + 1 : kEngagedFar;
  byte = static_cast<uint8_t>((byte & ~(kEngagedFar << shift)) | (v << shift));
  if (v == kEngagedFar) engaged_far_[msg_row] = offset;
  else if (old == kEngagedFar) engaged_far_.erase(msg_row);
}

void ActivityLedger::Fold(const Engine& engine, uint32_t first_row, uint32_t end_row) {
  const EventColumns& c = engine.events();
  ++fold_seq_;
  if (const size_t bytes = (end_row + 8 / kEngagedBits - 1) / (8 / kEngagedBits); engaged_.size() < bytes) {
    // Grown by an eighth, not doubled: the vector's slack is counted.
    if (bytes > engaged_.capacity()) engaged_.reserve(std::max(bytes, engaged_.capacity() + engaged_.capacity() / 8));
    engaged_.resize(bytes, 0);
  }
  if (facts_.accounts() < engine.accounts().size()) facts_.Resize(engine.accounts().size());
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
    DayCounts row{.day = day, .own = true, .active = IsActivityType(t)};
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
      DayCounts ar{.day = eday};
      if (reply) ar.replies_received = 1;
      else ar.reactions_received = 1;
      const int32_t offset = eday - mday;  // >= 0
      const int32_t credited = CreditedOffset(msg_row);
      if (credited < 0) {
        SetCreditedOffset(msg_row, offset);
        ar.ugc = 1;
        AddToDay(author, ar);
      } else if (offset < credited) {
        // An earlier engagement arrived late: the ugc moves to its day.
        ar.ugc = 1;
        AddToDay(author, ar);
        DayCounts old{.day = mday + credited};
        old.ugc = std::numeric_limits<uint32_t>::max();  // -1, wrapping
        AddToDay(author, old, /*drop_if_zero=*/true);
        SetCreditedOffset(msg_row, offset);
      } else {
        AddToDay(author, ar);
      }
    };
    switch (t) {
      case EventType::kMessagePosted: {
        ++row.messages;
        if (aux != kNone) {
          ++row.replies_given;
          if (aux < r && c.account[aux] != acc) ++row.answers;
          credit_author(aux, true);
        }
        break;
      }
      case EventType::kReactionAdded:
        ++row.reactions_given;
        credit_author(aux, false);
        break;
      case EventType::kMemberJoined:
        facts_.AddMilestone(acc, {.ts = c.ts[r], .day = day, .kind = Milestone::kJoin});
        if (aux != kNone && aux != acc) {
          DayCounts inv{.day = day};
          inv.invites = 1;
          AddToDay(aux, inv);
        }
        break;
      case EventType::kMemberLeft:
        facts_.AddMilestone(acc, {.ts = c.ts[r], .day = day, .kind = Milestone::kLeft});
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
          facts_.AddMilestone(acc, {.ts = c.ts[r], .day = day, .kind = Milestone::kNps, .nps = static_cast<int8_t>(aux)});
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
    AddToDay(acc, row);
  }
  rows_folded_ = std::max(rows_folded_, end_row);
}

std::vector<std::pair<std::string, size_t>> ActivityLedger::MemoryParts() const {
  const size_t accounts = facts_.Bytes();
  // unordered_map: per node the pair, a next pointer and malloc's header; per bucket a pointer.
  const size_t engaged = engaged_.capacity() +
                         engaged_far_.size() * (sizeof(std::pair<uint32_t, int32_t>) + 2 * sizeof(void*)) +
                         engaged_far_.bucket_count() * sizeof(void*);
  return {{"accounts", accounts}, {"engaged", engaged}, {"changed_at", changed_at_.capacity() * sizeof(uint32_t)}};
}

size_t ActivityLedger::MemoryBytes() const {
  size_t b = 0;
  for (const auto& [name, bytes] : MemoryParts()) b += bytes;
  return b;
}

std::vector<std::pair<std::string, size_t>> MemberLedgerModule::MemoryParts() const {
  auto parts = ledger_.MemoryParts();
  size_t scoped = 0;
  std::lock_guard lock(mu_);
  for (const auto& l : scoped_) scoped += l->MemoryBytes();
  parts.emplace_back("scoped", scoped);
  return parts;
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
