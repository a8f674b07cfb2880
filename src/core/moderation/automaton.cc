#include "core/moderation/automaton.h"

#include <algorithm>
#include <deque>
#include <string>

namespace qun::moderation {
namespace {

// A plain trie used only while building.
struct TrieNode {
  std::vector<std::pair<uint32_t, int32_t>> children;  // (label, node), sorted by label
  int32_t pattern = -1;
};

}  // namespace

Result<Automaton> Automaton::Build(const std::vector<std::u32string>& keys) {
  Automaton a;
  // Alphabet by descending frequency: frequent labels are small, which packs
  // the double array densely near its start.
  std::unordered_map<char32_t, uint64_t> freq;
  for (const auto& k : keys)
    for (char32_t c : k) ++freq[c];
  if (freq.size() > 65535) {
    return ResourceExhausted("lexicon uses " + std::to_string(freq.size()) +
                             " distinct characters; the matcher supports at most 65535");
  }
  std::vector<std::pair<uint64_t, char32_t>> order;
  order.reserve(freq.size());
  for (const auto& [c, f] : freq) order.emplace_back(f, c);
  std::sort(order.begin(), order.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first > y.first : x.second < y.second;
  });
  a.bmp_.assign(0x10000, 0);
  for (size_t i = 0; i < order.size(); ++i) {
    char32_t c = order[i].second;
    uint16_t label = static_cast<uint16_t>(i + 1);
    if (c < 0x10000) a.bmp_[c] = label;
    else a.astral_.emplace(c, label);
  }
  for (int c = 0; c < 128; ++c) a.ascii_[c] = a.bmp_[c];
  a.alphabet_ = order.size();

  // Trie.
  std::vector<TrieNode> trie(1);
  for (size_t id = 0; id < keys.size(); ++id) {
    const auto& k = keys[id];
    if (k.empty()) continue;
    int32_t node = 0;
    for (char32_t c : k) {
      uint32_t label = a.Label(c);
      auto& ch = trie[node].children;
      auto it = std::lower_bound(ch.begin(), ch.end(), std::make_pair(label, INT32_MIN));
      if (it != ch.end() && it->first == label) {
        node = it->second;
      } else {
        int32_t next = static_cast<int32_t>(trie.size());
        ch.insert(it, {label, next});
        trie.emplace_back();  // invalidates `ch`; not used after this
        node = next;
      }
    }
    if (trie[node].pattern < 0) trie[node].pattern = static_cast<int32_t>(id);
  }

  // Double array. Free slots form a doubly linked list so placement skips
  // occupied cells; slots that keep failing are dropped from the list head.
  const int32_t alpha = static_cast<int32_t>(a.alphabet_);
  std::vector<Cell>& cells = a.cells_;
  std::vector<int32_t> next_free, prev_free;
  int32_t free_head = -1, free_tail = -1;
  auto grow = [&](size_t size) {
    size_t old = cells.size();
    if (size <= old) return;
    cells.resize(size);
    next_free.resize(size, -1);
    prev_free.resize(size, -1);
    for (size_t p = std::max<size_t>(old, 1); p < size; ++p) {
      int32_t q = static_cast<int32_t>(p);
      prev_free[q] = free_tail;
      if (free_tail >= 0) next_free[free_tail] = q;
      else free_head = q;
      free_tail = q;
    }
  };
  auto take = [&](int32_t p) {
    if (prev_free[p] >= 0) next_free[prev_free[p]] = next_free[p];
    else free_head = next_free[p];
    if (next_free[p] >= 0) prev_free[next_free[p]] = prev_free[p];
    else free_tail = prev_free[p];
  };
  grow(static_cast<size_t>(alpha) * 2 + 16);
  cells[0].check = -2;  // root: never free, never anyone's child
  std::vector<int32_t> da_of(trie.size(), -1);
  da_of[0] = 0;
  std::vector<uint8_t> head_misses;
  std::deque<int32_t> queue{0};
  while (!queue.empty()) {
    int32_t node = queue.front();
    queue.pop_front();
    const auto& ch = trie[node].children;
    int32_t s = da_of[node];
    if (ch.empty()) {
      cells[s].base = 0;
      continue;
    }
    int32_t first = static_cast<int32_t>(ch.front().first);
    int32_t base = -1;
    int32_t p = free_head;
    for (;;) {
      if (p < 0) {  // out of free slots: grow and continue from the new ones
        size_t old = cells.size();
        grow(old + old / 2 + static_cast<size_t>(alpha) + 16);
        p = static_cast<int32_t>(old);
        continue;
      }
      int32_t b = p - first;
      if (b >= 0) {
        size_t need = static_cast<size_t>(b) + ch.back().first + 1;
        if (need > cells.size()) grow(need + need / 2);
        bool fits = true;
        for (const auto& [label, child] : ch) {
          if (cells[b + static_cast<int32_t>(label)].check != -1) {
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
          next_free[p] = prev_free[p] = -1;
          p = nx;
          continue;
        }
      }
      p = next_free[p];
    }
    cells[s].base = base;
    for (const auto& [label, child] : ch) {
      int32_t t = base + static_cast<int32_t>(label);
      cells[t].check = s;
      // A slot abandoned by the list head may still be reused here.
      if (prev_free[t] >= 0 || free_head == t) take(t);
      next_free[t] = prev_free[t] = -1;
      da_of[child] = t;
      queue.push_back(child);
    }
  }
  // Pad so base + label never leaves the array.
  int32_t max_base = 0;
  for (const auto& c : cells) max_base = std::max(max_base, c.base);
  if (cells.size() < static_cast<size_t>(max_base) + alpha + 1) grow(static_cast<size_t>(max_base) + alpha + 1);
  a.states_ = trie.size();

  // Outputs, failure and report links (breadth first).
  if (cells.size() >= static_cast<size_t>(kReports))
    return ResourceExhausted("lexicon too large: the automaton would exceed 2^30 cells");
  a.out_.assign(cells.size(), 0);
  a.next_report_.assign(cells.size(), -1);
  std::vector<int32_t>& fail = a.fail_;
  std::vector<int32_t>& report = a.report_;
  fail.assign(cells.size(), 0);
  report.assign(cells.size(), -1);
  for (size_t n = 0; n < trie.size(); ++n) {
    if (trie[n].pattern >= 0) {
      a.out_[da_of[n]] = static_cast<uint32_t>(trie[n].pattern);
      report[da_of[n]] = da_of[n];
    }
  }
  queue.push_back(0);
  while (!queue.empty()) {
    int32_t node = queue.front();
    queue.pop_front();
    int32_t s = da_of[node];
    for (const auto& [label, child] : trie[node].children) {
      int32_t t = da_of[child];
      int32_t f = 0;
      if (s != 0) {
        f = fail[s];
        for (;;) {
          int32_t g = cells[f].base + static_cast<int32_t>(label);
          if (cells[g].check == f) {
            f = g;
            break;
          }
          if (f == 0) break;
          f = fail[f];
        }
      }
      fail[t] = f;
      int32_t inherited = report[f];
      if (report[t] == t) a.next_report_[t] = inherited;
      else report[t] = inherited;
      queue.push_back(child);
    }
  }
  for (size_t st = 0; st < cells.size(); ++st)
    if (report[st] >= 0) cells[st].base |= kReports;
  return a;
}

size_t Automaton::MemoryBytes() const {
  return cells_.size() * sizeof(Cell) + (fail_.size() + report_.size()) * sizeof(int32_t) +
         out_.size() * sizeof(uint32_t) +
         next_report_.size() * sizeof(int32_t) + bmp_.size() * sizeof(uint16_t) +
         astral_.size() * (sizeof(char32_t) + sizeof(uint16_t) + 16);
}

}  // namespace qun::moderation
