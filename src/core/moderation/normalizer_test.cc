#include "core/moderation/normalizer.h"

#include <gtest/gtest.h>

namespace qun::moderation {
namespace {

const CharMapping& TestT2s() {
  static const CharMapping m = {{U'微', U'微'}, {U'專', U'专'}, {U'髮', U'发'}, {U'發', U'发'}, {U'輪', U'轮'}};
  return m;
}

std::shared_ptr<const FoldTable> Table(NormalizeOptions o = {}) { return FoldTable::Build(o, TestT2s()); }

TEST(Normalizer, FoldsWidthCaseStylesAndTraditional) {
  Normalizer n(Table());
  EXPECT_EQ(n.NormalizeToUtf8("ｗｅｉｘｉｎ"), "weixin");
  EXPECT_EQ(n.NormalizeToUtf8("WeiXin"), "weixin");
  EXPECT_EQ(n.NormalizeToUtf8("①③⑧"), "138");
  EXPECT_EQ(n.NormalizeToUtf8("⑴⑵"), "12");  // parentheses are noise
  EXPECT_EQ(n.NormalizeToUtf8("𝟙𝟚"), "12");
  EXPECT_EQ(n.NormalizeToUtf8("Ⓐⓑ"), "ab");
  EXPECT_EQ(n.NormalizeToUtf8("法輪"), "法轮");
}

TEST(Normalizer, DropsNoiseAndCollapsesRepeats) {
  Normalizer n(Table());
  EXPECT_EQ(n.NormalizeToUtf8("微 信"), "微信");
  EXPECT_EQ(n.NormalizeToUtf8("薇❤信"), "薇信");
  EXPECT_EQ(n.NormalizeToUtf8("微\u200b信"), "微信");
  EXPECT_EQ(n.NormalizeToUtf8("微★信☆号"), "微信号");
  EXPECT_EQ(n.NormalizeToUtf8("微微微信"), "微信");
}

TEST(Normalizer, OffsetsPointIntoTheOriginal) {
  Normalizer n(Table());
  NormalizedText t;
  std::string s = "a 微微\u200b信!";
  n.Normalize(s, &t);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t.begin[1], 2u);
  EXPECT_EQ(t.end[1], 8u);  // both 微
  EXPECT_EQ(t.run[1], 2);
  EXPECT_EQ(t.gap[1], 1);
  EXPECT_EQ(t.begin[2], 11u);
  EXPECT_EQ(t.end[2], 14u);
  EXPECT_EQ(s.substr(t.begin[1], t.end[2] - t.begin[1]), "微微\u200b信");
}

TEST(Normalizer, StepsCanBeSwitchedOff) {
  NormalizeOptions o;
  o.noise = false;
  o.repeats = false;
  o.case_fold = false;
  o.t2s = false;
  Normalizer n(Table(o));
  EXPECT_EQ(n.NormalizeToUtf8("微 微信"), "微 微信");
  EXPECT_EQ(n.NormalizeToUtf8("AB輪"), "AB輪");
  o = NormalizeOptions{};
  o.width = false;
  Normalizer w(Table(o));
  EXPECT_EQ(w.NormalizeToUtf8("ｗ①"), "ｗ1");
}

TEST(Normalizer, InvalidUtf8IsNoise) {
  Normalizer n(Table());
  NormalizedText t;
  n.Normalize(std::string("a\xff\xfe") + "b", &t);
  EXPECT_EQ(t.Utf8(0, t.size()), "ab");
  EXPECT_EQ(t.gap[1], 1);
}

}  // namespace
}  // namespace qun::moderation
