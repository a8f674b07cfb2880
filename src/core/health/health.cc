#include "core/health/health.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <utility>

#include "core/members/activity_ledger.h"
#include "core/members/population.h"
#include "core/metrics/metrics.h"
#include "core/moderation/tally.h"

namespace qun {
namespace {

using Points = std::initializer_list<std::pair<double, double>>;

// Piecewise-linear curve through `pts` (x ascending), flat outside.
double Curve(double x, Points pts) {
  auto it = pts.begin();
  if (x <= it->first) return it->second;
  auto prev = *it;
  for (++it; it != pts.end(); ++it) {
    if (x <= it->first) {
      double t = (x - prev.first) / (it->first - prev.first);
      return prev.second + t * (it->second - prev.second);
    }
    prev = *it;
  }
  return prev.second;
}

// `max_points` × curve(x)/curve_max when present, else half the points.
double Part(const std::optional<double>& x, double max_points, Points pts, bool* any) {
  if (!x) return max_points / 2;
  *any = true;
  return Curve(*x, pts) * max_points / 10.0;
}

double Round1(double x) { return std::round(x * 10.0) / 10.0; }

struct Text {
  std::string_view key, name_en, name_zh, suggest_en, suggest_zh, measure_en, measure_zh;
};

// The suggestion table (docs/health.md §3).
constexpr Text kText[kHealthIndicatorCount] = {
    {"activity", "Activity & stickiness", "活跃度与粘性",
     "Bottom-layer activity is low: run a daily check-in (签到) with points and a weekly streak reward, and post one "
     "easy daily topic at the group's peak hour.",
     "底层活跃度低：设置每日签到积分与连续签到周奖励，每天在群活跃高峰时段发布一个低门槛话题。",
     "No activity data yet: import the group's messages and check-ins (qun import) so DAU/MAU can be measured.",
     "暂无活跃数据：导入群消息与签到记录（qun import）后才能计算日活/月活。"},
    {"interaction", "Interaction rate", "互动率",
     "Few members post, reply or react: ask one question a day that anyone can answer (polls, show-and-tell, 接龙), "
     "reply to every first post within an hour, and invite quiet members by name.",
     "互动率低：每天抛出一个人人能答的问题（投票、晒单、接龙），新人首帖1小时内必回，点名邀请沉默成员发言。",
     "No interaction data yet: import messages and reactions so the interaction rate can be measured.",
     "暂无互动数据：导入消息与表情回应后才能计算互动率。"},
    {"newcomer", "Newcomer integration (3 days)", "新人3天融入",
     "Newcomers do not engage within 3 days: adopt a 3-day onboarding SOP — day 1 a welcome message and a "
     "self-introduction template, day 2 a starter task (check in, answer a poll), day 3 a personal follow-up by an "
     "operator or core member.",
     "新人3天融入率低：执行3天新人SOP——第1天欢迎语加自我介绍模板，第2天新手任务（签到、投票），第3天由运营或核心成员一对一跟进。",
     "No newcomers in the last 30 days: record member.joined events (or invite new members) to measure integration.",
     "近30天没有新成员：记录入群事件（member.joined）或拉新后才能衡量新人融入。"},
    {"retention", "Retention (week 1)", "留存（次周）",
     "Week-1 retention is low: give new members a reason to return next week — a weekly fixed-time event (AMA, live "
     "session, weekly topic), a recap digest, and a reminder the day before.",
     "次周留存低：设立每周固定时间的活动（答疑、直播、每周话题），发布周报回顾，并在活动前一天提醒。",
     "Not enough history for retention yet: at least two complete weeks of activity are needed.",
     "数据不足以计算留存：至少需要两个完整周的活跃数据。"},
    {"pyramid", "Pyramid balance & transition", "金字塔结构与跃迁",
     "The member pyramid is bottom-heavy or static: publish the level rules, give active members visible roles "
     "(helpers, topic hosts) and recognize the top contributors every week so members move up.",
     "成员金字塔失衡或跃迁缓慢：公开等级规则，给活跃成员分配可见角色（答疑官、话题主持），每周表彰贡献榜前列成员，推动层级跃迁。",
     "No members yet: the pyramid needs member activity.", "暂无成员：金字塔需要成员活跃数据。"},
    {"silent", "Silent share", "沉默成员占比",
     "Many members are silent: segment silent and churn-risk members, send each a personal re-engagement message "
     "with something of value (a coupon, a useful resource), and prune accounts inactive for 60+ days.",
     "沉默成员占比高：筛出沉默与流失风险成员，定向发送有价值的唤醒消息（优惠券、干货资料），定期清理60天以上不活跃账号。",
     "No members yet: the silent share needs member activity.", "暂无成员：沉默占比需要成员活跃数据。"},
    {"content", "Content quality & mix", "内容质量与结构",
     "The content mix drifts from 4:3:2:1 or draws few clicks: plan a weekly calendar of 4 value : 3 promo : 2 "
     "interaction : 1 brand posts, and test titles and formats against click-through.",
     "内容结构偏离4:3:2:1或点击率低：按价值4:促销3:互动2:品牌1制定每周内容日历，并用点击率对比测试标题与形式。",
     "No operator content recorded: send content.published, content.viewed and content.clicked events to measure "
     "the mix and click-through.",
     "暂无运营内容数据：记录内容发布、浏览与点击事件后才能衡量内容结构与点击率。"},
    {"responsiveness", "Responsiveness", "响应速度",
     "Questions wait too long: set a 30-minute first-response target in working hours, put operators and helpers on "
     "a reply rota, and keep an FAQ for common questions.",
     "响应慢：工作时间内首次响应目标30分钟，运营与答疑官轮值，常见问题整理成FAQ。",
     "No questions recorded in the last 30 days: responsiveness is measured on questions and their replies.",
     "近30天没有提问记录：响应速度基于提问及其回复计算。"},
    {"complaints", "Complaints & reports", "投诉与举报",
     "Complaints and reports are frequent: publish clear group rules, turn on moderation for ads and spam, and answer "
     "every report within a day with the action taken.",
     "投诉与举报偏多：公布清晰群规，开启广告与垃圾信息审核，每条举报一天内反馈处理结果。",
     "No current members: the report rate is per 100 members.", "暂无在群成员：举报率按每百名成员计算。"},
    {"conversion", "Conversion & NPS", "转化与NPS",
     "Conversion or satisfaction is weak: run an NPS survey every month, follow up every detractor personally, and "
     "give members an exclusive offer with one clear next step (sign up, first order).",
     "转化或满意度偏低：每月做一次NPS调研，逐一回访贬损者，推出成员专属福利并给出明确的下一步（注册、首单）。",
     "No NPS answers or visits recorded: run an NPS survey (survey.answered) and track visits and orders.",
     "暂无NPS或访问数据：发起NPS调研（survey.answered）并记录访问与订单。"},
};

bool Zh(std::string_view lang) { return lang == "zh" || lang == "zh-CN" || lang == "zh-cn"; }

std::string Pct(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", x * 100);
  return buf;
}

}  // namespace

std::string_view IndicatorKey(HealthIndicatorId id) { return kText[static_cast<int>(id)].key; }
std::string_view IndicatorName(HealthIndicatorId id, std::string_view lang) {
  const Text& t = kText[static_cast<int>(id)];
  return Zh(lang) ? t.name_zh : t.name_en;
}
std::string_view IndicatorSuggestion(const HealthIndicator& ind, std::string_view lang) {
  if (!ind.weak) return "";
  const Text& t = kText[static_cast<int>(ind.id)];
  if (ind.no_data) return Zh(lang) ? t.measure_zh : t.measure_en;
  return Zh(lang) ? t.suggest_zh : t.suggest_en;
}

std::string_view GradeMaturity(std::string_view grade, std::string_view lang) {
  const bool zh = Zh(lang);
  if (grade == "A") return zh ? "繁荣期" : "thriving";
  if (grade == "B") return zh ? "成熟期" : "mature";
  if (grade == "C") return zh ? "成长期" : "growing";
  if (grade == "D") return zh ? "起步期" : "forming";
  return zh ? "危险期" : "at risk";
}

std::string IndicatorValueText(const HealthIndicator& ind, std::string_view lang) {
  if (!ind.value) return Zh(lang) ? "无数据" : "no data";
  double v = *ind.value;
  char buf[48];
  switch (ind.id) {
    case HealthIndicatorId::kResponsiveness:
      if (v < 3600) std::snprintf(buf, sizeof buf, Zh(lang) ? "%.0f 分钟" : "%.0f min", v / 60);
      else std::snprintf(buf, sizeof buf, Zh(lang) ? "%.1f 小时" : "%.1f h", v / 3600);
      return buf;
    case HealthIndicatorId::kComplaints:
      std::snprintf(buf, sizeof buf, Zh(lang) ? "%.2f / 百人" : "%.2f per 100", v);
      return buf;
    case HealthIndicatorId::kConversion:
      if (ind.value && std::abs(v) > 1.0001) {
        std::snprintf(buf, sizeof buf, "NPS %.0f", v);
        return buf;
      }
      return Pct(v);
    default: return Pct(v);
  }
}

HealthScore ScoreHealth(const HealthInputs& in) {
  HealthScore s;
  s.inputs = in;
  for (int i = 0; i < kHealthIndicatorCount; ++i) s.indicators[i].id = static_cast<HealthIndicatorId>(i);
  auto set = [&](HealthIndicatorId id, double score, std::optional<double> value, bool any) {
    HealthIndicator& ind = s.indicators[static_cast<int>(id)];
    ind.score = Round1(std::clamp(score, 0.0, 10.0));
    ind.value = value;
    ind.no_data = !any;
    ind.weak = ind.score < kWeakBelow;
  };
  bool any = false;
  double pts = Part(in.stickiness, 10, {{0, 0}, {0.05, 2}, {0.10, 5}, {0.20, 8}, {0.30, 10}}, &any);
  set(HealthIndicatorId::kActivity, pts, in.stickiness, any);

  any = false;
  pts = Part(in.interaction_rate, 10, {{0, 0}, {0.05, 4}, {0.10, 8}, {0.20, 10}}, &any);
  set(HealthIndicatorId::kInteraction, pts, in.interaction_rate, any);

  any = false;
  pts = Part(in.newcomer_integration, 10, {{0, 0}, {0.2, 3}, {0.5, 7}, {0.7, 10}}, &any);
  set(HealthIndicatorId::kNewcomer, pts, in.newcomer_integration, any);

  any = false;
  pts = Part(in.retention_w1, 10, {{0, 0}, {0.1, 3}, {0.25, 6}, {0.4, 10}}, &any);
  set(HealthIndicatorId::kRetention, pts, in.retention_w1, any);

  any = false;
  pts = Part(in.active_share, 2.5, {{0, 0}, {0.30, 10}}, &any) + Part(in.core_share, 2.5, {{0, 0}, {0.10, 10}}, &any) +
        Part(in.transition_rate, 5, {{0, 0}, {0.05, 10}}, &any);
  set(HealthIndicatorId::kPyramid, pts, in.active_share, any);

  any = false;
  pts = Part(in.silent_share, 10, {{0, 10}, {0.2, 10}, {0.4, 5}, {0.6, 0}}, &any);
  set(HealthIndicatorId::kSilent, pts, in.silent_share, any);

  any = false;
  {
    // Mix: 1 − drift/0.4 on 0..10; quality: click-through/0.10.
    std::optional<double> mix;
    if (in.content_drift) mix = 1.0 - std::min(1.0, *in.content_drift / 0.4);
    pts = Part(mix, 5, {{0, 0}, {1, 10}}, &any) + Part(in.click_through, 5, {{0, 0}, {0.10, 10}}, &any);
    set(HealthIndicatorId::kContent, pts, in.content_drift, any);
  }

  any = false;
  pts = Part(in.median_first_reply_s, 5,
             {{0, 10}, {1800, 10}, {3600, 8}, {14400, 6}, {43200, 4}, {86400, 2}, {172800, 0}}, &any) +
        Part(in.unanswered_share, 5, {{0, 10}, {0.5, 0}}, &any);
  set(HealthIndicatorId::kResponsiveness, pts, in.median_first_reply_s, any);

  any = false;
  pts = Part(in.reports_per_100, 10, {{0, 10}, {1, 8}, {3, 4}, {5, 0}}, &any);
  set(HealthIndicatorId::kComplaints, pts, in.reports_per_100, any);

  any = false;
  pts = Part(in.nps, 5, {{-100, 0}, {0, 2}, {30, 7}, {50, 10}}, &any) +
        Part(in.purchase_conversion, 5, {{0, 0}, {0.05, 10}}, &any);
  set(HealthIndicatorId::kConversion, pts, in.nps ? in.nps : in.purchase_conversion, any);

  double total = 0;
  for (const auto& ind : s.indicators) total += ind.score;
  s.total = Round1(total);
  s.grade = s.total >= 85 ? "A" : s.total >= 70 ? "B" : s.total >= 55 ? "C" : s.total >= 40 ? "D" : "E";
  return s;
}

HealthInputs GatherHealthInputs(const Engine& engine, const HealthScope& scope) {
  LedgerScope ls{.tz = scope.tz, .community = scope.community, .until_day = scope.day};
  return GatherHealthInputs(engine, scope, BuildMemberTable(engine, *LedgerFor(engine, ls), scope.day, scope.members));
}

HealthInputs GatherHealthInputs(const Engine& engine, const HealthScope& scope, const MemberTable& table) {
  HealthInputs in;
  const int32_t day = scope.day;
  in.day = day;

  // 3 newcomer integration.
  for (size_t i = 0; i < table.profiles.size(); ++i) {
    const MemberFacts& f = table.profiles[i].facts;
    if (!f.is_member || f.join_day == kNoDay || f.join_day < day - 29 || f.join_day > day - 2) continue;
    ++in.newcomers;
    bool integrated = false;
    for (const DayCounts& d : table.timelines[i].days)
      if (d.active && d.day >= f.join_day && d.day <= f.join_day + 2) integrated = true;
    if (integrated) in.newcomer_integration = in.newcomer_integration.value_or(0) + 1;
  }
  if (in.newcomers > 0) in.newcomer_integration = in.newcomer_integration.value_or(0) / in.newcomers;

  // 5 pyramid.
  PyramidCounts pyr = CountLevels(table);
  uint32_t in_members = pyr.count[2] + pyr.count[3] + pyr.count[4] + pyr.count[5];
  if (in_members > 0) {
    in.active_share = static_cast<double>(pyr.count[3] + pyr.count[4] + pyr.count[5]) / in_members;
    in.core_share = static_cast<double>(pyr.count[4] + pyr.count[5]) / in_members;
  }
  LevelTransitions tr = ComputeLevelTransitions(table, day - 7, day);
  if (tr.eligible_up > 0) in.transition_rate = tr.transition_rate;

  // 6 silent share.
  StageCounts st = CountStages(table);
  uint32_t not_churned = st.members - st.count[static_cast<int>(Stage::kChurned)];
  if (not_churned > 0)
    in.silent_share = static_cast<double>(st.count[static_cast<int>(Stage::kSilent)] +
                                          st.count[static_cast<int>(Stage::kChurnRisk)]) /
                      not_churned;

  // 9 complaints.
  for (size_t i = 0; i < table.profiles.size(); ++i) {
    const MemberFacts& f = table.profiles[i].facts;
    if (f.is_member && !f.left) ++in.members;
    for (const DayCounts& d : table.timelines[i].days)
      if (d.day >= day - 6 && d.day <= day) in.reports += d.reports_filed;
  }
  if (const auto* tally = engine.module<moderation::ModerationTally>())
    in.moderation_flags = tally->Count(engine, scope.community, scope.tz, day - 6, day);
  if (in.members > 0)
    in.reports_per_100 = 100.0 * static_cast<double>(in.reports + in.moderation_flags) / in.members;

  // Metric-based indicators (docs/metrics.md), when the module is attached.
  const auto* mm = engine.module<metrics::MetricsModule>();
  if (!mm) return in;
  auto query = [&](int32_t from) {
    metrics::Query q;
    q.community = scope.community;
    q.from = from;
    q.to = day;
    q.tz = scope.tz;
    return q;
  };
  if (auto r = mm->Active(query(day - 6)); r.ok() && !r->empty()) {
    double sum = 0;
    int n = 0;
    for (const auto& p : *r)
      if (p.mau > 0) {
        sum += p.stickiness;
        ++n;
      }
    if (n > 0) in.stickiness = sum / n;
  }
  if (auto r = mm->Interaction(query(metrics::PeriodStart(metrics::Granularity::kWeek, day)), metrics::Granularity::kWeek);
      r.ok() && !r->empty() && r->back().members > 0)
    in.interaction_rate = r->back().rate;
  {
    metrics::Query q = query(day - 7 * 8);
    if (auto r = mm->Retention(q, metrics::Granularity::kWeek); r.ok()) {
      uint64_t size = 0, kept = 0;
      int taken = 0;
      for (auto it = r->cohorts.rbegin(); it != r->cohorts.rend() && taken < 4; ++it) {
        if (it->start + 13 > day || it->size == 0 || it->retained.size() < 2) continue;
        size += it->size;
        kept += it->retained[1];
        ++taken;
      }
      if (size > 0) in.retention_w1 = static_cast<double>(kept) / size;
    }
  }
  if (auto r = mm->Content(query(day - 29)); r.ok() && r->total > 0) in.content_drift = r->drift;
  if (auto r = mm->Conversions(query(day - 29)); r.ok()) {
    if (r->impressions > 0) in.click_through = r->click_through;
    if (r->visitors > 0) in.purchase_conversion = r->purchase;
  }
  if (auto r = mm->Responsive(query(day - 29)); r.ok()) {
    if (r->median_first_reply_s) in.median_first_reply_s = r->median_first_reply_s;
    if (r->due > 0) in.unanswered_share = r->unanswered_share;
  }
  if (auto r = mm->NpsOf(query(day - 89)); r.ok() && r->nps) in.nps = r->nps;
  return in;
}

}  // namespace qun
