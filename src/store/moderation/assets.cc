#include "store/moderation/assets.h"

#include <opencc/opencc.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/moderation/engine.h"

namespace qun::store {
namespace fs = std::filesystem;
using moderation::CharMapping;

namespace {

Result<std::string> ReadWholeFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return NotFound(p.string() + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return DataLoss(p.string() + ": read error");
  return ss.str();
}

Status LoadOneFile(const fs::path& p, bool allow, std::vector<moderation::LexiconEntry>* out) {
  QUN_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(p));
  return moderation::ParseLexicon(text, p.stem().string(), p.string(), allow, out);
}

}  // namespace

Status LoadLexiconPath(const std::string& path, bool allow, std::vector<moderation::LexiconEntry>* out) {
  std::error_code ec;
  fs::path p(path);
  if (fs::is_directory(p, ec)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(p, ec))
      if (e.is_regular_file() && e.path().extension() == ".txt") files.push_back(e.path());
    if (ec) return Unavailable(path + ": cannot list: " + ec.message());
    std::sort(files.begin(), files.end());
    if (files.empty()) return NotFound(path + ": no *.txt lexicon files in this folder");
    for (const auto& f : files) QUN_RETURN_IF_ERROR(LoadOneFile(f, allow, out));
    return Status::Ok();
  }
  if (!fs::exists(p, ec)) return NotFound(path + ": no such lexicon file or folder");
  return LoadOneFile(p, allow, out);
}

Result<moderation::Policy> LoadPolicyFile(const std::string& path) {
  QUN_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  auto p = moderation::ParsePolicy(text);
  if (!p.ok()) return p.status().WithContext(path);
  return p;
}

Result<CharMapping> LoadT2sMapping(const std::string& config) {
  opencc_t od = opencc_open(config.c_str());
  if (od == reinterpret_cast<opencc_t>(-1)) {
    return Unavailable("OpenCC: cannot open '" + config + "' (is Debian's opencc installed?): " +
                       opencc_error());
  }
  CharMapping m;
  std::string in;
  auto convert_range = [&](char32_t lo, char32_t hi) {
    for (char32_t cp = lo; cp <= hi; ++cp) {
      in.clear();
      moderation::AppendUtf8(in, cp);
      char* o = opencc_convert_utf8(od, in.data(), in.size());
      if (o == nullptr) continue;
      std::string_view out(o);
      size_t i = 0;
      if (!out.empty() && out != in) {
        int32_t to = moderation::DecodeUtf8(out, &i);
        if (to >= 0 && i == out.size()) m.emplace_back(cp, static_cast<char32_t>(to));
      }
      opencc_convert_utf8_free(o);
    }
  };
  convert_range(0x3400, 0x4DBF);  // CJK extension A
  convert_range(0x4E00, 0x9FFF);  // CJK unified ideographs
  convert_range(0xF900, 0xFAFF);  // CJK compatibility ideographs
  opencc_close(od);
  return m;
}

Result<std::shared_ptr<const moderation::Ruleset>> LoadRuleset(const std::string& policy_path,
                                                               const std::vector<std::string>& lexicons,
                                                               const std::vector<std::string>& allow_lists) {
  moderation::Policy policy;
  if (!policy_path.empty()) {
    QUN_ASSIGN_OR_RETURN(policy, LoadPolicyFile(policy_path));
  }
  std::vector<moderation::LexiconEntry> entries;
  for (const auto& l : lexicons) QUN_RETURN_IF_ERROR(LoadLexiconPath(l, false, &entries));
  for (const auto& l : allow_lists) QUN_RETURN_IF_ERROR(LoadLexiconPath(l, true, &entries));
  CharMapping t2s;
  if (policy.normalize.t2s) {
    QUN_ASSIGN_OR_RETURN(t2s, LoadT2sMapping());
  }
  return moderation::BuildRuleset(std::move(policy), std::move(entries), t2s);
}

}  // namespace qun::store
