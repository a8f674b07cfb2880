#include "core/moderation/automaton.h"

#include <algorithm>
#include <array>
#include <string>

namespace qun::moderation {
namespace {

// States at most this many bytes from the root get a dense row, as long as
// the rows fit in kMaxDenseBytes (then the shallowest states win). Depth 2
// covers every ASCII bigram and every UTF-8 lead + second byte that starts a
// key; measured on the real lexicon (docs/moderation.md#matcher).
int g_dense_depth = 2;
constexpr size_t kMaxDenseBytes = size_t{4} << 20;

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

// Tuning hook for bench/moderation (not part of the interface).
void SetAutomatonDenseDepthForBenchmark(int depth) { g_dense_depth = depth; }

Result<Automaton> Automaton::Build(const std::vector<std::u32string>& keys) {
  Automaton a;
  std::vector<std::string> bytes(keys.size());
  std::vector<bool> valid(keys.size());
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
  std::sort(order.begin(), order.end(),
            [](const auto& x, const auto& y) { return x.first != y.first ? x.first > y.first : x.second < y.second; });
  for (size_t i = 0; i < order.size(); ++i) a.class_[order[i].second] = static_cast<uint8_t>(i + 1);
  a.classes_ = order.size();
  a.row_width_ = static_cast<uint32_t>(a.classes_ + 1);

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
  a.report_.assign(trie.size(), -1);
  a.next_report_.assign(trie.size(), -1);
  a.out_.assign(trie.size(), 0);
  for (int32_t n = 0; n < nodes; ++n) {
    if (trie[n].pattern >= 0) {
      a.out_[n] = static_cast<uint32_t>(trie[n].pattern);
      a.report_[n] = n;
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
      if (a.report_[child] == child) a.next_report_[child] = a.report_[f];
      else a.report_[child] = a.report_[f];
    }
  }

  // Dense states: the shallowest ones (a prefix of the breadth-first order,
  // so every dense state's failure target is dense too).
  int32_t dense = 1;
  const size_t row_bytes = a.row_width_ * sizeof(uint32_t);
  while (dense < nodes && trie[dense].depth <= g_dense_depth &&
         static_cast<size_t>(dense + 1) * row_bytes <= kMaxDenseBytes)
    ++dense;
  a.dense_rows_ = static_cast<size_t>(dense);
  if (static_cast<uint64_t>(dense) * a.row_width_ >= kDense)
    return ResourceExhausted("lexicon too large: the dense rows would exceed 2^30 entries");

  // Double array for the sparse states. Free slots form a doubly linked list
  // so placement skips occupied cells; slots that keep failing are dropped
  // from the list head.
  const auto width = static_cast<int32_t>(a.row_width_);
  std::vector<Cell>& cells = a.cells_;
  std::vector<int32_t> next_free, prev_free;
  int32_t free_head = -1, free_tail = -1;
  auto grow = [&](size_t size) {
    size_t old = cells.size();
    if (size <= old) return;
    cells.resize(size);
    next_free.resize(size, -1);
    prev_free.resize(size, -1);
    for (size_t p = old; p < size; ++p) {
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
  grow(static_cast<size_t>(width) * 2 + 16);
  std::vector<int32_t> slot(trie.size(), -1);
  std::vector<uint8_t> head_misses;
  for (int32_t n = dense; n < nodes; ++n) {
    if (slot[n] < 0) {  // entered only from a dense row: any free slot will do
      if (free_head < 0) grow(cells.size() + cells.size() / 2 + 16);
      int32_t p = free_head;
      take(p);
      cells[p].check = -2;
      slot[n] = p;
    }
    const auto& ch = trie[n].children;
    int32_t s = slot[n];
    if (ch.empty()) continue;  // base 0: no slot has check == s
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
      if (b >= 0) {
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
  if (cells.size() >= kDense) return ResourceExhausted("lexicon too large: the automaton would exceed 2^30 cells");

  // State values, dense rows, failure links of the sparse states.
  auto value = [&](int32_t n) -> uint32_t {
    uint32_t v = n < dense ? kDense | (static_cast<uint32_t>(n) * a.row_width_) : static_cast<uint32_t>(slot[n]);
    return a.report_[n] >= 0 ? v | kReports : v;
  };
  a.dense_.assign(static_cast<size_t>(dense) * a.row_width_, kDense);
  for (int32_t n = 0; n < dense; ++n) {
    uint32_t* row = &a.dense_[static_cast<size_t>(n) * a.row_width_];
    if (n != 0) {  // missing transitions: those of the failure state (dense, already filled)
      const uint32_t* frow = &a.dense_[static_cast<size_t>(fail[n]) * a.row_width_];
      std::copy(frow, frow + a.row_width_, row);
    }
    row[0] = kDense;
    for (const auto& [c, child] : trie[n].children) row[c] = value(child);
  }
  a.fail_.assign(cells.size(), kDense);
  a.node_of_slot_.assign(cells.size(), 0);
  for (int32_t n = dense; n < nodes; ++n) {
    a.fail_[slot[n]] = value(fail[n]);
    a.node_of_slot_[slot[n]] = static_cast<uint32_t>(n);
    if (a.report_[n] >= 0) cells[slot[n]].base |= static_cast<int32_t>(kReports);
  }
  return a;
}

size_t Automaton::MemoryBytes() const {
  return dense_.size() * sizeof(uint32_t) + cells_.size() * sizeof(Cell) +
         (fail_.size() + node_of_slot_.size()) * sizeof(uint32_t) +
         (report_.size() + next_report_.size()) * sizeof(int32_t) + out_.size() * sizeof(uint32_t);
}

}  // namespace qun::moderation
