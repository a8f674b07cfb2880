// The engine's memory breakdown as JSON, shared by `qun stats --json` and
// GET /v1/stats (docs/metrics.md#memory).
//
// Stateless; call under the workspace's read lock.
#ifndef QUN_CORE_ENGINE_MEMORY_JSON_H_
#define QUN_CORE_ENGINE_MEMORY_JSON_H_

#include <nlohmann/json_fwd.hpp>

namespace qun {

class Engine;

// {"<part>": {"bytes": N, "bytes_per_event": X}, ...} for every part of
// Engine::MemoryBreakdown() (detail parts included; bytes_per_event is 0 when
// the engine holds no events).
nlohmann::json MemoryBreakdownJson(const Engine& engine);

}  // namespace qun

#endif  // QUN_CORE_ENGINE_MEMORY_JSON_H_
