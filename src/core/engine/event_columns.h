// Event columns: the engine's event log as compact, append-only columns
// indexed by row (row = seq - 1). docs/metrics.md#event-columns
// describes the layout and its bytes per event.
//
// BlockPackedColumn<T> stores unsigned values of up to 32 bits in blocks of
// kBlockRows (256) rows, frame-of-reference coded: each full ("sealed")
// block keeps its minimum (base), a bit width w and the word where its
// words start; the offsets (value - base) are bit-packed back to back
// (packing and reading are packed_array.h's PackBits / UnpackBits). Two
// refinements, chosen per block when they take fewer words:
//   * exceptions ("patched" FOR): when a few offsets are much larger than
//     the rest (a reply to an old message, one old event in a block of new
//     ones), w may be below W = bit_width(max - min); every offset >= 2^w - 1
//     is then packed as 2^w - 1 (the marker), and its real offset is packed
//     again at W bits after the block's offsets, with its packed index in a
//     one-byte side array (per block ascending; at most 255 per block);
//   * sparse: when many offsets are 0 (aux is 0 for "none"), the block starts
//     with a 256-bit presence bitmap and a rank word (the set bits before
//     each of the bitmap's 4 words, one byte each) and packs only the
//     non-zero offsets; a row's packed index is its rank: the rank word's
//     byte plus one popcount.
// Sealing counts the offsets by bit width once and takes the layout (dense
// or sparse, width w, its exceptions) of fewest words. Reading row i is one
// block-header load, one unaligned 8-byte load, a shift and a mask, plus a
// bitmap test and one popcount in a sparse block and a binary search over the block's
// exceptions for a marker: O(1). The last, still open block (fewer than 256
// rows) stays as plain uint32 values in a fixed buffer and is packed when
// it fills, so appends are O(1) amortized and the packing sees the whole
// block (out-of-order values only widen their own block).
//
// AuxColumn stores EventColumns::aux (meaning per type, see engine.h) as a
// code that is small for the common cases: kNone is 0; a reference to an
// earlier row (message.posted's reply_to, message.edited / recalled,
// reaction.added) is the distance back (row - ref >= 1); any other value v is
// v + 1. Decoding needs the row's type, read from the type column.
//
// Ownership: each column owns its storage. EventColumns is neither copyable
// nor movable (its aux column points at its type column).
// Thread-safety: none; const methods are safe concurrently when nothing writes.
#ifndef QUN_CORE_ENGINE_EVENT_COLUMNS_H_
#define QUN_CORE_ENGINE_EVENT_COLUMNS_H_

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/engine/packed_array.h"
#include "qun/event.h"

namespace qun {

template <typename T>
class BlockPackedColumn {
 public:
  static constexpr size_t kBlockShift = 8;
  static constexpr size_t kBlockRows = size_t{1} << kBlockShift;
  static_assert(std::endian::native == std::endian::little, "BlockPackedColumn reads little-endian words");
  static_assert(sizeof(T) <= sizeof(uint32_t), "values of at most 32 bits");

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Row i (i < size()). O(1). The plain dense block is the inlined path;
  // sparse blocks and exceptions take an out-of-line call.
  T operator[](size_t i) const {
    if (i >= sealed_) return static_cast<T>(tail_[i - sealed_]);
    const Block& b = blocks_[i >> kBlockShift];
    const size_t k = i & (kBlockRows - 1);
    const uint64_t* words = words_.data() + b.word;
    if (!b.sparse) {
      const uint32_t off = static_cast<uint32_t>(UnpackBits(words, k, b.width));
      if (b.exceptions == 0 || off != Marker(b.width)) return static_cast<T>(b.base + off);
    }
    return static_cast<T>(b.base + SlowOffset(b, words, k));
  }

  // Rows [first, end) into out[0, end - first): the sequential path for
  // scans (one header per block). Precondition: first <= end <= size().
  void DecodeRange(size_t first, size_t end, T* out) const {
    while (first < end && first < sealed_) {
      const Block& b = blocks_[first >> kBlockShift];
      const size_t block_first = first & ~(kBlockRows - 1);
      const size_t k0 = first - block_first, k1 = std::min(end - block_first, kBlockRows);
      const uint64_t* words = words_.data() + b.word;
      if (!b.sparse) {
        for (size_t k = k0; k < k1; ++k) *out++ = static_cast<T>(b.base + Offset(b, words, k));
      } else {
        size_t j = Rank(words, k0);  // packed index of the first present row at or after k0
        for (size_t k = k0; k < k1; ++k) *out++ = static_cast<T>(b.base + (Present(words, k) ? Offset(b, words, j++) : 0));
      }
      first = block_first + k1;
    }
    for (; first < end; ++first) *out++ = static_cast<T>(tail_[first - sealed_]);
  }

  // Appends v (as its uint32 value). Amortized O(1); packing a full block
  // is one pass over its 256 values.
  void push_back(T v) {
    tail_[size_ - sealed_] = static_cast<uint32_t>(v);
    if (++size_ - sealed_ == kBlockRows) Seal();
  }

  // Gives back spare capacity.
  void shrink_to_fit() {
    words_.shrink_to_fit();
    blocks_.shrink_to_fit();
    exception_pos_.shrink_to_fit();
  }

  // Heap bytes (capacity of the packed words, the block headers and the
  // exceptions) plus the open block's fixed buffer (held inline).
  size_t MemoryBytes() const {
    return words_.capacity() * sizeof(uint64_t) + blocks_.capacity() * sizeof(Block) + exception_pos_.capacity() +
           sizeof(tail_);
  }

  // Bit width, exception count and sparseness of sealed block b (tests and
  // statistics).
  int block_width(size_t b) const { return blocks_[b].width; }
  int block_exceptions(size_t b) const { return blocks_[b].exceptions; }
  bool block_sparse(size_t b) const { return blocks_[b].sparse; }
  // 64-bit words of sealed block b (bitmap, rank word, offsets, exceptions)
  // and the bytes of one block header.
  size_t block_words(size_t b) const {
    return (b + 1 < blocks_.size() ? blocks_[b + 1].word : words_.size() - 1) - blocks_[b].word;
  }
  static constexpr size_t kBlockHeaderBytes = 16;
  size_t sealed_blocks() const { return blocks_.size(); }

 private:
  // A sparse block starts with its presence bitmap and a rank word (byte q:
  // the present rows in bitmap words 0..q-1).
  static constexpr size_t kBitmapWords = kBlockRows / 64;
  static constexpr size_t kSparseHeaderWords = kBitmapWords + 1;

  struct Block {
    uint32_t base;             // the block's minimum
    uint32_t word;             // index into words_ of the block's first word
    uint32_t first_exception;  // index into exception_pos_
    uint8_t width;             // bits per packed offset, 0..32
    uint8_t exceptions;        // 0..255; packed offsets equal to Marker(width) are exceptions when > 0
    uint8_t full_width;        // bit width of the exceptions' offsets
    bool sparse;               // words start with a presence bitmap; only non-zero offsets are packed
  };
  static_assert(sizeof(Block) == kBlockHeaderBytes);

  static uint32_t Marker(int width) { return static_cast<uint32_t>((uint64_t{1} << width) - 1); }
  static size_t WordsOf(size_t bits) { return (bits + 63) / 64; }

  // Offset of block row k of a sparse block, or of a dense block's row k
  // that is an exception.
  [[gnu::noinline]] uint32_t SlowOffset(const Block& b, const uint64_t* words, size_t k) const {
    if (!b.sparse) return Offset(b, words, k);
    return Present(words, k) ? Offset(b, words, Rank(words, k)) : 0;
  }
  // Sparse block: whether row k has a non-zero offset, and its packed index
  // (the present rows before it: the rank word's count before k's bitmap
  // word plus one popcount).
  static bool Present(const uint64_t* words, size_t k) { return ((words[k >> 6] >> (k & 63)) & 1) != 0; }
  static size_t Rank(const uint64_t* words, size_t k) {
    const size_t before = (words[kBitmapWords] >> (8 * (k >> 6))) & 0xFF;
    return before + static_cast<size_t>(Popcount64(words[k >> 6] & ((uint64_t{1} << (k & 63)) - 1)));
  }

  // Packed offset j of block b (words = the block's first word), with its
  // exception resolved: for a sparse block j counts only the present rows.
  uint32_t Offset(const Block& b, const uint64_t* words, size_t j) const {
    const uint64_t* packed = words + (b.sparse ? kSparseHeaderWords : 0);
    const uint32_t off = static_cast<uint32_t>(UnpackBits(packed, j, b.width));
    if (b.exceptions == 0 || off != Marker(b.width)) return off;
    const size_t packed_count = b.sparse ? Rank(words, kBlockRows - 1) + Present(words, kBlockRows - 1) : kBlockRows;
    const uint8_t* pos = exception_pos_.data() + b.first_exception;
    const size_t e = static_cast<size_t>(std::lower_bound(pos, pos + b.exceptions, static_cast<uint8_t>(j)) - pos);
    return static_cast<uint32_t>(UnpackBits(packed + WordsOf(packed_count * b.width), e, b.full_width));
  }

  // Grows `v` by a quarter (bounded slack, like the columns before) when
  // it must hold n elements.
  template <typename V>
  static void Grow(V& v, size_t n) {
    if (n > v.capacity()) v.reserve(std::max(n, v.capacity() + v.capacity() / 4));
  }

  void Seal() {
    uint32_t lo = tail_[0];
    for (uint32_t v : tail_) lo = std::min(lo, v);
    // by_width[w]: offsets of bit width w; all_ones[w]: offsets equal to 2^w - 1.
    std::array<uint16_t, 33> by_width{}, all_ones{};
    std::array<uint32_t, kBlockRows> offsets;
    for (size_t k = 0; k < kBlockRows; ++k) {
      const uint32_t d = tail_[k] - lo;
      offsets[k] = d;
      const int w = std::bit_width(d);
      ++by_width[w];
      if (w > 0 && d == Marker(w)) ++all_ones[w];
    }
    int full = 32;
    while (full > 0 && by_width[full] == 0) --full;
    // The cheapest layout in words: dense (all 256 offsets packed) or sparse
    // (a presence bitmap of the non-zero offsets, only those packed), each at
    // the width w that minimizes packed offsets + exceptions (every offset
    // >= 2^w - 1, kept at `full` bits plus a position byte).
    const size_t nonzero = kBlockRows - by_width[0];
    bool sparse = false;
    int width = full;
    size_t exceptions = 0, best = WordsOf(kBlockRows * static_cast<size_t>(full));
    auto consider = [&](bool sp, int w, size_t n) {
      const size_t packed = sp ? nonzero : kBlockRows;
      const size_t words = (sp ? kSparseHeaderWords : 0) + WordsOf(packed * static_cast<size_t>(w)) +
                           WordsOf(n * static_cast<size_t>(full)) + (n + 7) / 8;  // position bytes, in words
      if (n < kBlockRows && words < best) best = words, sparse = sp, width = w, exceptions = n;
    };
    consider(true, full, 0);
    size_t wider = 0;  // offsets of bit width > w
    for (int w = full - 1; w >= 1; --w) {
      wider += by_width[w + 1];
      consider(false, w, wider + all_ones[w]);
      consider(true, w, wider + all_ones[w]);
    }
    // Pack: `packed` holds the offsets in packed order (all, or the non-zero
    // ones), exceptions replaced by the marker and copied to `patched`.
    std::array<uint32_t, kBlockRows> packed, patched;
    size_t m = 0, j = 0;
    std::array<uint64_t, kBitmapWords> bitmap{};
    const uint32_t marker = Marker(width);
    const uint32_t first_exception = static_cast<uint32_t>(exception_pos_.size());
    Grow(exception_pos_, exception_pos_.size() + exceptions);
    for (size_t k = 0; k < kBlockRows; ++k) {
      uint32_t d = offsets[k];
      if (sparse) {
        if (d == 0) continue;
        bitmap[k >> 6] |= uint64_t{1} << (k & 63);
      }
      if (exceptions > 0 && d >= marker) {
        exception_pos_.push_back(static_cast<uint8_t>(m));
        patched[j++] = d;
        d = marker;
      }
      packed[m++] = d;
    }
    // words_ always ends with one zero padding word for the 8-byte load.
    const size_t word = words_.empty() ? 0 : words_.size() - 1;
    const size_t bitmap_words = sparse ? kSparseHeaderWords : 0;
    const size_t packed_words = WordsOf(m * static_cast<size_t>(width));
    const size_t nwords = bitmap_words + packed_words + WordsOf(exceptions * static_cast<size_t>(full));
    Grow(words_, word + nwords + 1);
    words_.resize(word + nwords + 1, 0);
    uint64_t* out = words_.data() + word;
    if (sparse) {
      std::copy(bitmap.begin(), bitmap.end(), out);
      uint64_t ranks = 0, before = 0;
      for (size_t q = 0; q < kBitmapWords; ++q) {
        ranks |= before << (8 * q);
        before += static_cast<uint64_t>(Popcount64(bitmap[q]));
      }
      out[kBitmapWords] = ranks;
    }
    if (width > 0) PackBits(width, packed.data(), m, out + bitmap_words);
    if (exceptions > 0) PackBits(full, patched.data(), exceptions, out + bitmap_words + packed_words);
    Grow(blocks_, blocks_.size() + 1);
    blocks_.push_back(Block{lo, static_cast<uint32_t>(word), first_exception, static_cast<uint8_t>(width),
                            static_cast<uint8_t>(exceptions), static_cast<uint8_t>(exceptions > 0 ? full : 0), sparse});
    sealed_ += kBlockRows;
  }

  size_t size_ = 0;
  size_t sealed_ = 0;                        // rows in sealed blocks (a multiple of kBlockRows)
  std::vector<uint64_t> words_;              // packed offsets + 1 padding word (empty before the first block)
  std::vector<Block> blocks_;                // one per sealed block
  std::vector<uint8_t> exception_pos_;       // packed index of each exception, per block ascending
  std::array<uint32_t, kBlockRows> tail_{};  // the open block's values
};

// EventColumns::aux, coded against the row and its type (see the file comment).
class AuxColumn {
 public:
  explicit AuxColumn(const BlockPackedColumn<EventType>* type) : type_(type) {}
  AuxColumn(const AuxColumn&) = delete;
  AuxColumn& operator=(const AuxColumn&) = delete;

  // True when aux of type t is the row of an earlier event (kNone or < row).
  static constexpr bool IsRowRef(EventType t) { return (kRowRefTypes >> static_cast<uint32_t>(t)) & 1u; }

  size_t size() const { return codes_.size(); }
  // aux of row i (i < size(); the type column already holds row i).
  uint32_t operator[](size_t i) const { return Decode(codes_[i], i, (*type_)[i]); }
  // Appends aux for row size() of type t. Precondition: when IsRowRef(t),
  // aux is kNone or < size().
  void push_back(uint32_t aux, EventType t) {
    const uint32_t row = static_cast<uint32_t>(codes_.size());
    codes_.push_back(IsRowRef(t) ? (aux == kNoneValue ? 0 : row - aux) : aux + 1);
  }
  void shrink_to_fit() { codes_.shrink_to_fit(); }
  size_t MemoryBytes() const { return codes_.MemoryBytes(); }
  const BlockPackedColumn<uint32_t>& codes() const { return codes_; }

 private:
  static constexpr uint32_t kNoneValue = 0xFFFFFFFFu;  // == qun::kNone
  static constexpr uint32_t kRowRefTypes = (1u << static_cast<uint32_t>(EventType::kMessagePosted)) |
                                           (1u << static_cast<uint32_t>(EventType::kMessageEdited)) |
                                           (1u << static_cast<uint32_t>(EventType::kMessageRecalled)) |
                                           (1u << static_cast<uint32_t>(EventType::kReactionAdded));
  static uint32_t Decode(uint32_t code, size_t row, EventType t) {
    if (!IsRowRef(t)) return code - 1;  // 0 - 1 wraps to kNone
    return code == 0 ? kNoneValue : static_cast<uint32_t>(row) - code;
  }

  BlockPackedColumn<uint32_t> codes_;
  const BlockPackedColumn<EventType>* type_;
};

// The event log, one column per field. Appended only through Append (so
// every column has the same size); rows are never rewritten.
struct EventColumns {
  EventColumns() : aux(&type) {}
  EventColumns(const EventColumns&) = delete;
  EventColumns& operator=(const EventColumns&) = delete;

  size_t size() const { return ts.size(); }
  // Appends one row. Precondition: community < 65536; see AuxColumn::push_back.
  void Append(uint32_t ts_s, uint32_t account_id, uint16_t community_id, EventType t, uint32_t aux_value) {
    ts.push_back(ts_s);
    account.push_back(account_id);
    community.push_back(community_id);
    type.push_back(t);
    aux.push_back(aux_value, t);
  }
  void shrink_to_fit() {
    ts.shrink_to_fit();
    account.shrink_to_fit();
    community.shrink_to_fit();
    type.shrink_to_fit();
    aux.shrink_to_fit();
  }

  BlockPackedColumn<uint32_t> ts;  // engine seconds (ToEngineSeconds)
  BlockPackedColumn<uint32_t> account;
  BlockPackedColumn<uint16_t> community;  // < kMaxCommunities
  BlockPackedColumn<EventType> type;
  AuxColumn aux;  // declared after type (points at it)
};

}  // namespace qun

#endif  // QUN_CORE_ENGINE_EVENT_COLUMNS_H_
