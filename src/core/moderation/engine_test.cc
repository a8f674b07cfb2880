#include "core/moderation/engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace qun::moderation {
namespace {

std::shared_ptr<const Ruleset> Make(std::string_view lexicon, std::string_view policy_json = "{}") {
  std::vector<LexiconEntry> entries;
  EXPECT_TRUE(ParseLexicon(lexicon, "test", "lex", false, &entries).ok());
  auto p = ParsePolicy(policy_json);
  EXPECT_TRUE(p.ok());
  auto rs = BuildRuleset(*p, entries, {});
  EXPECT_TRUE(rs.ok());
  return *rs;
}

Event Message(std::string text, int64_t ts = 1767225600000, std::string actor = "u") {
  Event e;
  e.type = EventType::kMessagePosted;
  e.ts_ms = ts;
  e.platform = Platform::kTelegram;
  e.community = "g";
  e.actor = std::move(actor);
  e.text = std::move(text);
  return e;
}

TEST(ModerationEngine, VerdictIsTheStrongestFinding) {
  ModerationEngine engine(Make("spam\tads\t3\nscam\tfraud\t9\n",
                               R"({"rules":[{"category":"fraud","min_severity":8,"action":"remove"}]})"));
  EXPECT_EQ(engine.Moderate(Message("hello")).action, Action::kAllow);
  EXPECT_EQ(engine.Moderate(Message("spam here")).action, Action::kFlag);
  auto r = engine.Moderate(Message("spam and scam"));
  EXPECT_EQ(r.action, Action::kRemove);
  EXPECT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.masked, "**** and ****");
}

TEST(ModerationEngine, HotReloadSwapsRulesetWhileOthersModerate) {
  ModerationEngine engine(Make("alpha\n"));
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!stop) {
      auto r = engine.ModerateText("alpha beta");
      if (r.findings.empty() || r.findings.size() > 2) ++bad;  // one of the two rulesets, never torn
    }
  });
  for (int i = 0; i < 20; ++i) engine.Reload(Make(i % 2 ? "alpha\n" : "alpha\nbeta\n"));
  stop = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0);
  engine.Reload(Make("beta\n"));
  EXPECT_EQ(engine.ModerateText("alpha beta").findings.size(), 1u);
}

TEST(ModerationEngine, BanListAppliesEverywhere) {
  ModerationEngine engine(Make("x1\n"));
  engine.Ban("telegram:bad");
  Event e = Message("hi", 1767225600000, "bad");
  e.community = "another";
  auto r = engine.Moderate(e);
  EXPECT_EQ(r.action, Action::kRemove);
  EXPECT_TRUE(r.banned);
  engine.Unban("telegram:bad");
  EXPECT_EQ(engine.Moderate(e).action, Action::kAllow);
}

TEST(ModerationEngine, FloodUsesEventTimeNotAClock) {
  ModerationEngine engine(Make("x1\n", R"({"detectors":{"flood":{"messages":2,"window_seconds":5}}})"));
  EXPECT_EQ(engine.Moderate(Message("a", 1000000)).action, Action::kAllow);
  EXPECT_EQ(engine.Moderate(Message("a", 1001000)).action, Action::kAllow);
  EXPECT_EQ(engine.Moderate(Message("a", 1002000)).action, Action::kFlag);
  EXPECT_EQ(engine.Moderate(Message("a", 1010000)).action, Action::kAllow);  // window passed
}

TEST(ModerationEngine, OtherEventTypesAreAllowed) {
  ModerationEngine engine(Make("spam\n"));
  Event e = Message("spam");
  e.type = EventType::kReactionAdded;
  EXPECT_EQ(engine.Moderate(e).action, Action::kAllow);
}

TEST(Detectors, SimHashSeparatesDifferentTexts) {
  auto table = FoldTable::Build(NormalizeOptions{}, {});
  Normalizer n(table);
  NormalizedText a, b, c;
  n.Normalize("限时特惠！高仿名牌包包一律五折，私聊我领取优惠券", &a);
  n.Normalize("限时特惠 高仿名牌包包一律五折 私聊我领取优惠券吧", &b);
  n.Normalize("今天天气不错，大家周末去哪里玩呀，有推荐的地方吗", &c);
  EXPECT_LE(HammingDistance(SimHash(a), SimHash(b)), 8);
  EXPECT_GT(HammingDistance(SimHash(a), SimHash(c)), 12);
}

}  // namespace
}  // namespace qun::moderation
