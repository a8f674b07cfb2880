// Event columns: the engine's event log as compact, append-only columns
// indexed by row (row = seq - 1). docs/metrics.md#event-columns
// describes the layout and its bytes per event.
//
// BlockPackedColumn<T> stores unsigned values of up to 32 bits in blocks of
// kBlockRows (256) rows, frame-of-reference coded: each full ("sealed")
// block keeps its minimum (base), its bit width w = bit_width(max - min) and
// the word where its 256 w-bit offsets start; the offsets are bit-packed back
// to back (256 * w bits = 4 * w whole 64-bit words, so every block starts on
// a word; packing and reading are packed_array.h's PackBits / UnpackBits).
// Reading row i is one block-header load, one unaligned 8-byte load, a shift
// and a mask: O(1). The last, still open block (fewer than 256 rows)
// stays as plain uint32 values in a fixed buffer and is packed when it fills,
// so appends are O(1) amortized and the packing sees the whole block
// (out-of-order values only widen their own block).
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

  // Row i (i < size()). O(1).
  T operator[](size_t i) const {
    if (i >= sealed_) return static_cast<T>(tail_[i - sealed_]);
    const Block& b = blocks_[i >> kBlockShift];
    return static_cast<T>(b.base + static_cast<uint32_t>(UnpackBits(words_.data() + b.word, i & (kBlockRows - 1), b.width)));
  }

  // Rows [first, end) into out[0, end - first): the sequential path for
  // scans (one header per block). Precondition: first <= end <= size().
  void DecodeRange(size_t first, size_t end, T* out) const {
    while (first < end && first < sealed_) {
      const Block& b = blocks_[first >> kBlockShift];
      const size_t block_end = std::min(end, ((first >> kBlockShift) + 1) << kBlockShift);
      const uint64_t* words = words_.data() + b.word;
      for (; first < block_end; ++first)
        *out++ = static_cast<T>(b.base + static_cast<uint32_t>(UnpackBits(words, first & (kBlockRows - 1), b.width)));
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
  }

  // Heap bytes (capacity of the packed words and the block headers) plus
  // the open block's fixed buffer (held inline).
  size_t MemoryBytes() const {
    return words_.capacity() * sizeof(uint64_t) + blocks_.capacity() * sizeof(Block) + sizeof(tail_);
  }

  // Bit width of sealed block b (tests and statistics).
  int block_width(size_t b) const { return blocks_[b].width; }
  size_t sealed_blocks() const { return blocks_.size(); }

 private:
  struct Block {
    uint32_t base;  // the block's minimum
    uint32_t word;  // index into words_ of its first offset
    uint8_t width;  // bits per offset, 0..32
  };

  // Grows `v` by a quarter (bounded slack, like the columns before) when
  // it must hold n elements.
  template <typename V>
  static void Grow(V& v, size_t n) {
    if (n > v.capacity()) v.reserve(std::max(n, v.capacity() + v.capacity() / 4));
  }

  void Seal() {
    uint32_t lo = tail_[0], hi = tail_[0];
    for (uint32_t v : tail_) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    const int width = std::bit_width(hi - lo);
    // words_ always ends with one zero padding word for the 8-byte load.
    const size_t word = words_.empty() ? 0 : words_.size() - 1;
    const size_t nwords = kBlockRows * static_cast<size_t>(width) / 64;
    Grow(words_, word + nwords + 1);
    words_.resize(word + nwords + 1, 0);
    if (width > 0) {
      std::array<uint32_t, kBlockRows> offsets;
      for (size_t k = 0; k < kBlockRows; ++k) offsets[k] = tail_[k] - lo;
      PackBits(width, offsets.data(), kBlockRows, words_.data() + word);
    }
    Grow(blocks_, blocks_.size() + 1);
    blocks_.push_back(Block{lo, static_cast<uint32_t>(word), static_cast<uint8_t>(width)});
    sealed_ += kBlockRows;
  }

  size_t size_ = 0;
  size_t sealed_ = 0;                        // rows in sealed blocks (a multiple of kBlockRows)
  std::vector<uint64_t> words_;              // packed offsets + 1 padding word (empty before the first block)
  std::vector<Block> blocks_;                // one per sealed block
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
