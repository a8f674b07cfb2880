#include "store/member_queries.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "core/engine/lookup.h"
#include "core/members/segment_filter.h"
#include "store/workspace.h"

namespace qun {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool ContainsFolded(std::string_view hay, std::string_view needle) {
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
  if (hay.size() < needle.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && lower(hay[i + k]) == lower(needle[k])) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

// What a tag write needs: the member given by id or platform:account, its
// account keys (manual tags are keyed by account) and members.db open for
// writing. Checks every tag name first, so a bad one writes nothing. Takes
// the read lock while it resolves the member.
struct TagWrite {
  uint32_t member = kNone;
  std::vector<std::string> keys;
  std::unique_ptr<MembersDb> db;
};

Result<TagWrite> PrepareTagWrite(const Workspace& ws, std::string_view who,
                                 const std::vector<std::string>& tags) {
  for (const auto& t : tags) QUN_RETURN_IF_ERROR(CheckTagName(t));
  TagWrite w;
  {
    auto lock = ws.ReadLock();
    const Engine& e = ws.engine();
    QUN_ASSIGN_OR_RETURN(w.member, ResolveMember(e, who));
    for (uint32_t a : e.members()[w.member].accounts) w.keys.push_back(AccountKey(e, a));
  }
  if (w.keys.empty()) return FailedPrecondition("member " + std::string(who) + " has no accounts");
  QUN_ASSIGN_OR_RETURN(w.db, MembersDb::Open(ws.data_dir(), /*read_only=*/false));
  return w;
}

}  // namespace

Result<std::shared_ptr<const CachedMemberTable>> LoadMemberIntel(const Workspace& ws, const ScopeText& scope,
                                                                 ParamStyle style, MemberTableCache* cache) {
  const Engine& e = ws.engine();
  QUN_ASSIGN_OR_RETURN(auto db, MembersDb::Open(ws.data_dir(), /*read_only=*/true));
  QUN_ASSIGN_OR_RETURN(auto tags, db->Tags());
  // Resolving is cheap next to building, but scans the events for the default
  // day: a cache hit skips it by keying on the scope as written.
  auto build = [&](CachedMemberTable& t) -> Status {
    QUN_ASSIGN_OR_RETURN(ResolvedScope rs, ResolveScope(e, scope, style, DefaultDay::kLastEventAnywhere));
    t.community = rs.community;
    t.tz = rs.tz;
    t.day = rs.day;
    LedgerScope ls{.tz = t.tz, .community = t.community, .until_day = t.day};
    auto ledger = LedgerFor(e, ls);
    t.table = BuildMemberTable(e, *ledger, t.day);  // the table keeps no reference to the ledger
    t.basis = BasisOf(e, *ledger, t.table);
    ApplyManualTags(e, t.table, tags);
    return Status::Ok();
  };
  // The previous table of the same scope and tags, brought up to date
  // (member_table_patch.h); manual tags are re-applied (idempotent).
  auto patch = [&](CachedMemberTable& t) -> Result<bool> {
    QUN_ASSIGN_OR_RETURN(ResolvedScope rs, ResolveScope(e, scope, style, DefaultDay::kLastEventAnywhere));
    if (rs.community != t.community || rs.tz.name() != t.tz.name()) return false;
    LedgerScope ls{.tz = t.tz, .community = t.community, .until_day = rs.day};
    if (!PatchMemberTable(e, *LedgerFor(e, ls), rs.day, t.table, t.basis)) return false;
    t.day = rs.day;
    ApplyManualTags(e, t.table, tags);
    return true;
  };
  if (!cache) {
    auto t = std::make_shared<CachedMemberTable>();
    QUN_RETURN_IF_ERROR(build(*t));
    return std::shared_ptr<const CachedMemberTable>(std::move(t));
  }
  uint64_t tags_hash = tags.size();
  for (const auto& [k, t] : tags) tags_hash = tags_hash * 1000003u ^ std::hash<std::string>()(k + '\x1f' + t);
  std::string lineage = fmt::format("members|tz={}|community={}|tags={}", scope.tz, scope.community, tags_hash);
  return cache->Get(e, lineage + "|as_of=" + scope.as_of, lineage, build, patch);
}

Result<std::vector<SegmentFilter>> BuildMemberFilters(const Workspace& ws, const MemberFilterSpec& spec,
                                                      ParamStyle style) {
  std::vector<SegmentFilter> out;
  auto any_of = [&](const std::vector<std::string>& vals, std::string_view field, bool tag) -> Status {
    if (vals.empty()) return Status::Ok();
    std::string text;
    for (std::string val : vals) {
      if (!text.empty()) text += " or ";
      std::string op = "=";
      if (field == "level" && !val.empty() && val.back() == '+') {
        op = ">=";
        val.pop_back();
      }
      std::string quoted = val.find('"') != std::string::npos ? "'" + val + "'" : "\"" + val + "\"";
      text += tag ? "tag:" + quoted : std::string(field) + op + (field == "level" ? val : quoted);
    }
    auto r = SegmentFilter::Parse(text);
    if (!r.ok()) return InvalidArgument(FieldLabel(style, field) + ": " + r.status().message());
    out.push_back(*r);
    return Status::Ok();
  };
  QUN_RETURN_IF_ERROR(any_of(spec.stages, "stage", false));
  QUN_RETURN_IF_ERROR(any_of(spec.levels, "level", false));
  QUN_RETURN_IF_ERROR(any_of(spec.rfm, "rfm", false));
  QUN_RETURN_IF_ERROR(any_of(spec.tags, "tag", true));
  if (!spec.segment.empty()) {
    QUN_ASSIGN_OR_RETURN(auto db, MembersDb::Open(ws.data_dir(), /*read_only=*/true));
    QUN_ASSIGN_OR_RETURN(SavedSegment seg, db->Segment(spec.segment));
    auto r = SegmentFilter::Parse(seg.filter);
    if (!r.ok()) return InvalidArgument("segment '" + seg.name + "': " + r.status().message());
    out.push_back(*r);
  }
  if (!spec.where.empty()) {
    auto r = SegmentFilter::Parse(spec.where);
    if (!r.ok()) return InvalidArgument(FieldLabel(style, "where") + ": " + r.status().message());
    out.push_back(*r);
  }
  return out;
}

Result<MemberListPage> ListMembers(const Workspace& ws, const MemberListQuery& q, ParamStyle style,
                                   MemberTableCache* cache) {
  if (q.sort != "events" && q.sort != "last_seen" && q.sort != "contribution" && q.sort != "id")
    return InvalidArgument(fmt::format("{} '{}': expected events, last_seen, contribution or id",
                                       FieldLabel(style, "sort"), q.sort));
  const Engine& e = ws.engine();
  MemberListPage page;
  QUN_ASSIGN_OR_RETURN(page.intel, LoadMemberIntel(ws, q.scope, style, cache));
  QUN_ASSIGN_OR_RETURN(auto filters, BuildMemberFilters(ws, q.filters, style));
  const CachedMemberTable& intel = *page.intel;
  const MemberTable& table = intel.table;
  const std::vector<uint32_t>& prof = intel.ProfileIndex(e);
  std::vector<MemberActivity> rows = intel.Activity(e);
  auto drop = [&](const MemberActivity& r) {
    if (e.members()[r.id].merged_into != kNone || (intel.community != kNone && r.events == 0)) return true;
    if (!q.search.empty()) {
      bool hit = std::to_string(r.id) == q.search || ContainsFolded(MemberDisplayName(e, r.id), q.search);
      for (uint32_t a : e.members()[r.id].accounts) hit = hit || ContainsFolded(AccountKey(e, a), q.search);
      if (!hit) return true;
    }
    if (filters.empty()) return false;
    if (prof[r.id] == kNone) return true;
    FilterSubject subj = SubjectFor(e, table, prof[r.id]);
    for (const auto& f : filters)
      if (!f.Matches(subj)) return true;
    return false;
  };
  rows.erase(std::remove_if(rows.begin(), rows.end(), drop), rows.end());
  auto contribution = [&](const MemberActivity& r) {
    return prof[r.id] == kNone ? -1.0 : table.profiles[prof[r.id]].contribution;
  };
  using Row = MemberActivity;
  if (q.sort == "contribution")
    std::stable_sort(rows.begin(), rows.end(),
                     [&](const Row& a, const Row& b) { return contribution(a) > contribution(b); });
  else if (q.sort == "events")
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Row& a, const Row& b) { return a.events > b.events; });
  else if (q.sort == "last_seen")
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.last > b.last; });
  page.total = rows.size();
  size_t begin = static_cast<size_t>(std::min<uint64_t>(q.offset, rows.size()));
  size_t end =
      static_cast<size_t>(std::min<uint64_t>(rows.size(), begin + std::min<uint64_t>(q.limit, rows.size())));
  page.rows.assign(rows.begin() + begin, rows.begin() + end);
  for (const Row& r : page.rows) page.profiles.push_back(prof[r.id]);
  return page;
}

nlohmann::json MemberListJson(const Engine& engine, const MemberListPage& page) {
  nlohmann::json items = nlohmann::json::array();
  for (size_t i = 0; i < page.rows.size(); ++i)
    items.push_back(MemberListItemJson(engine, page.rows[i], page.intel->table, page.profiles[i]));
  return nlohmann::json{
      {"total", page.total}, {"as_of", FormatDate(page.intel->day)}, {"members", std::move(items)}};
}

Result<nlohmann::json> SegmentListJson(const Workspace& ws, const ScopeText& scope, ParamStyle style,
                                       MemberTableCache* cache) {
  const Engine& e = ws.engine();
  QUN_ASSIGN_OR_RETURN(auto db, MembersDb::Open(ws.data_dir(), /*read_only=*/true));
  QUN_ASSIGN_OR_RETURN(auto segs, db->Segments());
  QUN_ASSIGN_OR_RETURN(auto intel, LoadMemberIntel(ws, scope, style, cache));
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& s : segs) {
    nlohmann::json item = {{"name", s.name}, {"filter", s.filter}, {"created", FormatRfc3339(s.created_ms)}};
    auto flt = SegmentFilter::Parse(s.filter);
    if (flt.ok()) {
      uint32_t n = 0;
      for (size_t i = 0; i < intel->table.profiles.size(); ++i)
        if (flt->Matches(SubjectFor(e, intel->table, i))) ++n;
      item["members"] = n;
    } else {
      item["members"] = nullptr;
      item["error"] = flt.status().message();
    }
    arr.push_back(std::move(item));
  }
  return nlohmann::json{{"as_of", FormatDate(intel->day)}, {"segments", std::move(arr)}};
}

Result<SavedSegment> SaveMemberSegment(const Workspace& ws, const std::string& name,
                                       const std::string& filter, SegmentWrite mode, ParamStyle style) {
  if (mode == SegmentWrite::kUpdate) {
    QUN_ASSIGN_OR_RETURN(auto db, MembersDb::Open(ws.data_dir(), /*read_only=*/true));
    QUN_RETURN_IF_ERROR(db->Segment(name).status());
  }
  auto parsed = SegmentFilter::Parse(filter);
  if (!parsed.ok()) {
    // The CLI takes the filter as a positional argument: the message is the
    // parser's, which says where in the text and what is wrong.
    if (style == ParamStyle::kCliFlag) return parsed.status();
    return InvalidArgument("body field 'filter': " + parsed.status().message());
  }
  if (name.empty() || name.size() > 64 || FindInvalidUtf8(name))
    return InvalidArgument("segment name: 1 to 64 bytes of UTF-8");
  QUN_ASSIGN_OR_RETURN(auto db, MembersDb::Open(ws.data_dir(), /*read_only=*/false));
  SavedSegment seg{name, parsed->ToString(), NowMs()};
  QUN_RETURN_IF_ERROR(db->SaveSegment(seg, mode != SegmentWrite::kCreate));
  return seg;
}

Status DeleteMemberSegment(const Workspace& ws, const std::string& name) {
  QUN_ASSIGN_OR_RETURN(auto db, MembersDb::Open(ws.data_dir(), /*read_only=*/false));
  return db->DeleteSegment(name);
}

Status CheckTagName(std::string_view tag) {
  std::string t(tag);
  if (t.empty() || t.size() > 64) return InvalidArgument("tag '" + t + "': 1 to 64 bytes");
  if (FindInvalidUtf8(t)) return InvalidArgument("tag: invalid UTF-8");
  for (unsigned char c : t)
    if (c < 0x20 || c == '"' || c == '\'')
      return InvalidArgument("tag '" + t + "': no quotes or control characters");
  return Status::Ok();
}

Result<TagChange> AddMemberTags(const Workspace& ws, std::string_view who,
                                const std::vector<std::string>& tags) {
  QUN_ASSIGN_OR_RETURN(TagWrite w, PrepareTagWrite(ws, who, tags));
  TagChange out{.member = w.member};
  for (const auto& t : tags) {
    QUN_RETURN_IF_ERROR(w.db->AddTag(w.keys.front(), t, NowMs()));
    ++out.changed;
  }
  return out;
}

Result<TagChange> RemoveMemberTags(const Workspace& ws, std::string_view who,
                                   const std::vector<std::string>& tags) {
  QUN_ASSIGN_OR_RETURN(TagWrite w, PrepareTagWrite(ws, who, tags));
  TagChange out{.member = w.member};
  for (const auto& t : tags) {
    QUN_ASSIGN_OR_RETURN(int n, w.db->RemoveTag(w.keys, t));
    out.changed += n;
  }
  return out;
}

}  // namespace qun
