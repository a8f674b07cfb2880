#include "core/members/segment_filter.h"

#include <gtest/gtest.h>

namespace qun {
namespace {

MemberProfile Profile() {
  MemberProfile p;
  p.stage = Stage::kActive;
  p.level = 4;
  p.rfm.tier = RfmTier::kAtRisk;
  p.facts.total.messages = 12;
  p.facts.total.gmv_minor = 15050;
  p.facts.last_active_day = 95;
  p.tags = {"vip", "do not contact"};
  return p;
}

bool Match(std::string_view text) {
  static const AttributeStore attrs = [] {
    AttributeStore a;
    a.Set(0, "region", "上海");
    return a;
  }();
  MemberProfile p = Profile();
  FilterSubject s;
  s.profile = &p;
  s.day = 100;
  s.attributes = attrs.Of(0);
  s.platforms = {"wecom"};
  auto f = SegmentFilter::Parse(text);
  EXPECT_TRUE(f.ok()) << text << ": " << f.status().message();
  return f.ok() && f->Matches(s);
}

TEST(SegmentFilterTest, Matches) {
  EXPECT_TRUE(Match(""));
  EXPECT_TRUE(Match("stage=active and level>=L4 and tag:vip"));
  EXPECT_FALSE(Match("stage=active and level>=L5"));
  EXPECT_TRUE(Match("level = 4 and rfm = at_risk"));
  EXPECT_TRUE(Match("rfm = \"At risk\""));
  EXPECT_TRUE(Match("(stage=silent or messages>10) and not tag:newbie"));
  EXPECT_TRUE(Match("tag:\"do not contact\""));
  EXPECT_TRUE(Match("gmv > 150 and gmv < 150.6"));
  EXPECT_TRUE(Match("attr.region = 上海 and platform = wecom"));
  EXPECT_FALSE(Match("attr.region != 上海"));
  EXPECT_TRUE(Match("days_since_active <= 5 AND NOT stage = churned"));
  EXPECT_TRUE(Match("stage != churn-risk"));
}

TEST(SegmentFilterTest, ErrorsNameTheOffset) {
  auto e = [](std::string_view text) { return SegmentFilter::Parse(text).status().message(); };
  EXPECT_EQ(e("stage=active and"), "filter: at offset 16: expected a field name, 'not' or '('");
  EXPECT_EQ(e("colour=red"), "filter: at offset 0: unknown field 'colour' (see docs/members.md §8) (found 'colour=red')");
  EXPECT_EQ(e("stage=sleepy"), "filter: at offset 6: unknown stage 'sleepy' (found 'sleepy')");
  EXPECT_EQ(e("level>=L9x"), "filter: at offset 7: field 'level' needs a number or L1..L5 (found 'L9x')");
  EXPECT_EQ(e("stage>active"), "filter: at offset 6: field 'stage' compares only with = or != (found 'active')");
  EXPECT_EQ(e("(tag:a"), "filter: at offset 6: expected ')'");
  EXPECT_EQ(e("tag:'x"), "filter: at offset 4: unterminated quoted value (found ''x')");
  EXPECT_FALSE(SegmentFilter::Parse(std::string(100, '(')).ok());
}

TEST(SegmentFilterTest, CanonicalTextRoundTrips) {
  auto f = SegmentFilter::Parse("stage=active and (level>=L4 or tag:\"a b\")");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->ToString(), "(stage=active and (level>=L4 or tag:\"a b\"))");
  auto g = SegmentFilter::Parse(f->ToString());
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->ToString(), f->ToString());
}

}  // namespace
}  // namespace qun
