// MemberTableCache: a hit while the engine is unchanged; every batch, merge
// and unmerge makes the next Get equal to a fresh BuildMemberTable.
#include "core/members/member_table_cache.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/members/members_json.h"

namespace qun {
namespace {

std::vector<Event> Batch(int first, int n, int actors) {
  std::vector<Event> out;
  for (int i = first; i < first + n; ++i) {
    Event e;
    e.id = "e" + std::to_string(i);
    e.type = i % 5 == 0   ? EventType::kMemberJoined
             : i % 7 == 0 ? EventType::kOrderPaid
                          : EventType::kMessagePosted;
    e.ts_ms = 1772928000000LL + static_cast<int64_t>(i) * 3600 * 1000;
    e.platform = Platform::kCustom;
    e.community = "g";
    e.actor = "u" + std::to_string(i % actors);
    e.message_id = "m" + std::to_string(i);
    e.text = "hi";
    if (e.type == EventType::kOrderPaid) {
      e.order_id = "o" + std::to_string(i);
      e.amount_minor = 100 * (i % 9 + 1);
      e.currency = "CNY";
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string Overview(const MemberTable& t) { return MembersOverviewJson(t).dump(); }

TEST(MemberTableCache, HitsWhileUnchangedAndFollowsEveryChange) {
  Engine e;
  AttachStandardModules(e);
  const ActivityLedger& ledger = e.module<MemberLedgerModule>()->ledger();
  MemberTableCache cache;
  const int32_t day = 20520 + 20;  // 2026-03-28, inside the data
  auto check = [&] {
    auto a = cache.Get(e, ledger, day);
    auto b = cache.Get(e, ledger, day);
    EXPECT_EQ(a.get(), b.get()) << "unchanged engine: the same table";
    EXPECT_EQ(Overview(*a), Overview(BuildMemberTable(e, ledger, day)));
    return a;
  };
  e.Apply(e.Stage(Batch(0, 200, 30), e.last_seq() + 1));
  auto t1 = check();
  e.Apply(e.Stage(Batch(200, 100, 40), e.last_seq() + 1));
  auto t2 = check();
  EXPECT_NE(t1.get(), t2.get());
  auto merged = e.Merge(e.member_of(0), e.member_of(1), "test", 0);
  ASSERT_TRUE(merged.ok());
  auto t3 = check();
  EXPECT_NE(t2.get(), t3.get());
  ASSERT_TRUE(e.Unmerge(*merged, 0).ok());
  auto t4 = check();
  EXPECT_NE(t3.get(), t4.get());
  EXPECT_EQ(Overview(*t4), Overview(*t2)) << "unmerge restores the table";
  EXPECT_NE(cache.Get(e, ledger, day - 3).get(), t4.get()) << "another day is another table";
}

TEST(MemberTableCache, KeepsOnlySuccessfulBuildsPerScopeLeastRecentlyUsedFirstOut) {
  Engine e;
  AttachStandardModules(e);
  e.Apply(e.Stage(Batch(0, 50, 10), e.last_seq() + 1));
  MemberTableCache cache(/*capacity=*/2);
  int builds = 0;
  auto get = [&](const std::string& scope, bool fail = false) {
    return cache.Get(e, scope, [&](CachedMemberTable& t) -> Status {
      ++builds;
      if (fail) return InvalidArgument("bad scope");
      t.day = 7;
      return Status::Ok();
    });
  };
  auto bad = get("x", /*fail=*/true);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  auto a = get("x");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(builds, 2) << "a failed build is not kept";
  EXPECT_EQ(get("x")->get(), a->get());
  auto b = get("y");
  EXPECT_NE(b->get(), a->get()) << "another scope is another entry";
  EXPECT_EQ(get("x")->get(), a->get()) << "x is now the most recent";
  ASSERT_TRUE(get("z").ok());  // evicts y, the least recently used
  int before = builds;
  EXPECT_EQ(get("x")->get(), a->get());
  EXPECT_EQ(builds, before);
  ASSERT_TRUE(get("y").ok());
  EXPECT_EQ(builds, before + 1) << "y was evicted";
  e.Apply(e.Stage(Batch(50, 10, 10), e.last_seq() + 1));
  EXPECT_NE(get("x")->get(), a->get()) << "new events: a new entry";
}

}  // namespace
}  // namespace qun
