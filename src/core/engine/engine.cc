#include "core/engine/engine.h"

#include <algorithm>

#include "common/hash.h"

namespace qun {
namespace {

uint64_t DimKey(Platform p, std::string_view ext) {
  return Hash64Pair(std::string_view(reinterpret_cast<const char*>(&p), 1), ext);
}

uint64_t MessageKey(uint32_t community, std::string_view message_id) {
  return Hash64(message_id, 0x51ed27 + community);
}

uint32_t LeftReasonCode(std::string_view r) {
  if (r == "removed") return 1;
  if (r == "banned") return 2;
  return 0;
}

bool IsVerifiedKey(std::string_view attr) {
  return attr == "unionid" || attr == "phone_hash" || attr == "email_hash";
}

}  // namespace

uint64_t EventKey(Platform p, std::string_view id) { return DimKey(p, id); }

Engine::Engine() = default;
Engine::~Engine() = default;

uint32_t Engine::FindCommunity(Platform p, std::string_view ext_id) const {
  return community_index_.Find(DimKey(p, ext_id), [&](uint32_t c) {
    return communities_[c].platform == p && communities_[c].ext_id == ext_id;
  });
}

uint32_t Engine::FindAccount(Platform p, std::string_view ext_id) const {
  return account_index_.Find(DimKey(p, ext_id), [&](uint32_t a) {
    return accounts_.platform(a) == p && accounts_.ext_id(a) == ext_id;
  });
}

uint32_t Engine::FindMessage(uint32_t community, std::string_view message_id) const {
  // Message ids are only compared by hash within a community (64 bits);
  // the community check guards against cross-group reuse of ids.
  return message_index_.Find(MessageKey(community, message_id),
                             [&](uint32_t row) { return cols_.community[row] == community; });
}

StagedBatch Engine::Stage(std::vector<Event> events, uint64_t first_seq, const StoredIdCheck& same_stored) const {
  StagedBatch b;
  b.first_new_community = static_cast<uint32_t>(communities_.size());
  b.first_new_account = static_cast<uint32_t>(accounts_.size());
  FlatMap64 batch_keys, new_communities, new_accounts;
  b.events.reserve(events.size());

  auto community_id = [&](Platform p, const std::string& ext) -> uint32_t {
    uint32_t c = FindCommunity(p, ext);
    if (c != kNone) return c;
    uint64_t k = DimKey(p, ext);
    uint32_t i = new_communities.Find(k, [&](uint32_t i) {
      return b.new_communities[i].platform == p && b.new_communities[i].ext_id == ext;
    });
    if (i != FlatMap64::kEmpty) return b.first_new_community + i;
    i = static_cast<uint32_t>(b.new_communities.size());
    if (b.first_new_community + i >= kMaxCommunities) return kNone;
    b.new_communities.push_back(CommunityInfo{p, ext});
    new_communities.Insert(k, i);
    return b.first_new_community + i;
  };
  size_t new_chars = 0;
  auto account_id = [&](Platform p, const std::string& ext) -> uint32_t {
    uint32_t a = FindAccount(p, ext);
    if (a != kNone) return a;
    uint64_t k = DimKey(p, ext);
    uint32_t i = new_accounts.Find(k, [&](uint32_t i) {
      return b.new_accounts[i].platform == p && b.new_accounts[i].ext_id == ext;
    });
    if (i != FlatMap64::kEmpty) return b.first_new_account + i;
    i = static_cast<uint32_t>(b.new_accounts.size());
    if (b.first_new_account + i >= kMaxAccounts || accounts_.chars() + new_chars + ext.size() > AccountTable::kMaxChars)
      return kNone;
    new_chars += ext.size();
    AccountInfo info;
    info.platform = p;
    info.ext_id = ext;
    b.new_accounts.push_back(std::move(info));
    new_accounts.Insert(k, i);
    return b.first_new_account + i;
  };

  for (Event& e : events) {
    uint64_t key = EventKey(e.platform, e.id);
    uint32_t stored = key_index_.Find(key, [&](uint32_t row) { return !same_stored || same_stored(row, e); });
    if (stored != KeyIndex::kNotFound) {
      ++b.duplicates;
      continue;
    }
    uint32_t in_batch = batch_keys.Find(key, [&](uint32_t i) {
      return b.events[i].event.platform == e.platform && b.events[i].event.id == e.id;
    });
    if (in_batch != FlatMap64::kEmpty) {
      ++b.duplicates;
      continue;
    }
    StagedEvent se;
    se.key = key;
    se.seq = first_seq + b.events.size();
    se.community = community_id(e.platform, e.community);
    if (se.community == kNone) {
      b.status = ResourceExhausted("event " + std::string(PlatformName(e.platform)) + ":" + e.id +
                                   " names a new community " + std::string(PlatformName(e.platform)) + ":" +
                                   e.community + ", but the workspace already holds the maximum of " +
                                   std::to_string(kMaxCommunities) + " communities");
      return b;
    }
    se.account = account_id(e.platform, e.actor);
    bool accounts_full = se.account == kNone;
    if (e.type == EventType::kIdentityLinked) {
      se.linked_account = account_id(e.linked_platform, e.linked_actor);
      accounts_full = accounts_full || se.linked_account == kNone;
    }
    if (e.type == EventType::kMemberJoined && !e.inviter.empty()) {
      se.inviter_account = account_id(e.platform, e.inviter);
      accounts_full = accounts_full || se.inviter_account == kNone;
    }
    if (e.type == EventType::kReportFiled && !e.target_member.empty()) {
      se.target_account = account_id(e.platform, e.target_member);
      accounts_full = accounts_full || se.target_account == kNone;
    }
    if (accounts_full) {
      b.status = ResourceExhausted("event " + std::string(PlatformName(e.platform)) + ":" + e.id +
                                   " names a new account, but the workspace already holds the maximum of " +
                                   std::to_string(kMaxAccounts) + " accounts or " +
                                   std::to_string(AccountTable::kMaxChars) + " bytes of account ids");
      return b;
    }
    se.event = std::move(e);
    batch_keys.Insert(key, static_cast<uint32_t>(b.events.size()));
    b.events.push_back(std::move(se));
  }
  return b;
}

void Engine::MoveAccounts(uint32_t into, uint32_t from, std::span<const uint32_t> accounts) {
  for (uint32_t a : accounts) accounts_.set_member(a, into);
  members_.MoveAccounts(into, from, accounts);
}

void Engine::AutoMerge(uint32_t a, uint32_t b, std::string reason, uint64_t after_seq, int64_t ts_ms) {
  if (a == b) return;
  for (const auto& [x, y] : separations_) {
    uint32_t mx = accounts_.member(x), my = accounts_.member(y);
    if ((mx == a && my == b) || (mx == b && my == a)) return;  // an operator separated them
  }
  uint32_t into = std::min(a, b), from = std::max(a, b);
  MergeRecord r;
  r.id = static_cast<uint32_t>(merges_.size() + 1);
  r.after_seq = after_seq;
  r.ts_ms = ts_ms;
  r.into = into;
  r.from = from;
  const auto moved = members_.accounts(from);
  r.accounts.assign(moved.begin(), moved.end());
  r.reason = std::move(reason);
  MoveAccounts(into, from, r.accounts);
  members_.set_merged_into(from, into);
  // Profile attributes of the merged-away member fill gaps in the survivor.
  attributes_.FillGaps(into, from);
  --live_members_;
  merges_.push_back(std::move(r));
  uint32_t changed[2] = {into, from};
  for (auto& m : modules_) m->OnIdentityChanged(*this, changed);
}

Result<uint32_t> Engine::Merge(uint32_t into, uint32_t from, std::string reason, int64_t ts_ms) {
  if (into >= members_.size() || from >= members_.size())
    return NotFound("no member " + std::to_string(into >= members_.size() ? into : from));
  if (into == from) return InvalidArgument("cannot merge a member into itself");
  if (members_.merged_into(into) != kNone || members_.merged_into(from) != kNone)
    return FailedPrecondition("member " + std::to_string(members_.merged_into(into) != kNone ? into : from) +
                              " was merged into another member; merge the surviving member instead");
  // Manual merges override earlier separations between these two people.
  separations_.erase(std::remove_if(separations_.begin(), separations_.end(),
                                    [&](const auto& p) {
                                      uint32_t mx = accounts_.member(p.first), my = accounts_.member(p.second);
                                      return (mx == into && my == from) || (mx == from && my == into);
                                    }),
                     separations_.end());
  size_t before = merges_.size();
  AutoMerge(into, from, "manual: " + reason, last_seq(), ts_ms);
  if (merges_.size() == before) return Internal("merge was not recorded");
  merges_.back().manual = true;
  return merges_.back().id;
}

Status Engine::Unmerge(uint32_t merge_id, int64_t ts_ms) {
  (void)ts_ms;
  if (merge_id == 0 || merge_id > merges_.size()) return NotFound("no merge " + std::to_string(merge_id));
  MergeRecord& r = merges_[merge_id - 1];
  if (r.undone) return FailedPrecondition("merge " + std::to_string(merge_id) + " is already undone");
  std::vector<uint32_t> back;
  for (uint32_t a : r.accounts)
    if (accounts_.member(a) == r.into) back.push_back(a);
  if (back.empty())
    return FailedPrecondition("merge " + std::to_string(merge_id) +
                              ": its accounts have since moved on (undo the later merge first)");
  if (members_.merged_into(r.from) != kNone) {
    members_.set_merged_into(r.from, kNone);
    ++live_members_;
  }
  MoveAccounts(r.from, r.into, back);
  if (!members_.accounts(r.into).empty()) separations_.emplace_back(back.front(), members_.accounts(r.into).front());
  r.undone = true;
  uint32_t changed[2] = {r.into, r.from};
  for (auto& m : modules_) m->OnIdentityChanged(*this, changed);
  return Status::Ok();
}

const std::string& Engine::display_name(uint32_t account) const {
  static const std::string kEmpty;
  const uint32_t i = display_name_index_.FindFirst(account);
  return i == FlatMap64::kEmpty ? kEmpty : display_names_[i];
}

void Engine::ApplyProfile(const StagedEvent& se, uint64_t seq) {
  uint32_t acct = se.account;
  for (const auto& [k, v] : se.event.attributes) {
    uint32_t m = accounts_.member(acct);
    if (k == "name") {
      uint32_t i = display_name_index_.FindFirst(acct);
      if (i == FlatMap64::kEmpty) {
        i = static_cast<uint32_t>(display_names_.size());
        display_names_.emplace_back();
        display_name_index_.Insert(acct, i);
      }
      display_names_[i] = v;
    }
    attributes_.Set(m, k, v);
    if (IsVerifiedKey(k) && !v.empty()) {
      uint64_t vk = Hash64Pair(k, v);
      uint32_t holder = verified_key_index_.FindFirst(vk);
      if (holder == FlatMap64::kEmpty) {
        verified_key_index_.Insert(vk, acct);
      } else if (accounts_.member(holder) != m) {
        AutoMerge(accounts_.member(holder), m, "verified key " + k, seq, se.event.ts_ms);
      }
    }
  }
}

void Engine::Apply(const StagedBatch& b) {
  if (!b.status.ok()) return;
  for (const auto& c : b.new_communities) {
    community_index_.Insert(DimKey(c.platform, c.ext_id), static_cast<uint32_t>(communities_.size()));
    communities_.push_back(c);
  }
  if (!b.new_accounts.empty()) {
    size_t chars = accounts_.chars();
    for (const auto& a : b.new_accounts) chars += a.ext_id.size();
    accounts_.Reserve(accounts_.size() + b.new_accounts.size(), chars);
  }
  for (const auto& a : b.new_accounts) {
    const uint32_t id = static_cast<uint32_t>(accounts_.size());
    account_index_.Insert(DimKey(a.platform, a.ext_id), id);
    accounts_.Add(a.platform, a.ext_id, members_.Add(id));
    ++live_members_;
  }
  const uint32_t first_row = static_cast<uint32_t>(cols_.size());
  for (const StagedEvent& se : b.events) {
    const Event& e = se.event;
    const uint32_t row = static_cast<uint32_t>(cols_.size());
    uint32_t aux = kNone;
    switch (e.type) {
      case EventType::kMessagePosted:
        if (!e.reply_to.empty()) aux = FindMessage(se.community, e.reply_to);
        message_index_.Insert(MessageKey(se.community, e.message_id.empty() ? e.id : e.message_id), row);
        break;
      case EventType::kMessageEdited:
      case EventType::kMessageRecalled:
      case EventType::kReactionAdded:
        aux = FindMessage(se.community, e.message_id);
        break;
      case EventType::kMemberJoined:
        aux = se.inviter_account;
        break;
      case EventType::kMemberLeft:
        aux = LeftReasonCode(e.reason);
        break;
      case EventType::kContentPublished:
      case EventType::kContentViewed:
      case EventType::kContentClicked: {
        uint64_t k = Hash64(e.content_id);
        uint32_t c = content_index_.Find(k, [&](uint32_t i) { return contents_[i].content_id == e.content_id; });
        if (c == FlatMap64::kEmpty) {
          c = static_cast<uint32_t>(contents_.size());
          contents_.push_back(ContentInfo{e.content_id, ContentCategory::kValue, se.community, kNone});
          content_index_.Insert(k, c);
        }
        if (e.type == EventType::kContentPublished) {
          contents_[c].category = ParseContentCategory(e.category).value_or(ContentCategory::kValue);
          contents_[c].community = se.community;
          contents_[c].published_row = row;
        }
        aux = c;
        break;
      }
      case EventType::kActivityJoined: {
        uint64_t k = Hash64(e.activity_id);
        uint32_t a = activity_index_.Find(k, [&](uint32_t i) { return activities_[i] == e.activity_id; });
        if (a == FlatMap64::kEmpty) {
          a = static_cast<uint32_t>(activities_.size());
          activities_.push_back(e.activity_id);
          activity_index_.Insert(k, a);
        }
        aux = a;
        break;
      }
      case EventType::kOrderPaid:
      case EventType::kOrderRefunded: {
        std::string cur = e.currency.empty() ? "CNY" : e.currency;
        auto it = std::find(currencies_.begin(), currencies_.end(), cur);
        uint32_t ci = static_cast<uint32_t>(it - currencies_.begin());
        if (it == currencies_.end()) currencies_.push_back(cur);
        aux = static_cast<uint32_t>(orders_.size());
        orders_.push_back(OrderInfo{e.amount_minor, row, ci});
        break;
      }
      case EventType::kSurveyAnswered:
        aux = static_cast<uint32_t>(e.nps);
        break;
      case EventType::kReportFiled:
        if (se.target_account != kNone) {
          aux = se.target_account;
        } else {
          uint32_t msg = FindMessage(se.community, e.target_message);
          aux = msg == kNone ? kNone : cols_.account[msg];
        }
        break;
      case EventType::kIdentityLinked:
        aux = se.linked_account;
        break;
      default:
        break;
    }
    cols_.Append(ToEngineSeconds(e.ts_ms), se.account, static_cast<uint16_t>(se.community), e.type, aux);
    key_index_.Insert(se.key, row);
    // Identity changes take effect after the event that causes them.
    if (e.type == EventType::kIdentityLinked) {
      AutoMerge(accounts_.member(se.account), accounts_.member(se.linked_account),
                "identity.linked event " + e.id, se.seq, e.ts_ms);
    } else if (e.type == EventType::kProfileUpdated) {
      ApplyProfile(se, se.seq);
    }
  }
  const uint32_t end_row = static_cast<uint32_t>(cols_.size());
  if (end_row > first_row) {
    for (auto& m : modules_) m->OnBatchEvents(*this, b);
    for (auto& m : modules_) m->OnAppended(*this, first_row, end_row);
  }
}

void Engine::Compact() {
  cols_.shrink_to_fit();
  key_index_.Compact();
  account_index_.Compact();
  message_index_.Compact();
  communities_.shrink_to_fit();
  accounts_.ShrinkToFit();
  members_.ShrinkToFit();
  merges_.shrink_to_fit();
  orders_.shrink_to_fit();
  contents_.shrink_to_fit();
  display_names_.shrink_to_fit();
  attributes_.ShrinkToFit();
}

std::vector<MemoryPart> Engine::MemoryBreakdown() const {
  std::vector<MemoryPart> parts;
  auto add = [&](std::string name, size_t bytes) { parts.push_back(MemoryPart{std::move(name), bytes, false}); };
  add("columns.ts", cols_.ts.MemoryBytes());
  add("columns.account", cols_.account.MemoryBytes());
  add("columns.community", cols_.community.MemoryBytes());
  add("columns.type", cols_.type.MemoryBytes());
  add("columns.aux", cols_.aux.MemoryBytes());
  add("index.key", key_index_.MemoryBytes());
  add("index.message", message_index_.MemoryBytes());
  add("index.dimensions", community_index_.MemoryBytes() + account_index_.MemoryBytes() +
                              content_index_.MemoryBytes() + activity_index_.MemoryBytes() +
                              verified_key_index_.MemoryBytes());
  auto heap = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; };
  size_t id_communities = communities_.capacity() * sizeof(CommunityInfo);
  for (const auto& c : communities_) id_communities += heap(c.ext_id);
  size_t id_accounts = accounts_.MemoryBytes();
  id_accounts += display_name_index_.MemoryBytes() + display_names_.capacity() * sizeof(std::string);
  for (const auto& n : display_names_) id_accounts += heap(n);
  const size_t id_members = members_.MemoryBytes();
  const size_t id_attributes = attributes_.MemoryBytes();
  size_t id_merges = merges_.capacity() * sizeof(MergeRecord) + separations_.capacity() * sizeof(separations_[0]);
  for (const auto& m : merges_) id_merges += m.accounts.capacity() * 4 + heap(m.reason);
  add("identity", id_communities + id_accounts + id_members + id_attributes + id_merges);
  auto detail = [&](std::string name, size_t bytes) { parts.push_back(MemoryPart{std::move(name), bytes, true}); };
  detail("identity.communities", id_communities);
  detail("identity.accounts", id_accounts);
  detail("identity.members", id_members);
  detail("identity.attributes", id_attributes);
  detail("identity.merges", id_merges);
  size_t side = orders_.capacity() * sizeof(OrderInfo) + contents_.capacity() * sizeof(ContentInfo) +
                activities_.capacity() * sizeof(std::string) + currencies_.capacity() * sizeof(std::string);
  for (const auto& c : contents_) side += heap(c.content_id);
  for (const auto& a : activities_) side += heap(a);
  add("side_tables", side);
  for (size_t i = 0; i < modules_.size(); ++i) {
    const std::string name = "module." + module_names_[i];
    add(name, modules_[i]->MemoryBytes());
    for (auto& [part, bytes] : modules_[i]->MemoryParts()) parts.push_back(MemoryPart{name + "." + part, bytes, true});
  }
  return parts;
}

size_t Engine::MemoryBytes() const {
  size_t bytes = 0;
  for (const MemoryPart& p : MemoryBreakdown())
    if (!p.detail) bytes += p.bytes;
  return bytes;
}

}  // namespace qun
