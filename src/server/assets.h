// Files compiled into the binary: the dashboard (web/dist, built by Vite) and
// the OpenAPI document (docs/api/openapi.json). Generated at build time by
// cmake/QunEmbed.cmake; when the dashboard could not be built (no
// web/node_modules) WebAssets() is empty and the server says so at "/".
// Thread-safety: immutable data.
#ifndef QUN_SERVER_ASSETS_H_
#define QUN_SERVER_ASSETS_H_

#include <span>
#include <string_view>

namespace qun::server {

struct EmbeddedFile {
  std::string_view path;  // "/index.html", "/assets/index-abc123.js"
  std::string_view data;
};

std::span<const EmbeddedFile> WebAssets();
std::string_view OpenApiJson();

// "text/html; charset=utf-8" etc. by file extension.
std::string_view ContentTypeFor(std::string_view path);

}  // namespace qun::server

#endif  // QUN_SERVER_ASSETS_H_
