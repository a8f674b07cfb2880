#include "core/engine/scope.h"

#include <gtest/gtest.h>

namespace qun {
namespace {

Event Checkin(std::string id, std::string community, int64_t ts_ms) {
  Event e;
  e.id = std::move(id);
  e.type = EventType::kCheckin;
  e.actor = "u1";
  e.ts_ms = ts_ms;
  e.community = std::move(community);
  e.platform = Platform::kWecom;
  return e;
}

// g1's last event: 2026-01-01 23:30 UTC; g2's: 2026-01-05 12:00 UTC.
void AddTwoCommunities(Engine& engine) {
  StagedBatch b = engine.Stage({Checkin("a", "g1", 1767310200000), Checkin("b", "g2", 1767614400000)}, 1);
  engine.Apply(b);
}

TEST(ScopeTest, FieldLabelsFollowTheSurface) {
  EXPECT_EQ(FieldLabel(ParamStyle::kCliFlag, "as_of"), "--as-of");
  EXPECT_EQ(FieldLabel(ParamStyle::kApi, "as_of"), "parameter 'as_of'");
}

TEST(ScopeTest, DefaultDayIsTheLastEventInScopeOrAnywhere) {
  Engine engine;
  AddTwoCommunities(engine);
  ScopeText text;
  text.community = "g1";
  auto in_scope = ResolveScope(engine, text, ParamStyle::kApi, DefaultDay::kLastEventInScope);
  ASSERT_TRUE(in_scope.ok()) << in_scope.status().message();
  EXPECT_EQ(FormatDate(in_scope->day), "2026-01-01");
  EXPECT_FALSE(in_scope->empty);
  auto anywhere = ResolveScope(engine, text, ParamStyle::kApi, DefaultDay::kLastEventAnywhere);
  ASSERT_TRUE(anywhere.ok());
  EXPECT_EQ(FormatDate(anywhere->day), "2026-01-05");
  EXPECT_EQ(anywhere->community, in_scope->community);
  // The zone moves day boundaries: 23:30 UTC is the next day in Tokyo.
  text.tz = "Asia/Tokyo";
  in_scope = ResolveScope(engine, text, ParamStyle::kApi, DefaultDay::kLastEventInScope);
  ASSERT_TRUE(in_scope.ok());
  EXPECT_EQ(FormatDate(in_scope->day), "2026-01-02");
  // An explicit day wins; the last day is still reported.
  text.as_of = "2025-12-31";
  in_scope = ResolveScope(engine, text, ParamStyle::kApi, DefaultDay::kLastEventInScope);
  ASSERT_TRUE(in_scope.ok());
  EXPECT_EQ(FormatDate(in_scope->day), "2025-12-31");
  EXPECT_EQ(FormatDate(in_scope->last_day), "2026-01-02");
  // An empty zone is UTC.
  text = ScopeText{};
  text.tz = "";
  auto utc = ResolveScope(engine, text, ParamStyle::kApi, DefaultDay::kLastEventInScope);
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(FormatDate(utc->day), "2026-01-05");
}

TEST(ScopeTest, EmptyWorkspaceIsNotAnError) {
  Engine engine;
  auto s = ResolveScope(engine, ScopeText{}, ParamStyle::kCliFlag, DefaultDay::kLastEventInScope);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->empty);
  EXPECT_EQ(s->day, 0);
}

TEST(ScopeTest, BadFieldsAreNamed) {
  Engine engine;
  AddTwoCommunities(engine);
  ScopeText text;
  text.tz = "Mars/Base";
  auto s = ResolveScope(engine, text, ParamStyle::kCliFlag, DefaultDay::kLastEventInScope);
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().message().rfind("--tz: unknown time zone 'Mars/Base'", 0), 0u) << s.status().message();
  text.tz = "UTC";
  text.as_of = "2026-02-30";
  s = ResolveScope(engine, text, ParamStyle::kApi, DefaultDay::kLastEventInScope);
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().message().rfind("parameter 'as_of': ", 0), 0u) << s.status().message();
  text.as_of.clear();
  text.community = "nope";
  EXPECT_EQ(ResolveScope(engine, text, ParamStyle::kApi, DefaultDay::kLastEventInScope).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace qun
