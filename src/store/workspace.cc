#include "store/workspace.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <unordered_map>

#include <fmt/format.h>

#include "core/model/event_json.h"
#include "core/moderation/engine.h"
#include "core/moderation/tally.h"
#include "store/moderation/inline_moderation.h"
#include "store/sqlite/sqlite_store.h"

namespace qun {
namespace {

constexpr size_t kRebuildBatch = 16384;
constexpr size_t kCatchUpBatch = 4096;
constexpr size_t kContextMessages = 3;       // messages before a finding shown as its context
constexpr size_t kMaxWarmEvents = 200'000;   // bound on the detector-history replay at open

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Workspace::~Workspace() {
  moderation_.reset();
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
  QUN_RETURN_IF_ERROR(ws->LoadModeration());
  return ws;
}

Status Workspace::LoadModeration() {
  QUN_ASSIGN_OR_RETURN(moderation_, store::InlineModeration::Open(data_dir_, !read_only_, !read_only_));
  if (!moderation_) return Status::Ok();
  QUN_ASSIGN_OR_RETURN(std::vector<uint64_t> seqs, moderation_->FindingSeqs());
  AddToTally(seqs);
  if (!moderation_->enabled()) return Status::Ok();
  QUN_RETURN_IF_ERROR(WarmModerationHistory());
  return CatchUpModeration().status();
}

Status Workspace::WarmModerationHistory() {
  const int64_t window_ms = moderation_->HistoryWindowMs();
  QUN_ASSIGN_OR_RETURN(uint64_t watermark, moderation_->Watermark());
  const EventColumns& cols = engine_->events();
  const size_t end = static_cast<size_t>(std::min<uint64_t>(watermark, cols.size()));
  if (window_ms <= 0 || end == 0) return Status::Ok();
  uint32_t newest = 0;
  for (size_t r = 0; r < end; ++r) newest = std::max(newest, cols.ts[r]);
  const int64_t window_s = (window_ms + 999) / 1000;
  const uint32_t from = newest > window_s ? static_cast<uint32_t>(newest - window_s) : 0;
  std::vector<uint32_t> rows;  // in seq order, as they were moderated
  for (size_t r = 0; r < end; ++r) {
    const EventType t = cols.type[r];
    if (cols.ts[r] >= from && (t == EventType::kMessagePosted || t == EventType::kMessageEdited ||
                               t == EventType::kMemberJoined))
      rows.push_back(static_cast<uint32_t>(r));
  }
  if (rows.size() > kMaxWarmEvents) rows.erase(rows.begin(), rows.end() - kMaxWarmEvents);
  EventParser parser;
  for (uint32_t r : rows) {
    QUN_ASSIGN_OR_RETURN(std::string body, store_->EventBody(r + 1));
    auto e = parser.Parse(body);
    if (!e.ok()) return DataLoss(fmt::format("stored event seq {} is unreadable: {}", r + 1, e.status().message()));
    moderation_->WarmHistory(*e);
  }
  return Status::Ok();
}

std::vector<store::ContextMessage> Workspace::ReviewContextOf(uint64_t seq, const Event& e) {
  const EventColumns& cols = engine_->events();
  if (seq == 0 || seq > cols.size()) return {};
  context_index_.Extend(cols);
  EventParser parser;
  std::unordered_map<uint32_t, Event> loaded;
  auto load = [&](uint32_t r) -> const Event* {
    auto it = loaded.find(r);
    if (it != loaded.end()) return &it->second;
    auto body = store_->EventBody(r + 1);
    if (!body.ok()) return nullptr;
    auto parsed = parser.Parse(*body);
    if (!parsed.ok()) return nullptr;
    return &loaded.emplace(r, std::move(parsed).value()).first->second;
  };
  // A message in a thread is shown with its thread (the root and the other
  // replies); any other message with the community's top-level messages.
  // (A thread's root may carry its own id as `thread`: it is top-level.)
  const bool in_thread = !e.thread.empty() && e.thread != e.message_id;
  auto same_conversation = [&](uint32_t r) {
    const Event* m = load(r);
    if (m == nullptr) return false;
    if (in_thread) return m->thread == e.thread || m->message_id == e.thread;
    return m->thread.empty() || m->thread == m->message_id;
  };
  std::vector<store::ContextMessage> out;
  for (uint32_t r : context_index_.MessagesBefore(cols, static_cast<uint32_t>(seq - 1), kContextMessages,
                                                  same_conversation)) {
    const Event* m = load(r);
    out.push_back({r + 1ull, m->ts_ms, moderation::ModerationEngine::MemberKey(*m), m->text});
  }
  return out;
}

void Workspace::AddToTally(const std::vector<uint64_t>& seqs) {
  auto* tally = engine_->module<moderation::ModerationTally>();
  if (!tally || seqs.empty()) return;
  std::unique_lock<std::shared_mutex> lock(state_mutex_);
  for (uint64_t seq : seqs)
    if (seq >= 1 && seq <= engine_->last_seq()) tally->Add(static_cast<uint32_t>(seq - 1));
}

Result<uint64_t> Workspace::CatchUpModeration() {
  if (!moderation_ || !moderation_->enabled()) return uint64_t{0};
  QUN_ASSIGN_OR_RETURN(uint64_t watermark, moderation_->Watermark());
  const uint64_t last = engine_->last_seq();
  // Findings above the store's end belong to discarded events.
  if (watermark > last) {
    QUN_RETURN_IF_ERROR(moderation_->DiscardAfter(last));
    return uint64_t{0};
  }
  if (watermark == last) return uint64_t{0};
  EventParser parser;
  std::vector<Event> events;
  std::vector<uint64_t> seqs;
  uint64_t added = 0;
  auto flush = [&]() -> Status {
    if (events.empty()) return Status::Ok();
    std::vector<store::ModerationInput> in(events.size());
    for (size_t i = 0; i < events.size(); ++i) {
      uint32_t account = engine_->FindAccount(events[i].platform, events[i].actor);
      in[i] = {seqs[i], &events[i], account == kNone ? -1 : static_cast<int64_t>(engine_->member_of(account))};
    }
    QUN_ASSIGN_OR_RETURN(std::vector<uint64_t> flagged,
                         moderation_->ModerateAndStore(in, seqs.back(), [this](uint64_t seq, const Event& e) {
                           return ReviewContextOf(seq, e);
                         }));
    added += flagged.size();
    AddToTally(flagged);
    events.clear();
    seqs.clear();
    return Status::Ok();
  };
  QUN_RETURN_IF_ERROR(store_->ForEachEvent(watermark, [&](uint64_t seq, std::string_view body) -> Status {
    if (seq > last) return Status::Ok();
    auto e = parser.Parse(body);
    if (!e.ok()) return DataLoss(fmt::format("stored event seq {} is unreadable: {}", seq, e.status().message()));
    events.push_back(std::move(e).value());
    seqs.push_back(seq);
    if (events.size() >= kCatchUpBatch) return flush();
    return Status::Ok();
  }));
  QUN_RETURN_IF_ERROR(flush());
  return added;
}

uint64_t Workspace::ModerateCommitted(const StagedBatch& b) {
  if (!moderation_ || !moderation_->enabled() || b.events.empty()) return 0;
  const uint64_t first = b.events.front().seq;
  auto watermark = moderation_->Watermark();
  Result<uint64_t> r = uint64_t{0};
  if (watermark.ok() && *watermark + 1 == first) {
    std::vector<store::ModerationInput> in;
    in.reserve(b.events.size());
    for (const StagedEvent& se : b.events)
      in.push_back({se.seq, &se.event,
                    se.account == kNone ? -1 : static_cast<int64_t>(engine_->member_of(se.account))});
    auto flagged = moderation_->ModerateAndStore(
        in, b.events.back().seq, [this](uint64_t seq, const Event& e) { return ReviewContextOf(seq, e); });
    if (flagged.ok()) {
      AddToTally(*flagged);
      r = static_cast<uint64_t>(flagged->size());
    } else {
      r = flagged.status();
    }
  } else if (watermark.ok()) {
    r = CatchUpModeration();  // an earlier batch failed: redo from the watermark (this batch included)
  } else {
    r = watermark.status();
  }
  if (!r.ok()) {
    std::fprintf(stderr, "qun: moderating events %llu..%llu failed (they are stored; moderation catches up on the "
                         "next batch or open): %s\n",
                 static_cast<unsigned long long>(first), static_cast<unsigned long long>(b.events.back().seq),
                 r.status().ToString().c_str());
    return 0;
  }
  return *r;
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
    if (!b.status.ok()) return DataLoss("rebuild: " + b.status.message());
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
  QUN_RETURN_IF_ERROR(apply_ops());
  engine.Compact();  // no growth slack after the rebuild (docs/metrics.md#memory)
  return Status::Ok();
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
  QUN_RETURN_IF_ERROR(store_->Commit());
  // If this fails (or the process dies first), the next open sees the
  // watermark above the store's end and discards the findings then.
  if (moderation_) return moderation_->DiscardAfter(mark.seq);
  return Status::Ok();
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
  QUN_RETURN_IF_ERROR(b.status);
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
  {
    std::unique_lock<std::shared_mutex> lock(state_mutex_);
    engine_->Apply(b);
  }
  sum.flagged = ModerateCommitted(b);
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
