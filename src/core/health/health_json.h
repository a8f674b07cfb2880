// The JSON face of the health score, shared by `qun health --json`, the
// report and the server's /v1/health (shape: docs/health.md §4).
// Thread-safety: pure.
#ifndef QUN_CORE_HEALTH_HEALTH_JSON_H_
#define QUN_CORE_HEALTH_HEALTH_JSON_H_

#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "core/health/health.h"

namespace qun {

// {"score","grade","maturity","as_of","indicators":[{id,name,score,max,value,
// value_text,weak,no_data,suggestion}],"inputs":{…}}. `lang` "zh" or "en".
nlohmann::ordered_json HealthJson(const HealthScore& s, std::string_view lang);

}  // namespace qun

#endif  // QUN_CORE_HEALTH_HEALTH_JSON_H_
