// The one mapping from qun::Status to HTTP, and the error body every API
// error uses: {"error":{"code","message","details"}} (docs/api/README.md#errors).
// Thread-safety: pure functions.
#ifndef QUN_SERVER_HTTP_ERRORS_H_
#define QUN_SERVER_HTTP_ERRORS_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "qun/status.h"

namespace qun::server {

// 400 invalid argument, 401 unauthenticated, 403 permission denied,
// 404 not found, 409 already exists / failed precondition, 413/429 resource
// exhausted, 503 unavailable, 500 internal / data loss. ResourceExhausted is
// 413 when `limit` is "request_bytes" (a size limit), else 429 (a rate limit).
int HttpStatusFor(const Status& s, std::string_view limit = {});

// The error document. `code` is the lower-case status code name
// ("invalid_argument", …); details is an object (may be empty).
std::string ErrorBody(const Status& s, const nlohmann::json& details = nlohmann::json::object());

}  // namespace qun::server

#endif  // QUN_SERVER_HTTP_ERRORS_H_
