#include "core/engine/lookup.h"

#include <charconv>

#include <fmt/format.h>

namespace qun {

Result<uint32_t> ResolveCommunity(const Engine& engine, std::string_view text) {
  size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    if (auto p = ParsePlatform(text.substr(0, colon))) {
      uint32_t c = engine.FindCommunity(*p, text.substr(colon + 1));
      if (c == kNone) return NotFound(fmt::format("no community '{}'", text));
      return c;
    }
  }
  uint32_t found = kNone;
  std::string where;
  for (int p = 0; p < kPlatformCount; ++p) {
    uint32_t c = engine.FindCommunity(static_cast<Platform>(p), text);
    if (c == kNone) continue;
    if (found != kNone)
      return InvalidArgument(fmt::format("community '{}' exists on {} and {}; write platform:{}", text, where,
                                         PlatformName(static_cast<Platform>(p)), text));
    found = c;
    where = PlatformName(static_cast<Platform>(p));
  }
  if (found == kNone) return NotFound(fmt::format("no community '{}'", text));
  return found;
}

Result<uint32_t> ResolveMember(const Engine& engine, std::string_view text) {
  uint32_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec == std::errc() && end == text.data() + text.size()) {
    if (id >= engine.members().size()) return NotFound(fmt::format("no member {}", id));
    while (engine.members()[id].merged_into != kNone) id = engine.members()[id].merged_into;
    return id;
  }
  size_t colon = text.find(':');
  if (colon == std::string_view::npos)
    return InvalidArgument(fmt::format("'{}': expected a member id or platform:account", text));
  auto p = ParsePlatform(text.substr(0, colon));
  if (!p) return InvalidArgument(fmt::format("'{}': unknown platform '{}'", text, text.substr(0, colon)));
  uint32_t a = engine.FindAccount(*p, text.substr(colon + 1));
  if (a == kNone) return NotFound(fmt::format("no account '{}'", text));
  return engine.member_of(a);
}

}  // namespace qun
