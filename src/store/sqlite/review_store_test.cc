#include "store/sqlite/review_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <unistd.h>

#include <filesystem>

namespace qun::store {
namespace {

std::string TempDir(const char* name) {
  auto p = std::filesystem::temp_directory_path() / (std::string("qun_review_") + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  return p.string();
}

ReviewItemInput Item(const std::string& rule, moderation::Action a = moderation::Action::kFlag) {
  ReviewItemInput in;
  in.source_ref = "ev-" + rule;
  in.community = "g";
  in.member = "telegram:u";
  in.ts_ms = 1767225600000;
  in.text = "加我微信";
  moderation::Finding f;
  f.rule = rule;
  f.source = "lexicon";
  f.word = "微信";
  f.category = "ads";
  f.start = 6;
  f.end = 12;
  f.action = a;
  in.result.findings.push_back(f);
  in.result.action = a;
  return in;
}

TEST(ReviewStore, EnqueueDecideAuditAndFalsePositiveRate) {
  std::string dir = TempDir("a");
  auto s = ReviewStore::Open(dir);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto& store = **s;
  auto a = store.Enqueue(Item("lexicon:ads"), 1000);
  auto b = store.Enqueue(Item("lexicon:ads"), 1001);
  auto c = store.Enqueue(Item("lexicon:ads"), 1002);
  auto d = store.Enqueue(Item("phone"), 1003);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  auto pending = store.List(moderation::ReviewStatus::kPending, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 4u);
  EXPECT_EQ((*pending)[0].id, *d);  // newest first
  EXPECT_EQ((*pending)[0].rules, std::vector<std::string>{"phone"});

  ASSERT_TRUE(store.Decide(*a, moderation::Decision::kConfirm, "alice", "spam", 2000).ok());
  ASSERT_TRUE(store.Decide(*b, moderation::Decision::kOverturn, "bob", "a real question", 2001).ok());
  ASSERT_TRUE(store.Decide(*c, moderation::Decision::kOverturn, "bob", "", 2002).ok());
  ASSERT_TRUE(store.Decide(*c, moderation::Decision::kConfirm, "carol", "on second look", 2003).ok());
  EXPECT_EQ(store.Decide(999, moderation::Decision::kConfirm, "x", "", 1).code(), StatusCode::kNotFound);
  EXPECT_EQ(store.Decide(*a, moderation::Decision::kConfirm, " ", "", 1).code(), StatusCode::kInvalidArgument);

  auto audit = store.Audit(0);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 4u);  // every decision, re-decisions included
  EXPECT_EQ((*audit)[3].reviewer, "carol");

  auto outcomes = store.RuleOutcomes();
  ASSERT_TRUE(outcomes.ok());
  ASSERT_EQ(outcomes->size(), 2u);
  const auto& ads = (*outcomes)[0];
  EXPECT_EQ(ads.rule, "lexicon:ads");
  EXPECT_EQ(ads.confirmed, 2);
  EXPECT_EQ(ads.overturned, 1);
  ASSERT_TRUE(ads.false_positive_rate.has_value());
  EXPECT_NEAR(*ads.false_positive_rate, 1.0 / 3.0, 1e-12);
  EXPECT_FALSE((*outcomes)[1].false_positive_rate.has_value());  // phone: nothing decided
  std::filesystem::remove_all(dir);
}

TEST(ReviewStore, AuditLogIsAppendOnlyAndSchemaVersioned) {
  std::string dir = TempDir("b");
  {
    auto s = ReviewStore::Open(dir);
    ASSERT_TRUE(s.ok());
    auto id = (*s)->Enqueue(Item("r"), 1);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE((*s)->Decide(*id, moderation::Decision::kConfirm, "a", "", 2).ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir + "/moderation.db").c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM review_decisions", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "UPDATE review_decisions SET reviewer='x'", nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "INSERT INTO schema_version VALUES (99)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto s = ReviewStore::Open(dir);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace qun::store
