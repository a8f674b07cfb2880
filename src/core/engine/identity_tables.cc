#include "core/engine/identity_tables.h"

#include <algorithm>

#include "common/hash.h"

namespace qun {

namespace {
// Heap bytes of a std::string beyond the object (short strings live inside).
size_t HeapOf(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }
}  // namespace

// ------------------------------------------------------------ AccountTable --

uint32_t AccountTable::Add(Platform p, std::string_view ext_id, uint32_t member) {
  const uint32_t id = static_cast<uint32_t>(member_.size());
  platform_.push_back(p);
  member_.push_back(member);
  chars_.append(ext_id);
  ext_end_.push_back(static_cast<uint32_t>(chars_.size()));
  return id;
}

void AccountTable::Reserve(size_t accounts, size_t chars) {
  if (accounts > member_.capacity()) {
    // Grow by a quarter like the event columns: bounded slack.
    const size_t cap = std::max(accounts, member_.capacity() + member_.capacity() / 4);
    platform_.reserve(cap);
    member_.reserve(cap);
    ext_end_.reserve(cap);
  }
  if (chars > chars_.capacity()) chars_.reserve(std::max(chars, chars_.capacity() + chars_.capacity() / 4));
}

void AccountTable::ShrinkToFit() {
  platform_.shrink_to_fit();
  member_.shrink_to_fit();
  ext_end_.shrink_to_fit();
  chars_.shrink_to_fit();
}

size_t AccountTable::MemoryBytes() const {
  return platform_.capacity() * sizeof(Platform) + member_.capacity() * 4 + ext_end_.capacity() * 4 +
         chars_.capacity();
}

// ------------------------------------------------------------- MemberDirectory --

uint32_t MemberDirectory::Add(uint32_t account) {
  merged_into_.push_back(0xFFFFFFFFu);
  slot_.push_back(account);
  return static_cast<uint32_t>(slot_.size() - 1);
}

std::vector<uint32_t>& MemberDirectory::List(uint32_t m) {
  uint32_t& s = slot_[m];
  if (!(s & kListBit) || s == kNoAccount) {
    lists_.emplace_back();
    if (s != kNoAccount) lists_.back().push_back(s);
    s = kListBit | static_cast<uint32_t>(lists_.size() - 1);
  }
  return lists_[s & ~kListBit];
}

void MemberDirectory::MoveAccounts(uint32_t into, uint32_t from, std::span<const uint32_t> moved) {
  if (moved.empty()) return;
  // Copy first: `moved` may be a view of `from`'s own list.
  const std::vector<uint32_t> m(moved.begin(), moved.end());
  std::vector<uint32_t>& src = List(from);
  for (uint32_t a : m) src.erase(std::remove(src.begin(), src.end(), a), src.end());
  std::vector<uint32_t>& dst = List(into);  // may reallocate lists_: `src` is not used after this
  dst.insert(dst.end(), m.begin(), m.end());
  std::sort(dst.begin(), dst.end());
}

void MemberDirectory::ShrinkToFit() {
  merged_into_.shrink_to_fit();
  slot_.shrink_to_fit();
  lists_.shrink_to_fit();
  for (auto& l : lists_) l.shrink_to_fit();
}

size_t MemberDirectory::MemoryBytes() const {
  // Each list's heap block: its capacity plus the allocator's 16-byte header.
  size_t b = merged_into_.capacity() * 4 + slot_.capacity() * 4 + lists_.capacity() * sizeof(lists_[0]);
  for (const auto& l : lists_)
    if (l.capacity() > 0) b += l.capacity() * 4 + 16;
  return b;
}

// ---------------------------------------------------------- AttributeStore --

AttributeList AttributeStore::Of(uint32_t member) const {
  const uint32_t i = index_.FindFirst(member);
  if (i == FlatMap64::kEmpty) return {};
  return AttributeList(lists_[i], &pool_);
}

uint32_t AttributeStore::Intern(std::string_view s) {
  const uint64_t h = Hash64(s);
  uint32_t id = pool_index_.Find(h, [&](uint32_t i) { return pool_[i] == s; });
  if (id == FlatMap64::kEmpty) {
    id = static_cast<uint32_t>(pool_.size());
    pool_.emplace_back(s);
    pool_index_.Insert(h, id);
  }
  return id;
}

AttributeStore::Pairs& AttributeStore::Mutable(uint32_t member) {
  uint32_t i = index_.FindFirst(member);
  if (i == FlatMap64::kEmpty) {
    i = static_cast<uint32_t>(lists_.size());
    lists_.emplace_back();
    index_.Insert(member, i);
  }
  return lists_[i];
}

void AttributeStore::Set(uint32_t member, std::string_view name, std::string_view value) {
  const uint32_t k = Intern(name), v = Intern(value);
  Pairs& list = Mutable(member);
  auto it = std::lower_bound(list.begin(), list.end(), name,
                             [&](const auto& p, std::string_view key) { return pool_[p.first] < key; });
  if (it != list.end() && it->first == k) it->second = v;
  else list.insert(it, {k, v});
}

void AttributeStore::FillGaps(uint32_t into, uint32_t from) {
  const uint32_t fi = index_.FindFirst(from);
  if (fi == FlatMap64::kEmpty) return;
  const Pairs src = lists_[fi];  // Mutable(into) may reallocate lists_
  Pairs& dst = Mutable(into);
  for (const auto& kv : src) {
    auto it = std::lower_bound(dst.begin(), dst.end(), pool_[kv.first],
                               [&](const auto& p, const std::string& key) { return pool_[p.first] < key; });
    if (it == dst.end() || it->first != kv.first) dst.insert(it, kv);
  }
}

void AttributeStore::ShrinkToFit() {
  lists_.shrink_to_fit();
  for (auto& l : lists_) l.shrink_to_fit();
  pool_.shrink_to_fit();
}

size_t AttributeStore::MemoryBytes() const {
  size_t b = index_.MemoryBytes() + lists_.capacity() * sizeof(Pairs) + pool_index_.MemoryBytes() +
             pool_.capacity() * sizeof(std::string);
  for (const auto& l : lists_)
    if (l.capacity() > 0) b += l.capacity() * sizeof(l[0]) + 16;  // + the allocator's header
  for (const auto& s : pool_) b += HeapOf(s);
  return b;
}

}  // namespace qun
