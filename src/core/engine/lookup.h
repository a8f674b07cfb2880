// Resolving the names people type (a community id, "platform:id", a member
// number or an account) to engine ids. Shared by the CLI and the server.
// Thread-safety: read-only on the engine (callers hold the read lock).
#ifndef QUN_CORE_ENGINE_LOOKUP_H_
#define QUN_CORE_ENGINE_LOOKUP_H_

#include <string_view>

#include "core/engine/engine.h"

namespace qun {

// "g1" (the platform's community id, unique across platforms) or
// "wecom:g1". NotFound, or InvalidArgument when "g1" exists on two
// platforms (the message lists them).
Result<uint32_t> ResolveCommunity(const Engine& engine, std::string_view text);

// "42" (a member id, as `qun members list` shows) or "telegram:user123"
// (an account, resolved to its current member). A merged-away member id
// resolves to the member it was merged into.
Result<uint32_t> ResolveMember(const Engine& engine, std::string_view text);

}  // namespace qun

#endif  // QUN_CORE_ENGINE_LOOKUP_H_
