// Properties every connector must hold on every real sample: each emitted
// event passes ValidateEvent, ids are unique and stable across re-reads,
// and clean samples produce no rejects. Plus unit tests of the shared
// streaming pieces.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "connectors/common/input.h"
#include "connectors/common/json_stream.h"
#include "connectors/common/util.h"
#include "connectors/connector.h"
#include "core/model/event_json.h"

namespace qun::connectors {
namespace {

struct Collect : EventSink {
  std::vector<Event> events;
  std::vector<std::string> rejects;
  Status Accept(Event&& e, const SourceLocation&) override {
    events.push_back(std::move(e));
    return Status::Ok();
  }
  Status Reject(const Status& why, const SourceLocation& where, std::string_view) override {
    rejects.push_back(where.ToString() + ": " + why.message());
    return Status::Ok();
  }
};

std::string DataDir() {
  const char* src = std::getenv("QUN_SOURCE_DIR");
  std::filesystem::path p = std::filesystem::path(src ? src : QUN_SOURCE_DIR) / ".." / "shared" / "data" / "formats";
  return std::filesystem::is_directory(p) ? p.string() : "";
}

// Sample -> connector and the rejects it is known to contain.
const std::map<std::string, std::pair<std::string, size_t>> kSamples = {
    {"telegram/single_export.json", {"telegram", 0}},
    {"telegram/batch_export.json", {"telegram", 0}},
    {"bot-api/telegram_messages.json", {"telegram", 0}},
    {"bot-api/telegram_messages_next.json", {"telegram", 0}},
    {"slack/export_archive.zip", {"slack", 0}},
    {"slack/api_slack_history.json", {"slack", 0}},
    {"slack/api_slack_history_20150323.json", {"slack", 0}},
    {"whatsapp/test_ddmmyy_24hrs.txt", {"whatsapp", 0}},
    {"whatsapp/test_mmddyy_24hrs.txt", {"whatsapp", 0}},
    {"whatsapp/test_mmddyyyy_12hrs.txt", {"whatsapp", 0}},
    {"whatsapp/test_yyyymmdd_24hrs.txt", {"whatsapp", 0}},
    {"irc/supybot_2012_10_17.log", {"irc", 2}},
    {"irc/supybot_2012_10_18.log", {"irc", 0}},
    {"irc/supybot_invalid_msg.log", {"irc", 1}},
    {"irc/supybot_valid.log", {"irc", 0}},
    {"irc/ubuntu", {"irc", 0}},
    {"mbox/mbox_complex.mbox", {"mbox", 0}},
    {"mbox/mbox_iso8859_encoding.mbox", {"mbox", 0}},
    {"mbox/mbox_multipart.mbox", {"mbox", 0}},
    {"mbox/mbox_no_fields.mbox", {"mbox", 0}},
    {"mbox/mbox_single.mbox", {"mbox", 0}},
    {"mbox/mbox_unixfrom_encoding.mbox", {"mbox", 0}},
    {"mbox/pipermail_2015_november.mbox", {"mbox", 0}},
    {"mbox/pipermail_2016_april.mbox", {"mbox", 0}},
    {"mbox/pipermail_2016_march.mbox", {"mbox", 0}},
};

TEST(Connectors, EverySampleGivesValidStableEvents) {
  std::string dir = DataDir();
  if (dir.empty()) GTEST_SKIP() << "../shared/data is absent";
  for (const auto& [rel, expect] : kSamples) {
    SCOPED_TRACE(rel);
    const Connector* c = FindConnector(expect.first);
    ASSERT_NE(c, nullptr);
    Collect a, b;
    ASSERT_TRUE(c->Read(dir + "/" + rel, ImportOptions(), a).ok());
    ASSERT_TRUE(c->Read(dir + "/" + rel, ImportOptions(), b).ok());
    EXPECT_EQ(a.rejects.size(), expect.second) << (a.rejects.empty() ? "" : a.rejects[0]);
    EXPECT_FALSE(a.events.empty());
    ASSERT_EQ(a.events.size(), b.events.size());
    std::set<std::string> ids;
    size_t dup = 0;
    for (size_t i = 0; i < a.events.size(); ++i) {
      EXPECT_TRUE(ValidateEvent(a.events[i]).ok()) << EventToJson(a.events[i]);
      EXPECT_EQ(EventToJson(a.events[i]), EventToJson(b.events[i]));  // re-import gives the same events
      dup += !ids.insert(a.events[i].id).second;
    }
    // mbox_no_fields repeats one Message-ID on purpose.
    EXPECT_EQ(dup, rel == "mbox/mbox_no_fields.mbox" ? 3u : 0u);
    auto detected = DetectConnector(dir + "/" + rel);
    ASSERT_TRUE(detected.ok()) << detected.status().message();
    EXPECT_EQ((*detected)->name(), expect.first);
  }
}

TEST(Connectors, CommunityOptionOverridesEverywhere) {
  std::string dir = DataDir();
  if (dir.empty()) GTEST_SKIP() << "../shared/data is absent";
  ImportOptions opt;
  opt.community = "override";
  for (const auto& [rel, expect] : kSamples) {
    Collect s;
    ASSERT_TRUE(FindConnector(expect.first)->Read(dir + "/" + rel, opt, s).ok());
    for (const Event& e : s.events) EXPECT_EQ(e.community, "override") << rel;
  }
}

TEST(Connectors, MissingFileIsNotFound) {
  for (const Connector* c : Connectors()) {
    Collect s;
    Status st = c->Read("/nonexistent/qun/file.json", ImportOptions(), s);
    EXPECT_FALSE(st.ok()) << c->name();
  }
}

TEST(JsonStream, WalksObjectsAndCapturesValues) {
  StringSource src(R"( {"a": [1, {"x": "}]\"{"}, "s"], "b": {"c": null}, "d": "e"} )");
  JsonStream js(src);
  std::string key, raw;
  ASSERT_TRUE(js.BeginObject().ok());
  ASSERT_TRUE(*js.NextKey(&key));
  EXPECT_EQ(key, "a");
  ASSERT_TRUE(js.BeginArray().ok());
  std::vector<std::string> got;
  while (*js.NextElement()) {
    ASSERT_TRUE(js.Capture(&raw).ok());
    got.push_back(raw);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"1", R"({"x": "}]\"{"})", R"("s")"}));
  ASSERT_TRUE(*js.NextKey(&key));
  EXPECT_EQ(key, "b");
  ASSERT_TRUE(js.Skip().ok());
  ASSERT_TRUE(*js.NextKey(&key));
  ASSERT_TRUE(js.Capture(&raw).ok());
  EXPECT_EQ(raw, "\"e\"");
  EXPECT_FALSE(*js.NextKey(&key));
  EXPECT_TRUE(*js.AtEnd());
}

TEST(JsonStream, TruncationNamesTheOffset) {
  StringSource src(R"([{"a": "b"}, {"a": "unterminated)");
  JsonStream js(src);
  std::string raw;
  ASSERT_TRUE(js.BeginArray().ok());
  ASSERT_TRUE(*js.NextElement());
  ASSERT_TRUE(js.Capture(&raw).ok());
  ASSERT_TRUE(*js.NextElement());
  Status st = js.Capture(&raw);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("byte 32"), std::string::npos) << st.message();
}

TEST(LineReader, LinesOffsetsAndCrLf) {
  StringSource src("a\r\nbb\n\nlast");
  LineReader r(src);
  std::string_view line;
  std::vector<std::pair<std::string, uint64_t>> got;
  while (*r.Next(&line)) got.emplace_back(std::string(line), r.line_offset());
  EXPECT_EQ(got, (std::vector<std::pair<std::string, uint64_t>>{{"a", 0}, {"bb", 3}, {"", 6}, {"last", 7}}));
}

TEST(Util, RepairUtf8ReadsBadBytesAsWindows1252) {
  EXPECT_EQ(RepairUtf8("caf\xE9 \x93ok\x94"), "café “ok”");
  EXPECT_EQ(RepairUtf8("已经是 UTF-8"), "已经是 UTF-8");
}

TEST(Util, CommunityFromPath) {
  EXPECT_EQ(CommunityFromPath("logs/#ceph.2012-10-17.log"), "#ceph");
  EXPECT_EQ(CommunityFromPath("data/ubuntu/2004-12-25.train-c.raw.txt"), "ubuntu");
  EXPECT_EQ(CommunityFromPath("arch/dev/2016-April.txt"), "dev");
  EXPECT_EQ(CommunityFromPath("pipermail_2016_april.mbox"), "pipermail");
  EXPECT_EQ(CommunityFromPath("chat.txt"), "chat");
}

TEST(Util, LocalToUtcAcrossDst) {
  auto ny = TimeZone::Load("America/New_York");
  ASSERT_TRUE(ny.ok());
  // 2021-03-14 01:30 EST is 06:30Z; 03:30 EDT is 07:30Z.
  int64_t day = DaysFromCivil(2021, 3, 14) * kMsPerDay;
  EXPECT_EQ(LocalToUtc(*ny, day + 90 * kMsPerMinute), day + 390 * kMsPerMinute);
  EXPECT_EQ(LocalToUtc(*ny, day + 210 * kMsPerMinute), day + 450 * kMsPerMinute);
}

TEST(Util, ContentIdsNumberRepeats) {
  ContentIds ids;
  std::string a = ids.Next(1000, "ok"), b = ids.Next(1000, "ok"), c = ids.Next(2000, "ok");
  EXPECT_NE(a, b);
  EXPECT_EQ(b, a + "-1");
  ContentIds again;
  EXPECT_EQ(again.Next(1000, "ok"), a);
  EXPECT_NE(c, a);
}

}  // namespace
}  // namespace qun::connectors
