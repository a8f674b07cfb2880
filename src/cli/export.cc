// qun export: writes the stored events back out in a canonical format
// (NDJSON or CSV), in store order — a backup, a hand-off to other tools, and
// the "same rows as CSV" the ingest benchmark gives the sqlite3 shell.
#include <cstdio>

#include <fmt/format.h>

#include "cli/command.h"
#include "core/model/event_csv.h"
#include "core/model/event_json.h"
#include "store/sqlite/sqlite_store.h"
#include "store/workspace.h"

namespace qun::cli {
namespace {

struct ExportFlags {
  std::string data_dir;
  std::string format = "ndjson";
  std::string out = "-";
};

Status RunExport(const ExportFlags& f) {
  if (f.format != "ndjson" && f.format != "csv")
    return InvalidArgument(fmt::format("--format '{}': expected ndjson or csv", f.format));
  std::string db = f.data_dir + "/qun.db";
  QUN_ASSIGN_OR_RETURN(auto store, SqliteStore::Open(db, /*read_only=*/true));
  FILE* out = f.out == "-" ? stdout : std::fopen(f.out.c_str(), "wb");
  if (!out) return FailedPrecondition(fmt::format("{}: cannot write", f.out));
  std::string buf;
  if (f.format == "csv") AppendCsvHeader(buf);
  EventParser parser;
  Status st = store->ForEachEvent(0, [&](uint64_t seq, std::string_view body) -> Status {
    if (f.format == "ndjson") {
      buf.append(body);
      buf.push_back('\n');
    } else {
      auto e = parser.Parse(body);
      if (!e.ok()) return DataLoss(fmt::format("stored event seq {} is unreadable: {}", seq, e.status().message()));
      AppendEventCsv(buf, *e);
    }
    if (buf.size() > (1 << 20)) {
      if (std::fwrite(buf.data(), 1, buf.size(), out) != buf.size()) return ResourceExhausted("write failed");
      buf.clear();
    }
    return Status::Ok();
  });
  if (st.ok() && std::fwrite(buf.data(), 1, buf.size(), out) != buf.size()) st = ResourceExhausted("write failed");
  if (out != stdout && std::fclose(out) != 0 && st.ok()) st = ResourceExhausted(fmt::format("{}: write failed", f.out));
  return st;
}

void Setup(CLI::App& root) {
  static ExportFlags flags;  // CLI11 binds to it for the process lifetime
  auto* f = &flags;
  auto* sub = root.add_subcommand("export", "Write the stored events as canonical NDJSON or CSV");
  AddDataDirOption(sub, &f->data_dir);
  sub->add_option("--format", f->format, "ndjson or csv (docs/formats/events.md)")->default_val("ndjson");
  sub->add_option("--out", f->out, "Output file, - for stdout")->default_val("-");
  SetRun(sub, [f] { return RunExport(*f); });
}

}  // namespace
}  // namespace qun::cli

QUN_REGISTER_COMMAND(export, 25, qun::cli::Setup);
