#include "core/gen/corpus.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/gen/rng.h"
#include "core/gen/text.h"

namespace qun::gen {
namespace {

TEST(Corpus, ParsesLabeledCsvWithQuotes) {
  auto c = ParseCorpus(
      "label,review\r\n1,很快，好吃\r\n0,\"太慢了, 还洒了\"\n1,\"多行\n评论\"\n0,\"引号\"\"内\"\"\"\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->positive.size(), 2u);
  ASSERT_EQ(c->negative.size(), 2u);
  EXPECT_EQ(c->positive[0], "很快，好吃");
  EXPECT_EQ(c->positive[1], "多行\n评论");
  EXPECT_EQ(c->negative[0], "太慢了, 还洒了");
  EXPECT_EQ(c->negative[1], "引号\"内\"");
}

TEST(Corpus, UnquotedExtraCommasStayInTheText) {
  auto c = ParseCorpus("label,review\n1,a,b,c\n");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->positive[0], "a,b,c");
}

TEST(Corpus, PlainTextOneMessagePerLine) {
  auto c = ParseCorpus("\xEF\xBB\xBFhello\n\n  world  \r\n");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->unlabeled.size(), 2u);
  EXPECT_EQ(c->unlabeled[1], "world");
}

TEST(Corpus, ErrorsNameTheLine) {
  auto bad_label = ParseCorpus("label,review\n1,ok\nx,bad\n");
  ASSERT_FALSE(bad_label.ok());
  EXPECT_NE(bad_label.status().message().find("line 3"), std::string::npos) << bad_label.status().message();
  auto no_text = ParseCorpus("label,review\n1\n");
  ASSERT_FALSE(no_text.ok());
  EXPECT_NE(no_text.status().message().find("line 2"), std::string::npos);
  auto quote = ParseCorpus("label,review\n1,\"open\n");
  ASSERT_FALSE(quote.ok());
  EXPECT_NE(quote.status().message().find("unterminated"), std::string::npos);
  auto utf8 = ParseCorpus("a\nb\xff\n");
  ASSERT_FALSE(utf8.ok());
  EXPECT_NE(utf8.status().message().find("line 2"), std::string::npos);
  EXPECT_FALSE(ParseCorpus("").ok());
  EXPECT_FALSE(ParseCorpus("label,review\n").ok());
}

TEST(Corpus, LongLinesAreCutOnACharacterBoundary) {
  std::string line;
  while (line.size() < 2 * kMaxCorpusTextBytes) line += "好";
  auto c = ParseCorpus(line);
  ASSERT_TRUE(c.ok());
  EXPECT_LE(c->unlabeled[0].size(), kMaxCorpusTextBytes);
  EXPECT_EQ(c->unlabeled[0].size() % 3, 0u);
}

TEST(Corpus, RealWaimaiFileParses) {
  const char* src = std::getenv("QUN_SOURCE_DIR");
  std::string path = std::string(src ? src : QUN_SOURCE_DIR) + "/../shared/data/sentiment/waimai_10k.csv";
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) GTEST_SKIP() << "shared data not found at " << path;
  std::string data;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
  std::fclose(f);
  auto c = ParseCorpus(data);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_GT(c->positive.size(), 3000u);
  EXPECT_GT(c->negative.size(), 6000u);
}

TEST(Text, StylesCarryWhatTheyPromise) {
  Rng rng(5);
  for (int i = 0; i < 200; ++i) {
    std::string q, ad, en;
    AppendMessageText(q, Lang::kZh, TextStyle::kQuestion, rng, nullptr);
    EXPECT_TRUE(q.find("？") != std::string::npos) << q;
    AppendMessageText(en, Lang::kEn, TextStyle::kQuestion, rng, nullptr);
    EXPECT_EQ(en.back(), '?') << en;
    AppendMessageText(ad, Lang::kZh, TextStyle::kAd, rng, nullptr);
    EXPECT_FALSE(ad.empty());
    EXPECT_EQ(ad.find('%'), std::string::npos) << "unexpanded slot in " << ad;
  }
}

TEST(Rng, DeterministicAndInRange) {
  Rng a(42), b(42), c(43);
  EXPECT_EQ(a.Next(), b.Next());
  EXPECT_NE(a.Next(), c.Next());
  Rng r(1);
  double sum = 0;
  int64_t poisson_sum = 0;
  for (int i = 0; i < 100000; ++i) {
    double u = r.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    ASSERT_LT(r.Below(7), 7u);
    poisson_sum += r.Poisson(2.5);
  }
  EXPECT_NEAR(sum / 100000, 0.5, 0.01);
  EXPECT_NEAR(poisson_sum / 100000.0, 2.5, 0.03);
  int64_t big = 0;
  for (int i = 0; i < 10000; ++i) big += r.Poisson(100);
  EXPECT_NEAR(big / 10000.0, 100, 0.5);
}

}  // namespace
}  // namespace qun::gen
