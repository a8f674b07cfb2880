#include "core/moderation/automaton.h"

#include <algorithm>
#include <array>
#include <string>

namespace qun::moderation {
namespace {

// States at most kDenseDepth bytes from the root get a dense row, as long as
// the rows fit in kMaxDenseBytes (then the shallowest states win). Measured
// on the real lexicon (docs/moderation.md#matcher): all 30,553 states to
// depth 4 (20 MB of rows) leave about 5% of the steps of real text in the
// double array (8 MB of rows: 14%) and scan ~1.14x faster, ~1.25x with huge
// pages; depth 5 (38 MB) gained little more.
constexpr int kDenseDepth = 4;
constexpr size_t kMaxDenseBytes = size_t{24} << 20;

// Appends the UTF-8 bytes of a key; false if it holds a non-scalar value.
bool EncodeKey(const std::u32string& key, std::string* out) {
  for (char32_t c : key) {
    if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
    AppendUtf8(*out, c);
  }
  return true;
}

// A plain trie used only while building; nodes are renumbered breadth first.
struct TrieNode {
  std::vector<std::pair<uint8_t, int32_t>> children;  // (class, node), sorted by class
  int32_t pattern = -1;
  int32_t depth = 0;
};

int32_t Child(const std::vector<TrieNode>& trie, int32_t node, uint8_t c) {
  const auto& ch = trie[node].children;
  auto it = std::lower_bound(ch.begin(), ch.end(), std::make_pair(c, INT32_MIN));
  return it != ch.end() && it->first == c ? it->second : -1;
}

}  // namespace

Result<Automaton> Automaton::Build(const std::vector<std::u32string>& keys) {
  Automaton a;
  std::vector<std::string> bytes(keys.size());
  std::vector<bool> valid(keys.size());
  size_t max_key = 0;
  std::array<uint64_t, 256> freq{};
  for (size_t i = 0; i < keys.size(); ++i) {
    valid[i] = EncodeKey(keys[i], &bytes[i]) && !bytes[i].empty();
    if (!valid[i]) continue;
    for (unsigned char b : bytes[i]) ++freq[b];
  }
  // Byte classes by descending frequency: frequent classes are small, which
  // packs the double array densely.
  std::vector<std::pair<uint64_t, int>> order;
  for (int b = 0; b < 256; ++b)
    if (freq[b] > 0) order.emplace_back(freq[b], b);
  // ASCII bytes first: ASCII text then touches only the front of each dense
  // row (fewer cache lines), UTF-8 text mostly the back.
  std::sort(order.begin(), order.end(), [](const auto& x, const auto& y) {
    bool xa = x.second < 0x80, ya = y.second < 0x80;
    if (xa != ya) return xa;
    return x.first != y.first ? x.first > y.first : x.second < y.second;
  });
  for (size_t i = 0; i < order.size(); ++i) a.class_[order[i].second] = static_cast<uint8_t>(i + 1);
  a.classes_ = order.size();
  a.row_width_ = static_cast<uint32_t>(a.classes_ + 2);  // class 0, classes 1..K, report index

  // Trie over classes.
  std::vector<TrieNode> built(1);
  for (size_t id = 0; id < keys.size(); ++id) {
    if (!valid[id]) continue;
    int32_t node = 0;
    for (unsigned char b : bytes[id]) {
      uint8_t c = a.class_[b];
      auto& ch = built[node].children;
      auto it = std::lower_bound(ch.begin(), ch.end(), std::make_pair(c, INT32_MIN));
      if (it != ch.end() && it->first == c) {
        node = it->second;
      } else {
        int32_t next = static_cast<int32_t>(built.size());
        int32_t depth = built[node].depth + 1;
        ch.insert(it, {c, next});
        built.emplace_back();  // invalidates `ch`; not used after this
        built.back().depth = depth;
        node = next;
      }
    }
    if (built[node].pattern < 0) built[node].pattern = static_cast<int32_t>(id);
  }
  // Breadth-first renumbering: node ids grow with depth.
  std::vector<int32_t> bfs{0};
  bfs.reserve(built.size());
  for (size_t q = 0; q < bfs.size(); ++q)
    for (const auto& [c, child] : built[bfs[q]].children) bfs.push_back(child);
  std::vector<int32_t> new_id(built.size());
  for (size_t i = 0; i < bfs.size(); ++i) new_id[bfs[i]] = static_cast<int32_t>(i);
  std::vector<TrieNode> trie(built.size());
  for (size_t i = 0; i < bfs.size(); ++i) {
    trie[i] = std::move(built[bfs[i]]);
    for (auto& [c, child] : trie[i].children) child = new_id[child];
  }
  built.clear();
  built.shrink_to_fit();
  const auto nodes = static_cast<int32_t>(trie.size());
  a.states_ = trie.size();

  // Failure links and report chains (breadth first).
  std::vector<int32_t> fail(trie.size(), 0);
  std::vector<int32_t> report(trie.size(), -1), next_report(trie.size(), -1);
  std::vector<uint32_t> out(trie.size(), 0);
  for (int32_t n = 0; n < nodes; ++n) {
    if (trie[n].pattern >= 0) {
      out[n] = static_cast<uint32_t>(trie[n].pattern);
      report[n] = n;
    }
  }
  for (int32_t n = 0; n < nodes; ++n) {
    for (const auto& [c, child] : trie[n].children) {
      int32_t f = 0;
      if (n != 0) {
        for (f = fail[n];; f = fail[f]) {
          int32_t g = Child(trie, f, c);
          if (g >= 0) {
            f = g;
            break;
          }
          if (f == 0) break;
        }
      }
      fail[child] = f;
      if (report[child] == child) next_report[child] = report[f];
      else report[child] = report[f];
    }
  }

  for (const auto& b : bytes) max_key = std::max(max_key, b.size());
  a.max_key_bytes_ = max_key;

  // Dense states: the shallowest ones (a prefix of the breadth-first order,
  // so every dense state's failure target is dense too).
  int32_t dense = 1;
  const size_t row_bytes = a.row_width_ * sizeof(uint32_t);
  while (dense < nodes && trie[dense].depth <= kDenseDepth &&
         static_cast<size_t>(dense + 1) * row_bytes <= kMaxDenseBytes)
    ++dense;
  a.dense_rows_ = static_cast<size_t>(dense);
  if (static_cast<uint64_t>(dense) * a.row_width_ >= kDense)
    return ResourceExhausted("lexicon too large: the dense rows would exceed 2^30 entries");

  // Double array. Slots 0..K are reserved (check -3): the base of every
  // state without goto entries of its own; the root is slot 0. Free slots
  // form a doubly linked list so placement skips occupied cells; slots that
  // keep failing are dropped from the list head.
  const auto width = static_cast<int32_t>(a.row_width_);
  auto& cells = a.cells_;
  std::vector<int32_t> next_free, prev_free;
  int32_t free_head = -1, free_tail = -1;
  auto grow = [&](size_t size) {
    size_t old = cells.size();
    if (size <= old) return;
    cells.resize(size);
    next_free.resize(size, -1);
    prev_free.resize(size, -1);
    for (size_t p = std::max<size_t>(old, static_cast<size_t>(width)); p < size; ++p) {
      auto q = static_cast<int32_t>(p);
      prev_free[q] = free_tail;
      if (free_tail >= 0) next_free[free_tail] = q;
      else free_head = q;
      free_tail = q;
    }
  };
  auto take = [&](int32_t p) {
    if (prev_free[p] >= 0 || free_head == p) {
      if (prev_free[p] >= 0) next_free[prev_free[p]] = next_free[p];
      else free_head = next_free[p];
      if (next_free[p] >= 0) prev_free[next_free[p]] = prev_free[p];
      else free_tail = prev_free[p];
    }
    next_free[p] = prev_free[p] = -1;
  };
  grow(static_cast<size_t>(width) * 3 + 16);
  for (int32_t p = 0; p < width; ++p) cells[p].check = -3;
  std::vector<int32_t> slot(trie.size(), -1);
  std::vector<uint8_t> head_misses;
  for (int32_t n = dense; n < nodes; ++n) {
    if (slot[n] < 0) {  // entered only from a dense row or a failure link: any free slot
      if (free_head < 0) grow(cells.size() + cells.size() / 2 + 16);
      int32_t p = free_head;
      take(p);
      cells[p].check = -2;
      slot[n] = p;
    }
    const auto& ch = trie[n].children;
    if (ch.empty()) continue;  // base 0: the reserved slots
    int32_t s = slot[n];
    int32_t first = ch.front().first;
    int32_t base = -1;
    int32_t p = free_head;
    for (;;) {
      if (p < 0) {  // out of free slots: grow and continue from the new ones
        size_t old = cells.size();
        grow(old + old / 2 + static_cast<size_t>(width) + 16);
        p = static_cast<int32_t>(old);
        continue;
      }
      int32_t b = p - first;
      if (b >= width) {
        size_t need = static_cast<size_t>(b) + ch.back().first + 1;
        if (need > cells.size()) grow(need + need / 2);
        bool fits = true;
        for (const auto& [c, child] : ch) {
          if (cells[b + c].check != -1) {
            fits = false;
            break;
          }
        }
        if (fits) {
          base = b;
          break;
        }
      }
      if (p == free_head) {
        if (head_misses.size() < cells.size()) head_misses.resize(cells.size(), 0);
        if (++head_misses[p] > 8) {
          int32_t nx = next_free[p];
          take(p);  // abandoned by the list; a later placement may still use it
          p = nx;
          continue;
        }
      }
      p = next_free[p];
    }
    cells[s].base = base;
    for (const auto& [c, child] : ch) {
      int32_t t = base + c;
      cells[t].check = s;
      take(t);
      slot[child] = t;
    }
  }
  // Pad so base + class never leaves the array.
  int32_t max_base = 0;
  for (const auto& c : cells) max_base = std::max(max_base, c.base);
  grow(static_cast<size_t>(max_base) + static_cast<size_t>(width) + 1);
  if (cells.size() >= kDeepFail) return ResourceExhausted("lexicon too large: the automaton would exceed 2^30 cells");

  // State values, report lists, dense rows (missing transitions are those
  // of the failure state, which is dense and already filled), miss rows.
  std::vector<uint32_t> val(trie.size());
  for (int32_t n = 0; n < nodes; ++n) {
    val[n] = n < dense ? kDense | (static_cast<uint32_t>(n) * a.row_width_) : static_cast<uint32_t>(slot[n]);
    if (report[n] >= 0) val[n] |= kReports;
  }
  std::vector<uint32_t> report_index(trie.size(), 0);
  for (int32_t n = 0; n < nodes; ++n) {
    if (report[n] < 0) continue;
    if (a.reports_.size() >= kIndexMask) return ResourceExhausted("lexicon too large: too many report entries");
    report_index[n] = static_cast<uint32_t>(a.reports_.size());
    for (int32_t r = report[n]; r >= 0; r = next_report[r]) a.reports_.push_back(out[r]);
    a.reports_.back() |= kLastReport;
  }
  a.dense_.assign(static_cast<size_t>(dense) * a.row_width_, kDense);
  for (int32_t n = 0; n < dense; ++n) {
    uint32_t* row = &a.dense_[static_cast<size_t>(n) * a.row_width_];
    if (n != 0) {
      const uint32_t* frow = &a.dense_[static_cast<size_t>(fail[n]) * a.row_width_];
      std::copy(frow, frow + a.row_width_, row);
    }
    row[0] = kDense;
    for (const auto& [c, child] : trie[n].children) row[c] = val[child];
    row[a.row_width_ - 1] = report_index[n];
  }
  std::vector<uint32_t> miss_row(trie.size(), 0);
  a.fail_.assign(cells.size(), kDense);
  for (int32_t n = 0; n < nodes; ++n) {
    if (n < dense) {
      miss_row[n] = static_cast<uint32_t>(n) * a.row_width_;
      continue;
    }
    Cell& cell = cells[slot[n]];
    miss_row[n] = miss_row[fail[n]];  // fail[n] is shallower: already set
    cell.row = miss_row[n];
    if (fail[n] >= dense) cell.flags |= kDeepFail;
    if (report[n] >= 0) cell.flags |= kReports | report_index[n];
    a.fail_[slot[n]] = val[fail[n]];
  }
  return a;
}

uint32_t Automaton::StepSlow(uint32_t s, uint32_t c) const {
  for (uint32_t f = fail_[s];; f = fail_[f & kIndexMask]) {
    if (f & kDense) return dense_[(f & kIndexMask) + c];
    const Cell& cell = cells_[f & kIndexMask];
    uint32_t t = static_cast<uint32_t>(cell.base) + c;
    if (cells_[t].check == static_cast<int32_t>(f & kIndexMask)) return t | (cells_[t].flags & kReports);
    if (!(cell.flags & kDeepFail)) return dense_[cell.row + c];
  }
}

size_t Automaton::MemoryBytes() const {
  return cells_.size() * sizeof(Cell) + (dense_.size() + fail_.size() + reports_.size()) * sizeof(uint32_t);
}

}  // namespace qun::moderation
