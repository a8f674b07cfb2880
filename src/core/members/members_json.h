// The JSON face of member intelligence, shared by `qun members … --json` and
// the server's /v1/members so both print the same documents (shapes:
// docs/members.md §9).
// Thread-safety: call under the workspace read lock.
#ifndef QUN_CORE_MEMBERS_MEMBERS_JSON_H_
#define QUN_CORE_MEMBERS_MEMBERS_JSON_H_

#include <nlohmann/json_fwd.hpp>

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

}  // namespace qun

#endif  // QUN_CORE_MEMBERS_MEMBERS_JSON_H_
