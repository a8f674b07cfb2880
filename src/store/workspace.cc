#include "store/workspace.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "core/model/event_json.h"
#include "store/sqlite/sqlite_store.h"

namespace qun {
namespace {

constexpr size_t kRebuildBatch = 16384;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Workspace::~Workspace() {
  store_.reset();
  if (lock_fd_ >= 0) close(lock_fd_);
}

Result<std::unique_ptr<Workspace>> Workspace::Open(const std::string& data_dir, WorkspaceOptions options) {
  std::unique_ptr<Workspace> ws(new Workspace());
  ws->data_dir_ = data_dir;
  ws->read_only_ = options.read_only;
  std::error_code ec;
  if (!std::filesystem::is_directory(data_dir, ec)) {
    if (!options.create || options.read_only)
      return NotFound(fmt::format("{}: no such data directory (import something first)", data_dir));
    std::filesystem::create_directories(data_dir, ec);
    if (ec) return FailedPrecondition(fmt::format("{}: cannot create data directory: {}", data_dir, ec.message()));
  }
  std::string db_path = (std::filesystem::path(data_dir) / "qun.db").string();
  if (options.read_only && !std::filesystem::exists(db_path))
    return NotFound(fmt::format("{}: no store here (qun.db missing; import something first)", data_dir));
  if (!options.read_only) {
    std::string lock_path = (std::filesystem::path(data_dir) / "LOCK").string();
    ws->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (ws->lock_fd_ < 0) return FailedPrecondition(fmt::format("{}: cannot open lock file", lock_path));
    if (flock(ws->lock_fd_, LOCK_EX | LOCK_NB) != 0)
      return Unavailable(fmt::format("{}: another qun process is writing to this data directory "
                                     "(a running 'qun serve'? ingest through its API instead)",
                                     data_dir));
  }
  QUN_ASSIGN_OR_RETURN(ws->store_, SqliteStore::Open(db_path, options.read_only));
  ws->engine_ = std::make_unique<Engine>();
  AttachStandardModules(*ws->engine_);
  QUN_RETURN_IF_ERROR(ws->Rebuild());
  return ws;
}

Status Workspace::Rebuild() {
  QUN_ASSIGN_OR_RETURN(std::vector<IdentityOp> ops, store_->IdentityOps());
  size_t next_op = 0;
  EventParser parser;
  std::vector<Event> batch;
  batch.reserve(kRebuildBatch);
  Engine& engine = *engine_;
  auto never_same = [](uint32_t, const Event&) { return false; };  // stored events are distinct
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::Ok();
    StagedBatch b = engine.Stage(std::move(batch), engine.last_seq() + 1, never_same);
    batch.clear();
    if (!b.new_communities.empty() || b.duplicates != 0 || b.events.empty()) {
      // Dimension ids are re-derived in the same order as at ingest; a
      // mismatch means the store and the engine disagree.
      if (b.duplicates != 0) return DataLoss("rebuild: stored events collided");
    }
    engine.Apply(b);
    return Status::Ok();
  };
  auto apply_ops = [&]() -> Status {
    while (next_op < ops.size() && ops[next_op].after_seq <= engine.last_seq()) {
      const IdentityOp& op = ops[next_op++];
      if (op.kind == "merge") {
        auto r = engine.Merge(op.a, op.b, op.reason, op.ts_ms);
        if (!r.ok()) return DataLoss(fmt::format("rebuild: identity op {} failed: {}", op.op, r.status().message()));
      } else {
        Status st = engine.Unmerge(op.a, op.ts_ms);
        if (!st.ok()) return DataLoss(fmt::format("rebuild: identity op {} failed: {}", op.op, st.message()));
      }
    }
    return Status::Ok();
  };
  QUN_RETURN_IF_ERROR(apply_ops());
  Status st = store_->ForEachEvent(0, [&](uint64_t seq, std::string_view body) -> Status {
    auto e = parser.Parse(body);
    if (!e.ok()) return DataLoss(fmt::format("stored event seq {} is unreadable: {}", seq, e.status().message()));
    batch.push_back(std::move(e).value());
    uint64_t pending_last = engine.last_seq() + batch.size();
    bool op_due = next_op < ops.size() && ops[next_op].after_seq <= pending_last;
    if (batch.size() >= kRebuildBatch || op_due) {
      QUN_RETURN_IF_ERROR(flush());
      QUN_RETURN_IF_ERROR(apply_ops());
    }
    return Status::Ok();
  });
  QUN_RETURN_IF_ERROR(st);
  QUN_RETURN_IF_ERROR(flush());
  return apply_ops();
}

Workspace::Mark Workspace::MarkNow() const {
  auto lock = ReadLock();
  return Mark{engine_->last_seq(), static_cast<uint32_t>(engine_->accounts().size()),
              static_cast<uint32_t>(engine_->communities().size()), engine_->merges().size()};
}

Status Workspace::DiscardSince(const Mark& mark) {
  if (read_only_) return FailedPrecondition("workspace is open read-only");
  std::lock_guard<std::mutex> writer(writer_mutex_);
  QUN_ASSIGN_OR_RETURN(std::vector<IdentityOp> ops, store_->IdentityOps());
  for (const auto& op : ops)
    if (op.after_seq > mark.seq) return FailedPrecondition("identity operations were recorded after the mark");
  closed_ = true;
  QUN_RETURN_IF_ERROR(store_->Begin());
  if (Status st = store_->TruncateAfter(mark.seq, mark.accounts, mark.communities); !st.ok()) {
    store_->Rollback();
    return st;
  }
  return store_->Commit();
}

Result<IngestSummary> Workspace::IngestBatch(std::vector<Event> events) {
  if (read_only_) return FailedPrecondition("workspace is open read-only");
  if (closed_) return FailedPrecondition("workspace was rolled back; reopen it");
  std::lock_guard<std::mutex> writer(writer_mutex_);
  IngestSummary sum;
  auto same_stored = [this](uint32_t row, const Event& e) {
    auto id = store_->EventId(row + 1);
    return !id.ok() || (id->first == static_cast<int>(e.platform) && id->second == e.id);
  };
  StagedBatch b = engine_->Stage(std::move(events), engine_->last_seq() + 1, same_stored);
  sum.duplicates = b.duplicates;
  sum.imported = b.events.size();
  if (b.events.empty()) return sum;
  QUN_RETURN_IF_ERROR(store_->Begin());
  Status st = store_->AppendBatch(b);
  if (!st.ok()) {
    store_->Rollback();
    return st;
  }
  QUN_RETURN_IF_ERROR(store_->Commit());
  std::unique_lock<std::shared_mutex> lock(state_mutex_);
  engine_->Apply(b);
  return sum;
}

Result<uint32_t> Workspace::Merge(uint32_t into, uint32_t from, const std::string& reason) {
  if (read_only_) return FailedPrecondition("workspace is open read-only");
  std::lock_guard<std::mutex> writer(writer_mutex_);
  std::unique_lock<std::shared_mutex> lock(state_mutex_);
  int64_t now = NowMs();
  // Validate on the engine first; persist; the engine change stands only
  // if the operation is durable.
  const auto& members = engine_->members();
  if (into >= members.size() || from >= members.size())
    return NotFound(fmt::format("no member {}", into >= members.size() ? into : from));
  IdentityOp op{0, engine_->last_seq(), "merge", into, from, reason, now};
  QUN_RETURN_IF_ERROR(store_->Begin());
  if (Status st = store_->AppendIdentityOp(op); !st.ok()) {
    store_->Rollback();
    return st;
  }
  auto r = engine_->Merge(into, from, reason, now);
  if (!r.ok()) {
    store_->Rollback();
    return r.status();
  }
  QUN_RETURN_IF_ERROR(store_->Commit());
  return r;
}

Status Workspace::Unmerge(uint32_t merge_id, const std::string& reason) {
  if (read_only_) return FailedPrecondition("workspace is open read-only");
  std::lock_guard<std::mutex> writer(writer_mutex_);
  std::unique_lock<std::shared_mutex> lock(state_mutex_);
  int64_t now = NowMs();
  IdentityOp op{0, engine_->last_seq(), "unmerge", merge_id, 0, reason, now};
  QUN_RETURN_IF_ERROR(store_->Begin());
  if (Status st = store_->AppendIdentityOp(op); !st.ok()) {
    store_->Rollback();
    return st;
  }
  if (Status st = engine_->Unmerge(merge_id, now); !st.ok()) {
    store_->Rollback();
    return st;
  }
  return store_->Commit();
}

Result<std::string> Workspace::EventJson(uint64_t seq) const { return store_->EventBody(seq); }

Status Workspace::RecordImport(std::string_view source, const IngestSummary& s) {
  if (read_only_) return FailedPrecondition("workspace is open read-only");
  std::lock_guard<std::mutex> writer(writer_mutex_);
  QUN_RETURN_IF_ERROR(store_->Begin());
  if (Status st = store_->RecordImport(source, s.imported, s.duplicates, s.rejected, NowMs()); !st.ok()) {
    store_->Rollback();
    return st;
  }
  return store_->Commit();
}

}  // namespace qun
