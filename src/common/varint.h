// Varint (LEB128: 7 bits per byte, low bits first, high bit = "more") and
// zigzag coding, shared by the compact containers of the member ledger and
// the metrics module (docs/members.md §2.2, docs/metrics.md#memory-layout).
// Decoders trust their input: they only read what an encoder of the same
// container wrote.
//
// Thread-safety: pure functions.
#ifndef QUN_COMMON_VARINT_H_
#define QUN_COMMON_VARINT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qun {

// Writes `v` at `p` (1..10 bytes); returns the byte after it.
inline uint8_t* PutVarint(uint8_t* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
  return p;
}

// Appends `v` to `out`.
inline void PutVarint(std::vector<uint8_t>& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}

// Reads the varint at `p` and advances `p` past it.
inline uint64_t GetVarint(const uint8_t*& p) {
  if (*p < 0x80) return *p++;  // most values: one byte
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const uint8_t b = *p++;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) return v;
  }
}

// Bytes PutVarint writes for `v`.
inline size_t VarintLen(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

// Signed value as a varint-friendly code (small magnitude, small code):
// 0, -1, 1, -2, 2, ... -> 0, 1, 2, 3, 4, ...
inline uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

}  // namespace qun

#endif  // QUN_COMMON_VARINT_H_
