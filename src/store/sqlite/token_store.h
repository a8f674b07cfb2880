// TokenStore: the API tokens table of the main store (schema v2, see
// docs/api/README.md#tokens). Only SHA-256 hashes of tokens are stored; the
// token text is shown once, at creation, by the caller that generated it.
//
// A TokenStore owns its own SQLite connection to `<data-dir>/qun.db`, so it
// works beside a running `qun serve` (WAL: readers and one writer at a time;
// the writer lock file is not needed for tokens). Opening migrates the store
// forward like any writable open.
//
// Thread-safety: one TokenStore per thread, or guard it with a mutex.
#ifndef QUN_STORE_SQLITE_TOKEN_STORE_H_
#define QUN_STORE_SQLITE_TOKEN_STORE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "qun/status.h"

namespace qun {

class SqliteStore;

using TokenHash = std::array<uint8_t, 32>;

struct TokenRecord {
  int64_t id = 0;
  std::string name;
  std::string role;  // admin | operator | analyst | viewer
  TokenHash hash{};
  int64_t created_ms = 0;
  std::optional<int64_t> revoked_ms;
};

class TokenStore {
 public:
  // Opens the store of `data_dir` (creating the directory and store when
  // `create`). NotFound when absent and !create; errors as SqliteStore::Open.
  static Result<std::unique_ptr<TokenStore>> Open(const std::string& data_dir, bool create);
  ~TokenStore();

  // Inserts a live token. AlreadyExists when a live token has this name;
  // InvalidArgument for an empty or over-long name or an unknown role.
  Result<TokenRecord> Insert(const std::string& name, const std::string& role, const TokenHash& hash,
                             int64_t now_ms);
  // Every token, live and revoked, oldest first.
  Result<std::vector<TokenRecord>> List();
  // Live tokens only (what authentication compares against).
  Result<std::vector<TokenRecord>> ListLive();
  // Revokes the live token with this id (all digits) or name. Returns how
  // many were revoked; NotFound when none matched.
  Result<int> Revoke(const std::string& id_or_name, int64_t now_ms);
  // Changes whenever any connection commits to the database (PRAGMA
  // data_version): a cheap "did anything change" check for caches.
  Result<int64_t> DataVersion();

 private:
  TokenStore() = default;
  std::unique_ptr<SqliteStore> store_;
};

}  // namespace qun

#endif  // QUN_STORE_SQLITE_TOKEN_STORE_H_
