#include "core/engine/scope.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/engine/lookup.h"

namespace qun {

std::string FieldLabel(ParamStyle style, std::string_view field) {
  if (style == ParamStyle::kApi) return fmt::format("parameter '{}'", field);
  std::string flag = "--" + std::string(field);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

Result<ResolvedScope> ResolveScope(const Engine& engine, const ScopeText& text, ParamStyle style,
                                   DefaultDay default_day) {
  ResolvedScope s;
  if (!text.tz.empty()) {
    auto tz = TimeZone::Load(text.tz);
    if (!tz.ok()) return InvalidArgument(FieldLabel(style, "tz") + ": " + tz.status().message());
    s.tz = *tz;
  }
  if (!text.community.empty()) {
    QUN_ASSIGN_OR_RETURN(s.community, ResolveCommunity(engine, text.community));
  }
  const uint32_t only = default_day == DefaultDay::kLastEventInScope ? s.community : kNone;
  const EventColumns& c = engine.events();
  uint32_t last = 0;
  // A full scan: decoded a chunk at a time (the columns are bit-packed).
  constexpr size_t kChunk = 2048;
  uint32_t ts[kChunk];
  uint16_t com[kChunk];
  for (size_t first = 0; first < c.size(); first += kChunk) {
    const size_t n = std::min(kChunk, c.size() - first);
    c.ts.DecodeRange(first, first + n, ts);
    if (only == kNone) {
      for (size_t k = 0; k < n; ++k) last = std::max(last, ts[k]);
      s.empty = false;
      continue;
    }
    c.community.DecodeRange(first, first + n, com);
    for (size_t k = 0; k < n; ++k) {
      if (com[k] != only) continue;
      last = std::max(last, ts[k]);
      s.empty = false;
    }
  }
  s.last_day = s.empty ? 0 : s.tz.LocalDay(FromEngineSeconds(last));
  if (!text.as_of.empty()) {
    auto d = ParseDate(text.as_of);
    if (!d.ok()) return InvalidArgument(FieldLabel(style, "as_of") + ": " + d.status().message());
    s.day = *d;
  } else {
    s.day = s.last_day;
  }
  return s;
}

}  // namespace qun
