#include "core/model/event_json.h"

#include <gtest/gtest.h>

#include "core/model/event_csv.h"

namespace qun {
namespace {

TEST(EventJsonTest, RoundTripsThroughCanonicalForm) {
  EventParser p;
  const char* line =
      R"({"id":"o1","type":"order.paid","ts":"2026-01-02T03:04:05.678+08:00","platform":"web","community":"shop",)"
      R"("actor":"u1","order_id":"A","amount":"12.30","currency":"USD","extra":[1,{"x":true}]})";
  auto e = p.Parse(line);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->amount_minor, 1230);
  EXPECT_EQ(e->props_json, R"({"extra":[1,{"x":true}]})");
  std::string once = EventToJson(*e);
  auto again = p.Parse(once);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(EventToJson(*again), once);
}

TEST(EventJsonTest, RejectsHostileInputPrecisely) {
  EventParser p;
  std::string big(11 << 20, 'a');
  auto r = p.Parse(R"({"id":"x","type":"checkin","ts":1767225600000,"platform":"web","community":"c","actor":"a","text":")" + big + "\"}");
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  std::string text(kMaxTextBytes + 1, 'b');
  r = p.Parse(R"({"id":"x","type":"message.posted","ts":1767225600000,"platform":"web","community":"c","actor":"a","text":")" + text + "\"}");
  EXPECT_NE(r.status().message().find("field 'text'"), std::string::npos) << r.status().message();
  r = p.Parse("{\"id\":\"x\xff\"}");
  EXPECT_EQ(r.status().message(), "invalid UTF-8 at byte 8");
  r = p.Parse(R"({"id":"x","type":"checkin","ts":1.5e12,"platform":"web","community":"c","actor":"a"})");
  EXPECT_EQ(r.status().message(), "field 'ts': epoch milliseconds must be an integer");
}

TEST(EventCsvTest, CsvRowsParseToTheSameEvent) {
  EventParser p;
  auto e = p.Parse(R"({"id":"m,1","type":"message.posted","ts":1767225600000,"platform":"slack","community":"C1",)"
                   R"("actor":"U1","text":"say \"hi\"\nbye","mentions":["U2","U3"]})");
  ASSERT_TRUE(e.ok());
  std::string header, row;
  AppendCsvHeader(header);
  AppendEventCsv(row, *e);
  std::vector<std::string> names;
  for (auto c : CanonicalCsvColumns()) names.emplace_back(c);
  // Split the row by hand (it has a quoted comma, quotes and a newline).
  std::vector<std::string> cells;
  std::string cell;
  bool q = false;
  for (size_t i = 0; i + 1 < row.size(); ++i) {
    char c = row[i];
    if (q) {
      if (c == '"' && row[i + 1] == '"') { cell.push_back('"'); ++i; }
      else if (c == '"') q = false;
      else cell.push_back(c);
    } else if (c == '"') q = true;
    else if (c == ',') { cells.push_back(cell); cell.clear(); }
    else cell.push_back(c);
  }
  cells.push_back(cell);
  auto json = CsvRowToJson(names, cells);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  auto back = p.Parse(*json);
  ASSERT_TRUE(back.ok()) << back.status().ToString() << " " << *json;
  EXPECT_EQ(EventToJson(*back), EventToJson(*e));
}

}  // namespace
}  // namespace qun
