#include "server/auth.h"

#include <openssl/sha.h>
#include <sodium.h>

#include <chrono>

namespace qun::server {
namespace {

constexpr std::string_view kTokenPrefix = "qun_";
constexpr size_t kTokenRandomBytes = 32;  // 256 bits
constexpr std::string_view kBadToken = "missing, malformed, unknown or revoked bearer token";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kPublic: return "public";
    case Role::kViewer: return "viewer";
    case Role::kAnalyst: return "analyst";
    case Role::kOperator: return "operator";
    case Role::kAdmin: return "admin";
  }
  return "viewer";
}

Result<Role> ParseRole(std::string_view s) {
  if (s == "viewer") return Role::kViewer;
  if (s == "analyst") return Role::kAnalyst;
  if (s == "operator") return Role::kOperator;
  if (s == "admin") return Role::kAdmin;
  return InvalidArgument("role '" + std::string(s) + "': expected admin, operator, analyst or viewer");
}

std::string GenerateToken() {
  if (sodium_init() < 0) std::abort();  // no CSPRNG: refuse to make guessable tokens
  unsigned char raw[kTokenRandomBytes];
  randombytes_buf(raw, sizeof raw);
  char b64[sodium_base64_ENCODED_LEN(kTokenRandomBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(raw, sizeof raw);
  return std::string(kTokenPrefix) + b64;
}

TokenHash HashToken(std::string_view token) {
  TokenHash h;
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), h.data());
  return h;
}

Result<std::string> CreateToken(TokenStore& store, const std::string& name, Role role) {
  std::string token = GenerateToken();
  QUN_RETURN_IF_ERROR(store.Insert(name, std::string(RoleName(role)), HashToken(token), NowMs()).status());
  return token;
}

Status Authenticator::RefreshLocked() {
  QUN_ASSIGN_OR_RETURN(int64_t v, store_->DataVersion());
  if (version_ && *version_ == v) return Status::Ok();
  QUN_ASSIGN_OR_RETURN(live_, store_->ListLive());
  version_ = v;
  return Status::Ok();
}

Result<Principal> Authenticator::Authenticate(std::string_view token) {
  TokenHash h = HashToken(token);
  std::lock_guard<std::mutex> lock(mu_);
  // A store hiccup must not lock everyone out: keep the last good list.
  (void)RefreshLocked();
  const TokenRecord* found = nullptr;
  for (const TokenRecord& r : live_) {
    bool eq = sodium_memcmp(r.hash.data(), h.data(), h.size()) == 0;
    if (eq) found = &r;  // keep scanning: the time does not depend on the position
  }
  if (!found || token.substr(0, kTokenPrefix.size()) != kTokenPrefix) return Unauthenticated(std::string(kBadToken));
  auto role = ParseRole(found->role);
  if (!role.ok()) return Unauthenticated(std::string(kBadToken));
  return Principal{found->id, found->name, *role};
}

Result<std::pair<TokenRecord, std::string>> Authenticator::Create(const std::string& name, Role role) {
  std::lock_guard<std::mutex> lock(mu_);
  version_.reset();
  std::string token = GenerateToken();
  QUN_ASSIGN_OR_RETURN(TokenRecord r, store_->Insert(name, std::string(RoleName(role)), HashToken(token), NowMs()));
  return std::make_pair(std::move(r), std::move(token));
}

Result<std::vector<TokenRecord>> Authenticator::List() {
  std::lock_guard<std::mutex> lock(mu_);
  return store_->List();
}

Result<int> Authenticator::Revoke(const std::string& id_or_name) {
  std::lock_guard<std::mutex> lock(mu_);
  version_.reset();
  return store_->Revoke(id_or_name, NowMs());
}

}  // namespace qun::server
