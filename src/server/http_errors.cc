#include "server/http_errors.h"

#include <cctype>

namespace qun::server {

int HttpStatusFor(const Status& s, std::string_view limit) {
  switch (s.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kResourceExhausted: return limit == "request_bytes" ? 413 : 429;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kDataLoss:
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

std::string ErrorBody(const Status& s, const nlohmann::json& details) {
  std::string code(StatusCodeName(s.code()));
  for (char& c : code) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  nlohmann::json j = {{"error", {{"code", code}, {"message", s.message()}, {"details", details}}}};
  return j.dump();
}

}  // namespace qun::server
