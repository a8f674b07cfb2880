// qun import: reads files with a connector, validates, and commits them to
// the workspace in batches (docs/cli.md#import).
//
// Without --skip-invalid the import is all-or-nothing per invocation: batches
// commit as they fill, and an invalid record undoes the invocation's batches
// in one transaction. Each committed batch is durable; re-running an
// interrupted import adds only what is missing (ids are idempotency keys).
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/progress.h"
#include "common/strings.h"
#include "connectors/connector.h"
#include "core/model/event_json.h"
#include "store/workspace.h"

namespace qun::cli {
namespace {

struct ImportFlags {
  std::string data_dir;
  std::string format = "auto";
  bool skip_invalid = false;
  std::string rejects;
  bool json = false;
  std::string tz = "UTC";
  std::string community;
  std::string date_order;
  size_t batch_size = 16384;
  std::vector<std::string> paths;
};

// Batches accepted events into the workspace; rejects go to the rejects
// file when skipping invalid input, and stop the import otherwise.
//
// Two stages on two threads: the connector (reading, parsing, validating)
// runs on the caller's thread and hands full batches to a committer thread
// (stage, commit, apply), with at most kQueueDepth batches in flight, so
// parsing overlaps with the store and memory stays bounded.
class IngestSink final : public EventSink {
 public:
  static constexpr size_t kQueueDepth = 2;

  IngestSink(Workspace& ws, size_t batch_size, bool skip_invalid, std::ofstream* rejects)
      : ws_(ws), batch_size_(batch_size), skip_invalid_(skip_invalid), rejects_(rejects) {
    batch_.reserve(batch_size);
    committer_ = std::thread([this] { CommitLoop(); });
  }
  ~IngestSink() override {
    {
      std::lock_guard<std::mutex> l(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    committer_.join();
  }
  Status Accept(Event&& e, const SourceLocation& where) override {
    if (Status st = ValidateEvent(e); !st.ok()) return Reject(st, where, e.id);
    batch_.push_back(std::move(e));
    if (batch_.size() >= batch_size_) return Hand();
    return Status::Ok();
  }
  Status Reject(const Status& why, const SourceLocation& where, std::string_view raw) override {
    if (!skip_invalid_) return Status(why.code(), fmt::format("{}: {}", where.ToString(), why.message()));
    ++rejected_;
    if (rejects_) {
      std::string line = "{\"where\":";
      AppendJsonString(line, where.ToString());
      line += ",\"error\":";
      AppendJsonString(line, why.message());
      line += ",\"raw\":";
      std::string raw_s(raw.substr(0, 4096));
      if (FindInvalidUtf8(raw_s)) raw_s = "<invalid UTF-8>";
      AppendJsonString(line, raw_s);
      line += "}\n";
      *rejects_ << line;
    }
    return Status::Ok();
  }
  void Progress(uint64_t bytes) override {
    if (progress) progress->Update(base + bytes, handed_ + batch_.size());
  }
  // Hands the partial batch over and waits until everything handed over is
  // committed. Returns the first commit error, if any.
  Status Flush() {
    QUN_RETURN_IF_ERROR(Hand());
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return (queue_.empty() && !busy_) || !error_.ok(); });
    return error_;
  }
  IngestSummary summary() {
    std::lock_guard<std::mutex> l(mu_);
    IngestSummary s = committed_;
    s.rejected = rejected_;
    return s;
  }
  uint64_t base = 0;
  cli::Progress* progress = nullptr;

 private:
  Status Hand() {
    if (batch_.empty()) return Status::Ok();
    handed_ += batch_.size();
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return queue_.size() < kQueueDepth || !error_.ok(); });
    if (!error_.ok()) return error_;
    queue_.push_back(std::move(batch_));
    batch_ = std::vector<Event>();
    batch_.reserve(batch_size_);
    cv_.notify_all();
    return Status::Ok();
  }
  void CommitLoop() {
    std::unique_lock<std::mutex> l(mu_);
    while (true) {
      cv_.wait(l, [&] { return !queue_.empty() || closing_; });
      if (queue_.empty()) return;
      std::vector<Event> b = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
      l.unlock();
      cv_.notify_all();
      Result<IngestSummary> r = error_.ok() ? ws_.IngestBatch(std::move(b)) : Result<IngestSummary>(error_);
      l.lock();
      busy_ = false;
      if (!r.ok()) {
        if (error_.ok()) error_ = r.status();
      } else {
        committed_.imported += r->imported;
        committed_.duplicates += r->duplicates;
      }
      cv_.notify_all();
    }
  }

  Workspace& ws_;
  size_t batch_size_;
  bool skip_invalid_;
  std::ofstream* rejects_;
  std::vector<Event> batch_;
  uint64_t handed_ = 0, rejected_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<Event>> queue_;
  bool busy_ = false, closing_ = false;
  Status error_;
  IngestSummary committed_;
  std::thread committer_;
};

Status RunImport(const ImportFlags& f) {
  auto t0 = std::chrono::steady_clock::now();
  ImportOptions opts;
  QUN_ASSIGN_OR_RETURN(opts.tz, TimeZone::Load(f.tz));
  opts.community = f.community;
  opts.date_order = f.date_order;
  if (!f.date_order.empty() && f.date_order != "dmy" && f.date_order != "mdy" && f.date_order != "ymd")
    return InvalidArgument(fmt::format("--date-order '{}': expected dmy, mdy or ymd", f.date_order));
  if (f.paths.empty()) return InvalidArgument("no input: give one or more files ('-' for stdin)");

  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(f.data_dir));

  const std::vector<std::string>& paths = f.paths;
  std::vector<const Connector*> connectors;
  uint64_t total_bytes = 0;
  for (const auto& p : paths) {
    const Connector* c = nullptr;
    if (f.format == "auto" && p == "-") {
      c = FindConnector("ndjson");  // stdin cannot be sniffed and re-read: canonical NDJSON
    } else if (f.format == "auto") {
      QUN_ASSIGN_OR_RETURN(c, DetectConnector(p));
    } else {
      c = FindConnector(f.format);
      if (!c) {
        std::string names;
        for (const Connector* k : Connectors()) names += (names.empty() ? "" : ", ") + std::string(k->name());
        return InvalidArgument(fmt::format("--format '{}': unknown (known: auto, {})", f.format, names));
      }
    }
    connectors.push_back(c);
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) total_bytes += std::filesystem::file_size(p, ec);
  }

  std::ofstream rejects;
  if (f.skip_invalid && !f.rejects.empty()) {
    rejects.open(f.rejects, std::ios::binary | std::ios::trunc);
    if (!rejects) return FailedPrecondition(fmt::format("{}: cannot write the rejects file", f.rejects));
  }
  Progress progress("importing", total_bytes, true);
  auto sink_ptr = std::make_unique<IngestSink>(*ws, f.batch_size, f.skip_invalid, rejects.is_open() ? &rejects : nullptr);
  IngestSink& sink = *sink_ptr;
  sink.progress = &progress;
  // All-or-nothing without --skip-invalid: batches commit as they fill (so
  // memory stays bounded and an interrupted import resumes), and a rejected
  // record removes this invocation's batches again in one transaction.
  const Workspace::Mark mark = ws->MarkNow();
  for (size_t i = 0; i < paths.size(); ++i) {
    Status st = connectors[i]->Read(paths[i], opts, sink);
    if (Status flushed = sink.Flush(); st.ok()) st = flushed;
    if (!st.ok()) {
      progress.Finish();
      sink_ptr.reset();  // stop the committer before undoing its batches
      if (Status undo = ws->DiscardSince(mark); !undo.ok())
        return Status(undo.code(), fmt::format("{}; and undoing this import's earlier batches failed: {}",
                                               st.message(), undo.message()));
      return st;
    }
    std::error_code ec;
    if (std::filesystem::is_regular_file(paths[i], ec)) sink.base += std::filesystem::file_size(paths[i], ec);
  }
  progress.Finish();
  const IngestSummary s = sink.summary();
  sink_ptr.reset();
  std::string sources;
  for (const auto& p : f.paths) sources += (sources.empty() ? "" : " ") + p;
  QUN_RETURN_IF_ERROR(ws->RecordImport(sources, s));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  uint64_t seen = s.imported + s.duplicates + s.rejected;
  if (f.json) {
    nlohmann::json j = {{"imported", s.imported},
                        {"duplicates", s.duplicates},
                        {"rejected", s.rejected},
                        {"files", f.paths.size()},
                        {"seconds", secs},
                        {"events_per_second", secs > 0 ? seen / secs : 0.0}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("imported %llu events (%llu duplicates, %llu rejected) from %zu input(s) in %.2fs (%.0f events/s)\n",
                static_cast<unsigned long long>(s.imported), static_cast<unsigned long long>(s.duplicates),
                static_cast<unsigned long long>(s.rejected), f.paths.size(), secs, secs > 0 ? seen / secs : 0.0);
    if (s.rejected > 0 && !f.rejects.empty()) std::printf("rejected records written to %s\n", f.rejects.c_str());
  }
  return Status::Ok();
}

void Setup(CLI::App& root) {
  static ImportFlags flags;  // CLI11 binds to it for the process lifetime
  auto* f = &flags;
  auto* sub = root.add_subcommand("import", "Import events from files (canonical NDJSON/CSV or platform exports)");
  sub->footer(
      "Without --skip-invalid the import is all-or-nothing: if any record is invalid, nothing\n"
      "from this invocation is kept (the error names file, line and reason).\n"
      "Re-importing the same data is a no-op: event ids are idempotency keys.\n"
      "Formats: docs/formats/. Examples:\n"
      "  qun import --data-dir ./qun-data events.ndjson\n"
      "  qun import --format telegram --tz Asia/Shanghai result.json\n"
      "  cat events.ndjson | qun import --json -");
  AddDataDirOption(sub, &f->data_dir);
  sub->add_option("--format", f->format, "Input format: auto, ndjson, csv, or a platform connector")
      ->default_val("auto");
  sub->add_flag("--skip-invalid", f->skip_invalid, "Import valid records and skip invalid ones");
  sub->add_option("--rejects", f->rejects, "With --skip-invalid: write rejected records here (NDJSON)");
  sub->add_flag("--json", f->json, "Print one JSON summary object");
  sub->add_option("--tz", f->tz, "Time zone of local times in formats that lack an offset")->default_val("UTC");
  sub->add_option("--community", f->community, "Community id for formats that lack one");
  sub->add_option("--date-order", f->date_order, "WhatsApp date order: dmy, mdy or ymd (default: detect)");
  sub->add_option("--batch-size", f->batch_size, "Events per committed batch")->default_val(16384)->check(
      CLI::Range(1, 10000000));
  sub->add_option("paths", f->paths, "Input files, or - for stdin")->required();
  SetRun(sub, [f] { return RunImport(*f); });
}

}  // namespace
}  // namespace qun::cli

QUN_REGISTER_COMMAND(import, 20, qun::cli::Setup);
