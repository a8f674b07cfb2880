#include "store/member_queries.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/members/segment_filter.h"
#include "core/model/event_json.h"
#include "store/workspace.h"

namespace qun {
namespace {

// A fresh workspace in a temporary directory, removed afterwards.
class MemberQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = (std::filesystem::temp_directory_path() /
            (std::string("qun_member_queries_") + info->name() + "_" + std::to_string(::getpid())))
               .string();
    std::filesystem::remove_all(dir_);
    auto ws = Workspace::Open(dir_);
    ASSERT_TRUE(ws.ok()) << ws.status().message();
    ws_ = std::move(*ws);
    // a: 3 messages in g; b: 2 in g, 1 in h; c: 1 in h; d: joined g only.
    Ingest({Msg("1", "2026-01-01", "g", "a"), Msg("2", "2026-01-02", "g", "a"),
            Msg("3", "2026-01-03", "g", "a"), Msg("4", "2026-01-02", "g", "b"),
            Msg("5", "2026-01-04", "g", "b"), Msg("6", "2026-01-05", "h", "b"),
            Msg("7", "2026-01-06", "h", "Carol"),
            R"({"id": "8", "type": "member.joined", "ts": "2026-01-03T12:00:00Z", "platform": "custom",
                "community": "g", "actor": "d"})"});
  }
  void TearDown() override {
    ws_.reset();
    std::filesystem::remove_all(dir_);
  }

  static std::string Msg(const std::string& id, const std::string& day, const std::string& community,
                         const std::string& actor) {
    return R"({"id": ")" + id + R"(", "type": "message.posted", "ts": ")" + day +
           R"(T12:00:00Z", "platform": "custom", "community": ")" + community + R"(", "actor": ")" + actor +
           R"(", "text": "hi"})";
  }
  void Ingest(const std::vector<std::string>& lines) {
    EventParser parser;
    std::vector<Event> batch;
    for (const auto& l : lines) {
      auto e = parser.Parse(l);
      ASSERT_TRUE(e.ok()) << e.status().message() << " in " << l;
      batch.push_back(std::move(*e));
    }
    auto r = ws_->IngestBatch(std::move(batch));
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  Result<MemberListPage> List(const MemberListQuery& q, ParamStyle style = ParamStyle::kCliFlag) {
    auto lock = ws_->ReadLock();
    return ListMembers(*ws_, q, style);
  }
  // The first account of each listed member, in order.
  std::vector<std::string> Accounts(const MemberListPage& page) {
    std::vector<std::string> out;
    auto lock = ws_->ReadLock();
    for (const auto& r : page.rows)
      out.push_back(AccountKey(ws_->engine(), ws_->engine().members()[r.id].accounts[0]));
    return out;
  }

  std::string dir_;
  std::unique_ptr<Workspace> ws_;
};

TEST_F(MemberQueriesTest, ListSortsPagesAndCountsBeforePaging) {
  MemberListQuery q;
  auto page = List(q);
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(page->total, 4u);
  EXPECT_EQ(Accounts(*page), (std::vector<std::string>{"custom:a", "custom:b", "custom:Carol", "custom:d"}));
  EXPECT_EQ(page->rows[0].events, 3u);
  q.sort = "last_seen";
  q.offset = 1;
  q.limit = 2;
  page = List(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 4u);
  EXPECT_EQ(Accounts(*page), (std::vector<std::string>{"custom:b", "custom:a"}));
  // Far past the end, and a limit that would overflow begin + limit.
  q.offset = 100;
  q.limit = UINT64_MAX;
  page = List(q);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->rows.empty());
  q.offset = 3;
  page = List(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Accounts(*page), (std::vector<std::string>{"custom:d"}));
}

TEST_F(MemberQueriesTest, CommunityCountsOnlyItsEventsAndSearchFoldsCase) {
  MemberListQuery q;
  q.scope.community = "custom:h";
  auto page = List(q);
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(Accounts(*page), (std::vector<std::string>{"custom:b", "custom:Carol"}));
  EXPECT_EQ(page->rows[0].events, 1u);
  q.scope.community.clear();
  q.search = "CAROL";
  page = List(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Accounts(*page), (std::vector<std::string>{"custom:Carol"}));
}

TEST_F(MemberQueriesTest, MergedAwayMembersAreNotListed) {
  uint32_t a, b;
  {
    auto lock = ws_->ReadLock();
    a = ws_->engine().member_of(ws_->engine().FindAccount(Platform::kCustom, "a"));
    b = ws_->engine().member_of(ws_->engine().FindAccount(Platform::kCustom, "b"));
  }
  ASSERT_TRUE(ws_->Merge(a, b, "test").ok());
  auto page = List(MemberListQuery{});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 3u);
  EXPECT_EQ(page->rows[0].id, a);
  EXPECT_EQ(page->rows[0].events, 6u);
}

TEST_F(MemberQueriesTest, BadQueriesNameTheFieldAsTheSurfaceDoes) {
  MemberListQuery q;
  q.sort = "name";
  auto r = List(q);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "--sort 'name': expected events, last_seen, contribution or id");
  r = List(q, ParamStyle::kApi);
  EXPECT_EQ(r.status().message(), "parameter 'sort' 'name': expected events, last_seen, contribution or id");

  q = MemberListQuery{};
  q.filters.stages = {"active", "sleepy"};
  r = List(q);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("--stage: ", 0), 0u) << r.status().message();
  EXPECT_NE(r.status().message().find("unknown stage 'sleepy'"), std::string::npos) << r.status().message();
  r = List(q, ParamStyle::kApi);
  EXPECT_EQ(r.status().message().rfind("parameter 'stage': ", 0), 0u) << r.status().message();

  q = MemberListQuery{};
  q.filters.levels = {""};  // an empty value is an error, not "no filter"
  EXPECT_EQ(List(q).status().code(), StatusCode::kInvalidArgument);
  q.filters.levels = {"high+"};
  EXPECT_EQ(List(q).status().message().rfind("--level: ", 0), 0u) << List(q).status().message();

  q = MemberListQuery{};
  q.filters.where = "stage==";
  EXPECT_EQ(List(q, ParamStyle::kApi).status().message().rfind("parameter 'where': ", 0), 0u);

  q = MemberListQuery{};
  q.scope.tz = "Mars/Base";
  EXPECT_EQ(List(q).status().message().rfind("--tz: unknown time zone 'Mars/Base'", 0), 0u);
  q.scope.tz = "UTC";
  q.scope.as_of = "2026-13-01";
  r = List(q, ParamStyle::kApi);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("parameter 'as_of': ", 0), 0u) << r.status().message();
  EXPECT_EQ(List(q).status().message().rfind("--as-of: ", 0), 0u);

  q = MemberListQuery{};
  q.scope.community = "custom:nope";
  EXPECT_EQ(List(q).status().code(), StatusCode::kNotFound);

  q = MemberListQuery{};
  q.filters.segment = "nope";
  EXPECT_EQ(List(q).status().code(), StatusCode::kNotFound);
}

TEST_F(MemberQueriesTest, FiltersAnyOfOneFieldAllOfFields) {
  MemberListQuery q;
  q.scope.as_of = "2026-01-06";
  q.filters.levels = {"L1+"};
  q.sort = "id";
  auto page = List(q);
  ASSERT_TRUE(page.ok()) << page.status().message();
  size_t all = page->total;
  EXPECT_GT(all, 0u);
  q.filters.where = "active_days>=3";
  page = List(q);
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(Accounts(*page), (std::vector<std::string>{"custom:a", "custom:b"}));
  // Every listed member carries its profile; the JSON writer copies it.
  auto lock = ws_->ReadLock();
  nlohmann::json j = MemberListJson(ws_->engine(), *page);
  EXPECT_EQ(j["total"], 2);
  EXPECT_EQ(j["as_of"], "2026-01-06");
  EXPECT_EQ(j["members"][0]["active_days"], 3);
  EXPECT_EQ(j["members"][1]["events"], 3);
  EXPECT_EQ(j["members"][1]["first_seen"], "2026-01-02T12:00:00Z");
}

TEST_F(MemberQueriesTest, TagNamesAreCheckedBeforeAnythingIsWritten) {
  EXPECT_EQ(CheckTagName("").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckTagName(std::string(65, 'x')).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckTagName(std::string(64, 'x')).ok());
  EXPECT_EQ(CheckTagName("a\"b").message(), "tag 'a\"b': no quotes or control characters");
  EXPECT_EQ(CheckTagName("a'b").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckTagName("a\tb").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckTagName("\xff").message(), "tag: invalid UTF-8");
  EXPECT_TRUE(CheckTagName("种子用户").ok());

  auto bad = AddMemberTags(*ws_, "custom:a", {"vip", "a\"b"});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  auto db = MembersDb::Open(ws_->data_dir(), true);
  ASSERT_TRUE(db.ok());
  EXPECT_TRUE((*db)->Tags()->empty()) << "nothing written when one name is bad";
  EXPECT_EQ(AddMemberTags(*ws_, "custom:nobody", {"vip"}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(AddMemberTags(*ws_, "nobody", {"vip"}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(MemberQueriesTest, TagsFilterTheListAndTheCacheFollowsThem) {
  MemberTableCache cache;
  auto load = [&] {
    auto lock = ws_->ReadLock();
    auto r = LoadMemberIntel(*ws_, ScopeText{}, ParamStyle::kApi, &cache);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return *r;
  };
  auto first = load();
  EXPECT_EQ(load(), first) << "same scope, same state: cached";
  auto added = AddMemberTags(*ws_, "custom:b", {"vip", "早鸟"});
  ASSERT_TRUE(added.ok()) << added.status().message();
  EXPECT_EQ(added->changed, 2);
  auto tagged = load();
  EXPECT_NE(tagged, first) << "a tag change rebuilds";
  MemberListQuery q;
  q.filters.tags = {"早鸟", "nobody-has-this"};
  auto page = List(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Accounts(*page), (std::vector<std::string>{"custom:b"}));

  auto removed = RemoveMemberTags(*ws_, "custom:b", {"vip", "never-added"});
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->changed, 1);
  Ingest({Msg("9", "2026-01-07", "g", "d")});
  auto after_ingest = load();
  EXPECT_NE(after_ingest, tagged) << "an ingest rebuilds";
  auto lock = ws_->ReadLock();
  EXPECT_EQ(after_ingest->day, *ParseDate("2026-01-07"));
}

TEST_F(MemberQueriesTest, SegmentsValidateCountAndReportStoredFiltersThatNoLongerParse) {
  auto saved = SaveMemberSegment(*ws_, "busy", "active_days >= 3", SegmentWrite::kCreate, ParamStyle::kApi);
  ASSERT_TRUE(saved.ok()) << saved.status().message();
  EXPECT_EQ(saved->filter, "active_days>=3");
  EXPECT_EQ(SaveMemberSegment(*ws_, "busy", "stage=active", SegmentWrite::kCreate, ParamStyle::kApi)
                .status()
                .code(),
            StatusCode::kAlreadyExists);
  EXPECT_TRUE(
      SaveMemberSegment(*ws_, "busy", "active_days>=2", SegmentWrite::kReplace, ParamStyle::kApi).ok());
  EXPECT_EQ(SaveMemberSegment(*ws_, "nope", "stage=active", SegmentWrite::kUpdate, ParamStyle::kApi)
                .status()
                .code(),
            StatusCode::kNotFound);
  auto bad = SaveMemberSegment(*ws_, "x", "stage=sleepy", SegmentWrite::kCreate, ParamStyle::kApi);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().rfind("body field 'filter': ", 0), 0u) << bad.status().message();
  bad = SaveMemberSegment(*ws_, "x", "stage=sleepy", SegmentWrite::kCreate, ParamStyle::kCliFlag);
  EXPECT_NE(bad.status().message().find("unknown stage 'sleepy'"), std::string::npos);
  EXPECT_EQ(
      SaveMemberSegment(*ws_, "", "stage=active", SegmentWrite::kCreate, ParamStyle::kApi).status().message(),
      "segment name: 1 to 64 bytes of UTF-8");

  // A filter stored by an older version that this one no longer accepts.
  {
    auto db = MembersDb::Open(ws_->data_dir(), false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->SaveSegment(SavedSegment{"old", "stage=sleepy", 0}, false).ok());
  }
  auto lock = ws_->ReadLock();
  ScopeText scope;
  scope.as_of = "2026-01-06";
  auto list = SegmentListJson(*ws_, scope, ParamStyle::kApi);
  ASSERT_TRUE(list.ok()) << list.status().message();
  ASSERT_EQ((*list)["segments"].size(), 2u);
  EXPECT_EQ((*list)["segments"][0]["name"], "busy");
  EXPECT_EQ((*list)["segments"][0]["members"], 2);
  EXPECT_TRUE((*list)["segments"][1]["members"].is_null());
  EXPECT_TRUE((*list)["segments"][1].contains("error"));
  MemberListQuery q;
  q.filters.segment = "old";
  auto r = ListMembers(*ws_, q, ParamStyle::kApi);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("segment 'old': ", 0), 0u) << r.status().message();
  lock.unlock();
  EXPECT_TRUE(DeleteMemberSegment(*ws_, "old").ok());
  EXPECT_EQ(DeleteMemberSegment(*ws_, "old").code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace qun
