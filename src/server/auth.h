// API tokens and roles (docs/api/README.md#authentication).
//
// A token is "qun_" + 43 base64url characters (256 random bits from
// libsodium). Only its SHA-256 is stored (TokenStore). Authenticator checks a
// presented token by hashing it and comparing the hash with every live
// token's hash in constant time (sodium_memcmp, no early exit), so neither
// timing nor the error says whether a token exists.
//
// Roles are ordered: viewer < analyst < operator < admin; a route names its
// minimum role.
//
// Thread-safety: Authenticator is safe for concurrent use (internal mutex);
// the free functions are pure (GenerateToken uses the thread-safe CSPRNG).
#ifndef QUN_SERVER_AUTH_H_
#define QUN_SERVER_AUTH_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "qun/status.h"
#include "store/sqlite/token_store.h"

namespace qun::server {

// kPublic marks routes that need no token; no token ever has it.
enum class Role { kPublic = 0, kViewer = 1, kAnalyst = 2, kOperator = 3, kAdmin = 4 };

std::string_view RoleName(Role r);
// "admin" | "operator" | "analyst" | "viewer"; InvalidArgument otherwise.
Result<Role> ParseRole(std::string_view s);

// A fresh random token (never stored; show it once).
std::string GenerateToken();
TokenHash HashToken(std::string_view token);

// Creates a token of `role` named `name` in `store`; returns its text.
Result<std::string> CreateToken(TokenStore& store, const std::string& name, Role role);

struct Principal {
  int64_t token_id = 0;
  std::string name;  // the token's name (safe to log)
  Role role = Role::kViewer;
};

class Authenticator {
 public:
  explicit Authenticator(std::unique_ptr<TokenStore> store) : store_(std::move(store)) {}

  // The principal of a bearer token, or Unauthenticated with one fixed
  // message whatever the reason (unknown, revoked, malformed).
  Result<Principal> Authenticate(std::string_view token);

  // Token administration through the same connection (used by the admin
  // routes); each invalidates the cached list so the change applies at once.
  Result<std::pair<TokenRecord, std::string>> Create(const std::string& name, Role role);
  Result<std::vector<TokenRecord>> List();
  Result<int> Revoke(const std::string& id_or_name);

 private:
  Status RefreshLocked();
  std::mutex mu_;
  std::unique_ptr<TokenStore> store_;
  std::vector<TokenRecord> live_;
  std::optional<int64_t> version_;
};

}  // namespace qun::server

#endif  // QUN_SERVER_AUTH_H_
