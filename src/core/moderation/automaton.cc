#include "core/moderation/automaton.h"

#include <algorithm>
#include <array>
#include <string>

namespace qun::moderation {
namespace {

// States at most kDenseDepth bytes from the root get a dense row, as long as
// the rows fit in kMaxDenseBytes (then the shallowest states win). Measured
// on the real lexicon (docs/moderation.md#matcher): with rows of one kind's
// classes, all 58,153 states to depth 5 fit in 23 MB (full-width rows: 38.6
// MB) and leave fewer steps in the double array than depth 4; depth 6
// (capped at 24 MB) changed little.
constexpr int kDenseDepth = 5;
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
  std::vector<std::pair<uint16_t, int32_t>> children;  // (label, node), sorted by label
  int32_t pattern = -1;
  int32_t depth = 0;
  uint8_t pending = 0;  // continuation bytes still due in the label's last character
};

// A trie label: the byte's class, plus 256 for a continuation byte (the two
// kinds share class numbers).
uint16_t Label(unsigned char b, uint8_t cls) { return static_cast<uint16_t>(cls | ((b >> 6) == 2 ? 256 : 0)); }
uint8_t ClassOf(uint16_t label) { return static_cast<uint8_t>(label & 0xFF); }
// Continuation bytes that follow a byte in valid UTF-8 (lead bytes 1..3).
uint8_t PendingAfter(unsigned char b) { return b >= 0xF8 ? 0 : b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0; }

int32_t Child(const std::vector<TrieNode>& trie, int32_t node, uint16_t c) {
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
  // packs the double array densely. Continuation bytes (0x80..0xBF) are
  // numbered apart from the others: a state inside a character only ever
  // steps on them (valid UTF-8), any other state never does, so each row
  // needs only its own kind's classes.
  std::vector<std::pair<uint64_t, int>> order, cont;
  for (int b = 0; b < 256; ++b)
    if (freq[b] > 0) ((b >> 6) == 2 ? cont : order).emplace_back(freq[b], b);
  // ASCII bytes first: ASCII text then touches only the front of each dense
  // row (fewer cache lines), UTF-8 text mostly the back.
  std::sort(order.begin(), order.end(), [](const auto& x, const auto& y) {
    bool xa = x.second < 0x80, ya = y.second < 0x80;
    if (xa != ya) return xa;
    return x.first != y.first ? x.first > y.first : x.second < y.second;
  });
  std::sort(cont.begin(), cont.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first > y.first : x.second < y.second;
  });
  for (size_t i = 0; i < order.size(); ++i) a.class_[order[i].second] = static_cast<uint8_t>(i + 1);
  for (size_t i = 0; i < cont.size(); ++i) a.class_[cont[i].second] = static_cast<uint8_t>(i + 1);
  // Lead bytes in no key get one class per character length (K+1..K+3), so
  // the automaton still knows how many continuation bytes follow.
  const auto kb = static_cast<uint32_t>(order.size());
  for (int b = 0xC0; b < 0xF8; ++b)
    if (freq[b] == 0) a.class_[b] = static_cast<uint8_t>(kb + PendingAfter(static_cast<unsigned char>(b)));
  a.classes_ = order.size() + cont.size();
  a.row_width_ = kb + 4;  // class 0 (ASCII or an invalid byte in no key), classes 1..K, the 3 above
  a.mid_width_ = static_cast<uint32_t>(cont.size() + 1);
  const uint32_t max_width = std::max(a.row_width_, a.mid_width_);

  // Trie over classes.
  std::vector<TrieNode> built(1);
  for (size_t id = 0; id < keys.size(); ++id) {
    if (!valid[id]) continue;
    int32_t node = 0;
    for (unsigned char b : bytes[id]) {
      uint16_t c = Label(b, a.class_[b]);
      auto& ch = built[node].children;
      auto it = std::lower_bound(ch.begin(), ch.end(), std::make_pair(c, INT32_MIN));
      if (it != ch.end() && it->first == c) {
        node = it->second;
      } else {
        int32_t next = static_cast<int32_t>(built.size());
        int32_t depth = built[node].depth + 1;
        uint8_t pending = (b >> 6) == 2 ? built[node].pending - 1 : PendingAfter(b);
        ch.insert(it, {c, next});
        built.emplace_back();  // invalidates `ch`; not used after this
        built.back().depth = depth;
        built.back().pending = pending;
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
  // so every dense state's failure target is dense too). A row is a header
  // (report index | kMid) then its kind's entries; a state value points at
  // the entries. After the rows, three rows of
  // "the root, k continuation bytes still due" (k = 1..3): where a state
  // inside a character goes when it falls back to the root, so that the
  // next continuation byte is still read as one (R_k leads to R_k-1 on
  // every class; R_0 is the root).
  auto mid = [&](int32_t n) { return trie[n].pending != 0; };
  auto row_len = [&](int32_t n) -> size_t { return (mid(n) ? a.mid_width_ : a.row_width_) + size_t{1}; };
  std::vector<uint32_t> row_at(trie.size(), 0);
  row_at[0] = kRoot;
  int32_t dense = 1;
  size_t dense_entries = row_len(0);
  while (dense < nodes && trie[dense].depth <= kDenseDepth &&
         (dense_entries + row_len(dense)) * sizeof(uint32_t) <= kMaxDenseBytes) {
    row_at[dense] = static_cast<uint32_t>(dense_entries + 1);
    dense_entries += row_len(dense);
    ++dense;
  }
  uint32_t root_due[4] = {kRoot, 0, 0, 0};  // R_0..R_3 (state values: row offsets)
  for (int k = 1; k <= 3; ++k) {
    root_due[k] = static_cast<uint32_t>(dense_entries + 1);
    dense_entries += a.mid_width_ + 1;
  }
  a.dense_rows_ = static_cast<size_t>(dense);
  if (dense_entries >= kMid) return ResourceExhausted("lexicon too large: the dense rows would exceed 2^29 entries");

  // Double array. Slots 0..K are reserved (check -3): the base of every
  // state without goto entries of its own; the root is slot 0. Free slots
  // form a doubly linked list so placement skips occupied cells; slots that
  // keep failing are dropped from the list head.
  const auto width = static_cast<int32_t>(max_width);
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
    int32_t first = ClassOf(ch.front().first);
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
        size_t need = static_cast<size_t>(b) + ClassOf(ch.back().first) + 1;
        if (need > cells.size()) grow(need + need / 2);
        bool fits = true;
        for (const auto& [c, child] : ch) {
          if (cells[b + ClassOf(c)].check != -1) {
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
      int32_t t = base + ClassOf(c);
      cells[t].check = s;
      take(t);
      slot[child] = t;
    }
  }
  // Pad so base + class never leaves the array.
  int32_t max_base = 0;
  for (const auto& c : cells) max_base = std::max(max_base, c.base);
  grow(static_cast<size_t>(max_base) + static_cast<size_t>(width) + 1);
  if (cells.size() >= kMid) return ResourceExhausted("lexicon too large: the automaton would exceed 2^29 cells");

  // State values, report lists, dense rows (missing transitions are those
  // of the failure state, which is dense and already filled), miss rows.
  std::vector<uint32_t> val(trie.size());
  for (int32_t n = 0; n < nodes; ++n) {
    // kMid only in deep values: a dense value that ends no key must stay
    // below kMid (the hot loop's single comparison).
    val[n] = n < dense ? row_at[n] : kDeep | static_cast<uint32_t>(slot[n]);
    if (report[n] >= 0) val[n] |= kReports;
    if (mid(n) && n >= dense) val[n] |= kMid;
  }
  std::vector<uint32_t> report_index(trie.size(), 0);
  for (int32_t n = 0; n < nodes; ++n) {
    if (report[n] < 0) continue;
    if (a.reports_.size() >= kIndexMask) return ResourceExhausted("lexicon too large: too many report entries");
    report_index[n] = static_cast<uint32_t>(a.reports_.size());
    for (int32_t r = report[n]; r >= 0; r = next_report[r]) a.reports_.push_back(out[r]);
    a.reports_.back() |= kLastReport;
  }
  // A state's failure target is of its own kind (and, inside a character,
  // as many continuation bytes due), or the root: then a state inside a
  // character falls back to R_k instead.
  a.dense_.assign(dense_entries, kRoot);
  for (int k = 1; k <= 3; ++k) {
    std::fill_n(&a.dense_[root_due[k]], a.mid_width_, root_due[k - 1]);
    a.dense_[root_due[k] - 1] = kMid;  // header: inside a character, no report
  }
  for (int b = 0xC0; b < 0xF8; ++b)  // the root on a lead byte that starts no key
    a.dense_[kRoot + a.class_[b]] = root_due[PendingAfter(static_cast<unsigned char>(b))];
  auto fallback = [&](int32_t n) { return mid(n) ? root_due[trie[n].pending] : kRoot; };
  for (int32_t n = 0; n < dense; ++n) {
    uint32_t* row = &a.dense_[row_at[n]];
    const size_t entries = row_len(n) - 1;
    if (n != 0) {
      const uint32_t from = mid(fail[n]) == mid(n) ? row_at[fail[n]] : fallback(n) & kIndexMask;
      std::copy_n(&a.dense_[from], entries, row);
    }
    for (const auto& [c, child] : trie[n].children) row[ClassOf(c)] = val[child];
    row[-1] = report_index[n] | (mid(n) ? kMid : 0);
  }
  std::vector<uint32_t> miss_row(trie.size(), 0);
  a.fail_.assign(cells.size(), kRoot);
  for (int32_t n = 0; n < nodes; ++n) {
    if (n < dense) {
      miss_row[n] = row_at[n];
      continue;
    }
    Cell& cell = cells[slot[n]];
    // fail[n] is shallower: already set
    const bool own_kind = mid(fail[n]) == mid(n);
    miss_row[n] = own_kind ? miss_row[fail[n]] : fallback(n) & kIndexMask;
    cell.row = miss_row[n];
    if (fail[n] >= dense) cell.flags |= kDeepFail;
    if (report[n] >= 0) cell.flags |= kReports | report_index[n];
    if (mid(n)) cell.flags |= kMid;
    a.fail_[slot[n]] = own_kind ? val[fail[n]] : fallback(n);
  }
  // Where the root goes on each byte (a byte of the wrong kind in invalid
  // UTF-8): a continuation byte starts no key.
  for (int b = 0; b < 256; ++b)
    a.restart_[b] = (b >> 6) == 2 ? kRoot : a.dense_[kRoot + a.class_[b]];
  return a;
}

size_t Automaton::MemoryBytes() const {
  return cells_.size() * sizeof(Cell) + (dense_.size() + fail_.size() + reports_.size()) * sizeof(uint32_t);
}

}  // namespace qun::moderation
