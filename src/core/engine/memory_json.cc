#include "core/engine/memory_json.h"

#include <nlohmann/json.hpp>

#include "core/engine/engine.h"

namespace qun {

nlohmann::json MemoryBreakdownJson(const Engine& engine) {
  const double n = static_cast<double>(engine.events().size());
  nlohmann::json j = nlohmann::json::object();
  for (const MemoryPart& p : engine.MemoryBreakdown())
    j[p.name] = {{"bytes", p.bytes}, {"bytes_per_event", n > 0 ? static_cast<double>(p.bytes) / n : 0.0}};
  return j;
}

}  // namespace qun
