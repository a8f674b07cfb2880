#include "core/moderation/lexicon.h"

#include <gtest/gtest.h>

#include <random>

namespace qun::moderation {
namespace {

std::shared_ptr<const FoldTable> Table() {
  static auto t = FoldTable::Build(NormalizeOptions{}, {{U'發', U'发'}});
  return t;
}

std::vector<LexiconEntry> Parse(std::string_view text) {
  std::vector<LexiconEntry> out;
  EXPECT_TRUE(ParseLexicon(text, "cat", "t.txt", false, &out).ok());
  return out;
}

TEST(ParseLexicon, FieldsDefaultsAndErrors) {
  auto e = Parse("微信\n\nsex\tporn\n  发票 \tads\t8\r\n");
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].word, "微信");
  EXPECT_EQ(e[0].category, "cat");
  EXPECT_EQ(e[0].severity, kDefaultSeverity);
  EXPECT_EQ(e[1].category, "porn");
  EXPECT_EQ(e[2].word, "发票");
  EXPECT_EQ(e[2].severity, 8);
  std::vector<LexiconEntry> out;
  Status s = ParseLexicon("a\nb\tc\tx\n", "c", "f.txt", false, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("f.txt:2:"), std::string::npos) << s.message();
  EXPECT_FALSE(ParseLexicon("a\tb\tc\td\n", "c", "f", false, &out).ok());
  EXPECT_FALSE(ParseLexicon("a\tb\t11\n", "c", "f", false, &out).ok());
  EXPECT_FALSE(ParseLexicon("ok\n\xff\n", "c", "f", false, &out).ok());
}

TEST(LexiconMatcher, OffsetsMapBackToTheOriginal) {
  auto m = LexiconMatcher::Build(Parse("微信\n代开发票\n"), Table(), {});
  ASSERT_TRUE(m.ok());
  NormalizedText scratch;
  std::vector<LexiconMatch> out;
  std::string text = "请加 微 ❤ 信，代開發票";
  (*m)->Find(text, &scratch, &out);
  ASSERT_EQ(out.size(), 1u);  // 開 is not in the test t2s table
  EXPECT_EQ(text.substr(out[0].start, out[0].end - out[0].start), "微 ❤ 信");
}

TEST(LexiconMatcher, StatsCountSkippedEntries) {
  auto m = LexiconMatcher::Build(Parse("微信\n微 信\n操\n❤\nWEIXIN\nweixin\n"), Table(), {});
  ASSERT_TRUE(m.ok());
  const MatcherStats& s = (*m)->stats();
  EXPECT_EQ(s.entries, 6u);
  EXPECT_EQ(s.skipped_short, 1u);
  EXPECT_EQ(s.skipped_empty, 1u);
  EXPECT_EQ(s.duplicates, 2u);
  EXPECT_EQ(s.keys, 2u);
}

// Differential: with whole-word and repeats off, Find over normalized text
// must equal a naive search of every normalized key.
TEST(LexiconMatcherDifferential, EqualsNaiveSearchOnNormalizedText) {
  NormalizeOptions o;
  o.repeats = false;
  auto table = FoldTable::Build(o, {});
  MatcherOptions mo;
  mo.latin_whole_word = false;
  mo.min_chars = 1;
  std::mt19937 rng(42);
  const std::u32string alpha = U"ab微信 ①Ａ";
  for (int round = 0; round < 100; ++round) {
    std::vector<LexiconEntry> entries;
    for (int i = 0; i < 1 + static_cast<int>(rng() % 20); ++i) {
      std::string w;
      for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) AppendUtf8(w, alpha[rng() % alpha.size()]);
      entries.push_back({w, "c", 5, false});
    }
    auto m = LexiconMatcher::Build(entries, table, mo);
    ASSERT_TRUE(m.ok());
    std::string text;
    for (int k = 0; k < 60; ++k) AppendUtf8(text, alpha[rng() % alpha.size()]);
    NormalizedText nt;
    std::vector<LexiconMatch> got;
    (*m)->Find(text, &nt, &got);
    std::vector<std::pair<uint32_t, uint32_t>> got_spans, want_spans;
    for (const auto& g : got) got_spans.emplace_back(g.start_char, g.end_char);
    Normalizer n(table);
    std::vector<std::u32string> keys;
    for (const auto& e : entries) {
      NormalizedText k;
      n.Normalize(e.word, &k);
      if (!k.chars.empty() && std::find(keys.begin(), keys.end(), k.chars) == keys.end()) keys.push_back(k.chars);
    }
    for (const auto& k : keys)
      for (size_t p = nt.chars.find(k); p != std::u32string::npos; p = nt.chars.find(k, p + 1))
        want_spans.emplace_back(p, p + k.size());
    std::sort(got_spans.begin(), got_spans.end());
    std::sort(want_spans.begin(), want_spans.end());
    ASSERT_EQ(got_spans, want_spans) << "round " << round << " text " << text;
  }
}

TEST(LexiconMatcher, CountRawMatchesUnnormalizedText) {
  auto m = LexiconMatcher::Build(Parse("微信\nabc\n"), Table(), {});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->CountRaw("微信 微 信 abcabc"), 3u);
}

}  // namespace
}  // namespace qun::moderation
