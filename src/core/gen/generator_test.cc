#include "core/gen/generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/hash.h"
#include "core/model/event_json.h"

namespace qun::gen {
namespace {

GenOptions BaseOptions() {
  GenOptions o;
  o.seed = 11;
  o.members = 1500;
  o.days = 90;
  o.communities = 6;
  o.start_day = DaysFromCivil(2026, 1, 1);
  return o;
}

std::vector<Event> Generate(const GenOptions& o) {
  auto g = Generator::Create(o);
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  std::vector<Event> events;
  while ((*g)->NextDay([&](const Event& e) { events.push_back(e); })) {
  }
  return events;
}

// The NDJSON a run writes, and its hash.
uint64_t OutputHash(const GenOptions& o, size_t* bytes = nullptr) {
  auto g = Generator::Create(o);
  EXPECT_TRUE(g.ok());
  std::string buf;
  uint64_t h = 0;
  size_t total = 0;
  while ((*g)->NextDay([&](const Event& e) {
    buf.clear();
    AppendEventJson(buf, e);
    buf.push_back('\n');
    total += buf.size();
    h = Hash64(buf, h);
  })) {
  }
  if (bytes) *bytes = total;
  return h;
}

// One shared run for the realism checks (Asia/Shanghai, so the rhythm is
// checked in a zone that is not UTC).
const std::vector<Event>& Sample() {
  static const std::vector<Event>* events = [] {
    GenOptions o = BaseOptions();
    auto tz = TimeZone::Load("Asia/Shanghai");
    EXPECT_TRUE(tz.ok());
    o.tz = *tz;
    return new std::vector<Event>(Generate(o));
  }();
  return *events;
}

const TimeZone& Shanghai() {
  static const TimeZone* tz = new TimeZone(*TimeZone::Load("Asia/Shanghai"));
  return *tz;
}

TEST(GenOptions, RejectsOutOfRange) {
  GenOptions o = BaseOptions();
  o.members = 0;
  EXPECT_EQ(ValidateGenOptions(o).code(), StatusCode::kInvalidArgument);
  o = BaseOptions();
  o.days = 0;
  EXPECT_FALSE(ValidateGenOptions(o).ok());
  o = BaseOptions();
  o.communities = kMaxGenCommunities + 1;
  EXPECT_FALSE(ValidateGenOptions(o).ok());
  o = BaseOptions();
  o.start_day = DaysFromCivil(1999, 12, 1);
  EXPECT_FALSE(ValidateGenOptions(o).ok());
  o = BaseOptions();
  o.start_day = DaysFromCivil(2099, 12, 1);
  EXPECT_FALSE(ValidateGenOptions(o).ok());
  o = BaseOptions();
  o.content_mix = {0, 0, 0, 0};
  EXPECT_FALSE(ValidateGenOptions(o).ok());
  o = BaseOptions();
  o.messages_per_member_day = 0;
  EXPECT_FALSE(ValidateGenOptions(o).ok());
  EXPECT_FALSE(Generator::Create(o).ok());
  EXPECT_TRUE(ValidateGenOptions(BaseOptions()).ok());
}

TEST(Generator, EveryEventIsValidCanonicalAndRoundTrips) {
  const auto& events = Sample();
  ASSERT_GT(events.size(), 10000u);
  EventParser parser;
  std::string json;
  for (const Event& e : events) {
    Status s = ValidateEvent(e);
    ASSERT_TRUE(s.ok()) << s.ToString() << " in " << EventToJson(e);
    json.clear();
    AppendEventJson(json, e);
    auto parsed = parser.Parse(json);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << " in " << json;
    ASSERT_EQ(EventToJson(*parsed), json);
  }
}

TEST(Generator, TimeOrderedUniqueIdsWithinTheRun) {
  const auto& events = Sample();
  std::unordered_set<std::string> ids;
  int64_t start = Shanghai().StartOfLocalDay(BaseOptions().start_day);
  int64_t end = Shanghai().StartOfLocalDay(BaseOptions().start_day + BaseOptions().days);
  for (size_t i = 0; i < events.size(); ++i) {
    if (i > 0) {
      ASSERT_LE(events[i - 1].ts_ms, events[i].ts_ms) << "at event " << i;
    }
    ASSERT_GE(events[i].ts_ms, start);
    ASSERT_LT(events[i].ts_ms, end);
    ASSERT_TRUE(ids.insert(events[i].id).second) << "duplicate id " << events[i].id;
  }
}

TEST(Generator, ReferencesPointBackwards) {
  // Every reply, reaction, edit, recall and report names a message posted
  // earlier in the same community; refunds name paid orders; inviters and
  // reporters are members who joined before.
  std::unordered_map<std::string, std::string> message_community;
  std::unordered_set<std::string> joined, orders;
  size_t replies = 0;
  for (const Event& e : Sample()) {
    switch (e.type) {
      case EventType::kMemberJoined:
        if (!e.inviter.empty()) {
          ASSERT_TRUE(joined.count(e.community + "/" + e.inviter)) << EventToJson(e);
        }
        joined.insert(e.community + "/" + e.actor);
        break;
      case EventType::kMessagePosted:
        if (!e.reply_to.empty()) {
          ++replies;
          ASSERT_EQ(message_community[e.reply_to], e.community) << EventToJson(e);
        }
        ASSERT_TRUE(message_community.emplace(e.message_id, e.community).second)
            << "duplicate " << e.message_id;
        break;
      case EventType::kMessageEdited:
      case EventType::kMessageRecalled:
      case EventType::kReactionAdded:
        ASSERT_EQ(message_community[e.message_id], e.community) << EventToJson(e);
        break;
      case EventType::kReportFiled:
        ASSERT_EQ(message_community[e.target_message], e.community) << EventToJson(e);
        break;
      case EventType::kOrderPaid:
        ASSERT_TRUE(orders.insert(e.order_id).second);
        break;
      case EventType::kOrderRefunded:
        ASSERT_TRUE(orders.count(e.order_id)) << EventToJson(e);
        break;
      default:
        break;
    }
  }
  EXPECT_GT(replies, 1000u);
}

TEST(Generator, SameSeedSameBytesDifferentSeedDifferent) {
  GenOptions o = BaseOptions();
  o.members = 300;
  o.days = 20;
  size_t bytes_a = 0, bytes_b = 0;
  uint64_t a = OutputHash(o, &bytes_a);
  uint64_t b = OutputHash(o, &bytes_b);
  EXPECT_EQ(a, b);
  EXPECT_EQ(bytes_a, bytes_b);
  EXPECT_GT(bytes_a, 10000u);
  o.seed = 12;
  EXPECT_NE(OutputHash(o), a);
  o.seed = 11;
  o.content_mix = {1, 1, 1, 1};
  EXPECT_NE(OutputHash(o), a);
}

TEST(Generator, PlatformsAndAccountIdsLookReal) {
  std::map<Platform, std::set<std::string>> communities;
  for (const Event& e : Sample()) {
    communities[e.platform].insert(e.community);
    if (e.type != EventType::kMemberJoined) continue;
    switch (e.platform) {
      case Platform::kWecom:
        EXPECT_TRUE(e.actor.rfind("wm", 0) == 0 || e.actor.rfind("wo", 0) == 0) << e.actor;
        EXPECT_EQ(e.actor.size(), 32u);
        EXPECT_EQ(e.community.rfind("wr", 0), 0u);
        break;
      case Platform::kTelegram:
        EXPECT_EQ(e.actor.rfind("user", 0), 0u) << e.actor;
        EXPECT_EQ(e.community.rfind("-100", 0), 0u);
        break;
      case Platform::kDiscord:
        EXPECT_GE(e.actor.size(), 17u);
        EXPECT_TRUE(std::all_of(e.actor.begin(), e.actor.end(), [](char c) { return c >= '0' && c <= '9'; }))
            << e.actor;
        break;
      case Platform::kSlack:
        EXPECT_EQ(e.actor[0], 'U');
        EXPECT_EQ(e.community[0], 'C');
        break;
      case Platform::kWechat:
        EXPECT_EQ(e.actor.rfind("wxid_", 0), 0u);
        break;
      default:
        ADD_FAILURE() << "unexpected platform " << PlatformName(e.platform);
    }
  }
  EXPECT_EQ(communities.size(), 5u);  // 6 communities: wecom twice
  EXPECT_EQ(communities[Platform::kWecom].size(), 2u);
}

TEST(Generator, EveryMemberJoinsOnce) {
  std::set<std::pair<std::string, std::string>> joined;
  for (const Event& e : Sample())
    if (e.type == EventType::kMemberJoined) {
      EXPECT_TRUE(joined.insert({e.community, e.actor}).second);
    }
  EXPECT_EQ(static_cast<int64_t>(joined.size()), BaseOptions().members);
}

TEST(Realism, HeavyTailOfMessages) {
  std::unordered_map<std::string, int> per_member;
  std::set<std::string> members;
  for (const Event& e : Sample()) {
    if (e.type == EventType::kMemberJoined) members.insert(e.actor);
    if (e.type == EventType::kMessagePosted && members.count(e.actor)) ++per_member[e.actor];
  }
  std::vector<int> counts;
  int64_t total = 0;
  for (const auto& m : members) {
    int c = per_member.count(m) ? per_member[m] : 0;
    counts.push_back(c);
    total += c;
  }
  std::sort(counts.rbegin(), counts.rend());
  int64_t top = 0;
  for (size_t i = 0; i < counts.size() / 5; ++i) top += counts[i];
  double share = static_cast<double>(top) / total;
  EXPECT_GT(share, 0.6) << "top 20% of members give " << share << " of messages";
  EXPECT_LT(share, 0.97);
}

TEST(Realism, LunchAndEveningPeaksInTheLocalZone) {
  std::array<int64_t, 24> by_hour{};
  int64_t total = 0;
  for (const Event& e : Sample()) {
    if (e.type != EventType::kMessagePosted) continue;
    ++by_hour[Shanghai().LocalHour(e.ts_ms)];
    ++total;
  }
  int peak = static_cast<int>(std::max_element(by_hour.begin(), by_hour.end()) - by_hour.begin());
  EXPECT_TRUE(peak == 12 || peak == 20 || peak == 21) << "peak hour " << peak;
  EXPECT_GT(by_hour[12], by_hour[10] * 1.2);       // lunch
  EXPECT_GT(by_hour[21], by_hour[17] * 1.3);       // evening
  EXPECT_LT(by_hour[3] + by_hour[4], total / 50);  // quiet nights
}

TEST(Realism, WeekdaysBusierThanWeekends) {
  std::array<int64_t, 7> by_weekday{};
  std::array<std::set<int32_t>, 7> days{};
  for (const Event& e : Sample()) {
    if (e.type != EventType::kMessagePosted) continue;
    int32_t day = Shanghai().LocalDay(e.ts_ms);
    int wd = WeekdayFromDays(day);
    ++by_weekday[wd];
    days[wd].insert(day);
  }
  double weekday = 0, weekend = 0;
  for (int d = 0; d < 5; ++d) weekday += static_cast<double>(by_weekday[d]) / days[d].size() / 5;
  for (int d = 5; d < 7; ++d) weekend += static_cast<double>(by_weekday[d]) / days[d].size() / 2;
  EXPECT_GT(weekday, weekend * 1.15) << weekday << " vs " << weekend;
}

TEST(Realism, MembersGoSilentAndLeaveForEveryReason) {
  const auto& events = Sample();
  int64_t end = events.back().ts_ms;
  std::unordered_map<std::string, int64_t> joined_at, last_active;
  std::set<std::string> left;
  std::map<std::string, int> reasons;
  for (const Event& e : events) {
    if (e.type == EventType::kMemberJoined) joined_at[e.actor] = e.ts_ms;
    if (e.type == EventType::kMemberLeft) {
      left.insert(e.actor);
      ++reasons[e.reason];
    }
    if (IsActivityType(e.type)) last_active[e.actor] = e.ts_ms;
  }
  int old_members = 0, silent = 0;
  for (const auto& [m, t] : joined_at) {
    if (left.count(m) || end - t < 30 * kMsPerDay) continue;
    ++old_members;
    if (!last_active.count(m) || end - last_active[m] > 14 * kMsPerDay) ++silent;
  }
  ASSERT_GT(old_members, 300);
  double silent_share = static_cast<double>(silent) / old_members;
  EXPECT_GT(silent_share, 0.1);
  EXPECT_LT(silent_share, 0.8);
  EXPECT_GT(left.size(), joined_at.size() / 20);
  EXPECT_GT(reasons["left"], reasons["removed"]);
  EXPECT_GT(reasons["removed"], 0);
  EXPECT_GT(reasons["banned"], 0);
}

TEST(Realism, InviteTreesDeeperThanOne) {
  std::unordered_map<std::string, std::string> inviter_of;
  std::set<std::string> channels;
  int campaign_joins = 0;
  for (const Event& e : Sample()) {
    if (e.type != EventType::kMemberJoined) continue;
    if (!e.inviter.empty()) inviter_of[e.actor] = e.inviter;
    if (!e.channel.empty()) channels.insert(e.channel);
    if (e.channel.rfind("qr_campaign_", 0) == 0) ++campaign_joins;
  }
  int max_depth = 0;
  for (const auto& [m, inv] : inviter_of) {
    int depth = 1;
    std::string cur = inv;
    while (inviter_of.count(cur) && depth < 1000) {
      cur = inviter_of[cur];
      ++depth;
    }
    max_depth = std::max(max_depth, depth);
  }
  EXPECT_GT(inviter_of.size(), 200u);
  EXPECT_GE(max_depth, 3);
  EXPECT_GT(campaign_joins, 20);
  EXPECT_GT(channels.size(), 5u);
}

TEST(Realism, ContentMixNearTheConfiguredRatio) {
  std::map<std::string, int> by_category;
  int total = 0;
  std::set<std::string> published, viewed, clicked;
  for (const Event& e : Sample()) {
    if (e.type == EventType::kContentPublished) {
      ++by_category[e.category];
      ++total;
      published.insert(e.content_id);
      EXPECT_FALSE(e.title.empty());
    }
    if (e.type == EventType::kContentViewed) {
      EXPECT_TRUE(published.count(e.content_id));
      viewed.insert(e.content_id);
    }
    if (e.type == EventType::kContentClicked) clicked.insert(e.content_id);
  }
  ASSERT_GT(total, 300);
  EXPECT_NEAR(by_category["value"] / double(total), 0.4, 0.06);
  EXPECT_NEAR(by_category["promo"] / double(total), 0.3, 0.06);
  EXPECT_NEAR(by_category["interaction"] / double(total), 0.2, 0.05);
  EXPECT_NEAR(by_category["brand"] / double(total), 0.1, 0.04);
  EXPECT_GT(viewed.size(), published.size() / 2);
  EXPECT_GT(clicked.size(), 10u);
}

TEST(Realism, CustomContentMixIsFollowed) {
  GenOptions o = BaseOptions();
  o.members = 200;
  o.days = 60;
  o.content_mix = {1, 0, 0, 1};
  std::map<std::string, int> by_category;
  for (const Event& e : Generate(o))
    if (e.type == EventType::kContentPublished) ++by_category[e.category];
  EXPECT_EQ(by_category["promo"], 0);
  EXPECT_EQ(by_category["interaction"], 0);
  EXPECT_GT(by_category["value"], 30);
  EXPECT_GT(by_category["brand"], 30);
}

TEST(Realism, RepeatBuyersHeavyTailedAmountsAndRefunds) {
  std::unordered_map<std::string, int> orders_by;
  std::vector<int64_t> amounts;
  int refunds = 0;
  for (const Event& e : Sample()) {
    if (e.type == EventType::kOrderPaid) {
      ++orders_by[e.actor];
      amounts.push_back(e.amount_minor);
      EXPECT_TRUE(e.currency == "CNY" || e.currency == "USD");
    }
    if (e.type == EventType::kOrderRefunded) ++refunds;
  }
  int repeat = 0;
  for (const auto& [m, n] : orders_by) repeat += n >= 2;
  EXPECT_GT(repeat, 10);
  EXPECT_GT(refunds, 0);
  EXPECT_LT(refunds, static_cast<int>(amounts.size()) / 8);
  std::sort(amounts.begin(), amounts.end());
  ASSERT_GT(amounts.size(), 100u);
  int64_t median = amounts[amounts.size() / 2], p99 = amounts[amounts.size() * 99 / 100];
  EXPECT_GT(p99, 4 * median);  // heavy tail
}

TEST(Realism, RepliesPreferPopularMembers) {
  // Preferential attachment: the 10% of posters who receive the most replies
  // get far more than 10% of them.
  std::unordered_map<std::string, std::string> author;
  std::unordered_map<std::string, int> received;
  for (const Event& e : Sample()) {
    if (e.type != EventType::kMessagePosted) continue;
    author[e.message_id] = e.actor;
    if (!e.reply_to.empty()) ++received[author[e.reply_to]];
  }
  std::set<std::string> posters;
  for (const auto& [id, a] : author) posters.insert(a);
  std::vector<int> counts;
  int total = 0;
  for (const auto& p : posters) {
    int c = received.count(p) ? received[p] : 0;
    counts.push_back(c);
    total += c;
  }
  std::sort(counts.rbegin(), counts.rend());
  int top = 0;
  for (size_t i = 0; i < counts.size() / 10; ++i) top += counts[i];
  EXPECT_GT(static_cast<double>(top) / total, 0.4);
}

TEST(Realism, PotentialMembersIdentitiesAndModerationSignals) {
  std::set<std::string> joined, visitors, signups;
  std::map<std::string, std::set<std::string>> key_holders;  // verified key -> accounts
  int linked = 0, ads = 0, reports = 0, nps = 0, recalls = 0, edits = 0, checkins = 0, activities = 0;
  for (const Event& e : Sample()) {
    switch (e.type) {
      case EventType::kMemberJoined:
        joined.insert(e.actor);
        break;
      case EventType::kVisit:
        visitors.insert(e.actor);
        break;
      case EventType::kSignup:
        signups.insert(e.actor);
        break;
      case EventType::kIdentityLinked:
        ++linked;
        EXPECT_NE(e.linked_platform, e.platform);
        break;
      case EventType::kProfileUpdated:
        for (const auto& [k, v] : e.attributes) {
          EXPECT_TRUE(k == "region" || k == "gender" || k == "age_band" || k == "unionid" ||
                      k == "phone_hash")
              << k;
          if (k == "phone_hash") {
            EXPECT_EQ(v.size(), 64u);
          }
          if (k == "unionid" || k == "phone_hash")
            key_holders[k + ":" + v].insert(PlatformName(e.platform).data() + std::string("/") + e.actor);
        }
        break;
      case EventType::kMessagePosted:
        if (e.text.find("加V") != std::string::npos || e.text.find("http") != std::string::npos ||
            e.text.find("QQ") != std::string::npos || e.text.find("t.me") != std::string::npos)
          ++ads;
        break;
      case EventType::kReportFiled:
        ++reports;
        break;
      case EventType::kSurveyAnswered:
        ++nps;
        break;
      case EventType::kMessageRecalled:
        ++recalls;
        break;
      case EventType::kMessageEdited:
        ++edits;
        break;
      case EventType::kCheckin:
        ++checkins;
        break;
      case EventType::kActivityJoined:
        ++activities;
        break;
      default:
        break;
    }
  }
  int never_joined = 0;
  for (const auto& v : visitors) never_joined += !joined.count(v);
  EXPECT_GT(never_joined, static_cast<int>(joined.size()));  // L1 is the widest level
  EXPECT_LT(signups.size(), visitors.size());
  EXPECT_GT(linked, 10);
  int shared_keys = 0;
  for (const auto& [k, holders] : key_holders) shared_keys += holders.size() >= 2;
  EXPECT_GT(shared_keys, 10) << "verified keys shared across platforms";
  EXPECT_GT(ads, 20);
  EXPECT_GT(reports, 5);
  EXPECT_GT(nps, 100);
  EXPECT_GT(recalls, 10);
  EXPECT_GT(edits, 10);
  EXPECT_GT(checkins, 1000);
  EXPECT_GT(activities, 100);
}

TEST(Generator, CorpusTextsAreUsed) {
  Corpus corpus;
  corpus.positive = {"语料正面评论一号"};
  corpus.negative = {"语料负面评论二号"};
  GenOptions o = BaseOptions();
  o.members = 200;
  o.days = 20;
  o.corpus = &corpus;
  int from_corpus = 0;
  for (const Event& e : Generate(o))
    if (e.type == EventType::kMessagePosted && e.text.rfind("语料", 0) == 0) ++from_corpus;
  EXPECT_GT(from_corpus, 50);
}

TEST(Generator, DaylightSavingDaysStayOrderedAndInside) {
  GenOptions o = BaseOptions();
  o.members = 300;
  o.days = 20;
  o.start_day = DaysFromCivil(2026, 3, 1);  // US DST starts 2026-03-08
  auto tz = TimeZone::Load("America/New_York");
  ASSERT_TRUE(tz.ok());
  o.tz = *tz;
  auto events = Generate(o);
  ASSERT_FALSE(events.empty());
  for (size_t i = 1; i < events.size(); ++i) ASSERT_LE(events[i - 1].ts_ms, events[i].ts_ms);
  EXPECT_GE(events.front().ts_ms, o.tz.StartOfLocalDay(o.start_day));
  EXPECT_LT(events.back().ts_ms, o.tz.StartOfLocalDay(o.start_day + o.days));
  std::array<int, 24> by_hour{};
  for (const Event& e : events)
    if (e.type == EventType::kMessagePosted) ++by_hour[o.tz.LocalHour(e.ts_ms)];
  EXPECT_GT(by_hour[20] + by_hour[21], by_hour[3] + by_hour[4] + by_hour[5] + by_hour[6]);
}

TEST(Generator, TinyRunsWork) {
  GenOptions o = BaseOptions();
  o.members = 1;
  o.days = 1;
  o.communities = 7;
  auto events = Generate(o);
  int joins = 0;
  for (const Event& e : events) {
    EXPECT_TRUE(ValidateEvent(e).ok());
    joins += e.type == EventType::kMemberJoined;
  }
  EXPECT_EQ(joins, 1);
}

}  // namespace
}  // namespace qun::gen
