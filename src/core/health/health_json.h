// The JSON face of the health score, shared by `qun health --json`, the
// report and the server's /v1/health (shape: docs/health.md §4).
// Thread-safety: pure.
#ifndef QUN_CORE_HEALTH_HEALTH_JSON_H_
#define QUN_CORE_HEALTH_HEALTH_JSON_H_

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "core/health/health.h"

namespace qun {

// {"score","grade","maturity","as_of","indicators":[{id,name,score,max,value,
// value_text,weak,no_data,suggestion}],"inputs":{…}}. `lang` "zh" or "en".
nlohmann::ordered_json HealthJson(const HealthScore& s, std::string_view lang);

// The whole /v1/health answer from string parameters, as the server and CLI
// receive them: community ("id" or "platform:id"), as_of (YYYY-MM-DD,
// default: the last event day), tz (default UTC), lang (zh|en, default en).
// InvalidArgument names the bad parameter; NotFound for an unknown
// community; FailedPrecondition when the scope has no events.
using HealthParams = std::map<std::string, std::string, std::less<>>;
Result<nlohmann::ordered_json> HealthQueryJson(const Engine& engine, const HealthParams& params);

}  // namespace qun

#endif  // QUN_CORE_HEALTH_HEALTH_JSON_H_
