// qun token create|list|revoke: API tokens for `qun serve`
// (docs/api/README.md#authentication). Works while the server runs.
#include <chrono>
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "common/time.h"
#include "server/auth.h"
#include "store/sqlite/token_store.h"

namespace qun::cli {
namespace {

struct TokenFlags {
  std::string data_dir;
  std::string role;
  std::string name;
  std::string which;
  bool json = false;
};

Status RunCreate(const TokenFlags& f) {
  QUN_ASSIGN_OR_RETURN(server::Role role, server::ParseRole(f.role));
  QUN_ASSIGN_OR_RETURN(auto store, TokenStore::Open(f.data_dir, true));
  QUN_ASSIGN_OR_RETURN(std::string token, server::CreateToken(*store, f.name, role));
  // stdout carries the token and nothing else, so `T=$(qun token create …)` works.
  std::printf("%s\n", token.c_str());
  std::fprintf(stderr, "created %s token '%s'; it is shown only once — store it now\n", f.role.c_str(),
               f.name.c_str());
  return Status::Ok();
}

Status RunList(const TokenFlags& f) {
  QUN_ASSIGN_OR_RETURN(auto store, TokenStore::Open(f.data_dir, false));
  QUN_ASSIGN_OR_RETURN(auto list, store->List());
  if (f.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& t : list)
      arr.push_back({{"id", t.id},
                     {"name", t.name},
                     {"role", t.role},
                     {"created", FormatRfc3339(t.created_ms)},
                     {"revoked", t.revoked_ms ? nlohmann::json(FormatRfc3339(*t.revoked_ms)) : nlohmann::json()}});
    std::printf("%s\n", nlohmann::json{{"tokens", arr}}.dump().c_str());
    return Status::Ok();
  }
  std::printf("%-5s %-24s %-9s %-26s %s\n", "ID", "NAME", "ROLE", "CREATED", "STATUS");
  for (const auto& t : list)
    std::printf("%-5lld %-24s %-9s %-26s %s\n", static_cast<long long>(t.id), t.name.c_str(), t.role.c_str(),
                FormatRfc3339(t.created_ms).c_str(),
                t.revoked_ms ? ("revoked " + FormatRfc3339(*t.revoked_ms)).c_str() : "live");
  return Status::Ok();
}

Status RunRevoke(const TokenFlags& f) {
  QUN_ASSIGN_OR_RETURN(auto store, TokenStore::Open(f.data_dir, false));
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                 .count();
  QUN_ASSIGN_OR_RETURN(int n, store->Revoke(f.which, now));
  std::printf("revoked %d token%s\n", n, n == 1 ? "" : "s");
  return Status::Ok();
}

void Setup(CLI::App& root) {
  static TokenFlags flags;  // CLI11 binds to it for the process lifetime
  auto* f = &flags;
  auto* tok = root.add_subcommand("token", "Create, list and revoke API tokens for 'qun serve'");
  tok->require_subcommand(1);
  tok->footer(
      "Roles, lowest to highest: viewer (dashboards, metrics), analyst (+ member data),\n"
      "operator (+ ingest, merges), admin (+ token administration). Only a SHA-256 hash of\n"
      "each token is stored. Revocation takes effect on the next request, also while\n"
      "'qun serve' is running. Routes and roles: docs/api/README.md.");

  auto* create = tok->add_subcommand("create", "Create a token; prints it once on stdout");
  AddDataDirOption(create, &f->data_dir);
  create->add_option("--role", f->role, "admin | operator | analyst | viewer")->required();
  create->add_option("--name", f->name, "A label, unique among live tokens (e.g. 'ci-ingest')")->required();
  SetRun(create, [f] { return RunCreate(*f); });

  auto* list = tok->add_subcommand("list", "List tokens (never their secret part)");
  AddDataDirOption(list, &f->data_dir);
  list->add_flag("--json", f->json, "Print one JSON object");
  SetRun(list, [f] { return RunList(*f); });

  auto* revoke = tok->add_subcommand("revoke", "Revoke a token by id or name");
  AddDataDirOption(revoke, &f->data_dir);
  revoke->add_option("token", f->which, "Token id (as 'qun token list' shows) or name")->required();
  SetRun(revoke, [f] { return RunRevoke(*f); });
}

}  // namespace
}  // namespace qun::cli

QUN_REGISTER_COMMAND(token, 90, qun::cli::Setup);
