#include "core/moderation/engine.h"

#include <algorithm>

#include "common/strings.h"

namespace qun::moderation {
namespace {

void AddDetections(const Policy& p, const std::vector<Detection>& ds, ModerationResult* r) {
  for (const Detection& d : ds) {
    Finding f;
    f.source = std::string(d.detector);
    f.category = std::string(d.detector);
    f.word = d.detail;
    f.start = d.start;
    f.end = d.end;
    f.action = p.ActionFor(f.source, f.category, 10, &f.rule);
    r->findings.push_back(std::move(f));
  }
}

void AddEventFinding(const Policy& p, std::string_view detector, std::string detail, ModerationResult* r) {
  Finding f;
  f.source = std::string(detector);
  f.category = std::string(detector);
  f.word = std::move(detail);
  f.action = p.ActionFor(f.source, f.category, 10, &f.rule);
  r->findings.push_back(std::move(f));
}

std::string Mask(std::string_view text, const std::vector<Finding>& findings) {
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  for (const Finding& f : findings)
    if (f.end > f.start && (f.source == "lexicon" || f.source == "phone" || f.source == "wechat"))
      spans.emplace_back(f.start, f.end);
  if (spans.empty()) return std::string(text);
  std::sort(spans.begin(), spans.end());
  std::string out;
  out.reserve(text.size());
  size_t pos = 0, k = 0;
  while (pos < text.size()) {
    while (k < spans.size() && spans[k].second <= pos) ++k;
    bool masked = k < spans.size() && spans[k].first <= pos;
    size_t next = pos;
    int32_t cp = DecodeUtf8(text, &next);
    if (cp < 0) out += "\xEF\xBF\xBD";  // keep the output valid UTF-8
    else if (masked && cp != ' ') out += '*';
    else out.append(text.substr(pos, next - pos));
    pos = next;
  }
  return out;
}

void Finish(std::string_view text, ModerationResult* r) {
  for (const Finding& f : r->findings) r->action = std::max(r->action, f.action);
  r->masked = Mask(text, r->findings);
}

}  // namespace

Result<std::shared_ptr<const Ruleset>> BuildRuleset(Policy policy, std::vector<LexiconEntry> entries,
                                                    const CharMapping& t2s) {
  for (const std::string& w : policy.allow) {
    LexiconEntry e;
    e.word = w;
    e.category = "allow";
    e.allow = true;
    entries.push_back(std::move(e));
  }
  auto table = FoldTable::Build(policy.normalize, t2s);
  QUN_ASSIGN_OR_RETURN(auto matcher, LexiconMatcher::Build(std::move(entries), table, policy.matcher));
  auto rs = std::make_shared<Ruleset>();
  rs->policy = std::move(policy);
  rs->matcher = std::move(matcher);
  return std::shared_ptr<const Ruleset>(std::move(rs));
}

ModerationEngine::ModerationEngine(std::shared_ptr<const Ruleset> ruleset) : ruleset_(std::move(ruleset)) {}

void ModerationEngine::Reload(std::shared_ptr<const Ruleset> ruleset) {
  std::lock_guard<std::mutex> lock(ruleset_mu_);
  ruleset_.swap(ruleset);
  // The old ruleset is released outside no one's way: callers still using
  // it hold their own reference.
}

std::shared_ptr<const Ruleset> ModerationEngine::ruleset() const {
  std::lock_guard<std::mutex> lock(ruleset_mu_);
  return ruleset_;
}

void ModerationEngine::Ban(std::string member_key) {
  std::lock_guard<std::mutex> lock(state_mu_);
  bans_.insert(std::move(member_key));
}
void ModerationEngine::Unban(const std::string& member_key) {
  std::lock_guard<std::mutex> lock(state_mu_);
  bans_.erase(member_key);
}
bool ModerationEngine::IsBanned(const std::string& member_key) const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return bans_.count(member_key) > 0;
}

std::string ModerationEngine::MemberKey(const Event& e) {
  return std::string(PlatformName(e.platform)) + ":" + e.actor;
}

ModerationResult ModerationEngine::Evaluate(const Ruleset& rs, std::string_view text, size_t mentions,
                                            NormalizedText* nt) const {
  ModerationResult r;
  const Policy& p = rs.policy;
  std::vector<LexiconMatch> matches;
  rs.matcher->Find(text, nt, &matches);
  for (const LexiconMatch& m : matches) {
    const LexiconEntry& e = rs.matcher->entries()[m.entry];
    Finding f;
    f.source = "lexicon";
    f.word = e.word;
    f.category = e.category;
    f.severity = e.severity;
    f.start = m.start;
    f.end = m.end;
    f.action = p.ActionFor("lexicon", e.category, e.severity, &f.rule);
    r.findings.push_back(std::move(f));
  }
  std::vector<Detection> ds;
  if (p.detectors.link) DetectLinks(text, &ds);
  if (p.detectors.qr) DetectQrSolicitation(*nt, &ds);
  if (p.detectors.phone) DetectPhones(*nt, &ds);
  if (p.detectors.wechat) DetectWeChat(*nt, &ds);
  AddDetections(p, ds, &r);
  if (p.detectors.mentions) {
    // Platforms that send no mention list: count '@' in the text.
    if (mentions == 0) mentions = static_cast<size_t>(std::count(text.begin(), text.end(), '@'));
    if (mentions >= static_cast<size_t>(p.detectors.mentions_max))
      AddEventFinding(p, "mentions", std::to_string(mentions) + " mentions", &r);
  }
  return r;
}

ModerationResult ModerationEngine::ModerateText(std::string_view text) const {
  auto rs = ruleset();
  NormalizedText nt;
  ModerationResult r = Evaluate(*rs, text, 0, &nt);
  Finish(text, &r);
  return r;
}

ModerationResult ModerationEngine::Moderate(const Event& e) { return Run(e, true); }

void ModerationEngine::WarmHistory(const Event& e) { Run(e, false); }

int64_t ModerationEngine::HistoryWindowMs() const {
  auto rs = ruleset();
  const DetectorSettings& d = rs->policy.detectors;
  int64_t w = 0;
  if (d.flood) w = std::max(w, d.flood_window_ms);
  if (d.duplicate) w = std::max(w, d.duplicate_window_ms);
  if (d.new_member_link) w = std::max(w, d.new_member_window_ms);
  for (const LadderStep& s : rs->policy.ladder) w = std::max(w, s.window_ms);
  return w;
}

ModerationResult ModerationEngine::Run(const Event& e, bool may_ban) {
  auto rs = ruleset();
  const Policy& p = rs->policy;
  const DetectorSettings& d = p.detectors;
  ModerationResult r;
  std::string member = MemberKey(e);
  if (e.type == EventType::kMemberJoined) {
    if (d.new_member_link) {
      std::lock_guard<std::mutex> lock(state_mu_);
      history_.RecordJoin(member, e.ts_ms);
    }
    return r;
  }
  if (e.type != EventType::kMessagePosted && e.type != EventType::kMessageEdited) return r;

  thread_local NormalizedText nt;
  r = Evaluate(*rs, e.text, e.mentions.size(), &nt);
  bool has_link = std::any_of(r.findings.begin(), r.findings.end(), [](const Finding& f) { return f.source == "link"; });
  if (!has_link && d.new_member_link) {
    std::vector<Detection> links;
    DetectLinks(e.text, &links);
    has_link = !links.empty();
  }
  uint64_t simhash = (d.duplicate && nt.size() >= d.duplicate_min_chars) ? SimHash(nt) : 0;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (bans_.count(member) > 0) {
      AddEventFinding(p, "banned", member, &r);
      r.findings.back().action = Action::kRemove;  // the ban list is not negotiable per policy
      r.banned = true;
    }
    if (d.flood) {
      int n = history_.RecordMessage(e.community, member, e.ts_ms, d.flood_window_ms);
      if (n > d.flood_messages)
        AddEventFinding(p, "flood", std::to_string(n) + " messages in " + std::to_string(d.flood_window_ms / 1000) + "s", &r);
    }
    if (simhash != 0) {
      int n = history_.RecordText(simhash, e.community, e.ts_ms, d.duplicate_window_ms, d.duplicate_max_distance);
      if (n >= d.duplicate_communities)
        AddEventFinding(p, "duplicate", "seen in " + std::to_string(n) + " communities", &r);
    }
    if (d.new_member_link && has_link) {
      int64_t since = history_.SinceJoin(member, e.ts_ms);
      if (since >= 0 && since < d.new_member_window_ms)
        AddEventFinding(p, "new_member_link", "joined " + std::to_string(since / 1000) + "s before", &r);
    }
    for (const Finding& f : r.findings) r.action = std::max(r.action, f.action);
    if (!p.ladder.empty() && r.action >= p.ladder_counts_from) {
      int64_t max_window = 0;
      for (const LadderStep& s : p.ladder) max_window = std::max(max_window, s.window_ms);
      history_.RecordInfraction(member, e.ts_ms, max_window);
      for (auto it = p.ladder.rbegin(); it != p.ladder.rend(); ++it) {
        int n = history_.CountInfractions(member, e.ts_ms, it->window_ms);
        if (n < it->infractions) continue;
        if (it->action > r.action) r.action = it->action;
        if (it->action == Action::kMute) r.mute_ms = it->mute_ms;
        r.ladder = std::to_string(n) + " infractions in " + std::to_string(it->window_ms / 1000) + "s";
        if (it->ban && may_ban) {
          bans_.insert(member);
          r.banned = true;
        }
        break;
      }
    }
  }
  Action ladder_action = r.action;
  Finish(e.text, &r);
  r.action = std::max(r.action, ladder_action);
  return r;
}

void AppendModerationJson(std::string& out, const ModerationResult& r) {
  out += "{\"verdict\":";
  AppendJsonString(out, VerdictName(r.action));
  out += ",\"matches\":[";
  bool first = true;
  for (const Finding& f : r.findings) {
    if (f.source != "lexicon") continue;
    if (!first) out += ',';
    first = false;
    out += "{\"word\":";
    AppendJsonString(out, f.word);
    out += ",\"category\":";
    AppendJsonString(out, f.category);
    out += ",\"start\":" + std::to_string(f.start) + ",\"end\":" + std::to_string(f.end) + "}";
  }
  out += "],\"masked\":";
  AppendJsonString(out, r.masked);
  bool any_detector = std::any_of(r.findings.begin(), r.findings.end(), [](const Finding& f) { return f.source != "lexicon"; });
  if (any_detector || r.action > Action::kMask) {
    out += ",\"action\":";
    AppendJsonString(out, ActionName(r.action));
  }
  if (any_detector) {
    out += ",\"findings\":[";
    first = true;
    for (const Finding& f : r.findings) {
      if (f.source == "lexicon") continue;
      if (!first) out += ',';
      first = false;
      out += "{\"rule\":";
      AppendJsonString(out, f.rule);
      out += ",\"detector\":";
      AppendJsonString(out, f.source);
      out += ",\"detail\":";
      AppendJsonString(out, f.word);
      out += ",\"start\":" + std::to_string(f.start) + ",\"end\":" + std::to_string(f.end) + ",\"action\":";
      AppendJsonString(out, ActionName(f.action));
      out += "}";
    }
    out += "]";
  }
  out += "}";
}

}  // namespace qun::moderation
