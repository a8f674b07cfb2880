// Member-intelligence queries, shared by `qun members …` (src/cli/members.cc)
// and the /v1/members, /v1/tags and /v1/segments routes
// (src/server/routes/intel_routes.cc): the member table of a scope (profiles
// as of the evaluation day with manual tags from members.db applied), the
// filters of a member list, the filtered, sorted and paged member list,
// saved segments and manual tags. Both surfaces parse their own flags or
// parameters into the structs below and print or send what comes back, so
// the CLI's --json and the API answer the same documents (docs/members.md §9).
//
// Errors name the field as the caller's surface does (ParamStyle): "--as-of"
// for the CLI, "parameter 'as_of'" / "body field 'filter'" for the API.
//
// Ownership: a member table (CachedMemberTable) is immutable once loaded and
// shared (shared_ptr) between the cache and any number of readers.
// Thread-safety: functions taking a `const Workspace&` without saying
// otherwise must be called with the workspace read lock held; the tag and
// segment writers take what they need themselves and must be called without
// it. MemberTableCache and CachedMemberTable's lazy parts are safe to share
// between threads.
#ifndef QUN_STORE_MEMBER_QUERIES_H_
#define QUN_STORE_MEMBER_QUERIES_H_

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/time.h"
#include "core/engine/scope.h"
#include "core/members/activity_ledger.h"
#include "core/members/member_table_cache.h"
#include "core/members/members_json.h"
#include "core/members/profile.h"
#include "qun/status.h"
#include "store/sqlite/members_db.h"

namespace qun {

class SegmentFilter;
class Workspace;

// The member table of `scope` (ResolveScope with DefaultDay::kLastEventAnywhere:
// the default day is the local day of the workspace's last event), from
// `cache` when given (keyed by the engine's content, the scope text and the
// manual tags).
// InvalidArgument for a bad zone or date, NotFound for an unknown community,
// DataLoss / FailedPrecondition from members.db.
Result<std::shared_ptr<const CachedMemberTable>> LoadMemberIntel(const Workspace& ws, const ScopeText& scope,
                                                                 ParamStyle style,
                                                                 MemberTableCache* cache = nullptr);

// Member-list filters: one per non-empty field, ANDed; the values of one
// field are ORed. `levels` take "L3" or "L3+" (L3 or higher); `segment` names
// a saved segment; `where` is filter text (docs/members.md §8).
struct MemberFilterSpec {
  std::vector<std::string> stages, levels, rfm, tags;
  std::string segment;
  std::string where;
};

// InvalidArgument naming the field for a value that does not parse, NotFound
// for an unknown segment, InvalidArgument for a stored segment that no
// longer parses.
Result<std::vector<SegmentFilter>> BuildMemberFilters(const Workspace& ws, const MemberFilterSpec& spec,
                                                      ParamStyle style);

// One page of the member list.
struct MemberListQuery {
  ScopeText scope;
  MemberFilterSpec filters;
  std::string search;           // "" or: id equal, or name / account containing it (ASCII case-folded)
  std::string sort = "events";  // events | last_seen | contribution | id (stable, descending)
  uint64_t limit = 50;
  uint64_t offset = 0;
};

struct MemberListPage {
  std::shared_ptr<const CachedMemberTable> intel;
  size_t total = 0;                  // members matching, before paging
  std::vector<MemberActivity> rows;  // the page
  std::vector<uint32_t> profiles;    // per row: profile index in intel->table, or kNone
};

// InvalidArgument for an unknown sort key (checked first), then as
// LoadMemberIntel and BuildMemberFilters. Merged-away members are never
// listed; with a community, only members with events in it.
Result<MemberListPage> ListMembers(const Workspace& ws, const MemberListQuery& q, ParamStyle style,
                                   MemberTableCache* cache = nullptr);
// {"total", "as_of", "members": [MemberListItemJson…]}.
nlohmann::json MemberListJson(const Engine& engine, const MemberListPage& page);

// {"as_of", "segments": [{name, filter, created, members} …]}: every saved
// segment with its member count in `scope`'s table (members null and an
// "error" when a stored filter no longer parses).
Result<nlohmann::json> SegmentListJson(const Workspace& ws, const ScopeText& scope, ParamStyle style,
                                       MemberTableCache* cache = nullptr);

enum class SegmentWrite {
  kCreate,   // AlreadyExists when the name is taken
  kReplace,  // create or overwrite
  kUpdate,   // overwrite; NotFound when absent
};
// Saves `filter` (stored in canonical form) under `name` (1 to 64 bytes of
// UTF-8). InvalidArgument for a filter that does not parse or a bad name.
// Without the read lock.
Result<SavedSegment> SaveMemberSegment(const Workspace& ws, const std::string& name,
                                       const std::string& filter, SegmentWrite mode, ParamStyle style);
// NotFound when absent. Without the read lock.
Status DeleteMemberSegment(const Workspace& ws, const std::string& name);

// InvalidArgument unless `tag` is 1 to 64 bytes of UTF-8 without quotes or
// control characters (so it can be written in a filter as tag:"…").
Status CheckTagName(std::string_view tag);

struct TagChange {
  uint32_t member = kNone;  // who, after following merges
  int changed = 0;          // tags added (counting ones already there), or removed
};
// Adds manual tags to the member given by id or platform:account (kept on
// its first account). All names are checked before anything is written.
// InvalidArgument for a bad name, NotFound for an unknown member,
// FailedPrecondition for a member without accounts. Without the read lock.
Result<TagChange> AddMemberTags(const Workspace& ws, std::string_view who,
                                const std::vector<std::string>& tags);
// Removes the tags from every account of the member. Errors as AddMemberTags.
Result<TagChange> RemoveMemberTags(const Workspace& ws, std::string_view who,
                                   const std::vector<std::string>& tags);

}  // namespace qun

#endif  // QUN_STORE_MEMBER_QUERIES_H_
