#include "connectors/connector.h"

#include <fstream>

#include <fmt/format.h>

namespace qun {

std::string SourceLocation::ToString() const {
  std::string s = file;
  if (!member.empty()) s += "[" + member + "]";
  if (line > 0) s += fmt::format(":{}", line);
  else if (offset > 0) s += fmt::format("@{}", offset);
  return s;
}

namespace {
// Owned registrations plus a view of them for callers.
std::vector<std::unique_ptr<Connector>>& Owned() {
  static std::vector<std::unique_ptr<Connector>> r;
  return r;
}
std::vector<const Connector*>& Registry() {
  static std::vector<const Connector*> r;
  return r;
}
}  // namespace

bool RegisterConnector(std::unique_ptr<Connector> c) {
  Registry().push_back(c.get());
  Owned().push_back(std::move(c));
  return true;
}

const std::vector<const Connector*>& Connectors() { return Registry(); }

const Connector* FindConnector(std::string_view name) {
  for (const Connector* c : Registry())
    if (c->name() == name) return c;
  return nullptr;
}

Result<const Connector*> DetectConnector(const std::string& path) {
  std::string head;
  if (path != "-") {
    std::ifstream in(path, std::ios::binary);
    if (!in) return NotFound(fmt::format("{}: cannot open", path));
    head.resize(64 << 10);
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
  }
  const Connector* best = nullptr;
  int best_score = 0;
  std::string tried;
  for (const Connector* c : Registry()) {
    int s = c->Detect(path, head);
    if (s > best_score) { best = c; best_score = s; }
    if (!tried.empty()) tried += ", ";
    tried += c->name();
  }
  if (!best) return NotFound(fmt::format("{}: format not recognized (tried {}); pass --format", path, tried));
  return best;
}

}  // namespace qun
