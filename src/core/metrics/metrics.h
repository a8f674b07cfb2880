// MetricsModule: the live community metrics of DESIGN §4 (activity, retention,
// lifecycle, rhythm, responsiveness, content mix, conversion, value, NPS,
// referral), kept fresh as batches commit. docs/metrics.md states every
// formula and JSON shape; the section names below refer to it.
//
// How it stays incremental
//   * OnAppended folds each new row into per-(scope, local day) aggregates:
//     sorted account-id sets (active, interacting, visitors, signups, buyers,
//     participants) and counters (joins, leaves, messages per hour, content
//     per category, views, clicks, NPS answers, orders). A scope is one
//     community or the whole workspace.
//   * Sets hold *accounts*; queries map them through Engine::member_of and
//     count distinct people, so identity merges and unmerges are followed
//     without rewriting anything.
//   * Caches (docs/metrics.md#caching): the person-level version of each
//     per-day set, WAU/MAU per day, first-seen days and member counts per
//     scope are filled lazily by queries and kept until new rows or an
//     identity change touch them (targeted: only sets holding an account of
//     the merged/unmerged people are dropped, first-seen days are fixed for
//     those people only; member counts are rebuilt).
//   * Retention, retention trend, lifecycle and interaction read running
//     per-period counters (CohortAggregate, core/metrics/cohort.h;
//     docs/metrics.md#cohort-aggregates), one per (zone view, scope): the UTC
//     workspace from the first row, others built by their first query; kept
//     exact through out-of-order batches and identity changes.
//   * Conversion, value and funnel queries whose range holds all of the
//     scope's events read all-time aggregates kept row by row (people per
//     conversion kind, order totals, buyers and repeat buyers per currency);
//     funnels keep per account its funnel-type rows in time order and, per
//     definition asked for, each person's reached step, maintained for the
//     people a batch or merge touches (CommerceAggregates, commerce.h).
//   * Per (community, account) the module keeps first-seen time and join/leave
//     history (cohorts, membership counts; the workspace reads all
//     communities' records); per question its first reply.
//   * Queries read those aggregates only: cost grows with the days, cohorts
//     and accounts asked for, never with the number of events.
//
// Time zones. Day boundaries are local days of the zone a query names
// (default UTC). The module keeps one "zone view" of the per-day aggregates
// per zone in use: UTC from the start, any other zone built on its first query
// by one pass over the event log and maintained incrementally from then on
// (at most kMaxZoneViews non-UTC views; the least recently used is dropped).
// Local days come from TimeZone::LocalDay, so :30/:45 offsets and DST are
// exact. Per-event timestamps (first seen, replies) are kept in UTC and
// converted per query.
//
// Thread-safety: OnAppended/OnIdentityChanged run under the engine's writer
// lock. Query methods are const and may run concurrently with each other
// (under the workspace's shared read lock); building a zone view is guarded
// by an internal mutex.
#ifndef QUN_CORE_METRICS_METRICS_H_
#define QUN_CORE_METRICS_METRICS_H_

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "core/engine/engine.h"
#include "qun/status.h"

namespace qun::metrics {

enum class Granularity { kDay, kWeek, kMonth };
// "day" | "week" | "month".
Result<Granularity> ParseGranularity(std::string_view s);
std::string_view GranularityName(Granularity g);
// First local day of the period holding `day` (ISO weeks start Monday).
int32_t PeriodStart(Granularity g, int32_t day);
// First day of the period after the one starting at `start`.
int32_t NextPeriod(Granularity g, int32_t start);

// What every query names. Days are local civil days (days since 1970-01-01)
// in `tz`. Unset from/to default to the scope's first/last event day.
struct Query {
  uint32_t community = kNone;  // engine community index; kNone = workspace
  std::optional<int32_t> from;
  std::optional<int32_t> to;
  TimeZone tz = TimeZone::Utc();
};

// docs/metrics.md#active
struct ActivePoint {
  int32_t day;
  uint32_t dau, wau, mau;
  double stickiness;  // dau / mau (0 when mau == 0)
};

// docs/metrics.md#retention
struct RetentionCohort {
  int32_t start;                    // first day of the cohort's period
  uint32_t size;                    // people first seen in that period
  std::vector<uint32_t> retained;   // [k] active in period start+k (k=0 own)
};
struct RetentionMatrix {
  Granularity granularity;
  std::vector<RetentionCohort> cohorts;  // every period in range, oldest first
};

// docs/metrics.md#lifecycle
struct LifecyclePoint {
  int32_t start;  // period start
  uint32_t active, new_, returning, resurrecting, dormant;
};

// docs/metrics.md#interaction
struct InteractionPoint {
  int32_t start;          // period start
  uint32_t interacting;   // people who posted, replied or reacted
  uint32_t members;       // members at the period's last day
  double rate;            // interacting / members (0 when members == 0)
};

// docs/metrics.md#joins
struct JoinsPoint {
  int32_t day;
  uint32_t joins, leaves, members;  // members at the end of the day
};

// docs/metrics.md#peak-hours ; counts[weekday 0=Mon][local hour]
struct PeakHours {
  std::array<std::array<uint64_t, 24>, 7> messages{};
  uint64_t total = 0;
};

// docs/metrics.md#responsiveness
struct Responsiveness {
  uint64_t questions = 0;             // questions posted in range
  uint64_t answered = 0;              // … with a first reply from someone else
  std::optional<double> median_first_reply_s;  // over answered questions
  uint64_t due = 0;                   // questions at least 24 h older than the data's last event
  uint64_t unanswered_24h = 0;        // due questions without a reply within 24 h
  double unanswered_share = 0;        // unanswered_24h / due (0 when due == 0)
};

// docs/metrics.md#content-mix ; categories in ContentCategory order.
struct ContentMix {
  std::array<uint64_t, 4> published{};
  std::array<double, 4> share{};      // published / total (0 when none)
  std::array<double, 4> target{0.4, 0.3, 0.2, 0.1};
  std::array<double, 4> delta{};      // share - target
  double drift = 0;                   // ½ Σ |share - target|, 0..1
  uint64_t total = 0;
};

// docs/metrics.md#conversion
struct Conversion {
  uint64_t impressions = 0, clicks = 0;   // content.viewed / content.clicked events
  uint32_t visitors = 0, signups = 0, buyers = 0, participants = 0, members = 0;
  double click_through = 0, registration = 0, purchase = 0, participation = 0;
};

// docs/metrics.md#funnel ; steps are event types, window in seconds.
struct FunnelStep {
  EventType type;
  uint32_t count;        // people who reached this step in order
  double from_previous;  // count / previous step's count (1 for step 0)
  double from_first;     // count / step 0's count
  uint32_t dropped;      // previous count - count
};
struct Funnel {
  std::vector<FunnelStep> steps;
  uint32_t window_s;
};

// docs/metrics.md#value ; one entry per currency seen in range.
struct Value {
  std::string currency;
  int64_t gmv_minor = 0;          // paid - refunded, minor units
  uint64_t orders = 0;            // paid orders
  uint64_t refunds = 0;
  uint32_t buyers = 0;
  uint32_t repeat_buyers = 0;     // buyers with >= 2 paid orders in range
  uint32_t members = 0;           // members at the range's last day
  double aov = 0;                 // paid amount / orders (minor units)
  double purchase_frequency = 0;  // orders / buyers
  double repurchase_rate = 0;     // repeat_buyers / buyers
  double arpu = 0;                // gmv / members (minor units)
  double ltv = 0;                 // aov * orders per buyer per 30 days * lifetime_months
};

// docs/metrics.md#revenue-cohorts ; one entry per (currency, cohort).
struct RevenueCohort {
  std::string currency;
  int32_t start;                          // first day of the cohort's period
  uint32_t size;                          // people first seen in that period
  std::vector<int64_t> cumulative_minor;  // [k] paid - refunded by the cohort in periods 0..k
};

// docs/metrics.md#nps
struct Nps {
  std::array<uint64_t, 11> answers{};  // by score
  uint64_t responses = 0, promoters = 0, passives = 0, detractors = 0;
  std::optional<double> nps;           // %promoters - %detractors, -100..100
};

// docs/metrics.md#referral
struct Inviter {
  uint32_t member;        // engine member id
  uint32_t account;       // an account of it (for display)
  uint32_t invited = 0;   // people whose accepted invite (edge) came from this inviter
  uint32_t converted = 0; // … who were active at least once after joining
};
// The invite forest of the range: invites in referral order (time, then
// joiner account, then inviter account; never arrival order), self-invites,
// second inviters and invites that would close a cycle ignored. Deterministic.
struct Referral {
  uint32_t invited_joins = 0;   // people with an accepted invite edge in range
  uint32_t organic_joins = 0;   // joins in range without inviter
  uint32_t members_at_start = 0;
  double k_factor = 0;          // invited_joins / members_at_start
  uint32_t max_depth = 0;       // longest invite chain (edges)
  uint32_t trees = 0;           // roots (inviters not invited themselves)
  std::vector<Inviter> inviters;  // by invited desc, then member
};

// docs/metrics.md#anomalies
struct Anomaly {
  int32_t day;
  double value, expected;   // expected = median of the same weekday's history
  double z;                 // robust z-score (signed)
  bool up;
};
struct AnomalyOptions {
  int weeks = 8;             // same-weekday history length
  int min_history = 4;       // fewer points: no verdict
  double threshold = 3.5;    // |z| >= threshold flags
};
// Robust z-score anomalies of a daily series (values[i] is day first_day+i).
std::vector<Anomaly> DetectAnomalies(int32_t first_day, const std::vector<double>& values,
                                     const AnomalyOptions& opt = {});

// True when `text` is a question (docs/metrics.md#responsiveness).
bool IsQuestionText(std::string_view text);

class MetricsModule : public EngineModule {
 public:
  static constexpr size_t kMaxZoneViews = 4;
  explicit MetricsModule(const Engine& engine);
  ~MetricsModule() override;

  void OnAppended(const Engine& engine, uint32_t first_row, uint32_t end_row) override;
  // Drops the cached person sets / first-seen days / member counts that
  // involve the members' accounts (docs/metrics.md#caching).
  void OnIdentityChanged(const Engine& engine, std::span<const uint32_t> members) override;
  size_t MemoryBytes() const override;
  // day_sets, day_caches, day_other (per (scope, day) aggregates of every
  // zone view), scope_caches, accounts, invites, replies, cohorts, then
  // CommerceAggregates::MemoryParts, referral_forests.
  std::vector<std::pair<std::string, size_t>> MemoryParts() const override;

  // Flags questions (IsQuestionText of message.posted text; the columns keep
  // no text).
  void OnBatchEvents(const Engine& engine, const StagedBatch& batch) override;

  // Each query returns InvalidArgument for from > to or an unknown community
  // index, and an empty result when the scope has no events.
  // The inclusive local day range a query resolves to (nullopt: no data).
  std::optional<std::pair<int32_t, int32_t>> ResolveRange(const Query& q) const;

  Result<std::vector<ActivePoint>> Active(const Query& q) const;
  Result<RetentionMatrix> Retention(const Query& q, Granularity g) const;
  // N-period retention per cohort: retained[n] / size for every cohort.
  Result<std::vector<std::pair<int32_t, double>>> RetentionTrend(const Query& q, Granularity g, int n) const;
  Result<std::vector<LifecyclePoint>> Lifecycle(const Query& q, Granularity g) const;
  Result<std::vector<InteractionPoint>> Interaction(const Query& q, Granularity g) const;
  Result<std::vector<JoinsPoint>> Joins(const Query& q) const;
  Result<PeakHours> Peak(const Query& q) const;
  Result<Responsiveness> Responsive(const Query& q) const;
  Result<ContentMix> Content(const Query& q) const;
  Result<Conversion> Conversions(const Query& q) const;
  // Steps: 1..8 event types; window_s > 0. Entry = first step-0 event in range.
  Result<Funnel> FunnelOf(const Query& q, const std::vector<EventType>& steps, uint32_t window_s) const;
  Result<std::vector<Value>> Values(const Query& q, double lifetime_months = 12) const;
  // Empirical cumulative revenue of each first-seen cohort (currencies in
  // order of first appearance, cohorts oldest first, only cohorts of size > 0).
  Result<std::vector<RevenueCohort>> RevenueCohorts(const Query& q, Granularity g) const;
  Result<Nps> NpsOf(const Query& q) const;
  // A range holding all of the scope's events reads the kept forest (O(top));
  // otherwise O(invites in range × log) per call (docs/metrics.md#referral).
  Result<Referral> Referrals(const Query& q, size_t top = 20) const;
  // A named daily series for anomaly detection: dau, wau, mau, messages,
  // joins, leaves, interacting, questions, orders, gmv. InvalidArgument else.
  Result<std::vector<double>> DailySeries(const Query& q, std::string_view name) const;

  struct State;  // implementation (metrics.cc)

 private:
  std::unique_ptr<State> s_;
};

}  // namespace qun::metrics

#endif  // QUN_CORE_METRICS_METRICS_H_
