#include "store/moderation/inline_moderation.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/strings.h"
#include "store/moderation/assets.h"

namespace qun::store {
namespace {

constexpr size_t kMaxContextText = 1000;  // bytes of each context message

// At most `max` bytes of `s`, cut at a UTF-8 character boundary.
std::string Prefix(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

Result<std::vector<std::string>> StringArray(const nlohmann::json& j, const char* key,
                                             const std::string& path) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end()) return out;
  if (!it->is_array()) return InvalidArgument(fmt::format("{}: '{}' must be an array of paths", path, key));
  for (const auto& v : *it) {
    if (!v.is_string()) return InvalidArgument(fmt::format("{}: '{}' must be an array of paths", path, key));
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

std::string ModerationConfigPath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "moderation.json").string();
}

Result<std::optional<ModerationConfig>> ReadModerationConfig(const std::string& data_dir) {
  std::string path = ModerationConfigPath(data_dir);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::optional<ModerationConfig>();
    return Unavailable(path + ": cannot read");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (!j.is_object())
    return InvalidArgument(path + ": not a JSON object (written by 'qun moderation enable')");
  for (const auto& [k, v] : j.items())
    if (k != "version" && k != "lexicons" && k != "allow" && k != "policy")
      return InvalidArgument(fmt::format("{}: unknown key '{}' (version, lexicons, allow, policy)", path, k));
  if (!j.contains("version") || j["version"] != 1)
    return FailedPrecondition(path + ": version must be 1 (written by a newer qun?)");
  ModerationConfig c;
  QUN_ASSIGN_OR_RETURN(c.lexicons, StringArray(j, "lexicons", path));
  QUN_ASSIGN_OR_RETURN(c.allow, StringArray(j, "allow", path));
  if (c.lexicons.empty()) return InvalidArgument(path + ": 'lexicons' must name at least one lexicon");
  if (j.contains("policy")) {
    if (!j["policy"].is_string()) return InvalidArgument(path + ": 'policy' must be a path");
    c.policy = j["policy"].get<std::string>();
  }
  return std::optional<ModerationConfig>(std::move(c));
}

Status WriteModerationConfig(const std::string& data_dir, const ModerationConfig& c) {
  nlohmann::ordered_json j = {{"version", 1}, {"lexicons", c.lexicons}, {"allow", c.allow}};
  if (!c.policy.empty()) j["policy"] = c.policy;
  std::string path = ModerationConfigPath(data_dir);
  std::string tmp = path + ".tmp";
  std::error_code mk;
  std::filesystem::create_directories(data_dir, mk);
  if (mk) return Unavailable(fmt::format("{}: cannot create data directory: {}", data_dir, mk.message()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out.flush()) return Unavailable(tmp + ": cannot write");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Unavailable(fmt::format("{}: cannot replace: {}", path, ec.message()));
  return Status::Ok();
}

Status RemoveModerationConfig(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::remove(ModerationConfigPath(data_dir), ec);
  if (ec)
    return Unavailable(fmt::format("{}: cannot remove: {}", ModerationConfigPath(data_dir), ec.message()));
  return Status::Ok();
}

Result<std::unique_ptr<InlineModeration>> InlineModeration::Open(const std::string& data_dir,
                                                                 bool build_engine, bool create) {
  std::unique_ptr<InlineModeration> m(new InlineModeration());
  std::error_code ec;
  if (!create && !std::filesystem::exists(std::filesystem::path(data_dir) / "moderation.db", ec))
    return std::unique_ptr<InlineModeration>();
  QUN_ASSIGN_OR_RETURN(m->store_, ReviewStore::Open(data_dir));
  if (!build_engine) return m;
  QUN_ASSIGN_OR_RETURN(auto config, ReadModerationConfig(data_dir));
  if (!config) return m;
  auto ruleset = LoadRuleset(config->policy, config->lexicons, config->allow);
  if (!ruleset.ok())
    return Status(
        ruleset.status().code(),
        fmt::format("moderation is enabled for {} but its ruleset does not load: {} (fix the files or "
                    "run 'qun moderation disable')",
                    data_dir, ruleset.status().message()));
  m->engine_ = std::make_unique<moderation::ModerationEngine>(*ruleset);
  QUN_ASSIGN_OR_RETURN(auto bans, m->store_->Bans());
  for (auto& b : bans) m->engine_->Ban(std::move(b.member));
  return m;
}

std::shared_ptr<const moderation::Ruleset> InlineModeration::ruleset() const {
  return engine_ ? engine_->ruleset() : nullptr;
}

Result<size_t> InlineModeration::Reload(const std::string& data_dir) {
  if (!engine_)
    return FailedPrecondition(fmt::format(
        "moderation was not enabled for {} when it was opened; after 'qun moderation enable', restart",
        data_dir));
  QUN_ASSIGN_OR_RETURN(auto config, ReadModerationConfig(data_dir));
  if (!config)
    return FailedPrecondition(fmt::format(
        "moderation has been disabled for {} ({} is gone); restart to stop moderating, or enable it again",
        data_dir, ModerationConfigPath(data_dir)));
  QUN_ASSIGN_OR_RETURN(auto ruleset, LoadRuleset(config->policy, config->lexicons, config->allow));
  size_t entries = ruleset->matcher ? ruleset->matcher->entries().size() : 0;
  engine_->Reload(std::move(ruleset));
  return entries;
}

Result<uint64_t> InlineModeration::Watermark() {
  std::lock_guard l(mu_);
  if (!watermark_) {
    QUN_ASSIGN_OR_RETURN(uint64_t w, store_->Watermark());
    watermark_ = w;
  }
  return *watermark_;
}

Result<std::vector<uint64_t>> InlineModeration::ModerateAndStore(const std::vector<ModerationInput>& events,
                                                                 uint64_t watermark,
                                                                 const ContextSource& context_of) {
  if (!engine_) return FailedPrecondition("moderation is not enabled for this data directory");
  std::vector<moderation::FindingRecord> findings;
  std::vector<ReviewContext> context;
  std::vector<moderation::BanRecord> new_bans;
  for (const ModerationInput& in : events) {
    const Event& e = *in.event;
    if (e.type != EventType::kMessagePosted && e.type != EventType::kMessageEdited &&
        e.type != EventType::kMemberJoined)
      continue;
    std::string key;
    bool was_banned = false;
    if (e.type != EventType::kMemberJoined) {
      key = moderation::ModerationEngine::MemberKey(e);
      was_banned = engine_->IsBanned(key);
    }
    moderation::ModerationResult r = engine_->Moderate(e);
    std::string context_json = "[";
    if (e.type != EventType::kMemberJoined && r.action >= moderation::Action::kFlag && context_of) {
      for (const ContextMessage& m : context_of(in.seq, e)) {
        if (context_json.size() > 1) context_json += ',';
        context_json +=
            "{\"seq\":" + std::to_string(m.seq) + ",\"ts_ms\":" + std::to_string(m.ts_ms) + ",\"member\":";
        AppendJsonString(context_json, m.member);
        context_json += ",\"text\":";
        AppendJsonString(context_json, Prefix(m.text, kMaxContextText));
        context_json += '}';
      }
    }
    context_json += ']';
    if (r.banned && !was_banned && !key.empty())
      new_bans.push_back({key, r.ladder.empty() ? "ladder" : "ladder: " + r.ladder, "ladder", e.ts_ms});
    if (r.action < moderation::Action::kFlag) continue;
    moderation::FindingRecord f;
    f.seq = in.seq;
    f.event_id = e.id;
    f.platform = std::string(PlatformName(e.platform));
    f.community = e.community;
    f.member = key;
    f.person = in.person;
    f.ts_ms = e.ts_ms;
    f.type = std::string(EventTypeName(e.type));
    f.action = r.action;
    f.rules = moderation::RulesOf(r);
    f.findings_json = moderation::FindingsJson(r);
    f.masked = std::move(r.masked);
    findings.push_back(std::move(f));
    context.push_back({e.text, std::move(context_json)});
  }
  std::lock_guard l(mu_);
  for (const auto& b : new_bans) QUN_RETURN_IF_ERROR(store_->AddBan(b).status());
  QUN_RETURN_IF_ERROR(store_->CommitFindings(findings, context, watermark));
  if (!watermark_ || *watermark_ < watermark) watermark_ = watermark;
  std::vector<uint64_t> seqs;
  seqs.reserve(findings.size());
  for (const auto& f : findings)
    if (f.review_item != 0) seqs.push_back(f.seq);  // new; a replayed seq was stored before
  return seqs;
}

void InlineModeration::WarmHistory(const Event& e) {
  if (engine_) engine_->WarmHistory(e);
}

int64_t InlineModeration::HistoryWindowMs() const { return engine_ ? engine_->HistoryWindowMs() : 0; }

Status InlineModeration::DiscardAfter(uint64_t seq) {
  std::lock_guard l(mu_);
  QUN_RETURN_IF_ERROR(store_->DiscardAfter(seq));
  if (watermark_ && *watermark_ > seq) watermark_ = seq;
  return Status::Ok();
}

Result<std::vector<uint64_t>> InlineModeration::FindingSeqs() {
  std::lock_guard l(mu_);
  return store_->FindingSeqs();
}

Result<std::vector<moderation::ReviewItem>> InlineModeration::ListReview(const moderation::ReviewFilter& f,
                                                                         int64_t* total) {
  std::lock_guard l(mu_);
  return store_->List(f, total);
}

Result<moderation::ReviewItem> InlineModeration::GetReview(int64_t id) {
  std::lock_guard l(mu_);
  return store_->Get(id);
}

Result<std::vector<moderation::ReviewDecision>> InlineModeration::Audit(int64_t item_id) {
  std::lock_guard l(mu_);
  return store_->Audit(item_id);
}

Status InlineModeration::Decide(int64_t item_id, moderation::Decision d, const std::string& reviewer,
                                const std::string& note) {
  std::lock_guard l(mu_);
  return store_->Decide(item_id, d, reviewer, note);
}

Result<std::vector<moderation::RuleOutcome>> InlineModeration::RuleOutcomes() {
  std::lock_guard l(mu_);
  return store_->RuleOutcomes();
}

Result<std::vector<moderation::FindingRecord>> InlineModeration::Findings(
    const moderation::FindingFilter& f) {
  std::lock_guard l(mu_);
  return store_->Findings(f);
}

Result<std::vector<moderation::BanRecord>> InlineModeration::Bans() {
  std::lock_guard l(mu_);
  return store_->Bans();
}

Result<bool> InlineModeration::Ban(const moderation::BanRecord& ban) {
  std::lock_guard l(mu_);
  QUN_ASSIGN_OR_RETURN(bool added, store_->AddBan(ban));
  if (engine_) engine_->Ban(ban.member);
  return added;
}

Result<bool> InlineModeration::Unban(const std::string& member) {
  std::lock_guard l(mu_);
  QUN_ASSIGN_OR_RETURN(bool removed, store_->RemoveBan(member));
  if (engine_) engine_->Unban(member);
  return removed;
}

}  // namespace qun::store
