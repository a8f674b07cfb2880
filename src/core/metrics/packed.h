// Compact containers of the metrics module (docs/metrics.md#memory-layout):
//
//   (varints and zigzag: common/varint.h)
//   * ListArena<T>: many small growable lists (one per account or record) in
//     one arena instead of a std::vector each — 8 bytes per list (offset,
//     size) instead of a 24-byte vector header plus a heap block;
//   * PackedIdSet: an immutable sorted set of uint32 ids stored as delta
//     varints in blocks of kBlock ids with a (first id, byte offset) index
//     per block: about 1 byte per id when the ids are dense, Contains in
//     O(log blocks + kBlock), iteration in order;
//   * FlatIdMap: a uint32 -> uint32 open-addressing hash map (linear probing,
//     8 bytes per slot, load at most 3/4): about 11-21 bytes per entry
//     instead of a node-based map's 40 or so;
//   * DeltaList: an append-only list of uint32 values (any order) as zigzag
//     varint deltas: 1 byte per value when consecutive values are within
//     ±63 of each other (e.g. the rows of one day), 28 bytes of header.
//
// Ownership: each container owns its storage. Thread-safety: none; const
// members may run concurrently with each other, writers are serialised by
// the owner (the engine's writer lock).
#ifndef QUN_CORE_METRICS_PACKED_H_
#define QUN_CORE_METRICS_PACKED_H_

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/varint.h"

namespace qun::metrics {

// Many small lists of T, addressed by list id (0..lists()-1), in one arena.
// A list's slot holds SlotFor(size) elements (size rounded up to 3 significant
// bits: at most 25% slack); a list outgrowing its slot moves to the arena's
// end, and the arena is compacted when the abandoned slots exceed an eighth
// of it. The arena itself grows by a quarter, not by doubling.
// Capacity: offsets are 32-bit, so the arena holds at most kMaxElements
// elements (abandoned slots included; they are compacted away first when that
// makes the difference). A move beyond that throws std::length_error and
// leaves every list's contents as they were.
// Memory: 8 bytes per list + the arena's capacity (Bytes()).
template <typename T>
class ListArena {
 public:
  static constexpr size_t kMaxElements = UINT32_MAX;

  ListArena() = default;
  // `max_elements` (at most kMaxElements) lowers the capacity, for tests.
  explicit ListArena(size_t max_elements) : max_(std::min(max_elements, kMaxElements)) {}

  // Makes lists [lists(), n) exist (empty). Never shrinks.
  void Resize(size_t n) {
    if (n <= refs_.size()) return;
    if (n > refs_.capacity()) refs_.reserve(std::max(n, refs_.capacity() + refs_.capacity() / 4));
    refs_.resize(n);
  }
  size_t lists() const { return refs_.size(); }
  size_t size(uint32_t id) const { return refs_[id].size; }
  // The list's elements; valid until the next non-const call.
  std::span<const T> Get(uint32_t id) const {
    const Ref r = refs_[id];
    return {data_.data() + r.offset, r.size};
  }
  std::span<T> Mutable(uint32_t id) {
    const Ref r = refs_[id];
    return {data_.data() + r.offset, r.size};
  }
  void Append(uint32_t id, std::span<const T> items) {
    if (items.empty()) return;
    Ref& r = refs_[id];
    const size_t need = size_t{r.size} + items.size();
    if (need > SlotFor(r.size)) Move(id, need);
    std::copy(items.begin(), items.end(), data_.begin() + refs_[id].offset + refs_[id].size);
    refs_[id].size = static_cast<uint32_t>(need);
  }
  void Append(uint32_t id, const T& item) { Append(id, std::span<const T>(&item, 1)); }
  // Replaces the list's contents.
  void Assign(uint32_t id, std::span<const T> items) {
    if (items.size() > SlotFor(refs_[id].size)) Move(id, items.size());  // the old slot counts as garbage
    std::copy(items.begin(), items.end(), data_.begin() + refs_[id].offset);
    refs_[id].size = static_cast<uint32_t>(items.size());
  }
  // Arena capacity, abandoned slots included, plus the list table.
  size_t Bytes() const { return data_.capacity() * sizeof(T) + refs_.capacity() * sizeof(Ref); }

  // Slot length for a list of `n` elements: `n` rounded up to the next value
  // with 3 significant bits (8, 10, 12, 14, 16, 20, 24, 28, 32, 40, ...); small
  // lists get at least 8 bytes.
  static size_t SlotFor(size_t n) {
    constexpr size_t kMin = sizeof(T) >= 8 ? 1 : 8 / sizeof(T);  // at least 8 bytes once non-empty
    if (n == 0) return 0;
    if (n <= kMin) return kMin;
    if (n <= 8) return n;
    const int e = std::bit_width(n - 1) - 3;
    return (((n - 1) >> e) + 1) << e;
  }

 private:
  struct Ref {
    uint32_t offset = 0, size = 0;
  };
  // True when the non-empty list `r` occupies the arena's last slot.
  bool IsLast(const Ref& r) const { return r.size && r.offset + SlotFor(r.size) == data_.size(); }
  // Gives list `id` a slot of SlotFor(need) at the arena's end (in place when
  // it is already the last slot).
  void Move(uint32_t id, size_t need) {
    Ref& r = refs_[id];
    const size_t old_slot = SlotFor(r.size), new_slot = SlotFor(need);
    const auto after = [&] {  // the arena's size after the move
      return data_.size() + new_slot - (IsLast(r) ? SlotFor(r.size) : 0);
    };
    if (after() > max_) {  // full: only the abandoned slots can make room
      Compact();
      if (after() > max_)
        throw std::length_error("ListArena: a list of " + std::to_string(need) + " elements does not fit; the arena holds " +
                                std::to_string(data_.size()) + " of at most " + std::to_string(max_) +
                                " elements (32-bit offsets)");
    }
    if (IsLast(r)) {  // grow in place
      Grow(data_.size() + new_slot - old_slot);
      return;
    }
    garbage_ += old_slot;
    if (garbage_ > 1024 && garbage_ > data_.size() / 8) {
      Compact();
      if (IsLast(r)) {
        Grow(data_.size() + new_slot - SlotFor(r.size));
        return;
      }
      garbage_ += SlotFor(r.size);
    }
    const size_t at = data_.size();
    Grow(at + new_slot);
    std::copy_n(data_.begin() + r.offset, r.size, data_.begin() + at);
    r.offset = static_cast<uint32_t>(at);
  }
  void Grow(size_t n) {
    if (n > data_.capacity()) data_.reserve(std::max(n, data_.capacity() + data_.capacity() / 4));
    data_.resize(n);
  }
  // Copies every list into a fresh arena, in list order, without the holes.
  void Compact() {
    size_t total = 0;
    for (const Ref& r : refs_) total += SlotFor(r.size);
    std::vector<T> fresh;
    fresh.reserve(total + total / 8);
    for (Ref& r : refs_) {
      const size_t at = fresh.size();
      fresh.insert(fresh.end(), data_.begin() + r.offset, data_.begin() + r.offset + r.size);
      fresh.resize(at + SlotFor(r.size));
      r.offset = static_cast<uint32_t>(at);
    }
    data_ = std::move(fresh);
    garbage_ = 0;
  }

  std::vector<T> data_;
  std::vector<Ref> refs_;
  size_t garbage_ = 0;  // elements in abandoned slots
  size_t max_ = kMaxElements;  // capacity in elements (lower only in tests)
};

// An immutable sorted set of distinct uint32 ids (see the file comment).
class PackedIdSet {
 public:
  static constexpr uint32_t kBlock = 64;

  PackedIdSet() = default;
  // Precondition: `ids` strictly increasing.
  explicit PackedIdSet(std::span<const uint32_t> ids);

  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  bool Contains(uint32_t id) const;
  // Calls f(id) for every id in increasing order.
  template <typename F>
  void ForEach(F f) const {
    for (size_t b = 0; b < heads_.size(); b += 2) {
      const uint8_t* p = bytes_.data() + heads_[b + 1];
      const size_t count = std::min<size_t>(kBlock, n_ - b / 2 * kBlock);
      uint32_t v = heads_[b];
      f(v);
      for (size_t i = 1; i < count; ++i) f(v += GetVarint(p));
    }
  }
  // Appends the ids to `out` in increasing order.
  void AppendTo(std::vector<uint32_t>& out) const {
    out.reserve(out.size() + n_);
    ForEach([&](uint32_t id) { out.push_back(id); });
  }
  // Heap bytes (capacity).
  size_t Bytes() const { return bytes_.capacity() + heads_.capacity() * 4; }

 private:
  uint32_t n_ = 0;
  std::vector<uint32_t> heads_;  // per block: first id, byte offset of the block's deltas
  std::vector<uint8_t> bytes_;   // per block: varint deltas of its ids after the first
};

// uint32 keys (all but kAbsent) to uint32 values; no erase.
class FlatIdMap {
 public:
  static constexpr uint32_t kAbsent = UINT32_MAX;

  // The value of `key`, or kAbsent.
  uint32_t Find(uint32_t key) const {
    if (slots_.empty()) return kAbsent;
    for (size_t i = Home(key);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].key == key) return slots_[i].value;
      if (slots_[i].key == kAbsent) return kAbsent;
    }
  }
  // The value slot of `key` (valid until the next insert), or nullptr.
  uint32_t* Mutable(uint32_t key) {
    if (slots_.empty()) return nullptr;
    for (size_t i = Home(key);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].key == key) return &slots_[i].value;
      if (slots_[i].key == kAbsent) return nullptr;
    }
  }
  // The value of `key`, inserting `value` for it first when absent.
  // Precondition: key != kAbsent.
  uint32_t FindOrInsert(uint32_t key, uint32_t value) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Rehash(slots_.empty() ? 16 : slots_.size() * 2);
    size_t i = Home(key);
    for (; slots_[i].key != kAbsent; i = (i + 1) & (slots_.size() - 1))
      if (slots_[i].key == key) return slots_[i].value;
    slots_[i] = Slot{key, value};
    ++size_;
    return value;
  }
  size_t size() const { return size_; }
  size_t Bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    uint32_t key = kAbsent, value = 0;
  };
  // Fibonacci hashing: the top bits of key * 2^32/phi.
  size_t Home(uint32_t key) const { return static_cast<uint32_t>(key * 0x9E3779B9u) >> shift_; }
  void Rehash(size_t n) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(n, Slot{});
    shift_ = 32 - std::bit_width(n - 1);
    size_ = 0;
    for (const Slot& s : old)
      if (s.key != kAbsent) FindOrInsert(s.key, s.value);
  }

  std::vector<Slot> slots_;  // power-of-two size
  int shift_ = 32;
  size_t size_ = 0;
};

// An append-only list of uint32 values kept as zigzag varint deltas (the
// first from 0). The byte vector grows by a quarter (not by doubling).
class DeltaList {
 public:
  void push_back(uint32_t v) {
    if (bytes_.size() + 5 > bytes_.capacity())
      bytes_.reserve(std::max(bytes_.size() + 5, bytes_.capacity() + bytes_.capacity() / 4 + 8));
    PutVarint(bytes_, ZigZag(int64_t{v} - last_));
    last_ = v;
    ++n_;
  }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  // Calls f(value) for every value in insertion order.
  template <typename F>
  void ForEach(F f) const {
    const uint8_t* p = bytes_.data();
    int64_t v = 0;
    for (uint32_t i = 0; i < n_; ++i) f(static_cast<uint32_t>(v += UnZigZag(GetVarint(p))));
  }
  // Heap bytes (capacity).
  size_t Bytes() const { return bytes_.capacity(); }

 private:
  std::vector<uint8_t> bytes_;
  uint32_t n_ = 0;
  uint32_t last_ = 0;  // the last value (delta base)
};

}  // namespace qun::metrics

#endif  // QUN_CORE_METRICS_PACKED_H_
