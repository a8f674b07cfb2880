// The deterministic synthetic community generator behind `qun gen`
// (docs/gen.md describes the model, every distribution and parameter).
//
// A Generator simulates several communities on a mix of platforms day by
// day: members join (with campaign spikes and invite trees), post, reply
// with preferential attachment, react, check in, read and click operator
// content, join activities, buy, answer NPS surveys, report spam, link
// identities, go silent and leave; potential members visit and sign up
// without joining. Each call to NextDay produces one local day's events in
// time order, so a whole run streams in memory that grows with the number of
// members (O(members) state) and with one day's events, never with the total.
//
// Determinism: all randomness comes from the seeded Rng (rng.h) and all time
// from GenOptions; the same options give the same events, byte for byte.
//
// Thread-safety: a Generator is single-threaded; Options are plain values.
#ifndef QUN_CORE_GEN_GENERATOR_H_
#define QUN_CORE_GEN_GENERATOR_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/time.h"
#include "core/gen/corpus.h"
#include "qun/event.h"
#include "qun/status.h"

namespace qun::gen {

struct GenOptions {
  uint64_t seed = 1;
  // Members who join over the run, across all communities (potential members
  // who only visit come on top).
  int64_t members = 1000;
  int32_t days = 30;
  int communities = 3;
  // First local day, days since 1970-01-01 (2026-01-01 by default).
  int32_t start_day = 20454;
  TimeZone tz = TimeZone::Utc();
  // Mean daily message rate of a newly joined member; every other kind of
  // member activity scales with a member's message rate.
  double messages_per_member_day = 1.0;
  // Operator content categories value:promo:interaction:brand.
  std::array<double, 4> content_mix = {4, 3, 2, 1};
  // Optional real texts for Chinese messages (not owned; must outlive the
  // Generator).
  const Corpus* corpus = nullptr;
};

// Limits checked by Validate (docs/gen.md).
constexpr int64_t kMaxGenMembers = 50'000'000;
constexpr int32_t kMaxGenDays = 3660;
constexpr int kMaxGenCommunities = 1000;

// Returns InvalidArgument naming the first option out of range.
Status ValidateGenOptions(const GenOptions& o);

// The platform of community `index` (0-based) in a run: a fixed rotation
// wecom, telegram, discord, wecom, slack, wechat, …
Platform CommunityPlatform(int index);

class Generator {
 public:
  // Returns InvalidArgument for options that ValidateGenOptions rejects.
  static Result<std::unique_ptr<Generator>> Create(const GenOptions& options);
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // Generates the next day and calls `sink` once per event, in ascending
  // (ts, id-serial) order; the Event reference is valid only during the
  // call. Returns false (calling nothing) once all days are done.
  bool NextDay(const std::function<void(const Event&)>& sink);

  // Days generated so far, and the total.
  int32_t days_done() const;
  int32_t days_total() const;
  // Members joined so far, and potential members (visitors) created so far.
  int64_t members_joined() const;
  int64_t prospects() const;

 private:
  struct State;
  explicit Generator(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

}  // namespace qun::gen

#endif  // QUN_CORE_GEN_GENERATOR_H_
