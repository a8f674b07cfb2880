// qun moderate: run the moderation engine over messages, one per line
// (docs/moderation.md#cli).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/strings.h"
#include "core/model/event_json.h"
#include "core/moderation/engine.h"
#include "store/moderation/assets.h"
#include "store/sqlite/review_store.h"

namespace qun::cli {
namespace {

struct ModerateArgs {
  std::vector<std::string> lexicons;
  std::vector<std::string> allow_lists;
  std::string policy;
  std::string input;
  std::string data_dir;
  bool json = false;
  bool queue = false;
};

// A line is a canonical event, an object with "text", or plain text.
struct Line {
  bool is_event = false;
  Event event;
  std::string text;
};

Line ParseLine(std::string_view raw, EventParser& parser) {
  Line l;
  std::string_view t = TrimWhitespace(raw);
  if (!t.empty() && t.front() == '{') {
    auto ev = parser.Parse(t);
    if (ev.ok() && (ev->type == EventType::kMessagePosted || ev->type == EventType::kMessageEdited ||
                    ev->type == EventType::kMemberJoined)) {
      l.is_event = true;
      l.event = std::move(*ev);
      l.text = l.event.text;
      return l;
    }
    auto j = nlohmann::json::parse(t.begin(), t.end(), nullptr, false);
    if (j.is_object()) {
      auto it = j.find("text");
      if (it != j.end() && it->is_string()) {
        l.text = it->get<std::string>();
        return l;
      }
    }
  }
  l.text = std::string(raw);
  if (!l.text.empty() && l.text.back() == '\r') l.text.pop_back();
  return l;
}

Status Run(const ModerateArgs& a) {
  QUN_ASSIGN_OR_RETURN(auto ruleset, store::LoadRuleset(a.policy, a.lexicons, a.allow_lists));
  const auto& st = ruleset->matcher->stats();
  if (st.skipped_short > 0) {
    std::fprintf(stderr,
                 "qun moderate: %zu lexicon entries shorter than %zu characters skipped "
                 "(policy lexicon.min_chars; see docs/moderation.md#short-entries)\n",
                 st.skipped_short, ruleset->policy.matcher.min_chars);
  }
  moderation::ModerationEngine engine(ruleset);
  std::unique_ptr<store::ReviewStore> queue;
  if (a.queue) {
    QUN_ASSIGN_OR_RETURN(queue, store::ReviewStore::Open(a.data_dir));
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  if (!a.input.empty() && a.input != "-") {
    file.open(a.input, std::ios::binary);
    if (!file) return NotFound(a.input + ": cannot open");
    in = &file;
  }
  EventParser parser;
  std::string raw, out;
  size_t line_no = 0, counts[6] = {};
  while (std::getline(*in, raw)) {
    ++line_no;
    Line l = ParseLine(raw, parser);
    moderation::ModerationResult r =
        l.is_event ? engine.Moderate(l.event) : engine.ModerateText(l.text);
    ++counts[static_cast<int>(r.action)];
    out.clear();
    if (a.json) {
      moderation::AppendModerationJson(out, r);
    } else {
      out += std::string(moderation::VerdictName(r.action));
      out += '\t';
      out += r.masked;
      for (const auto& f : r.findings) out += "\t[" + f.rule + ": " + f.word + "]";
    }
    out += '\n';
    std::fwrite(out.data(), 1, out.size(), stdout);
    if (queue && r.action != moderation::Action::kAllow) {
      store::ReviewItemInput item;
      item.source_ref = l.is_event ? l.event.id : a.input + ":" + std::to_string(line_no);
      item.community = l.is_event ? l.event.community : "";
      item.member = l.is_event ? moderation::ModerationEngine::MemberKey(l.event) : "";
      item.ts_ms = l.is_event ? l.event.ts_ms : 0;
      item.text = l.text;
      item.result = r;
      QUN_RETURN_IF_ERROR(queue->Enqueue(item).status());
    }
  }
  if (in->bad()) return DataLoss("read error on input");
  std::fflush(stdout);
  if (!a.json) {
    std::fprintf(stderr, "%zu messages: %zu allow, %zu flag, %zu mask, %zu recall, %zu mute, %zu remove\n", line_no,
                 counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]);
  }
  return Status::Ok();
}

void Setup(CLI::App& root) {
  auto a = std::make_shared<ModerateArgs>();
  CLI::App* sub = root.add_subcommand(
      "moderate",
      "Check messages against lexicons, detectors and a policy.\n"
      "Reads one message per line from FILE or stdin: plain text, an NDJSON object with a\n"
      "\"text\" field, or a canonical event (then flood/duplicate/first-day detectors apply).\n"
      "Writes one verdict per line: allow, flag, mask or block.");
  sub->add_option("--lexicon", a->lexicons,
                  "Lexicon file (word[TAB category[TAB severity]] per line) or folder of *.txt files; repeatable")
      ->required();
  sub->add_option("--allow", a->allow_lists, "Allow-list file or folder (same format); repeatable");
  sub->add_option("--policy", a->policy, "Policy JSON file (default: normalize everything, flag every lexicon match)");
  sub->add_flag("--json", a->json,
                "One JSON object per line: {\"verdict\",\"matches\":[{word,category,start,end}],\"masked\"}");
  sub->add_flag("--queue", a->queue, "Put every non-allowed message into the review queue in --data-dir");
  AddDataDirOption(sub, &a->data_dir);
  sub->add_option("FILE", a->input, "Input file (default: stdin)");
  SetRun(sub, [a] { return Run(*a); });
}

}  // namespace
}  // namespace qun::cli

QUN_REGISTER_COMMAND(moderate, 60, qun::cli::Setup);
