#include "core/gen/generator.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "core/gen/rng.h"
#include "core/gen/text.h"

namespace qun::gen {
namespace {

constexpr uint32_t kNone = 0xFFFFFFFFu;
constexpr int64_t kDiscordEpochMs = 1420070400000LL;
constexpr int64_t kMsPerMin = 60'000;

// Every constant of the model is named here and documented in docs/gen.md.
constexpr double kPropensitySigma = 1.3;    // log-normal sigma of message rates
constexpr double kDecayFloor = 0.25;        // share of the rate that never decays
constexpr double kDecayMedianDays = 40;     // median engagement time constant
constexpr double kSilentRate = 0.03;        // rate multiplier while silent
constexpr double kSilentHazard = 0.02;      // / (1 + 2 * relative rate), per day
constexpr double kResurrectHazard = 0.004;  // silent -> active, per day
constexpr double kLeaveHazardActive = 0.0015;
constexpr double kLeaveHazardLowRate = 0.002;  // / (1 + relative rate), per day
constexpr double kLeaveHazardSilent = 0.01;
constexpr double kSeedCohortShare = 0.08;  // members already there on day 0
constexpr double kSpammerShare = 0.008;
constexpr double kInviteShare = 0.3;
constexpr double kInviteShareCampaign = 0.5;
constexpr double kReplyShare = 0.35;
constexpr double kQuestionShare = 0.15;
constexpr double kMentionShare = 0.05;
constexpr double kAdShare = 0.0015;  // ads from ordinary members
constexpr double kBannedWordShare = 0.002;
constexpr double kEditShare = 0.02;
constexpr double kRecallShare = 0.008;
constexpr double kReactionsPerMessage = 0.6;
constexpr double kBuyerShare = 0.4;
constexpr double kRefundShare = 0.04;
constexpr double kLinkedShare = 0.06;
constexpr double kProfileShare = 0.45;
constexpr double kVisitsPerJoin = 2.5;
constexpr double kProspectSignup = 0.12;
constexpr int kPoolSize = 2048;  // preferential-attachment ring

// Relative weights of local hours 0..23: a lunch peak at 12 and an evening
// peak at 20-21, quiet nights.
constexpr double kHourWeights[24] = {0.8, 0.4, 0.2, 0.1, 0.1, 0.2, 0.6, 1.5, 2.5, 3.0, 3.2, 3.6,
                                     5.0, 4.2, 3.0, 3.0, 3.0, 3.2, 3.5, 4.5, 5.6, 5.8, 4.0, 2.0};
// Activity multiplier by ISO weekday, Monday first.
constexpr double kWeekdayFactor[7] = {1.0, 1.05, 1.05, 1.0, 0.95, 0.75, 0.7};
// Click-through given a view, by content category.
constexpr double kClickRate[4] = {0.12, 0.08, 0.2, 0.05};
constexpr std::string_view kEmoji[] = {"👍", "❤️", "😂", "🎉", "🙏", "🔥", "👏", "😮"};
constexpr std::string_view kSlackEmoji[] = {"+1",   "heart", "joy",  "tada",
                                            "pray", "fire",  "clap", "open_mouth"};
constexpr std::string_view kZhRegions[] = {"广东", "浙江", "江苏", "北京", "上海",
                                           "四川", "湖北", "山东", "福建", "河南"};
constexpr std::string_view kEnRegions[] = {"US", "GB", "DE", "IN", "CA", "SG", "BR", "FR", "AU", "JP"};
constexpr std::string_view kGenders[] = {"female", "male", "female", "male", "unknown"};
constexpr std::string_view kAgeBands[] = {"18-24", "25-34", "25-34", "35-44", "35-44", "45-54", "55+"};
constexpr std::string_view kOperatorNames[] = {"ZhangWei", "LiNa",     "WangFang",
                                               "LiuYang",  "ChenJing", "YangLi"};

enum ActorKind : uint8_t { kMember = 0, kOperator = 1, kProspect = 2 };
enum MemberStatus : uint8_t { kActive = 0, kSilent = 1, kLeft = 2 };
enum JoinChannel : int32_t { kNoChannel = 0, kQrCode = 1, kCampaignQr = 2, kInviteLink = 3 };
enum ProfileBits : int32_t { kBasicAttrs = 1, kUnionId = 2, kPhoneHash = 4, kSharedKey = 8 };
enum MessageKind : int32_t { kText = 0, kImage = 1, kFile = 2 };

// One event before rendering: 40 bytes, so a day's worth stays small. What
// `ref`, `other` and `value` mean depends on `type` (see Render).
struct Action {
  int64_t ts;
  uint64_t serial;  // unique per run, in generation order: the event id
  uint64_t ref;     // referenced message/order serial, content/activity number
  uint32_t actor;   // member index, community index (operator) or prospect number
  uint32_t other;   // inviter, mentioned / linked / reported member
  int32_t value;    // channel, reason, kind, category, amount, nps, emoji, bits
  uint16_t community;
  uint8_t type;
  uint8_t aux;  // low 2 bits ActorKind, next 4 bits TextStyle
};
static_assert(sizeof(Action) == 40);

struct Member {
  float base;  // message rate per day at (re)activation
  float tau;   // engagement decay time constant, days
  float checkin_p;
  float buy_rate;  // orders per day
  int64_t last_msg_ts = 0;
  uint64_t last_msg_serial = 0;
  uint32_t partner = kNone;
  uint32_t last_activity = 0;  // activity number + 1 joined last
  int32_t epoch_day;           // day index of the (re)activation
  uint16_t community;
  uint16_t last_survey = 0;  // survey number + 1 answered last
  uint8_t status = kActive;
  bool spammer = false;
};

struct ContentToday {
  uint64_t number;
  int64_t ts;
  int category;
};

struct Community {
  Platform platform;
  int lang;  // 0 zh, 1 en, 2 mixed
  std::string id;
  std::string operator_id;
  double weight;
  std::vector<uint32_t> pool;  // ring of member indices, kPoolSize
  uint64_t pool_count = 0;
  int32_t activity_until = -1;
  uint32_t activity_number = 0;  // global number of the running activity
  int32_t survey_until = -1;
  uint16_t survey_number = 0;
  std::vector<ContentToday> contents;
  bool promo_today = false;
};

struct PendingRefund {
  int32_t day;
  uint32_t member;
  uint16_t community;
  uint64_t order_serial;
  int32_t amount;
};

// A bijection of 32-bit values, keyed by the seed: unique account numbers.
uint32_t Permute(uint32_t x, uint64_t seed) {
  x ^= static_cast<uint32_t>(seed);
  x *= 0x9E3779B1u;
  x ^= x >> 15;
  x *= 0x85EBCA77u;
  x ^= x >> 13;
  x += static_cast<uint32_t>(seed >> 32);
  x *= 0xC2B2AE3Du;
  x ^= x >> 16;
  return x;
}

void AppendBase(std::string& out, uint64_t v, int width, std::string_view alphabet) {
  char buf[32];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = alphabet[v % alphabet.size()];
    v /= alphabet.size();
  }
  out.append(buf, width);
}

// Appends `width` characters that encode `perm` (unique) padded with random
// high digits from `h`, so ids neither collide nor start with runs of zeros.
void AppendUnique(std::string& out, uint32_t perm, uint64_t h, int width, std::string_view alphabet);

constexpr std::string_view kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kBase36Lower = "0123456789abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kBase36Upper = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

void AppendUnique(std::string& out, uint32_t perm, uint64_t h, int width, std::string_view alphabet) {
  double space = std::pow(static_cast<double>(alphabet.size()), width);
  // Callers keep alphabet^width <= 2^64, so the value fills the width.
  uint64_t k = space >= 0x1p64 ? 0xFFFFFFFFULL : static_cast<uint64_t>(space / 0x1p32);
  uint64_t high = k > 1 ? (h % k) : 0;
  AppendBase(out, (high << 32) | perm, width, alphabet);
}

void AppendUint(std::string& out, uint64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

// A platform-plausible account id, unique per `number` (a 32-bit space shared
// by members, prospects and operators).
std::string AccountId(Platform p, uint32_t number, uint64_t seed) {
  uint32_t perm = Permute(number, seed);
  uint64_t h = MixSeed(seed ^ 0xACC0, number);
  std::string out;
  switch (p) {
    case Platform::kWecom:  // external contact: wm/wo + 30 characters
      out = (h & 7) == 0 ? "wo" : "wm";
      AppendUnique(out, perm, h, 10, kBase62);
      AppendBase(out, MixSeed(h, 1), 10, kBase62);
      AppendBase(out, MixSeed(h, 2), 10, kBase62);
      break;
    case Platform::kWechat:
      out = "wxid_";
      AppendUnique(out, perm, h, 12, kBase36Lower);
      AppendBase(out, MixSeed(h, 1), 2, kBase36Lower);
      break;
    case Platform::kTelegram:
      out = "user";
      AppendUint(out, 1'000'000'000ULL + perm);
      break;
    case Platform::kDiscord: {  // snowflake: creation ms 2016.. (unique) << 22 | worker bits
      uint64_t created = 1451606400000ULL + static_cast<uint64_t>(perm) * 61 - kDiscordEpochMs;
      AppendUint(out, (created << 22) | (h & 0x3FFFFF));
      break;
    }
    case Platform::kSlack:
      out = "U0";
      AppendUnique(out, perm, h, 9, kBase36Upper);
      break;
    default:
      out = "acct_";
      AppendBase(out, perm, 7, kBase36Lower);
      break;
  }
  return out;
}

std::string CommunityId(Platform p, int index, uint64_t seed) {
  uint32_t perm = Permute(0xC0000000u + static_cast<uint32_t>(index), seed);
  uint64_t h = MixSeed(seed ^ 0xC0AA, index);
  std::string out;
  switch (p) {
    case Platform::kWecom:
      out = "wr";
      AppendUnique(out, perm, h, 10, kBase62);
      AppendBase(out, MixSeed(h, 1), 10, kBase62);
      break;
    case Platform::kWechat:
      AppendUint(out, 10'000'000'000ULL + perm);
      out += "@chatroom";
      break;
    case Platform::kTelegram:
      out = "-100";
      AppendUint(out, 1'000'000'000ULL + perm);
      break;
    case Platform::kDiscord: {
      uint64_t created = 1546300800000ULL + static_cast<uint64_t>(perm) * 31 - kDiscordEpochMs;
      AppendUint(out, (created << 22) | (h & 0x3FFFFF));
      break;
    }
    case Platform::kSlack:
      out = "C0";
      AppendUnique(out, perm, h, 9, kBase36Upper);
      break;
    default:
      out = "g";
      AppendUint(out, perm);
      break;
  }
  return out;
}

// 64 hex characters standing in for a salted SHA-256 of a phone number: the
// generator never has a phone number, only a person key.
void AppendHexKey(std::string& out, uint64_t seed, uint64_t person, int words) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int w = 0; w < words; ++w) {
    uint64_t v = MixSeed(seed ^ 0x9407E, person * 8 + w);
    for (int i = 60; i >= 0; i -= 4) out.push_back(kHex[(v >> i) & 15]);
  }
}

void ResetEvent(Event& e) {
  e.id.clear();
  e.community.clear();
  e.actor.clear();
  e.inviter.clear();
  e.channel.clear();
  e.reason.clear();
  e.message_id.clear();
  e.text.clear();
  e.kind.clear();
  e.reply_to.clear();
  e.thread.clear();
  e.mentions.clear();
  e.emoji.clear();
  e.content_id.clear();
  e.category.clear();
  e.title.clear();
  e.activity_id.clear();
  e.order_id.clear();
  e.amount_minor = 0;
  e.currency.clear();
  e.nps = -1;
  e.target_message.clear();
  e.target_member.clear();
  e.linked_platform = Platform::kCustom;
  e.linked_actor.clear();
  e.attributes.clear();
  e.props_json.clear();
}

}  // namespace

Platform CommunityPlatform(int index) {
  static constexpr Platform kRotation[] = {Platform::kWecom, Platform::kTelegram, Platform::kDiscord,
                                           Platform::kWecom, Platform::kSlack,    Platform::kWechat};
  return kRotation[index % 6];
}

Status ValidateGenOptions(const GenOptions& o) {
  if (o.members < 1 || o.members > kMaxGenMembers)
    return InvalidArgument(fmt::format("members: {} is outside 1..{}", o.members, kMaxGenMembers));
  if (o.days < 1 || o.days > kMaxGenDays)
    return InvalidArgument(fmt::format("days: {} is outside 1..{}", o.days, kMaxGenDays));
  if (o.communities < 1 || o.communities > kMaxGenCommunities)
    return InvalidArgument(
        fmt::format("communities: {} is outside 1..{}", o.communities, kMaxGenCommunities));
  // Every event must fall inside the accepted range 2000-01-01 .. 2100-01-01.
  if (o.start_day < DaysFromCivil(2000, 1, 2) || o.start_day + o.days > DaysFromCivil(2099, 12, 31))
    return InvalidArgument("start: the generated days must lie between 2000-01-02 and 2099-12-30");
  if (!(o.messages_per_member_day > 0) || o.messages_per_member_day > 1000)
    return InvalidArgument(
        fmt::format("messages per member-day: {} is outside (0, 1000]", o.messages_per_member_day));
  double mix_sum = 0;
  for (double w : o.content_mix) {
    if (!(w >= 0) || w > 1e6) return InvalidArgument("content mix: weights must be between 0 and 1e6");
    mix_sum += w;
  }
  if (!(mix_sum > 0)) return InvalidArgument("content mix: at least one weight must be positive");
  return Status::Ok();
}

struct Generator::State {
  GenOptions o;
  Rng rng;
  int32_t day = 0;  // next day index to generate
  uint64_t serial = 0;
  std::string id_prefix;
  int64_t run_start_ms = 0;
  double mean_base = 1;
  double mu = 0;
  double hour_cdf[24];
  double mix_cdf[4];

  std::vector<Community> communities;
  std::vector<Member> members;
  std::vector<std::string> accounts;  // per member, cached
  std::vector<uint32_t> present;      // joined and not left
  std::vector<int64_t> join_counts;   // [day * C + c]
  std::vector<int32_t> campaign;      // [day * C + c]: campaign number or -1
  std::vector<double> join_expect;    // [day * C + c]: expected joins
  std::vector<PendingRefund> refunds;
  uint32_t prospects = 0;
  uint64_t content_number = 0;
  uint32_t activity_number = 0;

  std::vector<Action> actions;  // the current day
  Event ev;
  std::string scratch;

  explicit State(const GenOptions& opts) : o(opts), rng(MixSeed(opts.seed, 2)) {}

  // ---- helpers -----------------------------------------------------------
  uint64_t NextSerial() { return ++serial; }

  int64_t TimeOfDayMs() {
    double u = rng.Uniform() * hour_cdf[23];
    int h = 0;
    while (h < 23 && u >= hour_cdf[h]) ++h;
    return h * kMsPerHour + static_cast<int64_t>(rng.Below(kMsPerHour));
  }

  void Push(int64_t ts, EventType type, uint32_t actor, uint8_t kind, uint16_t community, uint64_t ref = 0,
            uint32_t other = kNone, int32_t value = 0, uint8_t style = 0) {
    actions.push_back(Action{ts, NextSerial(), ref, actor, other, value, community,
                             static_cast<uint8_t>(type), static_cast<uint8_t>(kind | (style << 2))});
  }

  void PoolAdd(Community& c, uint32_t m) {
    c.pool[c.pool_count % kPoolSize] = m;
    ++c.pool_count;
  }

  // A member drawn in proportion to recent posts and replies received
  // (preferential attachment), present and not `exclude`; kNone if none.
  uint32_t PoolPick(const Community& c, uint32_t exclude) {
    if (c.pool_count == 0) return kNone;
    uint64_t n = std::min<uint64_t>(c.pool_count, kPoolSize);
    for (int tries = 0; tries < 3; ++tries) {
      uint32_t m = c.pool[rng.Below(n)];
      if (m != exclude && members[m].status != kLeft) return m;
    }
    return kNone;
  }

  double RelativeRate(const Member& m) const { return m.base / mean_base; }

  // ---- set-up ------------------------------------------------------------
  void Plan() {
    const int C = o.communities;
    const int32_t D = o.days;
    Rng plan(MixSeed(o.seed, 1));
    id_prefix = fmt::format("g{}-", o.seed);
    run_start_ms = o.tz.StartOfLocalDay(o.start_day);
    mean_base = o.messages_per_member_day;
    mu = std::log(mean_base) - kPropensitySigma * kPropensitySigma / 2;
    double acc = 0;
    for (int h = 0; h < 24; ++h) hour_cdf[h] = acc += kHourWeights[h];
    acc = 0;
    for (int k = 0; k < 4; ++k) mix_cdf[k] = acc += o.content_mix[k];

    communities.resize(C);
    for (int c = 0; c < C; ++c) {
      Community& k = communities[c];
      k.platform = CommunityPlatform(c);
      k.lang = (k.platform == Platform::kWecom || k.platform == Platform::kWechat) ? 0
               : k.platform == Platform::kTelegram                                 ? 2
                                                                                   : 1;
      k.id = CommunityId(k.platform, c, o.seed);
      if (k.platform == Platform::kWecom) {
        k.operator_id = std::string(kOperatorNames[c % 6]);
        if (c >= 6) k.operator_id += std::to_string(c / 6 + 1);
      } else {
        k.operator_id = AccountId(k.platform, 0xF0000000u + static_cast<uint32_t>(c), o.seed);
      }
      k.weight = 1.0 / std::pow(c + 1.0, 0.7);
      k.pool.assign(kPoolSize, 0);
    }

    // Campaigns: a start with probability 1/21 per day once 7 days have
    // passed since the previous one; the boost decays over 5 days.
    campaign.assign(static_cast<size_t>(D) * C, -1);
    join_expect.assign(static_cast<size_t>(D) * C, 0);
    std::vector<double> boost(static_cast<size_t>(D) * C, 1.0);
    int32_t campaign_no = 0;
    for (int c = 0; c < C; ++c) {
      int32_t last = -100;
      for (int32_t d = 1; d < D; ++d) {
        if (d - last < 7 || !plan.Chance(1.0 / 21)) continue;
        last = d;
        double amp = 3 + 5 * plan.Uniform();
        for (int32_t k = 0; k < 5 && d + k < D; ++k) {
          boost[static_cast<size_t>(d + k) * C + c] = 1 + amp * std::exp(-k / 1.5);
          campaign[static_cast<size_t>(d + k) * C + c] = campaign_no;
        }
        ++campaign_no;
      }
    }
    // Join counts: a seed cohort on day 0, the rest in proportion to
    // community weight x growth trend x weekday x campaign boost, rounded
    // along the running total so the counts add up to exactly `members`.
    double wsum = 0;
    for (int c = 0; c < C; ++c) wsum += communities[c].weight;
    int64_t seed_cohort = std::llround(o.members * kSeedCohortShare);
    if (D == 1) seed_cohort = o.members;
    std::vector<double> w(static_cast<size_t>(D) * C, 0);
    double total = 0;
    for (int32_t d = 1; d < D; ++d) {
      int wd = WeekdayFromDays(o.start_day + d);
      for (int c = 0; c < C; ++c) {
        size_t i = static_cast<size_t>(d) * C + c;
        w[i] = communities[c].weight * (0.7 + 0.6 * d / D) * (wd >= 5 ? 0.8 : 1.0) * boost[i];
        total += w[i];
      }
    }
    join_counts.assign(static_cast<size_t>(D) * C, 0);
    int64_t rest = o.members - seed_cohort;
    double cum = 0;
    int64_t given = 0;
    for (int c = 0; c < C; ++c) {
      cum += communities[c].weight;
      int64_t upto = std::llround(seed_cohort * cum / wsum);
      join_counts[c] = upto - given;
      given = upto;
    }
    cum = 0;
    given = 0;
    for (size_t i = C; i < w.size(); ++i) {
      cum += w[i];
      int64_t upto = total > 0 ? std::llround(rest * cum / total) : 0;
      join_counts[i] = upto - given;
      given = upto;
    }
    if (given < rest) join_counts.back() += rest - given;  // rounding guard
    for (size_t i = 0; i < w.size(); ++i) join_expect[i] = static_cast<double>(join_counts[i]);
    members.reserve(static_cast<size_t>(o.members));
    accounts.reserve(static_cast<size_t>(o.members));
  }

  // ---- one day -----------------------------------------------------------
  void GenerateDay() {
    const int C = o.communities;
    const int32_t d = day;
    const int32_t civil = o.start_day + d;
    const int64_t t0 = o.tz.StartOfLocalDay(civil);
    const int64_t t1 = o.tz.StartOfLocalDay(civil + 1);
    const int weekday = WeekdayFromDays(civil);
    const bool weekend = weekday >= 5;
    auto clamp = [&](int64_t ts) { return std::clamp(ts, t0, t1 - 1); };
    auto at = [&](int64_t ms_in_day) { return clamp(t0 + ms_in_day); };
    actions.clear();

    // Operator schedule: content, activities, surveys.
    for (int c = 0; c < C; ++c) {
      Community& k = communities[c];
      k.contents.clear();
      k.promo_today = false;
      int n = rng.Poisson(weekend ? 0.6 : 1.3);
      for (int i = 0; i < n; ++i) {
        int64_t base = rng.Chance(0.6) ? 10 * kMsPerHour : 20 * kMsPerHour;
        int64_t ts = at(base + static_cast<int64_t>(rng.Normal() * 20 * kMsPerMin));
        double u = rng.Uniform() * mix_cdf[3];
        int cat = 0;
        while (cat < 3 && u >= mix_cdf[cat]) ++cat;
        uint64_t number = ++content_number;
        k.contents.push_back({number, ts, cat});
        if (cat == 1) k.promo_today = true;
        Push(ts, EventType::kContentPublished, c, kOperator, c, number, kNone, cat);
      }
      bool campaign_start = campaign[static_cast<size_t>(d) * C + c] >= 0 &&
                            (d == 0 || campaign[static_cast<size_t>(d - 1) * C + c] !=
                                           campaign[static_cast<size_t>(d) * C + c]);
      if (d > k.activity_until && (campaign_start || rng.Chance(1.0 / 8))) {
        k.activity_until = d + 2;
        k.activity_number = ++activity_number;
      }
      if (d >= 10 && (d - 10 - 3 * c) % 30 == 0) {
        k.survey_until = d + 2;
        ++k.survey_number;
      }
    }

    // Refunds that fall due today.
    for (size_t i = 0; i < refunds.size();) {
      if (refunds[i].day == d) {
        const PendingRefund& r = refunds[i];
        Push(at(TimeOfDayMs()), EventType::kOrderRefunded, r.member, kMember, r.community, r.order_serial,
             kNone, r.amount);
        refunds[i] = refunds.back();
        refunds.pop_back();
      } else {
        ++i;
      }
    }

    // Potential members who visit and sometimes sign up, never joining.
    for (int c = 0; c < C; ++c) {
      int n = rng.Poisson(kVisitsPerJoin * join_expect[static_cast<size_t>(d) * C + c] + 0.5);
      for (int i = 0; i < n; ++i) {
        uint32_t p = prospects++;
        int64_t ts = at(TimeOfDayMs());
        Push(ts, EventType::kVisit, p, kProspect, c);
        if (rng.Chance(0.4))
          Push(clamp(ts + static_cast<int64_t>(rng.Exponential(3 * kMsPerHour))), EventType::kVisit, p,
               kProspect, c);
        if (rng.Chance(kProspectSignup))
          Push(clamp(ts + static_cast<int64_t>(rng.Exponential(10 * kMsPerMin))), EventType::kSignup, p,
               kProspect, c);
      }
    }

    // Joins.
    size_t first_new = members.size();
    std::vector<std::pair<uint32_t, int64_t>> greeters;
    for (int c = 0; c < C; ++c) {
      Community& k = communities[c];
      int64_t n = join_counts[static_cast<size_t>(d) * C + c];
      int32_t camp = campaign[static_cast<size_t>(d) * C + c];
      for (int64_t j = 0; j < n; ++j) Join(c, k, camp, d, t0, t1, greeters);
    }
    // Greetings after all joins, so today's newcomers enter the attachment
    // pool only once every join of the day is placed (an inviter always
    // joined before the invitee).
    for (auto [m, ts] : greeters) {
      Member& mm = members[m];
      Community& k = communities[mm.community];
      uint8_t style = static_cast<uint8_t>(mm.spammer ? TextStyle::kAd : TextStyle::kGreeting);
      uint64_t s = serial + 1;
      Push(ts, EventType::kMessagePosted, m, kMember, mm.community, 0, kNone, kText, style);
      mm.last_msg_serial = s;
      mm.last_msg_ts = ts;
      PoolAdd(k, m);
      if (mm.spammer) AfterAd(m, s, ts, t1);
    }

    // Daily life of everyone who was here before today.
    size_t old_count = present.size();
    for (size_t i = 0; i < old_count; ++i) Live(present[i], d, weekday, t0, t1);

    for (size_t m = first_new; m < members.size(); ++m) present.push_back(static_cast<uint32_t>(m));
    present.erase(std::remove_if(present.begin(), present.end(),
                                 [&](uint32_t m) { return members[m].status == kLeft; }),
                  present.end());

    std::sort(actions.begin(), actions.end(), [](const Action& a, const Action& b) {
      return a.ts != b.ts ? a.ts < b.ts : a.serial < b.serial;
    });
  }

  void Join(int c, Community& k, int32_t camp, int32_t d, int64_t t0, int64_t t1,
            std::vector<std::pair<uint32_t, int64_t>>& greeters) {
    auto clamp = [&](int64_t ts) { return std::clamp(ts, t0, t1 - 1); };
    uint32_t m = static_cast<uint32_t>(members.size());
    Member mm;
    mm.base = static_cast<float>(rng.LogNormal(mu, kPropensitySigma));
    mm.tau = static_cast<float>(rng.LogNormal(std::log(kDecayMedianDays), 0.8));
    mm.checkin_p = rng.Chance(0.3) ? static_cast<float>(0.2 + 0.6 * rng.Uniform()) : 0.f;
    mm.buy_rate = rng.Chance(kBuyerShare)
                      ? static_cast<float>(std::min(0.3, rng.LogNormal(std::log(0.01), 1.0)) *
                                           (0.5 + 0.5 * std::min(3.0, mm.base / mean_base)))
                      : 0.f;
    mm.spammer = rng.Chance(kSpammerShare);
    mm.epoch_day = d;
    mm.community = static_cast<uint16_t>(c);
    members.push_back(mm);
    accounts.push_back(AccountId(k.platform, m, o.seed));

    int64_t ts = clamp(t0 + TimeOfDayMs());
    uint32_t inviter = kNone;
    int32_t channel = kNoChannel;
    uint64_t channel_ref = 0;
    if (!mm.spammer && rng.Chance(camp >= 0 ? kInviteShareCampaign : kInviteShare)) inviter = PoolPick(k, m);
    if (inviter == kNone) {
      if (camp >= 0 && rng.Chance(0.8)) {
        channel = kCampaignQr;
        channel_ref = static_cast<uint64_t>(camp);
      } else if (rng.Chance(0.5)) {
        channel = k.platform == Platform::kWecom || k.platform == Platform::kWechat ? kQrCode : kInviteLink;
        channel_ref = rng.Below(3);
      }
    }
    // The funnel before joining: a visit, sometimes a signup.
    if (rng.Chance(0.6)) {
      int64_t v = ts - 1000 - static_cast<int64_t>(rng.Exponential(2 * kMsPerHour));
      if (v < t0) v = t0 + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(ts - t0) + 1));
      Push(v, EventType::kVisit, m, kMember, static_cast<uint16_t>(c));
      if (rng.Chance(0.35))
        Push(std::min(ts, v + 1 + static_cast<int64_t>(rng.Below(ts - v + 1))), EventType::kSignup, m,
             kMember, static_cast<uint16_t>(c));
    }
    Push(ts, EventType::kMemberJoined, m, kMember, static_cast<uint16_t>(c), channel_ref, inviter, channel);

    // Cross-platform identity: link to a member of a community on another
    // platform, explicitly (identity.linked) or through a shared verified key.
    int32_t profile_bits = 0;
    uint32_t partner = kNone;
    if (o.communities > 1 && !mm.spammer && rng.Chance(kLinkedShare) && !present.empty()) {
      for (int tries = 0; tries < 8 && partner == kNone; ++tries) {
        uint32_t cand = present[rng.Below(present.size())];
        const Member& pm = members[cand];
        if (pm.partner == kNone && pm.status != kLeft && communities[pm.community].platform != k.platform)
          partner = cand;
      }
    }
    if (partner != kNone) {
      members[m].partner = partner;
      members[partner].partner = m;
      if (rng.Chance(0.5)) {
        Push(clamp(ts + 1000 + static_cast<int64_t>(rng.Exponential(kMsPerHour))), EventType::kIdentityLinked,
             m, kMember, static_cast<uint16_t>(c), 0, partner);
      } else {
        profile_bits |= kSharedKey;
        Push(clamp(ts + 1000 + static_cast<int64_t>(rng.Exponential(kMsPerHour))), EventType::kProfileUpdated,
             partner, kMember, members[partner].community, 0, kNone, kSharedKey);
      }
    }
    if (rng.Chance(kProfileShare)) {
      profile_bits |= kBasicAttrs;
      bool wechat_family = k.platform == Platform::kWecom || k.platform == Platform::kWechat;
      if (wechat_family && rng.Chance(0.7)) profile_bits |= kUnionId;
      if (!wechat_family && rng.Chance(0.2)) profile_bits |= kPhoneHash;
    }
    if (profile_bits != 0)
      Push(clamp(ts + 1000 + static_cast<int64_t>(rng.Exponential(30 * kMsPerMin))),
           EventType::kProfileUpdated, m, kMember, static_cast<uint16_t>(c), 0, kNone, profile_bits);
    // The operator welcomes about half of the newcomers by name.
    if (rng.Chance(0.5))
      Push(clamp(ts + 1000 + static_cast<int64_t>(rng.Exponential(10 * kMsPerMin))),
           EventType::kMessagePosted, static_cast<uint32_t>(c), kOperator, static_cast<uint16_t>(c), 0, m,
           kText, static_cast<uint8_t>(TextStyle::kWelcome));
    if (mm.spammer || rng.Chance(0.4))
      greeters.emplace_back(m, clamp(ts + 1000 + static_cast<int64_t>(rng.Exponential(15 * kMsPerMin))));
  }

  // Reports and recalls that follow an ad.
  void AfterAd(uint32_t m, uint64_t msg_serial, int64_t ts, int64_t t1) {
    Member& mm = members[m];
    Community& k = communities[mm.community];
    if (rng.Chance(0.3)) {
      uint32_t reporter = PoolPick(k, m);
      if (reporter != kNone)
        Push(std::min(t1 - 1, ts + 1000 + static_cast<int64_t>(rng.Exponential(20 * kMsPerMin))),
             EventType::kReportFiled, reporter, kMember, mm.community, msg_serial, m);
    }
    if (rng.Chance(0.3))
      Push(std::min(t1 - 1, ts + 1000 + static_cast<int64_t>(rng.Exponential(10 * kMsPerMin))),
           EventType::kMessageRecalled, mm.community, kOperator, mm.community, msg_serial);
  }

  void Live(uint32_t m, int32_t d, int weekday, int64_t t0, int64_t t1) {
    Member& mm = members[m];
    if (mm.status == kLeft) return;
    Community& k = communities[mm.community];
    const uint16_t c = mm.community;
    auto clamp = [&](int64_t ts) { return std::clamp(ts, t0, t1 - 1); };
    const double rel = RelativeRate(mm);

    // Lifecycle: active <-> silent, and leaving.
    if (mm.status == kActive && rng.Chance(kSilentHazard / (1 + 2 * rel))) {
      mm.status = kSilent;
    } else if (mm.status == kSilent && rng.Chance(kResurrectHazard)) {
      mm.status = kActive;
      mm.epoch_day = d;
      mm.base *= 0.7f;
    }
    double leave = mm.spammer             ? 0.4
                   : mm.status == kSilent ? kLeaveHazardSilent
                                          : kLeaveHazardActive + kLeaveHazardLowRate / (1 + rel);
    if (rng.Chance(leave)) {
      int32_t reason = mm.spammer         ? (rng.Chance(0.7) ? 2 : 1)
                       : rng.Chance(0.85) ? 0
                       : rng.Chance(0.8)  ? 1
                                          : 2;
      Push(clamp(t0 + TimeOfDayMs()), EventType::kMemberLeft, m, kMember, c, 0, kNone, reason);
      mm.status = kLeft;
      return;
    }

    const bool active = mm.status == kActive;
    const double age = d - mm.epoch_day;
    const double decay = kDecayFloor + (1 - kDecayFloor) * std::exp(-age / mm.tau);
    double rate = mm.base * decay * kWeekdayFactor[weekday] * (active ? 1.0 : kSilentRate);
    if (mm.spammer) rate = 2.0;

    int n = rng.Poisson(rate);
    for (int i = 0; i < n; ++i) {
      int64_t ts = clamp(t0 + TimeOfDayMs());
      TextStyle style = TextStyle::kChat;
      uint64_t reply_to = 0;
      uint32_t mention = kNone;
      uint32_t target = kNone;
      if (mm.spammer ? rng.Chance(0.7) : rng.Chance(kAdShare)) {
        style = TextStyle::kAd;
      } else if (rng.Chance(kBannedWordShare)) {
        style = TextStyle::kBannedWord;
      } else if (rng.Chance(kReplyShare)) {
        target = PoolPick(k, m);
        if (target != kNone && members[target].last_msg_serial != 0) {
          int64_t after =
              members[target].last_msg_ts + 1000 + static_cast<int64_t>(rng.Exponential(6 * kMsPerMin));
          if (after < t1) {
            ts = std::max(ts, after);
            reply_to = members[target].last_msg_serial;
            style = TextStyle::kAnswer;
          }
        }
      } else if (rng.Chance(kQuestionShare)) {
        style = TextStyle::kQuestion;
      }
      if (rng.Chance(kMentionShare)) mention = PoolPick(k, m);
      int32_t kind = kText;
      if (style == TextStyle::kChat) {
        double u = rng.Uniform();
        kind = u < 0.08 ? kImage : u < 0.10 ? kFile : kText;
      }
      uint64_t s = serial + 1;
      Push(ts, EventType::kMessagePosted, m, kMember, c, reply_to, mention, kind,
           static_cast<uint8_t>(style));
      if (ts >= mm.last_msg_ts) {
        mm.last_msg_ts = ts;
        mm.last_msg_serial = s;
      }
      PoolAdd(k, m);
      if (reply_to != 0) PoolAdd(k, target);
      if (style == TextStyle::kAd || (style == TextStyle::kBannedWord && rng.Chance(0.3))) {
        AfterAd(m, s, ts, t1);
      } else if (kind == kText && rng.Chance(kEditShare)) {
        Push(clamp(ts + 5000 + static_cast<int64_t>(rng.Exponential(2 * kMsPerMin))),
             EventType::kMessageEdited, m, kMember, c, s, kNone, kind, static_cast<uint8_t>(style));
      } else if (rng.Chance(kRecallShare)) {
        Push(clamp(ts + 5000 + static_cast<int64_t>(rng.Below(105'000))), EventType::kMessageRecalled, m,
             kMember, c, s);
      }
    }
    if (mm.spammer) return;

    int reactions = rng.Poisson(rate * kReactionsPerMessage);
    for (int i = 0; i < reactions; ++i) {
      uint32_t t = PoolPick(k, m);
      if (t == kNone || members[t].last_msg_serial == 0) continue;
      int64_t ts =
          std::max(clamp(t0 + TimeOfDayMs()),
                   members[t].last_msg_ts + 1000 + static_cast<int64_t>(rng.Exponential(10 * kMsPerMin)));
      if (ts >= t1) continue;
      Push(ts, EventType::kReactionAdded, m, kMember, c, members[t].last_msg_serial, t,
           static_cast<int32_t>(rng.Below(std::size(kEmoji))));
    }

    if (active && mm.checkin_p > 0 && rng.Chance(mm.checkin_p * (0.4 + 0.6 * decay)))
      Push(clamp(t0 + 6 * kMsPerHour + 30 * kMsPerMin + static_cast<int64_t>(rng.Below(3 * kMsPerHour))),
           EventType::kCheckin, m, kMember, c);

    const double engaged = std::min(2.0, rel * decay);
    for (const ContentToday& ct : k.contents) {
      double p_view = std::min(0.9, 0.08 + 0.35 * engaged) * (active ? 1.0 : 0.15);
      if (!rng.Chance(p_view)) continue;
      int64_t ts = ct.ts + 1000 + static_cast<int64_t>(rng.Exponential(90 * kMsPerMin));
      if (ts >= t1) continue;
      Push(ts, EventType::kContentViewed, m, kMember, c, ct.number);
      if (rng.Chance(kClickRate[ct.category] * (0.5 + 0.5 * std::min(1.0, rel))))
        Push(std::min(t1 - 1, ts + 1000 + static_cast<int64_t>(rng.Exponential(kMsPerMin))),
             EventType::kContentClicked, m, kMember, c, ct.number);
    }

    if (active && d <= k.activity_until && mm.last_activity != k.activity_number &&
        rng.Chance(0.06 + 0.1 * engaged)) {
      mm.last_activity = k.activity_number;
      Push(clamp(t0 + TimeOfDayMs()), EventType::kActivityJoined, m, kMember, c, k.activity_number);
    }

    if (mm.buy_rate > 0) {
      int orders = rng.Poisson(mm.buy_rate * (k.promo_today ? 1.6 : 1.0) * (active ? 1.0 : 0.3));
      for (int i = 0; i < orders; ++i) {
        // Heavy-tailed amounts around a median of 89 (yuan or dollars),
        // priced to end in .9 like a shop would.
        double yuan = std::min(20000.0, rng.LogNormal(std::log(89.0), 0.9));
        int32_t amount = static_cast<int32_t>(std::max<int64_t>(1, std::llround(yuan)) * 100 - 10);
        uint64_t s = serial + 1;
        Push(clamp(t0 + TimeOfDayMs()), EventType::kOrderPaid, m, kMember, c, s, kNone, amount);
        if (rng.Chance(kRefundShare)) {
          int32_t due = d + 1 + static_cast<int32_t>(rng.Below(7));
          if (due < o.days) refunds.push_back({due, m, c, s, amount});
        }
      }
    }

    if (d <= k.survey_until && mm.last_survey != k.survey_number &&
        rng.Chance(active ? 0.1 + 0.15 * engaged : 0.02)) {
      mm.last_survey = k.survey_number;
      // Engaged members promote, disengaged ones detract.
      double promoter = 0.2 + 0.3 * std::min(1.0, engaged);
      double detractor = 0.35 - 0.2 * std::min(1.0, engaged);
      double u = rng.Uniform();
      int nps = u < promoter ? 9 + static_cast<int>(rng.Below(2))
                : u < 1 - detractor
                    ? 7 + static_cast<int>(rng.Below(2))
                    : static_cast<int>(std::min<uint64_t>(6, 2 + rng.Below(3) + rng.Below(3)));
      // Promoters and detractors sometimes say why; passives stay silent.
      uint8_t style = 0;
      if ((nps >= 9 || nps <= 6) && rng.Chance(0.3))
        style = static_cast<uint8_t>(nps >= 9 ? TextStyle::kPraise : TextStyle::kComplaint) + 1;
      Push(clamp(t0 + TimeOfDayMs()), EventType::kSurveyAnswered, m, kMember, c, k.survey_number, kNone, nps,
           style);
    }
  }

  // ---- rendering ---------------------------------------------------------
  void AppendMessageId(std::string& out, Platform p, uint64_t s) const {
    switch (p) {
      case Platform::kTelegram:
        AppendUint(out, s);
        break;
      case Platform::kDiscord:
        AppendUint(out, (static_cast<uint64_t>(run_start_ms - kDiscordEpochMs) << 22) + s);
        break;
      case Platform::kSlack: {
        uint64_t micros = static_cast<uint64_t>(run_start_ms / 1000) * 1'000'000 + s;
        AppendUint(out, micros / 1'000'000);
        out.push_back('.');
        std::string frac = std::to_string(micros % 1'000'000);
        out.append(6 - frac.size(), '0');
        out += frac;
        break;
      }
      default:
        AppendUint(out, s);
        out.push_back('_');
        AppendUint(out, static_cast<uint64_t>(run_start_ms));
        out += "_external";
        break;
    }
  }

  Lang LangFor(const Community& k, Rng& r) const {
    if (k.lang == 2) return r.Chance(0.5) ? Lang::kZh : Lang::kEn;
    return k.lang == 0 ? Lang::kZh : Lang::kEn;
  }

  // The text of message `s` in style `style`: a function of (seed, s) only,
  // so an edit can re-create the original.
  void AppendText(std::string& out, const Community& k, TextStyle style, Rng& r) const {
    Lang lang = LangFor(k, r);
    AppendMessageText(out, lang, style, r, o.corpus);
  }

  std::string ProspectAccount(const Community& k, uint32_t p) const {
    return AccountId(k.platform, static_cast<uint32_t>(o.members) + p, o.seed);
  }

  void Render(const Action& a) {
    Event& e = ev;
    ResetEvent(e);
    const Community& k = communities[a.community];
    const EventType type = static_cast<EventType>(a.type);
    const uint8_t kind = a.aux & 3;
    const uint8_t style = static_cast<uint8_t>(a.aux >> 2);
    e.id = id_prefix;
    AppendUint(e.id, a.serial);
    e.type = type;
    e.ts_ms = a.ts;
    e.platform = k.platform;
    e.community = k.id;
    if (kind == kMember)
      e.actor = accounts[a.actor];
    else if (kind == kOperator)
      e.actor = k.operator_id;
    else
      e.actor = ProspectAccount(k, a.actor);
    Rng r(MixSeed(o.seed, a.serial));
    switch (type) {
      case EventType::kMemberJoined:
        if (a.other != kNone) e.inviter = accounts[a.other];
        if (a.value == kCampaignQr)
          e.channel = fmt::format("qr_campaign_{}", a.ref + 1);
        else if (a.value == kQrCode)
          e.channel = fmt::format("qr_{}_{}", a.community + 1, a.ref + 1);
        else if (a.value == kInviteLink)
          e.channel = fmt::format("link_{}_{}", a.community + 1, a.ref + 1);
        break;
      case EventType::kMemberLeft:
        e.reason = a.value == 0 ? "left" : a.value == 1 ? "removed" : "banned";
        break;
      case EventType::kMessagePosted:
        AppendMessageId(e.message_id, k.platform, a.serial);
        e.kind = a.value == kImage ? "image" : a.value == kFile ? "file" : "text";
        if (a.ref != 0) {
          AppendMessageId(e.reply_to, k.platform, a.ref);
          if (k.platform == Platform::kSlack || k.platform == Platform::kDiscord) e.thread = e.reply_to;
        }
        if (a.other != kNone) e.mentions.push_back(accounts[a.other]);
        if (a.value == kText) AppendText(e.text, k, static_cast<TextStyle>(style), r);
        break;
      case EventType::kMessageEdited: {
        AppendMessageId(e.message_id, k.platform, a.ref);
        Rng orig(MixSeed(o.seed, a.ref));
        AppendText(e.text, k, static_cast<TextStyle>(style), orig);
        AppendEditSuffix(e.text, LangFor(k, r), r);
        break;
      }
      case EventType::kMessageRecalled:
        AppendMessageId(e.message_id, k.platform, a.ref);
        break;
      case EventType::kReactionAdded:
        AppendMessageId(e.message_id, k.platform, a.ref);
        e.emoji = k.platform == Platform::kSlack ? kSlackEmoji[a.value] : kEmoji[a.value];
        break;
      case EventType::kContentPublished:
      case EventType::kContentViewed:
      case EventType::kContentClicked:
        e.content_id = "ct_";
        AppendUint(e.content_id, a.ref);
        if (type == EventType::kContentPublished) {
          ContentCategory cat = static_cast<ContentCategory>(a.value);
          e.category = ContentCategoryName(cat);
          AppendContentTitle(e.title, LangFor(k, r), cat, r);
        }
        break;
      case EventType::kActivityJoined:
        e.activity_id = "act_";
        AppendUint(e.activity_id, a.ref);
        break;
      case EventType::kOrderPaid:
      case EventType::kOrderRefunded: {
        e.order_id = "ORD";
        std::string n = std::to_string(a.ref);
        if (n.size() < 12) e.order_id.append(12 - n.size(), '0');
        e.order_id += n;
        bool cny = k.lang == 0;
        e.amount_minor = cny ? a.value : std::max<int64_t>(99, a.value / 700 * 100 - 1);
        e.currency = cny ? "CNY" : "USD";
        break;
      }
      case EventType::kSurveyAnswered:
        e.nps = a.value;
        if (style != 0) AppendText(e.text, k, static_cast<TextStyle>(style - 1), r);
        break;
      case EventType::kReportFiled:
        if (a.ref != 0) AppendMessageId(e.target_message, k.platform, a.ref);
        if (a.other != kNone) e.target_member = accounts[a.other];
        break;
      case EventType::kIdentityLinked:
        e.linked_platform = communities[members[a.other].community].platform;
        e.linked_actor = accounts[a.other];
        break;
      case EventType::kProfileUpdated:
        RenderProfile(e, k, a.actor, a.value);
        break;
      default:
        break;
    }
  }

  void RenderProfile(Event& e, const Community& k, uint32_t m, int32_t bits) {
    const bool zh = k.lang == 0;
    const bool wechat_family = k.platform == Platform::kWecom || k.platform == Platform::kWechat;
    Rng attrs(MixSeed(o.seed ^ 0xA77, m));  // stable per member
    if (bits & kBasicAttrs) {
      e.attributes.emplace_back("region", zh ? kZhRegions[attrs.Below(10)] : kEnRegions[attrs.Below(10)]);
      e.attributes.emplace_back("gender", kGenders[attrs.Below(std::size(kGenders))]);
      e.attributes.emplace_back("age_band", kAgeBands[attrs.Below(std::size(kAgeBands))]);
    }
    // Verified keys. A shared key (a linked pair that never sent
    // identity.linked) belongs to the pair's person, the lower member index:
    // a unionid when both accounts are in the WeChat family, else a phone
    // hash. A member's own keys belong to the member.
    uint32_t partner = members[m].partner;
    const bool shared = (bits & kSharedKey) && partner != kNone;
    const Platform pp = shared ? communities[members[partner].community].platform : Platform::kCustom;
    const bool shared_unionid =
        shared && wechat_family && (pp == Platform::kWecom || pp == Platform::kWechat);
    const uint64_t pair_person = shared ? std::min(m, partner) : m;
    if ((bits & kUnionId) || shared_unionid) {
      uint64_t person = shared_unionid ? pair_person : m;
      scratch = "o";
      AppendBase(scratch, MixSeed(o.seed ^ 0x0417, person), 11, kBase62);
      AppendBase(scratch, MixSeed(o.seed ^ 0x0418, person), 11, kBase62);
      AppendBase(scratch, MixSeed(o.seed ^ 0x0419, person), 5, kBase62);
      e.attributes.emplace_back("unionid", scratch);
    }
    if ((bits & kPhoneHash) || (shared && !shared_unionid)) {
      uint64_t person = shared && !shared_unionid ? pair_person : m;
      scratch.clear();
      AppendHexKey(scratch, o.seed, person, 4);
      e.attributes.emplace_back("phone_hash", scratch);
    }
  }
};

Generator::Generator(std::unique_ptr<State> state) : s_(std::move(state)) {}
Generator::~Generator() = default;

Result<std::unique_ptr<Generator>> Generator::Create(const GenOptions& options) {
  QUN_RETURN_IF_ERROR(ValidateGenOptions(options));
  auto state = std::make_unique<State>(options);
  state->Plan();
  return std::unique_ptr<Generator>(new Generator(std::move(state)));
}

bool Generator::NextDay(const std::function<void(const Event&)>& sink) {
  State& s = *s_;
  if (s.day >= s.o.days) return false;
  s.GenerateDay();
  for (const Action& a : s.actions) {
    s.Render(a);
    sink(s.ev);
  }
  ++s.day;
  return true;
}

int32_t Generator::days_done() const { return s_->day; }
int32_t Generator::days_total() const { return s_->o.days; }
int64_t Generator::members_joined() const { return static_cast<int64_t>(s_->members.size()); }
int64_t Generator::prospects() const { return s_->prospects; }

}  // namespace qun::gen
