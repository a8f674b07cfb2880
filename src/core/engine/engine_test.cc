#include "core/engine/engine.h"

#include <gtest/gtest.h>

#include "common/time.h"

namespace qun {
namespace {

Event Ev(std::string id, EventType t, std::string actor, int64_t ts_ms = 1767225600000, std::string community = "g1",
         Platform p = Platform::kWecom) {
  Event e;
  e.id = std::move(id);
  e.type = t;
  e.actor = std::move(actor);
  e.ts_ms = ts_ms;
  e.community = std::move(community);
  e.platform = p;
  return e;
}

void Ingest(Engine& engine, std::vector<Event> events, uint64_t* dups = nullptr) {
  StagedBatch b = engine.Stage(std::move(events), engine.last_seq() + 1);
  if (dups) *dups = b.duplicates;
  engine.Apply(b);
}

TEST(EngineTest, DeduplicatesWithinBatchAndAcrossBatches) {
  Engine engine;
  uint64_t dups = 0;
  Ingest(engine, {Ev("a", EventType::kCheckin, "u1"), Ev("a", EventType::kCheckin, "u1"), Ev("b", EventType::kCheckin, "u2")},
         &dups);
  EXPECT_EQ(dups, 1u);
  EXPECT_EQ(engine.last_seq(), 2u);
  Ingest(engine, {Ev("b", EventType::kCheckin, "u2"), Ev("c", EventType::kCheckin, "u2")}, &dups);
  EXPECT_EQ(dups, 1u);
  EXPECT_EQ(engine.last_seq(), 3u);
  // The same id on another platform is a different event.
  Ingest(engine, {Ev("a", EventType::kCheckin, "u1", 1767225600000, "g1", Platform::kTelegram)}, &dups);
  EXPECT_EQ(dups, 0u);
  EXPECT_EQ(engine.last_seq(), 4u);
}

TEST(EngineTest, StoredIdCheckKeepsHashCollisionsAsNewEvents) {
  Engine engine;
  Ingest(engine, {Ev("a", EventType::kCheckin, "u1")});
  // Pretend the stored row has a different id: the key hit must not drop it.
  StagedBatch b = engine.Stage({Ev("a", EventType::kCheckin, "u1")}, 2, [](uint32_t, const Event&) { return false; });
  EXPECT_EQ(b.duplicates, 0u);
  EXPECT_EQ(b.events.size(), 1u);
}

TEST(EngineTest, DimensionsAreDenseAndShared) {
  Engine engine;
  Ingest(engine, {Ev("1", EventType::kCheckin, "u1", 1767225600000, "g1"), Ev("2", EventType::kCheckin, "u1", 1767225600000, "g2"),
                  Ev("3", EventType::kCheckin, "u2", 1767225600000, "g1")});
  EXPECT_EQ(engine.communities().size(), 2u);
  EXPECT_EQ(engine.accounts().size(), 2u);
  EXPECT_EQ(engine.live_member_count(), 2u);
  EXPECT_EQ(engine.FindAccount(Platform::kWecom, "u2"), 1u);
  EXPECT_EQ(engine.FindAccount(Platform::kTelegram, "u2"), kNone);
  EXPECT_EQ(engine.events().community[1], 1u);
}

TEST(EngineTest, RepliesAndReactionsResolveToMessageRows) {
  Engine engine;
  Event m = Ev("e1", EventType::kMessagePosted, "u1");
  m.message_id = "m1";
  Event r = Ev("e2", EventType::kMessagePosted, "u2");
  r.message_id = "m2";
  r.reply_to = "m1";
  Event x = Ev("e3", EventType::kReactionAdded, "u3");
  x.message_id = "m2";
  Event other = Ev("e4", EventType::kMessagePosted, "u3", 1767225600000, "g2");
  other.reply_to = "m1";  // m1 is in g1, not g2
  Ingest(engine, {m, r, x, other});
  EXPECT_EQ(engine.events().aux[1], 0u);
  EXPECT_EQ(engine.events().aux[2], 1u);
  EXPECT_EQ(engine.events().aux[3], kNone);
}

TEST(EngineTest, IdentityLinkedMergesAndUnmergeRestoresAndSeparates) {
  Engine engine;
  Event link = Ev("l", EventType::kIdentityLinked, "wmA");
  link.linked_platform = Platform::kTelegram;
  link.linked_actor = "user7";
  Ingest(engine, {Ev("1", EventType::kCheckin, "wmA"), Ev("2", EventType::kCheckin, "user7", 1767225600000, "c", Platform::kTelegram),
                  link});
  ASSERT_EQ(engine.merges().size(), 1u);
  EXPECT_EQ(engine.live_member_count(), 1u);
  uint32_t a = engine.FindAccount(Platform::kWecom, "wmA"), b = engine.FindAccount(Platform::kTelegram, "user7");
  EXPECT_EQ(engine.member_of(a), engine.member_of(b));
  EXPECT_EQ(engine.merges()[0].reason, "identity.linked event l");

  ASSERT_TRUE(engine.Unmerge(1, 0).ok());
  EXPECT_NE(engine.member_of(a), engine.member_of(b));
  EXPECT_EQ(engine.live_member_count(), 2u);
  EXPECT_EQ(engine.Unmerge(1, 0).code(), StatusCode::kFailedPrecondition);
  // The same link again does not re-merge a pair the operator separated.
  Event again = link;
  again.id = "l2";
  Ingest(engine, {again});
  EXPECT_NE(engine.member_of(a), engine.member_of(b));
  // A manual merge overrides the separation.
  auto r = engine.Merge(engine.member_of(a), engine.member_of(b), "same person", 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(engine.member_of(a), engine.member_of(b));
  EXPECT_TRUE(engine.merges().back().manual);
}

TEST(EngineTest, VerifiedKeysMergeAcrossPlatforms) {
  Engine engine;
  Event p1 = Ev("p1", EventType::kProfileUpdated, "wmA");
  p1.attributes = {{"unionid", "U-1"}, {"region", "Shanghai"}};
  Event p2 = Ev("p2", EventType::kProfileUpdated, "wxB", 1767225600000, "o", Platform::kWechat);
  p2.attributes = {{"unionid", "U-1"}, {"name", "Bo"}};
  Event p3 = Ev("p3", EventType::kProfileUpdated, "wmC");
  p3.attributes = {{"unionid", "U-2"}};
  Ingest(engine, {p1, p2, p3});
  EXPECT_EQ(engine.live_member_count(), 2u);
  uint32_t m = engine.member_of(engine.FindAccount(Platform::kWechat, "wxB"));
  EXPECT_EQ(m, engine.member_of(engine.FindAccount(Platform::kWecom, "wmA")));
  EXPECT_EQ(engine.merges()[0].reason, "verified key unionid");
  const auto& attrs = engine.attributes(m);
  auto has = [&](const std::string& k, const std::string& v) {
    for (const auto& kv : attrs)
      if (kv.first == k && kv.second == v) return true;
    return false;
  };
  EXPECT_TRUE(has("region", "Shanghai"));
  EXPECT_TRUE(has("name", "Bo"));
  // Display names are per account (side table): only wxB has one.
  EXPECT_EQ(engine.display_name(engine.FindAccount(Platform::kWechat, "wxB")), "Bo");
  EXPECT_EQ(engine.display_name(engine.FindAccount(Platform::kWecom, "wmA")), "");
  // wmC (its own member, attributes of its own) did not get the others'.
  const uint32_t c = engine.member_of(engine.FindAccount(Platform::kWecom, "wmC"));
  ASSERT_EQ(engine.attributes(c).size(), 1u);
  EXPECT_EQ((*engine.attributes(c).begin()).second, "U-2");
}

TEST(EngineTest, MergeRejectsBadIds) {
  Engine engine;
  Ingest(engine, {Ev("1", EventType::kCheckin, "u1"), Ev("2", EventType::kCheckin, "u2")});
  EXPECT_EQ(engine.Merge(0, 9, "x", 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(engine.Merge(0, 0, "x", 0).status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(engine.Merge(0, 1, "x", 0).ok());
  EXPECT_EQ(engine.Merge(1, 0, "x", 0).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(engine.Unmerge(7, 0).code(), StatusCode::kNotFound);
}

TEST(EngineTest, OrdersContentAndActivitiesGoToSideTables) {
  Engine engine;
  Event o = Ev("o", EventType::kOrderPaid, "u1");
  o.order_id = "A";
  o.amount_minor = 1999;
  Event c = Ev("c", EventType::kContentPublished, "op");
  c.content_id = "k1";
  c.category = "promo";
  Event v = Ev("v", EventType::kContentClicked, "u1");
  v.content_id = "k1";
  Ingest(engine, {o, c, v});
  ASSERT_EQ(engine.orders().size(), 1u);
  EXPECT_EQ(engine.orders()[0].amount_minor, 1999);
  EXPECT_EQ(engine.currencies()[engine.orders()[0].currency], "CNY");
  ASSERT_EQ(engine.contents().size(), 1u);
  EXPECT_EQ(engine.contents()[0].category, ContentCategory::kPromo);
  EXPECT_EQ(engine.events().aux[2], 0u);
}

// Dedupe stays exact while the key index merges its delta into the sorted
// buckets (every 4096+ keys) and after Compact.
TEST(EngineTest, DedupeExactAcrossKeyIndexMergesAndCompact) {
  Engine engine;
  auto batch = [](int from, int to) {
    std::vector<Event> v;
    for (int i = from; i < to; ++i)
      v.push_back(Ev("e" + std::to_string(i), EventType::kCheckin, "u" + std::to_string(i % 97),
                     1767225600000 + i * 1000LL, "g" + std::to_string(i % 5)));
    return v;
  };
  uint64_t dups = 0;
  for (int b = 0; b < 12; ++b) Ingest(engine, batch(b * 3000, (b + 1) * 3000), &dups);
  EXPECT_EQ(engine.last_seq(), 36000u);
  // Every earlier event again, mixed with new ones.
  Ingest(engine, batch(30000, 40000), &dups);
  EXPECT_EQ(dups, 6000u);
  EXPECT_EQ(engine.last_seq(), 40000u);
  engine.Compact();
  Ingest(engine, batch(0, 41000), &dups);
  EXPECT_EQ(dups, 40000u);
  EXPECT_EQ(engine.last_seq(), 41000u);
  // Rows still resolve to the right dimensions after the compaction.
  EXPECT_EQ(engine.events().community[40999], engine.FindCommunity(Platform::kWecom, "g" + std::to_string(40999 % 5)));
  EXPECT_EQ(engine.FindAccount(Platform::kWecom, "u96"), 96u);
}

// The community column is 16 bits: the event that would add community
// number 65,536 gets a precise error and nothing of the batch is applied.
TEST(EngineTest, CommunityLimitIsAPreciseError) {
  Engine engine;
  std::vector<Event> v;
  for (uint32_t i = 0; i < kMaxCommunities; ++i)
    v.push_back(Ev("e" + std::to_string(i), EventType::kCheckin, "u1", 1767225600000, "g" + std::to_string(i)));
  Ingest(engine, std::move(v));
  ASSERT_EQ(engine.communities().size(), kMaxCommunities);
  // Existing communities are still fine.
  StagedBatch ok = engine.Stage({Ev("x1", EventType::kCheckin, "u1", 1767225600000, "g7")}, engine.last_seq() + 1);
  EXPECT_TRUE(ok.status.ok());
  StagedBatch b = engine.Stage({Ev("x2", EventType::kCheckin, "u1", 1767225600000, "g7"),
                                Ev("x3", EventType::kCheckin, "u1", 1767225600000, "one-too-many")},
                               engine.last_seq() + 1);
  EXPECT_EQ(b.status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(b.status.message().find("wecom:x3"), std::string::npos) << b.status.message();
  EXPECT_NE(b.status.message().find("one-too-many"), std::string::npos) << b.status.message();
  EXPECT_NE(b.status.message().find("65535"), std::string::npos) << b.status.message();
  const uint64_t before = engine.last_seq();
  engine.Apply(b);  // ignored
  EXPECT_EQ(engine.last_seq(), before);
  EXPECT_EQ(engine.communities().size(), kMaxCommunities);
}

}  // namespace
}  // namespace qun
