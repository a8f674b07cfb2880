// PackedArray: an append-only array of unsigned integers of one fixed bit
// width (1..57 bits), stored back to back in 64-bit words — e.g. 20-bit rows
// take 2.5 bytes each instead of 4. Used by KeyIndex for its key remainders
// and rows.
//
// Reading entry i is one unaligned 8-byte load, a shift and a mask
// (UnpackBits; the words keep one word of padding past the last entry).
// Assumes a little-endian machine (checked at compile time).
//
// Thread-safety: none; const methods are safe concurrently when nothing writes.
#ifndef QUN_CORE_ENGINE_PACKED_ARRAY_H_
#define QUN_CORE_ENGINE_PACKED_ARRAY_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

namespace qun {

// The bit packing shared by PackedArray and the event columns
// (event_columns.h): entries of `width` bits (1..57) back to back in
// little-endian 64-bit words, entry i at bit i * width.

// Writes values[0, n) (bits above `width` dropped) from out[0] on: every
// word up to and including the one holding the last entry's top bit.
// Set bits of x. std::popcount is a libgcc call when the build does not
// target POPCNT (the default x86-64 baseline); this is the usual inline bit
// count then.
inline int Popcount64(uint64_t x) {
#if defined(__POPCNT__)
  return std::popcount(x);
#else
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
  return static_cast<int>((x * 0x0101010101010101ULL) >> 56);
#endif
}

inline void PackBits(int width, const uint32_t* values, size_t n, uint64_t* out) {
  const uint64_t mask = (uint64_t{1} << width) - 1;
  uint64_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t v = values[i] & mask;
    acc |= v << bits;
    bits += width;
    if (bits >= 64) {
      *out++ = acc;
      bits -= 64;
      acc = v >> (width - bits);  // the high part that did not fit (0 when bits == 0)
    }
  }
  if (bits > 0) *out = acc;
}

// Entry i of entries packed at `width` bits from `words` on: one unaligned
// 8-byte load, a shift and a mask (the words must extend at least 8 bytes
// past the entry's first byte: keep one padding word at the end).
inline uint64_t UnpackBits(const uint64_t* words, size_t i, int width) {
  const size_t bit = i * static_cast<size_t>(width);
  uint64_t w;
  std::memcpy(&w, reinterpret_cast<const unsigned char*>(words) + bit / 8, sizeof w);
  return (w >> (bit % 8)) & ((uint64_t{1} << width) - 1);
}

class PackedArray {
 public:
  static constexpr int kMaxWidth = 57;
  static_assert(std::endian::native == std::endian::little, "PackedArray reads little-endian words");

  PackedArray() = default;
  // Empty. Precondition: 1 <= width <= kMaxWidth.
  explicit PackedArray(int width) : width_(width), mask_((uint64_t{1} << width) - 1) {}

  // values[0, n) at `width` bits each (bits above it dropped), with no
  // spare capacity; one sequential pass.
  static PackedArray Pack(int width, const uint32_t* values, size_t n) {
    PackedArray a(width);
    a.size_ = n;
    a.words_.assign(a.WordsFor(n), 0);
    PackBits(width, values, n, a.words_.data());
    return a;
  }

  int width() const { return width_; }
  size_t size() const { return size_; }

  // Entry i (i < size()).
  uint64_t operator[](size_t i) const { return UnpackBits(words_.data(), i, width_); }

  // Reserves room for n entries in total (no reallocation up to n).
  void reserve(size_t n) { words_.reserve(WordsFor(n)); }
  // Reserves and zero-fills the words of n entries in total, so that
  // push_back up to n neither reallocates nor grows the word vector (the
  // bulk-build path: KeyIndex merges).
  void presize(size_t n) {
    if (words_.size() < WordsFor(n)) words_.resize(WordsFor(n), 0);
  }

  // Appends v; its bits above width() are dropped.
  void push_back(uint64_t v) {
    v &= mask_;
    const size_t need = WordsFor(size_ + 1);
    if (words_.size() < need) words_.resize(need, 0);
    const size_t bit = size_++ * static_cast<size_t>(width_);
    const size_t w = bit / 64, s = bit % 64;
    words_[w] |= v << s;
    if (s + static_cast<size_t>(width_) > 64) words_[w + 1] |= v >> (64 - s);
  }

  void shrink_to_fit() { words_.shrink_to_fit(); }
  size_t MemoryBytes() const { return words_.capacity() * sizeof(uint64_t); }

 private:
  // Words holding n entries plus one word of padding for the 8-byte load.
  size_t WordsFor(size_t n) const { return (n * static_cast<size_t>(width_) + 63) / 64 + 1; }

  int width_ = 1;
  uint64_t mask_ = 1;
  size_t size_ = 0;
  std::vector<uint64_t> words_;  // WordsFor(size_) or more, bits past the entries 0
};

}  // namespace qun

#endif  // QUN_CORE_ENGINE_PACKED_ARRAY_H_
