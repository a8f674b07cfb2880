// Golden handler "moderation". Input lines:
//   lex: WORD[<TAB>CATEGORY[<TAB>SEVERITY]]   a lexicon entry (category default "test")
//   allow: WORD                              an allow-list entry
//   policy: {JSON}                           the policy (default: Policy{})
//   anything else                            a message: a canonical event (stateful
//                                            detectors apply) or plain text
// Output: one `qun moderate --json` object per message. Traditional ->
// simplified uses Debian's OpenCC table, as the CLI does.
#include <memory>
#include <string>
#include <vector>

#include "core/model/event_json.h"
#include "core/moderation/engine.h"
#include "golden.h"
#include "store/moderation/assets.h"

namespace {

using namespace qun::moderation;

const CharMapping& T2s() {
  static const CharMapping m = [] {
    auto r = qun::store::LoadT2sMapping();
    return r.ok() ? *r : CharMapping{};
  }();
  return m;
}

std::string RunModeration(const qun::golden::Case& c) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < c.input.size()) {
    size_t end = c.input.find('\n', start);
    if (end == std::string::npos) end = c.input.size();
    lines.push_back(c.input.substr(start, end - start));
    start = end + 1;
  }
  std::vector<LexiconEntry> entries;
  Policy policy;
  std::vector<std::string> messages;
  for (const std::string& l : lines) {
    if (l.rfind("lex: ", 0) == 0) {
      auto s = ParseLexicon(l.substr(5), "test", "lex", false, &entries);
      if (!s.ok()) return "error: " + s.message() + "\n";
    } else if (l.rfind("allow: ", 0) == 0) {
      auto s = ParseLexicon(l.substr(7), "allow", "allow", true, &entries);
      if (!s.ok()) return "error: " + s.message() + "\n";
    } else if (l.rfind("policy: ", 0) == 0) {
      auto p = ParsePolicy(l.substr(8));
      if (!p.ok()) return "error: " + p.status().message() + "\n";
      policy = *p;
    } else if (!l.empty()) {
      messages.push_back(l);
    }
  }
  auto rs = BuildRuleset(policy, entries, T2s());
  if (!rs.ok()) return "error: " + rs.status().message() + "\n";
  ModerationEngine engine(*rs);
  qun::EventParser parser;
  std::string out;
  for (const std::string& m : messages) {
    ModerationResult r;
    if (m.front() == '{') {
      auto ev = parser.Parse(m);
      if (!ev.ok()) {
        out += "error: " + ev.status().message() + "\n";
        continue;
      }
      r = engine.Moderate(*ev);
      if (ev->type == qun::EventType::kMemberJoined) {
        out += "joined\n";
        continue;
      }
    } else {
      r = engine.ModerateText(m);
    }
    AppendModerationJson(out, r);
    out += '\n';
  }
  return out;
}

}  // namespace

QUN_GOLDEN_HANDLER(moderation, RunModeration);
