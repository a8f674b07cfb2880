// Compact open-addressing hash indexes for the engine (linear probing,
// power-of-two capacity). Keys are already 64-bit hashes, so entries with the
// same key may be distinct things: lookups visit every entry with the key and
// the caller confirms the real identity (ids, strings) it cares about.
//
// FlatMap64    u64 key -> u32 value, 12 bytes per slot.
//
// Thread-safety: none; owned by the Engine.
#ifndef QUN_CORE_ENGINE_FLAT_MAP_H_
#define QUN_CORE_ENGINE_FLAT_MAP_H_

#include <cstdint>
#include <vector>

namespace qun {

class FlatMap64 {
 public:
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;

  void Insert(uint64_t key, uint32_t value) {
    if ((size_ + 1) * 4 > values_.size() * 3) Grow();
    Place(key, value);
    ++size_;
  }
  // Calls fn(value) for each entry with `key` until fn returns true; returns
  // the value fn accepted, or kEmpty.
  template <typename Fn>
  uint32_t Find(uint64_t key, Fn&& fn) const {
    if (values_.empty()) return kEmpty;
    size_t mask = values_.size() - 1;
    for (size_t i = Mix(key) & mask;; i = (i + 1) & mask) {
      if (values_[i] == kEmpty) return kEmpty;
      if (keys_[i] == key && fn(values_[i])) return values_[i];
    }
  }
  uint32_t FindFirst(uint64_t key) const {
    return Find(key, [](uint32_t) { return true; });
  }
  // Calls fn(key, value) for every entry, in slot order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (size_t i = 0; i < values_.size(); ++i)
      if (values_[i] != kEmpty) fn(keys_[i], values_[i]);
  }
  size_t size() const { return size_; }
  size_t MemoryBytes() const { return keys_.capacity() * 8 + values_.capacity() * 4; }
  void Clear() { keys_.clear(); values_.clear(); size_ = 0; }

 private:
  static uint64_t Mix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
  }
  void Place(uint64_t key, uint32_t value) {
    size_t mask = values_.size() - 1;
    size_t i = Mix(key) & mask;
    while (values_[i] != kEmpty) i = (i + 1) & mask;
    keys_[i] = key;
    values_[i] = value;
  }
  void Grow() {
    std::vector<uint64_t> old_keys = std::move(keys_);
    std::vector<uint32_t> old_values = std::move(values_);
    size_t cap = old_values.empty() ? 64 : old_values.size() * 2;
    keys_.assign(cap, 0);
    values_.assign(cap, kEmpty);
    // Re-place in probe order, from an empty slot on (a cluster that wraps
    // past the end is walked from its start), so equal keys keep their
    // insertion order (Find visits them oldest first).
    const size_t n = old_values.size();
    size_t start = 0;
    while (start < n && old_values[start] != kEmpty) ++start;
    for (size_t s = 1; s <= n; ++s) {
      const size_t i = (start + s) & (n - 1);
      if (old_values[i] != kEmpty) Place(old_keys[i], old_values[i]);
    }
  }
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> values_;
  size_t size_ = 0;
};

}  // namespace qun

#endif  // QUN_CORE_ENGINE_FLAT_MAP_H_
