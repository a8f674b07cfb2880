#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "golden.h"

namespace qun::golden {
namespace {

std::map<std::string, Handler>& Handlers() {
  static std::map<std::string, Handler> h;
  return h;
}

std::string TrimTrailingBlank(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

}  // namespace

bool RegisterHandler(const char* feature, Handler h) {
  Handlers()[feature] = h;
  return true;
}

std::string SharedDataDir() {
  const char* src = std::getenv("QUN_SOURCE_DIR");
  std::filesystem::path p = std::filesystem::path(src ? src : ".") / ".." / "shared" / "data";
  if (std::filesystem::is_directory(p)) return std::filesystem::canonical(p).string();
  return "";
}

}  // namespace qun::golden

int main(int argc, char** argv) {
  using namespace qun::golden;
  if (argc < 2) {
    std::fprintf(stderr, "usage: golden_runner FILE.test [--rewrite]\n");
    return 2;
  }
  std::filesystem::path file = argv[1];
  bool rewrite = argc > 2 && std::string(argv[2]) == "--rewrite";
  std::string feature = file.parent_path().filename().string();
  auto it = Handlers().find(feature);
  if (it == Handlers().end()) {
    std::fprintf(stderr, "no golden handler registered for feature '%s'\n", feature.c_str());
    return 2;
  }
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);

  struct Parsed {
    Case c;
    std::string expected;
  };
  std::vector<Parsed> cases;
  std::string preamble;
  int state = 0;  // 0 preamble, 1 input, 2 expected
  for (const auto& l : lines) {
    if (l.rfind("=== ", 0) == 0) {
      Parsed p;
      std::string head = l.substr(4);
      size_t bar = head.find('|');
      p.c.name = Trim(head.substr(0, bar));
      if (bar != std::string::npos) p.c.args = Trim(head.substr(bar + 1));
      cases.push_back(std::move(p));
      state = 1;
    } else if (state == 0) {
      preamble += l + "\n";
    } else if (state == 1 && l == "----") {
      state = 2;
    } else if (state == 1) {
      cases.back().c.input += l + "\n";
    } else {
      cases.back().expected += l + "\n";
    }
  }
  if (cases.empty()) {
    std::fprintf(stderr, "%s: no cases (expected lines starting with '=== ')\n", file.c_str());
    return 2;
  }
  int failed = 0, passed = 0, skipped = 0;
  std::ostringstream rewritten;
  rewritten << preamble;
  for (auto& p : cases) {
    std::string actual = TrimTrailingBlank(it->second(p.c));
    rewritten << "=== " << p.c.name << (p.c.args.empty() ? "" : " | " + p.c.args) << "\n"
              << p.c.input << "----\n" << actual << "\n\n";
    if (actual == "SKIP") {
      ++skipped;
      std::printf("SKIP %s\n", p.c.name.c_str());
      continue;
    }
    if (actual == TrimTrailingBlank(p.expected)) {
      ++passed;
    } else {
      ++failed;
      std::printf("FAIL %s\n--- expected\n%s\n--- actual\n%s\n", p.c.name.c_str(),
                  TrimTrailingBlank(p.expected).c_str(), actual.c_str());
    }
  }
  if (rewrite) {
    std::string out = rewritten.str();
    while (out.size() > 1 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
    std::ofstream(file) << out;
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed == 0 || rewrite ? 0 : 1;
}
