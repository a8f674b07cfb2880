#include "core/moderation/policy.h"

#include <gtest/gtest.h>

namespace qun::moderation {
namespace {

TEST(Policy, DefaultsFlagLexiconMatches) {
  auto p = ParsePolicy("{}");
  ASSERT_TRUE(p.ok());
  std::string rule;
  EXPECT_EQ(p->ActionFor("lexicon", "ads", 5, &rule), Action::kFlag);
  EXPECT_EQ(rule, "lexicon:ads");
  EXPECT_TRUE(p->normalize.t2s);
  EXPECT_FALSE(p->detectors.phone);
}

TEST(Policy, RulesMatchInOrder) {
  auto p = ParsePolicy(R"({"version":1,"rules":[
    {"id":"porn-high","category":["porn"],"min_severity":8,"action":"remove"},
    {"id":"porn","category":"porn","action":"mask"},
    {"id":"phone","source":"phone","action":"mask"}],
    "detectors":{"phone":true,"flood":{"messages":5,"window_seconds":30}},
    "ladder":[{"infractions":5,"window_seconds":60,"action":"remove"},{"infractions":2,"window_seconds":60,"action":"mute"}]})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  std::string rule;
  EXPECT_EQ(p->ActionFor("lexicon", "porn", 9, &rule), Action::kRemove);
  EXPECT_EQ(rule, "porn-high");
  EXPECT_EQ(p->ActionFor("lexicon", "porn", 3, &rule), Action::kMask);
  EXPECT_EQ(p->ActionFor("lexicon", "ads", 9, &rule), Action::kFlag);
  EXPECT_EQ(p->ActionFor("phone", "phone", 10, &rule), Action::kMask);
  EXPECT_EQ(p->detectors.flood_messages, 5);
  EXPECT_EQ(p->detectors.flood_window_ms, 30000);
  ASSERT_EQ(p->ladder.size(), 2u);
  EXPECT_EQ(p->ladder[0].infractions, 2);  // sorted
}

TEST(Policy, ErrorsNameTheKey) {
  struct Case {
    const char* json;
    const char* want;
  } cases[] = {
      {"[", "not valid JSON"},
      {R"({"rulez":[]})", "rulez: unknown key"},
      {R"({"rules":[{"action":"ban"}]})", "rules[0].action: unknown action 'ban'"},
      {R"({"rules":[{"source":"x","action":"flag"}]})", "rules[0].source: unknown source"},
      {R"({"rules":[{}]})", "rules[0].action: required"},
      {R"({"normalize":{"t2s":1}})", "normalize.t2s: expected true or false"},
      {R"({"lexicon":{"min_chars":0}})", "lexicon.min_chars: 0 is outside"},
      {R"({"detectors":{"flood":{"window_seconds":-1}}})", "detectors.flood.window_seconds"},
      {R"({"version":2})", "version"},
      {R"({"ladder":[{"infractions":99999999999999999999,"action":"mute"}]})", "ladder[0].infractions"},
  };
  for (const auto& c : cases) {
    auto p = ParsePolicy(c.json);
    ASSERT_FALSE(p.ok()) << c.json;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(c.want), std::string::npos) << p.status().message();
  }
}

}  // namespace
}  // namespace qun::moderation
