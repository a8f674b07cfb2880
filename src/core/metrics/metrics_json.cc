// JSON documents of the metrics (docs/metrics.md#json).
#include "core/metrics/metrics_json.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "common/time.h"
#include "core/metrics/metrics.h"

namespace qun::metrics {
namespace {

using nlohmann::json;

// Ratios are printed rounded to 4 decimals so hand computations match.
double R4(double x) { return std::round(x * 10000.0) / 10000.0; }
json Opt(const std::optional<double>& v) { return v ? json(R4(*v)) : json(nullptr); }

std::optional<std::string_view> Get(const Params& p, std::string_view key) {
  auto it = p.find(key);
  if (it == p.end() || it->second.empty()) return std::nullopt;
  return std::string_view(it->second);
}

Result<long> GetInt(const Params& p, std::string_view key, long def, long lo, long hi) {
  auto v = Get(p, key);
  if (!v) return def;
  char* end = nullptr;
  std::string s(*v);
  long n = std::strtol(s.c_str(), &end, 10);
  if (end == s.c_str() || *end != '\0' || n < lo || n > hi)
    return InvalidArgument(std::string(key) + ": expected an integer " + std::to_string(lo) + ".." +
                           std::to_string(hi) + ", got '" + s + "'");
  return n;
}

Result<Query> MakeQuery(const Engine& engine, const Params& p) {
  Query q;
  if (auto c = Get(p, "community")) {
    QUN_ASSIGN_OR_RETURN(q.community, ResolveCommunity(engine, *c));
  }
  if (auto tz = Get(p, "tz")) {
    auto z = TimeZone::Load(*tz);
    if (!z.ok()) return InvalidArgument("tz: " + z.status().message());
    q.tz = *z;
  }
  for (const char* key : {"from", "to"}) {
    if (auto v = Get(p, key)) {
      auto d = ParseDate(*v);
      if (!d.ok()) return InvalidArgument(std::string(key) + ": " + d.status().message());
      (std::string_view(key) == "from" ? q.from : q.to) = *d;
    }
  }
  if (q.from && q.to && *q.from > *q.to) return InvalidArgument("from: " + FormatDate(*q.from) + " is after to " + FormatDate(*q.to));
  return q;
}

Result<Granularity> GetGranularity(const Params& p, Granularity def) {
  auto v = Get(p, "granularity");
  return v ? ParseGranularity(*v) : Result<Granularity>(def);
}

std::string AccountLabel(const Engine& e, uint32_t account) {
  const AccountRef a = e.accounts()[account];
  return std::string(PlatformName(a.platform)) + ":" + std::string(a.ext_id);
}

const char* const kWeekdays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

}  // namespace

const std::vector<std::string_view>& MetricNames() {
  static const std::vector<std::string_view> kNames = {
      "active",     "stickiness", "retention",  "retention-trend", "lifecycle", "interaction", "joins",
      "peak-hours", "responsiveness", "content-mix", "conversion", "funnel",  "value",       "revenue-cohorts", "nps",
      "referral",   "anomalies"};
  return kNames;
}

Result<uint32_t> ResolveCommunity(const Engine& engine, std::string_view community) {
  const auto& cs = engine.communities();
  uint32_t found = kNone;
  int matches = 0;
  for (uint32_t i = 0; i < cs.size(); ++i)
    if (cs[i].ext_id == community) {
      found = i;
      ++matches;
    }
  if (matches == 1) return found;
  if (matches > 1)
    return InvalidArgument("community: '" + std::string(community) +
                           "' exists on several platforms; write platform:id (e.g. wecom:" + std::string(community) + ")");
  size_t colon = community.find(':');
  if (colon != std::string_view::npos) {
    if (auto p = ParsePlatform(community.substr(0, colon))) {
      uint32_t c = engine.FindCommunity(*p, community.substr(colon + 1));
      if (c != kNone) return c;
    }
  }
  return NotFound("community: no community '" + std::string(community) + "' in this workspace");
}

Result<json> MetricsJson(const Engine& engine, std::string_view name, const Params& p) {
  const MetricsModule* m = engine.module<MetricsModule>();
  if (!m) return FailedPrecondition("the engine has no metrics module");
  QUN_ASSIGN_OR_RETURN(Query q, MakeQuery(engine, p));
  json out = json::object();

  if (name == "active" || name == "stickiness") {
    QUN_ASSIGN_OR_RETURN(Granularity g, GetGranularity(p, Granularity::kDay));
    if (g != Granularity::kDay)
      return InvalidArgument("granularity: " + std::string(name) +
                             " is a daily series (DAU/WAU/MAU end on each day); use lifecycle for per-period counts");
    QUN_ASSIGN_OR_RETURN(auto pts, m->Active(q));
    json s = json::array();
    for (const auto& a : pts) {
      if (name == "active")
        s.push_back({{"date", FormatDate(a.day)}, {"dau", a.dau}, {"wau", a.wau}, {"mau", a.mau}});
      else
        s.push_back({{"date", FormatDate(a.day)}, {"dau", a.dau}, {"mau", a.mau}, {"stickiness", R4(a.stickiness)}});
    }
    out["series"] = std::move(s);
  } else if (name == "retention") {
    QUN_ASSIGN_OR_RETURN(Granularity g, GetGranularity(p, Granularity::kWeek));
    QUN_ASSIGN_OR_RETURN(auto mat, m->Retention(q, g));
    json cs = json::array();
    for (const auto& c : mat.cohorts)
      cs.push_back({{"cohort", FormatDate(c.start)}, {"size", c.size}, {"retained", c.retained}});
    out["cohorts"] = std::move(cs);
  } else if (name == "retention-trend") {
    QUN_ASSIGN_OR_RETURN(Granularity g, GetGranularity(p, Granularity::kDay));
    QUN_ASSIGN_OR_RETURN(long n, GetInt(p, "n", 1, 0, 1000));
    QUN_ASSIGN_OR_RETURN(auto mat, m->Retention(q, g));
    json s = json::array();
    for (const auto& c : mat.cohorts)
      if (static_cast<size_t>(n) < c.retained.size())
        s.push_back({{"cohort", FormatDate(c.start)},
                     {"size", c.size},
                     {"retained", c.retained[n]},
                     {"rate", R4(c.size ? static_cast<double>(c.retained[n]) / c.size : 0)}});
    out = {{"granularity", GranularityName(g)}, {"n", n}, {"series", std::move(s)}};
  } else if (name == "lifecycle") {
    QUN_ASSIGN_OR_RETURN(Granularity g, GetGranularity(p, Granularity::kWeek));
    QUN_ASSIGN_OR_RETURN(auto pts, m->Lifecycle(q, g));
    json s = json::array();
    for (const auto& l : pts)
      s.push_back({{"period", FormatDate(l.start)},
                   {"active", l.active},
                   {"new", l.new_},
                   {"returning", l.returning},
                   {"resurrecting", l.resurrecting},
                   {"dormant", l.dormant}});
    out = {{"granularity", GranularityName(g)}, {"series", std::move(s)}};
  } else if (name == "interaction") {
    QUN_ASSIGN_OR_RETURN(Granularity g, GetGranularity(p, Granularity::kWeek));
    QUN_ASSIGN_OR_RETURN(auto pts, m->Interaction(q, g));
    json s = json::array();
    for (const auto& l : pts)
      s.push_back({{"period", FormatDate(l.start)},
                   {"interacting", l.interacting},
                   {"members", l.members},
                   {"rate", R4(l.rate)}});
    out = {{"granularity", GranularityName(g)}, {"series", std::move(s)}};
  } else if (name == "joins") {
    QUN_ASSIGN_OR_RETURN(auto pts, m->Joins(q));
    json s = json::array();
    for (const auto& j : pts)
      s.push_back({{"date", FormatDate(j.day)}, {"joins", j.joins}, {"leaves", j.leaves}, {"members", j.members}});
    out["series"] = std::move(s);
  } else if (name == "peak-hours") {
    QUN_ASSIGN_OR_RETURN(auto ph, m->Peak(q));
    json rows = json::array();
    int bw = 0, bh = 0;
    for (int w = 0; w < 7; ++w) {
      rows.push_back(ph.messages[w]);
      for (int h = 0; h < 24; ++h)
        if (ph.messages[w][h] > ph.messages[bw][bh]) bw = w, bh = h;
    }
    out = {{"total", ph.total},
           {"weekdays", kWeekdays},
           {"messages", std::move(rows)},
           {"peak", ph.total ? json{{"weekday", kWeekdays[bw]}, {"hour", bh}, {"messages", ph.messages[bw][bh]}}
                             : json(nullptr)}};
  } else if (name == "responsiveness") {
    QUN_ASSIGN_OR_RETURN(auto r, m->Responsive(q));
    out = {{"questions", r.questions},
           {"answered", r.answered},
           {"median_first_reply_s", Opt(r.median_first_reply_s)},
           {"due", r.due},
           {"unanswered_24h", r.unanswered_24h},
           {"unanswered_share", R4(r.unanswered_share)}};
  } else if (name == "content-mix") {
    QUN_ASSIGN_OR_RETURN(auto c, m->Content(q));
    json cats = json::array();
    for (int k = 0; k < 4; ++k)
      cats.push_back({{"category", ContentCategoryName(static_cast<ContentCategory>(k))},
                      {"published", c.published[k]},
                      {"share", R4(c.share[k])},
                      {"target", c.target[k]},
                      {"delta", R4(c.delta[k])}});
    out = {{"total", c.total}, {"categories", std::move(cats)}, {"drift", R4(c.drift)}};
  } else if (name == "conversion") {
    QUN_ASSIGN_OR_RETURN(auto c, m->Conversions(q));
    out = {{"impressions", c.impressions}, {"clicks", c.clicks},       {"click_through", R4(c.click_through)},
           {"visitors", c.visitors},       {"signups", c.signups},     {"registration", R4(c.registration)},
           {"buyers", c.buyers},           {"purchase", R4(c.purchase)}, {"participants", c.participants},
           {"members", c.members},         {"participation", R4(c.participation)}};
  } else if (name == "funnel") {
    auto steps_s = Get(p, "steps");
    if (!steps_s) return InvalidArgument("steps: required, e.g. steps=content.clicked,visit,signup,order.paid");
    std::vector<EventType> steps;
    for (auto part : SplitString(*steps_s, ',')) {
      std::string_view t = TrimWhitespace(part);
      auto et = ParseEventType(t);
      if (!et) return InvalidArgument("steps: unknown event type '" + std::string(t) + "'");
      steps.push_back(*et);
    }
    QUN_ASSIGN_OR_RETURN(long window, GetInt(p, "window", 7 * 86400, 1, 400L * 86400));
    QUN_ASSIGN_OR_RETURN(auto f, m->FunnelOf(q, steps, static_cast<uint32_t>(window)));
    json s = json::array();
    for (const auto& st : f.steps)
      s.push_back({{"type", EventTypeName(st.type)},
                   {"count", st.count},
                   {"from_previous", R4(st.from_previous)},
                   {"from_first", R4(st.from_first)},
                   {"dropped", st.dropped}});
    out = {{"window_s", f.window_s}, {"steps", std::move(s)}};
  } else if (name == "value") {
    QUN_ASSIGN_OR_RETURN(long months, GetInt(p, "lifetime_months", 12, 1, 1200));
    QUN_ASSIGN_OR_RETURN(auto vs, m->Values(q, static_cast<double>(months)));
    json cs = json::array();
    for (const auto& v : vs)
      cs.push_back({{"currency", v.currency},
                    {"gmv_minor", v.gmv_minor},
                    {"orders", v.orders},
                    {"refunds", v.refunds},
                    {"buyers", v.buyers},
                    {"repeat_buyers", v.repeat_buyers},
                    {"members", v.members},
                    {"aov_minor", R4(v.aov)},
                    {"purchase_frequency", R4(v.purchase_frequency)},
                    {"repurchase_rate", R4(v.repurchase_rate)},
                    {"arpu_minor", R4(v.arpu)},
                    {"ltv_minor", R4(v.ltv)}});
    out = {{"lifetime_months", months}, {"currencies", std::move(cs)}};
  } else if (name == "revenue-cohorts") {
    QUN_ASSIGN_OR_RETURN(Granularity g, GetGranularity(p, Granularity::kMonth));
    QUN_ASSIGN_OR_RETURN(auto rcs, m->RevenueCohorts(q, g));
    json cs = json::array();
    for (const auto& rc : rcs) {
      json per = json::array();
      for (int64_t v : rc.cumulative_minor) per.push_back(R4(static_cast<double>(v) / rc.size));
      cs.push_back({{"currency", rc.currency},
                    {"cohort", FormatDate(rc.start)},
                    {"size", rc.size},
                    {"cumulative_minor", rc.cumulative_minor},
                    {"per_member_minor", std::move(per)}});
    }
    out = {{"granularity", GranularityName(g)}, {"cohorts", std::move(cs)}};
  } else if (name == "nps") {
    QUN_ASSIGN_OR_RETURN(auto n, m->NpsOf(q));
    out = {{"responses", n.responses}, {"promoters", n.promoters}, {"passives", n.passives},
           {"detractors", n.detractors}, {"nps", Opt(n.nps)},        {"answers", n.answers}};
  } else if (name == "referral") {
    QUN_ASSIGN_OR_RETURN(long top, GetInt(p, "top", 20, 0, 100000));
    QUN_ASSIGN_OR_RETURN(auto r, m->Referrals(q, static_cast<size_t>(top)));
    json iv = json::array();
    for (const auto& i : r.inviters)
      iv.push_back({{"member", i.member},
                    {"account", AccountLabel(engine, i.account)},
                    {"invited", i.invited},
                    {"converted", i.converted}});
    out = {{"invited_joins", r.invited_joins}, {"organic_joins", r.organic_joins},
           {"members_at_start", r.members_at_start}, {"k_factor", R4(r.k_factor)},
           {"max_depth", r.max_depth},         {"trees", r.trees},
           {"inviters", std::move(iv)}};
  } else if (name == "anomalies") {
    std::string series(Get(p, "series").value_or("dau"));
    QUN_ASSIGN_OR_RETURN(auto vals, m->DailySeries(q, series));
    auto range = m->ResolveRange(q);
    json a = json::array();
    if (range) {
      AnomalyOptions opt;
      QUN_ASSIGN_OR_RETURN(long weeks, GetInt(p, "weeks", opt.weeks, 1, 52));
      opt.weeks = static_cast<int>(weeks);
      opt.min_history = std::min(opt.min_history, opt.weeks);
      for (const auto& an : DetectAnomalies(range->first, vals, opt))
        a.push_back({{"date", FormatDate(an.day)},
                     {"value", an.value},
                     {"expected", an.expected},
                     {"z", R4(an.z)},
                     {"direction", an.up ? "up" : "down"},
                     {"change", an.value - an.expected}});
    }
    out = {{"series", series}, {"anomalies", std::move(a)}};
  } else {
    std::string names;
    for (auto n : MetricNames()) names += (names.empty() ? "" : ", ") + std::string(n);
    return InvalidArgument("unknown metric '" + std::string(name) + "' (one of: " + names + ")");
  }
  return out;
}

}  // namespace qun::metrics
