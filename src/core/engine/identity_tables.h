// Compact identity tables of the Engine: platform accounts, members (people)
// and members' profile attributes, stored column-wise so that a workspace of
// millions of accounts costs a few bytes per account rather than a
// std::string and a std::vector each (docs/architecture.md#identity-tables).
//
//   AccountTable    per account: platform (1 B), member (4 B), the end of its
//                   id in one character arena (4 B) + the id's characters.
//   MemberDirectory     per member: merged_into (4 B) and one 4-byte slot that
//                   holds the member's only account, "no account", or the
//                   index of a list (members that ever had two or more
//                   accounts: their list lives in a vector of lists).
//   AttributeStore  per member with attributes: a sorted list of
//                   (name id, value id) pairs into one interned string pool
//                   (attribute names and values repeat: region, gender, …).
//
// Readers get small value views (AccountRef, MemberRef, AttributeList) that
// stay valid until the next write; the Engine is their only writer.
// Thread-safety: none; owned by the Engine (const methods are safe to call
// concurrently when nothing writes).
#ifndef QUN_CORE_ENGINE_IDENTITY_TABLES_H_
#define QUN_CORE_ENGINE_IDENTITY_TABLES_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/engine/flat_map.h"
#include "qun/event.h"

namespace qun {

// One account as readers see it.
struct AccountRef {
  Platform platform;
  std::string_view ext_id;  // the platform's account id
  uint32_t member;          // the person it belongs to now
};

class AccountTable {
 public:
  // Most characters all account ids together may hold (offsets are 32-bit);
  // Engine::Stage reports ResourceExhausted before this is exceeded.
  static constexpr size_t kMaxChars = 0xFFFFFFFFu;

  size_t size() const { return member_.size(); }
  bool empty() const { return member_.empty(); }
  AccountRef operator[](size_t a) const { return {platform_[a], ext_id(a), member_[a]}; }
  std::string_view ext_id(size_t a) const {
    const uint32_t begin = a == 0 ? 0 : ext_end_[a - 1];
    return std::string_view(chars_).substr(begin, ext_end_[a] - begin);
  }
  Platform platform(size_t a) const { return platform_[a]; }
  uint32_t member(size_t a) const { return member_[a]; }
  size_t chars() const { return chars_.size(); }

  // Writer side (the Engine). Returns the new account's id.
  uint32_t Add(Platform p, std::string_view ext_id, uint32_t member);
  void set_member(size_t a, uint32_t m) { member_[a] = m; }
  void Reserve(size_t accounts, size_t chars);
  void ShrinkToFit();
  size_t MemoryBytes() const;

 private:
  std::vector<Platform> platform_;
  std::vector<uint32_t> member_;
  std::vector<uint32_t> ext_end_;  // end offset of account a's id in chars_
  std::string chars_;
};

// One member as readers see it. `accounts` is sorted ascending.
struct MemberRef {
  std::span<const uint32_t> accounts;  // empty when merged into another member
  uint32_t merged_into;                // set while this member is merged away
};

class MemberDirectory {
 public:
  size_t size() const { return merged_into_.size(); }
  bool empty() const { return merged_into_.empty(); }
  MemberRef operator[](size_t m) const { return {accounts(m), merged_into_[m]}; }
  std::span<const uint32_t> accounts(size_t m) const {
    const uint32_t s = slot_[m];
    if (s == kNoAccount) return {};
    if (s & kListBit) return lists_[s & ~kListBit];
    return {&slot_[m], 1};
  }
  uint32_t merged_into(size_t m) const { return merged_into_[m]; }

  // Writer side (the Engine).
  // A new member owning only `account`; returns its id.
  uint32_t Add(uint32_t account);
  void set_merged_into(size_t m, uint32_t into) { merged_into_[m] = into; }
  // Moves `moved` (accounts of member `from`) to member `into`, keeping both
  // account lists sorted.
  void MoveAccounts(uint32_t into, uint32_t from, std::span<const uint32_t> moved);
  void ShrinkToFit();
  size_t MemoryBytes() const;

 private:
  static constexpr uint32_t kNoAccount = 0xFFFFFFFFu;
  static constexpr uint32_t kListBit = 0x80000000u;  // account ids stay below 2^31
  std::vector<uint32_t>& List(uint32_t m);  // turns a one-account slot into a list

  std::vector<uint32_t> merged_into_;
  std::vector<uint32_t> slot_;
  std::vector<std::vector<uint32_t>> lists_;
};

// A member's profile attributes: (name, value) pairs sorted by name.
class AttributeList {
 public:
  class Iterator {
   public:
    using value_type = std::pair<std::string_view, std::string_view>;
    Iterator(const std::pair<uint32_t, uint32_t>* p, const std::vector<std::string>* pool) : p_(p), pool_(pool) {}
    value_type operator*() const { return {(*pool_)[p_->first], (*pool_)[p_->second]}; }
    Iterator& operator++() {
      ++p_;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return p_ != o.p_; }
    bool operator==(const Iterator& o) const { return p_ == o.p_; }

   private:
    const std::pair<uint32_t, uint32_t>* p_;
    const std::vector<std::string>* pool_;
  };
  AttributeList() = default;
  AttributeList(std::span<const std::pair<uint32_t, uint32_t>> ids, const std::vector<std::string>* pool)
      : ids_(ids), pool_(pool) {}
  Iterator begin() const { return {ids_.data(), pool_}; }
  Iterator end() const { return {ids_.data() + ids_.size(), pool_}; }
  size_t size() const { return ids_.size(); }
  bool empty() const { return ids_.empty(); }

 private:
  std::span<const std::pair<uint32_t, uint32_t>> ids_;
  const std::vector<std::string>* pool_ = nullptr;
};

class AttributeStore {
 public:
  // The member's attributes (empty when none).
  AttributeList Of(uint32_t member) const;
  // Sets name = value for the member (last value wins).
  void Set(uint32_t member, std::string_view name, std::string_view value);
  // Copies the attributes of `from` that `into` lacks.
  void FillGaps(uint32_t into, uint32_t from);
  void ShrinkToFit();
  // Bytes of the per-member lists and of the interned pool (strings counted
  // once however many members share them).
  size_t MemoryBytes() const;
  size_t pool_size() const { return pool_.size(); }

 private:
  using Pairs = std::vector<std::pair<uint32_t, uint32_t>>;
  uint32_t Intern(std::string_view s);
  Pairs& Mutable(uint32_t member);

  FlatMap64 index_;   // member -> index into lists_
  std::vector<Pairs> lists_;
  FlatMap64 pool_index_;  // hash(string) -> pool id
  std::vector<std::string> pool_;
};

}  // namespace qun

#endif  // QUN_CORE_ENGINE_IDENTITY_TABLES_H_
