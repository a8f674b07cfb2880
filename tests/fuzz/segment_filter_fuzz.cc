// Fuzz target: the segment filter language (docs/members.md §8). Any input
// must parse or fail with a Status, and a parsed filter's canonical text
// must parse again to the same canonical text and evaluate without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/members/segment_filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto f = qun::SegmentFilter::Parse(text);
  if (!f.ok()) return 0;
  std::string canon = f->ToString();
  auto g = qun::SegmentFilter::Parse(canon);
  if (!g.ok() || g->ToString() != canon) std::abort();
  qun::MemberProfile p;
  p.tags = {"vip"};
  qun::AttributeStore attrs;
  attrs.Set(0, "region", "x");
  qun::FilterSubject s;
  s.profile = &p;
  s.day = 100;
  s.attributes = attrs.Of(0);
  (void)f->Matches(s);
  return 0;
}
