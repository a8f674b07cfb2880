// Differential test: the double-array automaton against a naive scan, on
// random lexicons and texts (seeded, so failures reproduce).
#include "core/moderation/automaton.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <random>

#include "core/moderation/automaton_testing.h"

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

// Raw UTF-8 reference: decode (an invalid byte is one character in no key),
// run the naive scan, and map character ends to byte ends.
std::vector<Hit> NaiveUtf8(const std::vector<std::u32string>& keys, const std::string& text) {
  const auto d = DecodeForScan(text);
  std::vector<Hit> hits = Naive(keys, d.chars);
  for (auto& h : hits) h.first = d.byte_end[h.first - 1];
  return hits;
}

// Random UTF-8 with stray bytes: continuation bytes, truncated sequences,
// overlong forms, surrogates, bytes >= 0xF5.
std::string RandomBytes(std::mt19937& rng, const std::u32string& alphabet, size_t chars) {
  static const char* junk[] = {"\x80", "\xBF", "\xE4\xB8", "\xE4", "\xC0\x80", "\xED\xA0\x80", "\xF5", "\xFF", "\xF0\x9F\x98"};
  std::string s;
  for (size_t n = 0; n < chars; ++n) {
    if (rng() % 16 == 0) s += junk[rng() % std::size(junk)];
    else AppendUtf8(s, alphabet[rng() % alphabet.size()]);
  }
  return s;
}

TEST(AutomatonDifferential, RawUtf8WithInvalidBytesMatchesDecodedScan) {
  const std::u32string alphabets[] = {U"ab", U"ab信微\u4e2d", U"a😀薇c\u00e9", U"abcxyz.0"};
  std::mt19937 rng(99);
  for (int round = 0; round < 120; ++round) {
    const auto& alpha = alphabets[round % 4];
    std::vector<std::u32string> keys;
    size_t nkeys = 1 + rng() % 40;
    for (size_t i = 0; i < nkeys; ++i) keys.push_back(RandomString(rng, alpha, 5));
    auto a = Automaton::Build(keys);
    ASSERT_TRUE(a.ok());
    std::string text = RandomBytes(rng, alpha, 60);
    std::vector<Hit> got;
    a->ScanUtf8(text, [&](size_t end, uint32_t id) { got.emplace_back(end, id); });
    ASSERT_TRUE(std::is_sorted(got.begin(), got.end(), [](const Hit& x, const Hit& y) { return x.first < y.first; }));
    std::sort(got.begin(), got.end());
    ASSERT_EQ(got, NaiveUtf8(keys, text)) << "round " << round;
  }
}

// Texts long enough to be scanned in parallel lanes: matches across lane
// boundaries must be reported once, by end, in order.
TEST(AutomatonDifferential, LongTextsAcrossLanes) {
  std::mt19937 rng(5);
  const std::u32string alpha = U"abc微信d";
  for (int round = 0; round < 6; ++round) {
    std::vector<std::u32string> keys;
    for (int i = 0; i < 30; ++i) keys.push_back(RandomString(rng, alpha, 7));
    keys.push_back(U"a");  // frequent one-character matches at every boundary
    auto a = Automaton::Build(keys);
    ASSERT_TRUE(a.ok());
    std::string text = RandomBytes(rng, alpha, 20000 + rng() % 30000);
    std::vector<Hit> got;
    a->ScanUtf8(text, [&](size_t end, uint32_t id) { got.emplace_back(end, id); });
    ASSERT_TRUE(std::is_sorted(got.begin(), got.end(), [](const Hit& x, const Hit& y) { return x.first < y.first; }));
    std::sort(got.begin(), got.end());
    ASSERT_EQ(got, NaiveUtf8(keys, text)) << "round " << round;
  }
}

// Scan over the decoded text, with ends mapped to byte offsets: the order
// ScanUtf8 must reproduce exactly (not only the set).
std::vector<Hit> DecodedScan(const Automaton& a, const std::string& text) {
  const auto d = DecodeForScan(text);
  std::vector<Hit> hits;
  a.Scan(d.chars.data(), d.chars.size(), [&](size_t end, uint32_t id) { hits.emplace_back(d.byte_end[end - 1], id); });
  return hits;
}

// Texts whose lengths sit around the lane threshold and whose keys sit on
// the lane boundaries (n / 4 * k) and at both ends of the buffer: one-,
// two- and three-byte keys (a, é, 微), keys sharing prefixes, and long keys
// that straddle a boundary. ScanUtf8 must report exactly what Scan does,
// in the same order.
TEST(AutomatonDifferential, RawScanAtLaneAndBufferBoundaries) {
  const std::vector<std::u32string> keys = {U"a", U"\u00e9", U"微", U"微信", U"微信号", U"ab", U"abc",
                                            U"信号x", U"xyz", U"\u00e9\u00e9a", U"aaaaaaaaaaaaaaaaaaaaab"};
  auto a = Automaton::Build(keys);
  ASSERT_TRUE(a.ok());
  std::mt19937 rng(17);
  const std::u32string filler = U"qrstuvw ,.!信号";
  for (size_t n : {size_t{1}, size_t{2}, size_t{3}, size_t{63}, size_t{64}, size_t{65}, size_t{16383},
                   size_t{16384}, size_t{16385}, size_t{16400}, size_t{20001}}) {
    std::string text;
    while (text.size() < n) AppendUtf8(text, filler[rng() % filler.size()]);
    text.resize(n);  // may cut a character: an invalid tail
    // Keys at the start, the end and around each lane boundary.
    std::vector<size_t> spots = {0, n > 3 ? n - 3 : 0};
    for (size_t k = 1; k < 4; ++k)
      for (int d = -25; d <= 3; d += 7)
        if (static_cast<int64_t>(n / 4 * k) + d >= 0) spots.push_back(static_cast<size_t>(static_cast<int64_t>(n / 4 * k) + d));
    for (size_t at : spots) {
      std::string key;
      for (char32_t c : keys[rng() % keys.size()]) AppendUtf8(key, c);
      if (at >= text.size()) continue;
      const size_t len = std::min(key.size(), text.size() - at);  // cut at the end: a partial key
      text.replace(at, len, key, 0, len);
    }
    std::vector<Hit> got;
    a->ScanUtf8(text, [&](size_t end, uint32_t id) { got.emplace_back(end, id); });
    ASSERT_EQ(got, DecodedScan(*a, text)) << "n " << n;
    std::vector<Hit> sorted = got;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(sorted, NaiveUtf8(keys, text)) << "n " << n;
  }
}

// A lexicon deep enough that many states are past the dense rows and fail
// to other deep states (the slow walk).
// Valid UTF-8 takes the unchecked path (no byte-kind test per step): a
// match that breaks off inside a character falls back to "the root with k
// continuation bytes due", and characters that share lead bytes with keys
// but are in none (丁 E4 B8 81 next to 中 E4 B8 AD; 2- and 4-byte ones) must
// still be read whole. Short texts and long ones (lanes start at character
// starts) against the naive byte scan and the decoded scan's exact order.
TEST(AutomatonDifferential, ValidUtf8BreaksOffInsideCharacters) {
  const std::u32string in_keys = U"中文微信aé😀";
  const std::u32string others = U"丁丐乂b\u00e8\u00ff😁𝟙 ";
  std::mt19937 rng(31);
  for (int round = 0; round < 40; ++round) {
    std::vector<std::u32string> keys;
    for (int i = 0; i < 25; ++i) {
      std::u32string k = RandomString(rng, in_keys, 4);
      if (!k.empty()) keys.push_back(k);
    }
    auto a = Automaton::Build(keys);
    ASSERT_TRUE(a.ok());
    const std::u32string alpha = in_keys + others;
    const size_t chars = round % 2 == 0 ? 60 : 9000 + rng() % 4000;  // odd rounds: the lane path
    std::string text;
    for (size_t i = 0; i < chars; ++i) AppendUtf8(text, alpha[rng() % alpha.size()]);
    std::vector<Hit> got;
    a->ScanUtf8(text, [&](size_t end, uint32_t id) { got.emplace_back(end, id); });
    ASSERT_EQ(got, DecodedScan(*a, text)) << "round " << round;
    std::sort(got.begin(), got.end());
    ASSERT_EQ(got, NaiveUtf8(keys, text)) << "round " << round;
  }
}

TEST(AutomatonDifferential, DeepFailureChains) {
  std::vector<std::u32string> keys = {U"abcabcabcabd", U"bcabcabcabx", U"cabcabcaby", U"abcabcz", U"cabcab"};
  auto a = Automaton::Build(keys);
  ASSERT_TRUE(a.ok());
  std::mt19937 rng(11);
  for (int t = 0; t < 50; ++t) {
    std::u32string text = RandomString(rng, U"abcdxyz", 300);
    std::vector<Hit> got;
    a->Scan(text.data(), text.size(), [&](size_t end, uint32_t id) { got.emplace_back(end, id); });
    std::sort(got.begin(), got.end());
    ASSERT_EQ(got, Naive(keys, text));
  }
  // The same keys over long raw texts: deep states in every lane.
  for (int t = 0; t < 3; ++t) {
    std::string text = RandomBytes(rng, U"abcdxyz", 17000 + rng() % 9000);
    std::vector<Hit> got;
    a->ScanUtf8(text, [&](size_t end, uint32_t id) { got.emplace_back(end, id); });
    ASSERT_EQ(got, DecodedScan(*a, text));
  }
}

// More states within 5 bytes of the root than the dense rows may hold (24
// MB): the shallowest get rows, the rest live in the double array (some of
// them then fail to a deep state), and every path must still find exactly
// the naive matches, raw and decoded alike.
TEST(AutomatonDifferential, DenseRowCapWithWideAlphabet) {
  std::mt19937 rng(2026);
  std::u32string alpha;
  for (char32_t c = 0x21; c < 0x7F; ++c) alpha += c;           // 94 ASCII bytes
  for (char32_t c = 0xC0; c < 0x100; ++c) alpha += c;          // 2-byte: all 64 continuation bytes
  for (char32_t c = 0x4E00; c < 0x4E00 + 40; ++c) alpha += c;  // 3-byte CJK
  std::vector<std::u32string> keys;
  for (int i = 0; i < 100000; ++i) {
    std::u32string k = RandomString(rng, alpha, 6);
    if (k.size() < 2) k += alpha[rng() % alpha.size()];
    keys.push_back(k);
  }
  keys.push_back(U"!");  // frequent one-byte matches
  auto a = Automaton::Build(keys);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  std::vector<std::string> prefixes;  // distinct byte prefixes of 1-5 bytes
  for (const auto& k : keys) {
    std::string b;
    for (char32_t c : k) AppendUtf8(b, c);
    for (size_t n = 1; n <= std::min<size_t>(5, b.size()); ++n) prefixes.push_back(b.substr(0, n));
  }
  std::sort(prefixes.begin(), prefixes.end());
  prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());
  ASSERT_LT(a->dense_state_count(), prefixes.size() + 1) << "the cap must bind for this test to mean anything";
  // Texts made of key pieces and random characters, so that matches and
  // partial matches reach every depth; one short text against the naive
  // scan, one long one (the lane path) against Scan over the decoded text.
  auto text_of = [&](size_t pieces) {
    std::string t;
    for (size_t i = 0; i < pieces; ++i) {
      const auto& k = keys[rng() % keys.size()];
      for (size_t j = 0; j < k.size(); ++j) AppendUtf8(t, rng() % 8 == 0 ? alpha[rng() % alpha.size()] : k[j]);
    }
    return t;
  };
  std::string short_text = text_of(60);
  std::vector<Hit> got;
  a->ScanUtf8(short_text, [&](size_t end, uint32_t id) { got.emplace_back(end, id); });
  std::sort(got.begin(), got.end());
  ASSERT_EQ(got, NaiveUtf8(keys, short_text));
  std::string long_text = text_of(12000);
  ASSERT_GE(long_text.size(), size_t{16384});
  std::vector<Hit> raw;
  a->ScanUtf8(long_text, [&](size_t end, uint32_t id) { raw.emplace_back(end, id); });
  EXPECT_FALSE(raw.empty());
  EXPECT_EQ(raw, DecodedScan(*a, long_text));
}

TEST(Automaton, NonScalarValuesNeverMatch) {
  auto a = Automaton::Build({std::u32string{U'a', char32_t{0xD800}}, std::u32string{char32_t{0x110000}}, U"ab"});
  ASSERT_TRUE(a.ok());
  std::u32string text = {U'a', char32_t{0xD800}, char32_t{0x110000}, U'a', U'b'};
  std::vector<Hit> got;
  a->Scan(text.data(), text.size(), [&](size_t end, uint32_t id) { got.emplace_back(end, id); });
  EXPECT_EQ(got, (std::vector<Hit>{{5, 2}}));
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
