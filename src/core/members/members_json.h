// The JSON face of member intelligence, shared by `qun members … --json` and
// the server's /v1/members so both print the same documents (shapes:
// docs/members.md §9).
// Thread-safety: pure functions; call under the workspace read lock.
#ifndef QUN_CORE_MEMBERS_MEMBERS_JSON_H_
#define QUN_CORE_MEMBERS_MEMBERS_JSON_H_

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/engine/engine.h"
#include "core/members/profile.h"

namespace qun {

// One member profile (profile `index` of `table`). With `history`, adds the
// weekly level history.
nlohmann::ordered_json MemberJson(const Engine& engine, const MemberTable& table, size_t index, bool history);
// Population summary: stage counts, pyramid with level shares and the
// transition over the 7 days ending table.day, 80/20 view, RFM tiers.
nlohmann::ordered_json MembersOverviewJson(const MemberTable& table);
// FilterSubject for profile `index` (attributes and platforms from engine).
struct FilterSubject;
FilterSubject SubjectFor(const Engine& engine, const MemberTable& table, size_t index);
// Profile index of a member given as a number ("42") or an account
// ("platform:ext_id"), following merges; NotFound otherwise.
Result<size_t> FindProfile(const Engine& engine, const MemberTable& table, std::string_view who);

// One member's activity in a scope: events, first and last event time
// (engine seconds; first = UINT32_MAX and last = 0 when events == 0).
struct MemberActivity {
  uint32_t id = 0;
  uint64_t events = 0;
  uint32_t first = UINT32_MAX, last = 0;
};
// Activity of every member id (index = id) in `community` (kNone = all),
// counting each event for the person its account belongs to now.
std::vector<MemberActivity> ScanMemberActivity(const Engine& engine, uint32_t community);
// The first non-empty display name of the member's accounts, or "".
std::string MemberDisplayName(const Engine& engine, uint32_t member);
// One entry of the member list (docs/members.md §9): id, name, accounts,
// events, first_seen, last_seen and, when `profile_index` is not kNone, the
// profile's stage, level, level_name, rfm, contribution, tags, active_days and
// last_active. Keys sorted (nlohmann::json).
nlohmann::json MemberListItemJson(const Engine& engine, const MemberActivity& row, const MemberTable& table,
                                  uint32_t profile_index);
// The same value with keys sorted, without a round trip through text.
nlohmann::json ToSortedJson(const nlohmann::ordered_json& v);

}  // namespace qun

#endif  // QUN_CORE_MEMBERS_MEMBERS_JSON_H_
