// The segment filter language: a small boolean language over member
// profiles, used by saved segments, rule tags and `qun members list --where`
// (grammar, fields and examples: docs/members.md §8).
//
//   stage=active and level>=L4 and tag:vip
//   (rfm=at_risk or stage=churn-risk) and gmv>100 and not tag:"do not contact"
//   attr.region = "上海" and days_since_active <= 7
//
// Parsing untrusted text never crashes: errors name the byte offset and what
// was expected. A parsed SegmentFilter is immutable and may be shared.
#ifndef QUN_CORE_MEMBERS_SEGMENT_FILTER_H_
#define QUN_CORE_MEMBERS_SEGMENT_FILTER_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/engine/identity_tables.h"
#include "core/members/profile.h"
#include "qun/status.h"

namespace qun {

// What a filter looks at for one person.
struct FilterSubject {
  const MemberProfile* profile = nullptr;
  int32_t day = kNoDay;  // evaluation day (for days_since_*)
  AttributeList attributes;  // sorted by name
  std::vector<std::string_view> platforms;  // platforms of the person's accounts
};

class SegmentFilter {
 public:
  // Parses `text` (at most 4096 bytes, nesting at most 32 deep). An empty or
  // blank text matches everyone. InvalidArgument with the offset on error.
  static Result<SegmentFilter> Parse(std::string_view text);

  bool Matches(const FilterSubject& s) const;
  // The canonical text (normalized spacing, explicit parentheses).
  std::string ToString() const;

  struct Node;

 private:
  std::shared_ptr<const std::vector<Node>> nodes_;  // empty = match all; root is the last node
};

}  // namespace qun

#endif  // QUN_CORE_MEMBERS_SEGMENT_FILTER_H_
