// Inline moderation through the Workspace: findings stored once, review items
// with context, the watermark and catch-up after a crash, discarded imports,
// the persisted ban list and the engine tally that feeds health.
#include "store/moderation/inline_moderation.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/moderation/tally.h"
#include "store/workspace.h"

namespace qun::store {
namespace {

class InlineModerationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = std::filesystem::temp_directory_path() /
            (std::string("qun_inline_mod_") + info->name() + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    dir_ = (root_ / "data").string();
    lexicon_ = (root_ / "ads.txt").string();
    std::ofstream(lexicon_) << "badword\n刷单\tads\t7\n";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void Enable() { ASSERT_TRUE(WriteModerationConfig(dir_, ModerationConfig{{lexicon_}, {}, ""}).ok()); }

  static Event Msg(const std::string& id, const std::string& actor, const std::string& text, int64_t ts_ms) {
    Event e;
    e.id = id;
    e.type = EventType::kMessagePosted;
    e.ts_ms = ts_ms;
    e.platform = Platform::kTelegram;
    e.community = "g1";
    e.actor = actor;
    e.message_id = "m" + id;
    e.text = text;
    return e;
  }
  static std::vector<Event> Batch() {
    const int64_t t = 1767225600000;  // 2026-01-01
    return {Msg("1", "a", "hello all", t), Msg("2", "b", "cheap badword here", t + 1000),
            Msg("3", "a", "fine", t + 2000), Msg("4", "c", "来刷单吧", t + 3000)};
  }
  // The texts of review item `item`'s context, oldest first.
  static std::vector<std::string> ContextTexts(Workspace& ws, int64_t item) {
    auto it = ws.moderation()->GetReview(item);
    EXPECT_TRUE(it.ok());
    std::vector<std::string> out;
    if (!it.ok()) return out;
    for (const auto& m : nlohmann::json::parse(it->context_json)) out.push_back(m["text"].get<std::string>());
    return out;
  }
  // The review item of the finding with event seq `seq`, or 0.
  static int64_t ItemOf(Workspace& ws, uint64_t seq) {
    for (const auto& f : AllFindings(ws))
      if (f.seq == seq) return f.review_item;
    return 0;
  }
  static size_t Tally(const Workspace& ws) {
    return ws.engine().module<moderation::ModerationTally>()->size();
  }
  static std::vector<moderation::FindingRecord> AllFindings(Workspace& ws) {
    moderation::FindingFilter f;
    f.limit = 1000;
    auto r = ws.moderation()->Findings(f);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<moderation::FindingRecord>{};
  }
  static int64_t QueueSize(Workspace& ws) {
    moderation::ReviewFilter f;
    int64_t total = -1;
    EXPECT_TRUE(ws.moderation()->ListReview(f, &total).ok());
    return total;
  }

  std::filesystem::path root_;
  std::string dir_, lexicon_;
};

TEST_F(InlineModerationTest, IngestStoresFindingsOnceWithReviewContext) {
  Enable();
  auto ws = Workspace::Open(dir_);
  ASSERT_TRUE(ws.ok()) << ws.status().ToString();
  auto sum = (*ws)->IngestBatch(Batch());
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->imported, 4u);
  EXPECT_EQ(sum->flagged, 2u);
  auto findings = AllFindings(**ws);
  ASSERT_EQ(findings.size(), 2u);
  // Newest first: seq 4 (刷单 at bytes 3..9 of 来刷单吧), then seq 2.
  EXPECT_EQ(findings[0].seq, 4u);
  EXPECT_EQ(findings[0].member, "telegram:c");
  EXPECT_EQ(findings[0].rules, std::vector<std::string>{"lexicon:ads"});
  EXPECT_NE(findings[0].findings_json.find("\"start\":3,\"end\":9"), std::string::npos)
      << findings[0].findings_json;
  EXPECT_EQ(findings[0].masked, "来**吧");
  EXPECT_EQ(findings[1].seq, 2u);
  EXPECT_EQ(findings[1].action, moderation::Action::kFlag);
  EXPECT_EQ(findings[1].masked, "cheap ******* here");
  EXPECT_GT(findings[1].review_item, 0);
  EXPECT_EQ(QueueSize(**ws), 2);
  auto item = (*ws)->moderation()->GetReview(findings[0].review_item);
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->seq, 4u);
  EXPECT_EQ(item->text, "来刷单吧");
  // Context: the three messages before it in g1, oldest first.
  EXPECT_NE(item->context_json.find("hello all"), std::string::npos) << item->context_json;
  EXPECT_NE(item->context_json.find("fine"), std::string::npos);
  EXPECT_EQ(Tally(**ws), 2u);

  // Re-delivering the same events stores nothing new.
  auto again = (*ws)->IngestBatch(Batch());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->duplicates, 4u);
  EXPECT_EQ(again->flagged, 0u);
  EXPECT_EQ(AllFindings(**ws).size(), 2u);
  EXPECT_EQ(QueueSize(**ws), 2);
  auto wm = (*ws)->moderation()->Watermark();
  ASSERT_TRUE(wm.ok());
  EXPECT_EQ(*wm, 4u);
}

TEST_F(InlineModerationTest, CatchUpAfterEnableAndAfterALostWatermark) {
  {
    auto ws = Workspace::Open(dir_);
    ASSERT_TRUE(ws.ok());
    ASSERT_TRUE((*ws)->IngestBatch(Batch()).ok());  // moderation off
    EXPECT_TRUE(AllFindings(**ws).empty());
  }
  Enable();
  {
    auto ws = Workspace::Open(dir_);  // catches up on seq 1..4
    ASSERT_TRUE(ws.ok()) << ws.status().ToString();
    EXPECT_EQ(AllFindings(**ws).size(), 2u);
    EXPECT_EQ(Tally(**ws), 2u);
  }
  // A crash after the findings but before the watermark (simulated): the
  // replay must not duplicate findings or review items.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ + "/moderation.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE moderation_state SET value = 1 WHERE key = 'watermark'", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  {
    auto ws = Workspace::Open(dir_);
    ASSERT_TRUE(ws.ok());
    EXPECT_EQ(AllFindings(**ws).size(), 2u);
    EXPECT_EQ(QueueSize(**ws), 2);
    EXPECT_EQ(Tally(**ws), 2u);
    EXPECT_EQ(*(*ws)->moderation()->Watermark(), 4u);
  }
  // Read-only opens see the tally too (health reads it).
  auto ro = Workspace::Open(dir_, {.read_only = true, .create = false});
  ASSERT_TRUE(ro.ok()) << ro.status().ToString();
  EXPECT_EQ(Tally(**ro), 2u);
}

// Context is the 3 messages before the flagged one in event time (issue 6):
// rows ingested after it with earlier times count, later times and other
// communities and non-messages do not.
TEST_F(InlineModerationTest, ContextIsInEventTimeForOutOfOrderBatches) {
  Enable();
  auto ws = Workspace::Open(dir_);
  ASSERT_TRUE(ws.ok()) << ws.status().ToString();
  const int64_t t = 1767225600000;
  Event other = Msg("5", "e", "other group", t + 95000);
  other.community = "g2";
  Event reaction;
  reaction.id = "r1";
  reaction.type = EventType::kReactionAdded;
  reaction.ts_ms = t + 96000;
  reaction.platform = Platform::kTelegram;
  reaction.community = "g1";
  reaction.actor = "b";
  reaction.message_id = "m1";
  reaction.emoji = "+1";
  std::vector<Event> batch = {Msg("1", "a", "first", t + 50000),
                              Msg("2", "b", "second", t + 60000),
                              Msg("3", "c", "badword now", t + 100000),
                              Msg("4", "d", "late but earlier", t + 90000),
                              other,
                              reaction,
                              Msg("6", "a", "just before", t + 97000),
                              Msg("7", "b", "after it", t + 200000)};
  auto sum = (*ws)->IngestBatch(batch);
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  ASSERT_EQ(sum->flagged, 1u);
  EXPECT_EQ(ContextTexts(**ws, ItemOf(**ws, 3)),
            (std::vector<std::string>{"second", "late but earlier", "just before"}));
  // A later batch with an old flagged message: its context is from its own time.
  ASSERT_TRUE((*ws)->IngestBatch({Msg("8", "d", "old badword", t + 55000)}).ok());
  EXPECT_EQ(ContextTexts(**ws, ItemOf(**ws, 9)), (std::vector<std::string>{"first"}));
}

TEST_F(InlineModerationTest, ContextSurvivesRestart) {
  Enable();
  const int64_t t = 1767225600000;
  {
    auto ws = Workspace::Open(dir_);
    ASSERT_TRUE(ws.ok());
    ASSERT_TRUE((*ws)
                    ->IngestBatch({Msg("1", "a", "one", t), Msg("2", "b", "two", t + 1000),
                                   Msg("3", "a", "three", t + 2000), Msg("4", "c", "four", t + 3000)})
                    .ok());
  }
  auto ws = Workspace::Open(dir_);  // the per-process state is gone
  ASSERT_TRUE(ws.ok());
  ASSERT_TRUE((*ws)->IngestBatch({Msg("5", "d", "badword", t + 4000)}).ok());
  EXPECT_EQ(ContextTexts(**ws, ItemOf(**ws, 5)), (std::vector<std::string>{"two", "three", "four"}));
}

TEST_F(InlineModerationTest, CatchUpAfterEnableGivesContext) {
  const int64_t t = 1767225600000;
  {
    auto ws = Workspace::Open(dir_);
    ASSERT_TRUE(ws.ok());
    ASSERT_TRUE(
        (*ws)->IngestBatch({Msg("1", "a", "badword first", t + 5000), Msg("2", "b", "earlier", t)}).ok());
  }
  Enable();
  auto ws = Workspace::Open(dir_);  // catch-up moderates seq 1 with the whole log known
  ASSERT_TRUE(ws.ok());
  EXPECT_EQ(ContextTexts(**ws, ItemOf(**ws, 1)), (std::vector<std::string>{"earlier"}));
}

TEST_F(InlineModerationTest, ContextOfAThreadReplyIsItsThread) {
  Enable();
  auto ws = Workspace::Open(dir_);
  ASSERT_TRUE(ws.ok());
  const int64_t t = 1767225600000;
  Event root = Msg("1", "a", "root", t);
  Event top = Msg("2", "b", "top level", t + 1000);
  Event reply = Msg("3", "c", "reply", t + 2000);
  reply.thread = root.message_id;
  Event flagged = Msg("4", "d", "badword in thread", t + 3000);
  flagged.thread = root.message_id;
  Event top_flagged = Msg("5", "e", "badword top", t + 4000);
  ASSERT_TRUE((*ws)->IngestBatch({root, top, reply, flagged, top_flagged}).ok());
  EXPECT_EQ(ContextTexts(**ws, ItemOf(**ws, 4)), (std::vector<std::string>{"root", "reply"}));
  EXPECT_EQ(ContextTexts(**ws, ItemOf(**ws, 5)), (std::vector<std::string>{"root", "top level"}));
}

// Detector history is replayed from the recent stored messages at open:
// a flood that straddles a restart is still a flood (docs/moderation.md#detector-history).
TEST_F(InlineModerationTest, FloodHistorySurvivesRestart) {
  const std::string policy = (root_ / "policy.json").string();
  std::ofstream(policy) << R"({"version":1,"detectors":{"flood":{"messages":3,"window_seconds":60}}})";
  ASSERT_TRUE(WriteModerationConfig(dir_, ModerationConfig{{lexicon_}, {}, policy}).ok());
  const int64_t t = 1767225600000;
  {
    auto ws = Workspace::Open(dir_);
    ASSERT_TRUE(ws.ok()) << ws.status().ToString();
    auto sum = (*ws)->IngestBatch(
        {Msg("1", "x", "hi 1", t), Msg("2", "x", "hi 2", t + 1000), Msg("3", "x", "hi 3", t + 2000)});
    ASSERT_TRUE(sum.ok());
    EXPECT_EQ(sum->flagged, 0u);  // 3 in 60 s is allowed
  }
  auto ws = Workspace::Open(dir_);
  ASSERT_TRUE(ws.ok()) << ws.status().ToString();
  auto sum = (*ws)->IngestBatch({Msg("4", "x", "hi 4", t + 3000)});
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum->flagged, 1u);  // the 4th within 60 s, across the restart
  auto findings = AllFindings(**ws);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rules, std::vector<std::string>{"flood"});
  // Outside the window nothing is carried over.
  auto later = (*ws)->IngestBatch({Msg("5", "x", "hi 5", t + 600000)});
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->flagged, 0u);
}

TEST_F(InlineModerationTest, DiscardedEventsLoseTheirFindings) {
  Enable();
  auto ws = Workspace::Open(dir_);
  ASSERT_TRUE(ws.ok());
  ASSERT_TRUE((*ws)->IngestBatch({Batch()[0], Batch()[1]}).ok());
  auto mark = (*ws)->MarkNow();
  ASSERT_TRUE((*ws)->IngestBatch({Batch()[2], Batch()[3]}).ok());
  EXPECT_EQ(AllFindings(**ws).size(), 2u);
  ASSERT_TRUE((*ws)->DiscardSince(mark).ok());
  ws->reset();
  ws = Workspace::Open(dir_);
  ASSERT_TRUE(ws.ok());
  auto findings = AllFindings(**ws);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].seq, 2u);
  EXPECT_EQ(QueueSize(**ws), 1);
  EXPECT_EQ(*(*ws)->moderation()->Watermark(), 2u);
  // New events reuse seq 3 and 4 and are moderated afresh.
  auto sum = (*ws)->IngestBatch({Batch()[3]});
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum->flagged, 1u);
  EXPECT_EQ(AllFindings(**ws).front().seq, 3u);
}

TEST_F(InlineModerationTest, BanListPersistsAndApplies) {
  Enable();
  {
    auto ws = Workspace::Open(dir_);
    ASSERT_TRUE(ws.ok());
    auto added = (*ws)->moderation()->Ban({"telegram:a", "spam", "test", 0});
    ASSERT_TRUE(added.ok());
    EXPECT_TRUE(*added);
  }
  auto ws = Workspace::Open(dir_);
  ASSERT_TRUE(ws.ok());
  auto bans = (*ws)->moderation()->Bans();
  ASSERT_TRUE(bans.ok());
  ASSERT_EQ(bans->size(), 1u);
  EXPECT_EQ((*bans)[0].reason, "spam");
  auto sum = (*ws)->IngestBatch(Batch());
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum->flagged, 4u);  // a's two clean messages are now 'remove', plus the two lexicon hits
  auto findings = AllFindings(**ws);
  ASSERT_EQ(findings.size(), 4u);
  EXPECT_EQ(findings.back().seq, 1u);
  EXPECT_EQ(findings.back().action, moderation::Action::kRemove);
  auto removed = (*ws)->moderation()->Unban("telegram:a");
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
}

TEST_F(InlineModerationTest, BadConfigIsAPreciseError) {
  std::filesystem::create_directories(dir_);
  std::ofstream(ModerationConfigPath(dir_)) << "{\"version\":1,\"lexicons\":[\"/nonexistent/lex.txt\"]}";
  auto ws = Workspace::Open(dir_);
  ASSERT_FALSE(ws.ok());
  EXPECT_NE(ws.status().message().find("/nonexistent/lex.txt"), std::string::npos) << ws.status().ToString();
  std::ofstream(ModerationConfigPath(dir_)) << "{\"version\":1,\"lexicon\":[]}";
  auto c = ReadModerationConfig(dir_);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("unknown key 'lexicon'"), std::string::npos);
}

}  // namespace
}  // namespace qun::store
