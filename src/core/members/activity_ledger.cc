#include "core/members/activity_ledger.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <new>

#include "common/varint.h"

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

// The block of an AccountFacts: this header, then `cap` payload bytes of
// which `size` are used: varint milestone count, the milestones (kMilestone
// bytes each), the day rows (see activity_ledger.h).
struct BlockHeader {
  uint32_t size;
  uint32_t cap;
  int32_t last_day;   // day of the latest row (when there is a row)
  uint32_t last_off;  // payload offset of the latest row
};
constexpr size_t kHeader = sizeof(BlockHeader);
static_assert(kHeader == 16);
constexpr size_t kMilestone = 10;  // ts u32, day i32, kind u8, nps i8
// glibc malloc: 8 bytes of chunk header, chunks are multiples of 16, at least 32.
constexpr size_t kMallocOverhead = 8, kMallocAlign = 16, kMallocMin = 32;
// Longest encoded row: day (5) + mask (3) + 12 counters (5 each) + gmv (10).
constexpr size_t kMaxRow = 5 + 3 + 12 * 5 + 10;

// Mask bits in order of how often the field is non-zero (small masks fit a
// one-byte varint): own, active, then the counters, gmv_minor at bit kGmvBit.
constexpr uint32_t kOwnBit = 1u << 0, kActiveBit = 1u << 1;
constexpr uint32_t DayCounts::*kCounters[] = {
    &DayCounts::messages,  &DayCounts::reactions_given, &DayCounts::reactions_received,
    &DayCounts::replies_received, &DayCounts::replies_given, &DayCounts::ugc,
    &DayCounts::answers,   &DayCounts::funnel,          &DayCounts::checkins,
    &DayCounts::orders,    &DayCounts::invites,         &DayCounts::reports_filed,
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

// The day field of a row: the first row's day zigzag-encoded, else the gap
// (>= 1) to the previous row's day.
uint64_t DayField(bool first, int32_t prev_day, int32_t day) {
  return first ? ZigZag(day) : static_cast<uint64_t>(static_cast<int64_t>(day) - prev_day);
}
int32_t ReadDay(const uint8_t*& p, bool first, int32_t prev_day) {
  const uint64_t v = GetVarint(p);
  return static_cast<int32_t>(first ? UnZigZag(v) : prev_day + static_cast<int64_t>(v));
}

bool IsZero(const DayCounts& d) {
  if (d.own || d.active || d.gmv_minor != 0) return false;
  for (auto field : kCounters)
    if (d.*field != 0) return false;
  return true;
}

// (Also used by const members: block_ is a pointer to non-const bytes.)
BlockHeader& Header(uint8_t* block) { return *reinterpret_cast<BlockHeader*>(block); }

// Payload offset of the first row.
size_t RowsBegin(const uint8_t* payload) {
  const uint8_t* p = payload;
  const uint64_t n = GetVarint(p);
  return static_cast<size_t>(p - payload) + n * kMilestone;
}

size_t ChunkBytes(size_t cap) {
  const size_t chunk = (kHeader + cap + kMallocOverhead + kMallocAlign - 1) / kMallocAlign * kMallocAlign;
  return std::max(chunk, kMallocMin);
}

}  // namespace

AccountFacts::AccountFacts(const AccountFacts& o) {
  if (!o.block_) return;
  const size_t bytes = kHeader + Header(o.block_).cap;
  block_ = static_cast<uint8_t*>(std::malloc(bytes));
  if (!block_) throw std::bad_alloc();
  std::memcpy(block_, o.block_, kHeader + Header(o.block_).size);
}

AccountFacts& AccountFacts::operator=(const AccountFacts& o) {
  if (this != &o) *this = AccountFacts(o);
  return *this;
}

AccountFacts& AccountFacts::operator=(AccountFacts&& o) noexcept {
  if (this != &o) {
    std::free(block_);
    block_ = o.block_;
    o.block_ = nullptr;
  }
  return *this;
}

AccountFacts::~AccountFacts() { std::free(block_); }

bool AccountFacts::empty() const {
  if (!block_) return true;
  const BlockHeader& h = Header(block_);
  return RowsBegin(block_ + kHeader) == h.size;
}

int32_t AccountFacts::last_day() const { return Header(block_).last_day; }

size_t AccountFacts::HeapBytes() const { return block_ ? ChunkBytes(Header(block_).cap) : 0; }

bool AccountFacts::has_milestones() const { return block_ && block_[kHeader] != 0; }

void AccountFacts::AppendDays(int32_t until_day, std::vector<DayCounts>* out) const {
  if (!block_) return;
  const uint8_t* payload = block_ + kHeader;
  const uint8_t* begin = payload + RowsBegin(payload);
  const uint8_t* end = payload + Header(block_).size;
  int32_t day = 0;
  const uint8_t* p = begin;
  for (bool first = true; p < end; first = false) {
    day = ReadDay(p, first, day);
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

// Makes room for `payload` bytes, growing by at least 1/8 and using all of
// the malloc chunk (its rounding) as capacity.
static void Reserve(uint8_t*& block, size_t payload) {
  const size_t size = block ? Header(block).size : 0;
  if (block && payload <= Header(block).cap) return;
  const size_t want = std::max(payload, size + size / 8);
  const size_t cap = ChunkBytes(want) - kHeader - kMallocOverhead;
  auto* grown = static_cast<uint8_t*>(std::realloc(block, kHeader + cap));
  if (!grown) throw std::bad_alloc();
  if (!block) {
    Header(grown) = BlockHeader{.size = 1, .cap = 0, .last_day = 0, .last_off = 0};
    grown[kHeader] = 0;  // no milestones
  }
  block = grown;
  Header(block).cap = static_cast<uint32_t>(cap);
}

void AccountFacts::AddToDay(const DayCounts& delta, bool drop_if_zero, std::vector<DayCounts>* scratch) {
  Reserve(block_, 1);
  uint8_t* payload = block_ + kHeader;
  BlockHeader* h = &Header(block_);
  const size_t rows_begin = RowsBegin(payload);
  const bool no_rows = rows_begin == h->size;
  uint8_t row[kMaxRow];
  if (no_rows || delta.day > h->last_day) {  // a new latest row: append it
    if (drop_if_zero && IsZero(delta)) return;
    uint8_t* e = PutVarint(row, DayField(no_rows, h->last_day, delta.day));
    e = EncodeBody(delta, e);
    const size_t n = static_cast<size_t>(e - row);
    Reserve(block_, h->size + n);
    h = &Header(block_);
    std::memcpy(block_ + kHeader + h->size, row, n);
    h->last_off = h->size;
    h->last_day = delta.day;
    h->size += static_cast<uint32_t>(n);
    return;
  }
  if (delta.day == h->last_day) {  // the latest row: re-encode just its body
    const uint8_t* p = payload + h->last_off;
    GetVarint(p);  // the day field stays
    const size_t body_off = static_cast<size_t>(p - payload);
    DayCounts d;
    DecodeBody(p, &d);
    d.Add(delta);
    if (!(drop_if_zero && IsZero(d))) {
      const size_t n = static_cast<size_t>(EncodeBody(d, row) - row);
      Reserve(block_, body_off + n);
      h = &Header(block_);
      std::memcpy(block_ + kHeader + body_off, row, n);
      h->size = static_cast<uint32_t>(body_off + n);
      return;
    }
  }
  // An earlier day, or the latest row is dropped: re-encode every row.
  scratch->clear();
  AppendDays(std::numeric_limits<int32_t>::max(), scratch);
  auto it = std::lower_bound(scratch->begin(), scratch->end(), delta.day,
                             [](const DayCounts& d, int32_t v) { return d.day < v; });
  if (it == scratch->end() || it->day != delta.day) it = scratch->insert(it, DayCounts{.day = delta.day});
  it->Add(delta);
  if (drop_if_zero && IsZero(*it)) scratch->erase(it);
  h = &Header(block_);
  h->size = static_cast<uint32_t>(rows_begin);
  int32_t prev = 0;
  for (size_t i = 0; i < scratch->size(); ++i) {
    const DayCounts& d = (*scratch)[i];
    uint8_t* e = PutVarint(row, DayField(i == 0, prev, d.day));
    const size_t n = static_cast<size_t>(EncodeBody(d, e) - row);
    Reserve(block_, Header(block_).size + n);
    h = &Header(block_);
    std::memcpy(block_ + kHeader + h->size, row, n);
    h->last_off = h->size;
    h->last_day = d.day;
    h->size += static_cast<uint32_t>(n);
    prev = d.day;
  }
}

void AccountFacts::AddMilestone(const Milestone& m) {
  Reserve(block_, 1);
  const uint8_t* p = block_ + kHeader;
  const uint64_t n = GetVarint(p);
  const size_t old_len = static_cast<size_t>(p - (block_ + kHeader)), new_len = VarintLen(n + 1);
  const size_t at = old_len + n * kMilestone;  // where the rows begin now
  const size_t grow = new_len - old_len + kMilestone;
  Reserve(block_, Header(block_).size + grow);
  BlockHeader& h = Header(block_);
  uint8_t* payload = block_ + kHeader;
  const bool has_rows = at != h.size;
  std::memmove(payload + at + grow, payload + at, h.size - at);            // rows
  std::memmove(payload + new_len, payload + old_len, n * kMilestone);      // milestones
  PutVarint(payload, n + 1);
  uint8_t* w = payload + new_len + n * kMilestone;
  std::memcpy(w, &m.ts, 4);
  std::memcpy(w + 4, &m.day, 4);
  w[8] = static_cast<uint8_t>(m.kind);
  w[9] = static_cast<uint8_t>(m.nps);
  h.size += static_cast<uint32_t>(grow);
  if (has_rows) h.last_off += static_cast<uint32_t>(grow);
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
  if (account >= accounts_.size()) accounts_.resize(account + 1);
  if (account >= changed_at_.size()) changed_at_.resize(accounts_.size(), 0);
  changed_at_[account] = fold_seq_;
  accounts_[account].AddToDay(delta, drop_if_zero, &scratch_);
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
  if (const size_t bytes = (end_row + 8 / kEngagedBits - 1) / (8 / kEngagedBits); engaged_.size() < bytes)
    engaged_.resize(bytes, 0);
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
    DayCounts row{.day = day, .own = true, .active = IsActivityType(t)};
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
        f.AddMilestone({.ts = c.ts[r], .day = day, .kind = Milestone::kJoin});
        if (aux != kNone && aux != acc) {
          DayCounts inv{.day = day};
          inv.invites = 1;
          AddToDay(aux, inv);
        }
        break;
      case EventType::kMemberLeft:
        f.AddMilestone({.ts = c.ts[r], .day = day, .kind = Milestone::kLeft});
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
          f.AddMilestone({.ts = c.ts[r], .day = day, .kind = Milestone::kNps, .nps = static_cast<int8_t>(aux)});
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

AccountMilestones AccountFacts::MilestonesAsOf(int32_t until_day) const {
  AccountMilestones m;
  if (!block_) return m;
  const uint8_t* p = block_ + kHeader;
  for (uint64_t n = GetVarint(p); n > 0; --n, p += kMilestone) {
    Milestone s;
    std::memcpy(&s.ts, p, 4);
    std::memcpy(&s.day, p + 4, 4);
    s.kind = static_cast<Milestone::Kind>(p[8]);
    s.nps = static_cast<int8_t>(p[9]);
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

std::vector<std::pair<std::string, size_t>> ActivityLedger::MemoryParts() const {
  size_t accounts = accounts_.capacity() * sizeof(AccountFacts) + scratch_.capacity() * sizeof(DayCounts);
  for (const auto& a : accounts_) accounts += a.HeapBytes();
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
