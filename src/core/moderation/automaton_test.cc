// Differential test: the double-array automaton against a naive scan, on
// random lexicons and texts (seeded, so failures reproduce).
#include "core/moderation/automaton.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace qun::moderation {
namespace {

using Hit = std::pair<size_t, uint32_t>;  // (end, pattern)

std::vector<Hit> Naive(const std::vector<std::u32string>& keys, const std::u32string& text) {
  std::vector<Hit> hits;
  for (size_t end = 1; end <= text.size(); ++end) {
    // Lowest id per distinct key, like the automaton.
    for (uint32_t id = 0; id < keys.size(); ++id) {
      const auto& k = keys[id];
      if (k.empty() || k.size() > end) continue;
      if (text.compare(end - k.size(), k.size(), k) != 0) continue;
      bool first = true;
      for (uint32_t j = 0; j < id && first; ++j) first = keys[j] != k;
      if (first) hits.emplace_back(end, id);
    }
  }
  std::sort(hits.begin(), hits.end());
  return hits;
}

std::u32string RandomString(std::mt19937& rng, const std::u32string& alphabet, size_t max_len) {
  std::uniform_int_distribution<size_t> len(0, max_len), pick(0, alphabet.size() - 1);
  std::u32string s;
  for (size_t n = len(rng); n > 0; --n) s += alphabet[pick(rng)];
  return s;
}

TEST(AutomatonDifferential, MatchesNaiveScanOnRandomLexicons) {
  // Small alphabets force many shared prefixes, suffix overlaps and
  // failure-link chains; the mix of ASCII, CJK and astral code points
  // exercises every label path.
  const std::u32string alphabets[] = {U"ab", U"abc微信", U"ab😀薇𝟙c", U"abcdefghijklmnopqrstuvwxyz0123456789"};
  std::mt19937 rng(20260301);
  for (int round = 0; round < 200; ++round) {
    const auto& alpha = alphabets[round % 4];
    std::vector<std::u32string> keys;
    size_t nkeys = 1 + rng() % 60;
    for (size_t i = 0; i < nkeys; ++i) keys.push_back(RandomString(rng, alpha, 6));
    auto a = Automaton::Build(keys);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    for (int t = 0; t < 10; ++t) {
      std::u32string text = RandomString(rng, alpha + U"xyz", 80);
      std::vector<Hit> got;
      a->Scan(text.data(), text.size(), [&](size_t end, uint32_t id) { got.emplace_back(end, id); });
      std::sort(got.begin(), got.end());
      ASSERT_EQ(got, Naive(keys, text)) << "round " << round;
      // UTF-8 path: ends are byte offsets; map them back to char indices.
      std::string utf8;
      std::vector<size_t> char_end_at_byte;
      for (size_t ci = 0; ci < text.size(); ++ci) {
        AppendUtf8(utf8, text[ci]);
        char_end_at_byte.resize(utf8.size() + 1, 0);
        char_end_at_byte[utf8.size()] = ci + 1;
      }
      std::vector<Hit> got8;
      a->ScanUtf8(utf8, [&](size_t end, uint32_t id) { got8.emplace_back(char_end_at_byte[end], id); });
      std::sort(got8.begin(), got8.end());
      ASSERT_EQ(got8, got) << "round " << round;
    }
  }
}

TEST(AutomatonDifferential, LargeLexiconWithDenseBranching) {
  std::mt19937 rng(7);
  std::u32string alpha;
  for (char32_t c = 0x4E00; c < 0x4E00 + 300; ++c) alpha += c;
  std::vector<std::u32string> keys;
  for (int i = 0; i < 3000; ++i) keys.push_back(RandomString(rng, alpha, 4));
  auto a = Automaton::Build(keys);
  ASSERT_TRUE(a.ok());
  for (int t = 0; t < 20; ++t) {
    std::u32string text = RandomString(rng, alpha, 400);
    std::vector<Hit> got;
    a->Scan(text.data(), text.size(), [&](size_t end, uint32_t id) { got.emplace_back(end, id); });
    std::sort(got.begin(), got.end());
    ASSERT_EQ(got, Naive(keys, text));
  }
}

TEST(Automaton, EmptyAndUnknown) {
  auto a = Automaton::Build({});
  ASSERT_TRUE(a.ok());
  size_t n = 0;
  std::u32string text = U"hello";
  a->Scan(text.data(), text.size(), [&](size_t, uint32_t) { ++n; });
  a->ScanUtf8("\xff\xe4\xb8", [&](size_t, uint32_t) { ++n; });
  EXPECT_EQ(n, 0u);
}

}  // namespace
}  // namespace qun::moderation
