// qun review: the moderation review queue (docs/moderation.md#review-queue).
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "common/strings.h"
#include "store/sqlite/review_store.h"

namespace qun::cli {
namespace {

struct ReviewArgs {
  std::string data_dir;
  bool json = false;
  std::string status = "pending";
  int64_t limit = 50;
  int64_t id = 0;
  std::string decision;
  std::string reviewer;
  std::string note;
};

void Print(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }

Status List(const ReviewArgs& a) {
  std::optional<moderation::ReviewStatus> status;
  if (a.status != "all") {
    status = moderation::ParseReviewStatus(a.status);
    if (!status) return InvalidArgument("--status: '" + a.status + "' is not pending, confirmed, overturned or all");
  }
  QUN_ASSIGN_OR_RETURN(auto store, store::ReviewStore::Open(a.data_dir));
  QUN_ASSIGN_OR_RETURN(auto items, store->List(status, a.limit));
  std::string out;
  if (a.json) {
    out = "{\"items\":[";
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& it = items[i];
      if (i) out += ',';
      out += "{\"id\":" + std::to_string(it.id) + ",\"status\":";
      AppendJsonString(out, moderation::ReviewStatusName(it.status));
      out += ",\"action\":";
      AppendJsonString(out, moderation::ActionName(it.action));
      out += ",\"source_ref\":";
      AppendJsonString(out, it.source_ref);
      out += ",\"community\":";
      AppendJsonString(out, it.community);
      out += ",\"member\":";
      AppendJsonString(out, it.member);
      out += ",\"ts_ms\":" + std::to_string(it.ts_ms) + ",\"text\":";
      AppendJsonString(out, it.text);
      out += ",\"rules\":[";
      for (size_t r = 0; r < it.rules.size(); ++r) {
        if (r) out += ',';
        AppendJsonString(out, it.rules[r]);
      }
      out += "],\"findings\":" + it.findings_json + "}";
    }
    out += "]}\n";
  } else {
    if (items.empty()) out = "no " + (a.status == "all" ? std::string("") : a.status + " ") + "review items\n";
    for (const auto& it : items) {
      out += "#" + std::to_string(it.id) + "  " + std::string(moderation::ReviewStatusName(it.status)) + "  " +
             std::string(moderation::ActionName(it.action)) + "  " + it.source_ref + "\n    " + Excerpt(it.text, 120) +
             "\n    rules:";
      for (const auto& r : it.rules) out += " " + r;
      out += "\n";
    }
  }
  Print(out);
  return Status::Ok();
}

Status Decide(const ReviewArgs& a) {
  auto d = moderation::ParseDecision(a.decision);
  if (!d) return InvalidArgument("decision: '" + a.decision + "' is not confirm or overturn");
  QUN_ASSIGN_OR_RETURN(auto store, store::ReviewStore::Open(a.data_dir));
  QUN_RETURN_IF_ERROR(store->Decide(a.id, *d, a.reviewer, a.note));
  if (a.json) {
    std::string out = "{\"id\":" + std::to_string(a.id) + ",\"decision\":";
    AppendJsonString(out, moderation::DecisionName(*d));
    out += ",\"reviewer\":";
    AppendJsonString(out, a.reviewer);
    out += "}\n";
    Print(out);
  } else {
    Print("item #" + std::to_string(a.id) + ": " + std::string(moderation::DecisionName(*d)) + " by " + a.reviewer +
          " (audited)\n");
  }
  return Status::Ok();
}

Status Stats(const ReviewArgs& a) {
  QUN_ASSIGN_OR_RETURN(auto store, store::ReviewStore::Open(a.data_dir));
  QUN_ASSIGN_OR_RETURN(auto outcomes, store->RuleOutcomes());
  std::string out;
  if (a.json) {
    out = "{\"rules\":[";
    for (size_t i = 0; i < outcomes.size(); ++i) {
      const auto& o = outcomes[i];
      if (i) out += ',';
      out += "{\"rule\":";
      AppendJsonString(out, o.rule);
      out += ",\"pending\":" + std::to_string(o.pending) + ",\"confirmed\":" + std::to_string(o.confirmed) +
             ",\"overturned\":" + std::to_string(o.overturned) + ",\"false_positive_rate\":";
      if (o.false_positive_rate) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.4f", *o.false_positive_rate);
        out += buf;
      } else {
        out += "null";
      }
      out += "}";
    }
    out += "]}\n";
  } else {
    out = "rule\tpending\tconfirmed\toverturned\tfalse_positive_rate\n";
    for (const auto& o : outcomes) {
      char buf[32] = "-";
      if (o.false_positive_rate) std::snprintf(buf, sizeof buf, "%.1f%%", 100 * *o.false_positive_rate);
      out += o.rule + "\t" + std::to_string(o.pending) + "\t" + std::to_string(o.confirmed) + "\t" +
             std::to_string(o.overturned) + "\t" + buf + "\n";
    }
  }
  Print(out);
  return Status::Ok();
}

void Setup(CLI::App& root) {
  auto a = std::make_shared<ReviewArgs>();
  CLI::App* sub = root.add_subcommand("review", "The moderation review queue: list flagged messages, decide, see false-positive rates");
  sub->require_subcommand(1);
  CLI::App* list = sub->add_subcommand("list", "List review items, newest first");
  list->add_option("--status", a->status, "pending, confirmed, overturned or all")->default_val("pending");
  list->add_option("--limit", a->limit, "At most this many items")->default_val(50)->check(CLI::PositiveNumber);
  list->add_flag("--json", a->json, "JSON output: {\"items\":[...]}");
  AddDataDirOption(list, &a->data_dir);
  SetRun(list, [a] { return List(*a); });

  CLI::App* decide = sub->add_subcommand("decide", "Decide an item: confirm (the flag was right) or overturn (false positive)");
  decide->add_option("ID", a->id, "Review item id")->required();
  decide->add_option("DECISION", a->decision, "confirm or overturn")->required();
  decide->add_option("--reviewer", a->reviewer, "Who decides (recorded in the audit log)")->required();
  decide->add_option("--note", a->note, "Why (recorded in the audit log)");
  decide->add_flag("--json", a->json, "JSON output");
  AddDataDirOption(decide, &a->data_dir);
  SetRun(decide, [a] { return Decide(*a); });

  CLI::App* stats = sub->add_subcommand("stats", "Per rule: pending, confirmed, overturned and the false-positive rate");
  stats->add_flag("--json", a->json, "JSON output");
  AddDataDirOption(stats, &a->data_dir);
  SetRun(stats, [a] { return Stats(*a); });
}

}  // namespace
}  // namespace qun::cli

QUN_REGISTER_COMMAND(review, 61, qun::cli::Setup);
