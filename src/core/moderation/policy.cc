#include "core/moderation/policy.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace qun::moderation {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kActionNames[] = {"allow", "flag", "mask", "recall", "mute", "remove"};

Status Err(const std::string& path, const std::string& why) {
  return InvalidArgument("policy: " + path + ": " + why);
}

Status CheckKeys(const Json& obj, const std::string& path, std::initializer_list<std::string_view> known) {
  if (!obj.is_object()) return Err(path, "expected an object");
  for (const auto& [k, v] : obj.items()) {
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      std::string list;
      for (auto n : known) list += (list.empty() ? "" : ", ") + std::string(n);
      return Err(path.empty() ? k : path + "." + k, "unknown key (known: " + list + ")");
    }
  }
  return Status::Ok();
}

std::string Sub(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

Status GetBool(const Json& obj, const std::string& path, std::string_view key, bool* out) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::Ok();
  if (!it->is_boolean()) return Err(Sub(path, key), "expected true or false");
  *out = it->get<bool>();
  return Status::Ok();
}

Status GetInt(const Json& obj, const std::string& path, std::string_view key, int64_t lo, int64_t hi,
              int64_t* out) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::Ok();
  if (!it->is_number_integer()) return Err(Sub(path, key), "expected an integer");
  int64_t v = it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)
                  ? INT64_MAX
                  : it->get<int64_t>();
  if (v < lo || v > hi)
    return Err(Sub(path, key), std::to_string(v) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
  *out = v;
  return Status::Ok();
}

template <typename T>
Status GetIntAs(const Json& obj, const std::string& path, std::string_view key, int64_t lo, int64_t hi, T* out) {
  int64_t v = static_cast<int64_t>(*out);
  QUN_RETURN_IF_ERROR(GetInt(obj, path, key, lo, hi, &v));
  *out = static_cast<T>(v);
  return Status::Ok();
}

// Seconds in the file, milliseconds in memory.
Status GetSeconds(const Json& obj, const std::string& path, std::string_view key, int64_t* out_ms) {
  int64_t s = *out_ms / 1000;
  QUN_RETURN_IF_ERROR(GetInt(obj, path, key, 1, 365LL * 86400, &s));
  *out_ms = s * 1000;
  return Status::Ok();
}

Status GetAction(const Json& obj, const std::string& path, std::string_view key, Action* out) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::Ok();
  if (!it->is_string()) return Err(Sub(path, key), "expected an action name");
  auto a = ParseAction(it->get<std::string>());
  if (!a) return Err(Sub(path, key), "unknown action '" + it->get<std::string>() +
                                         "' (allow, flag, mask, recall, mute, remove)");
  *out = *a;
  return Status::Ok();
}

Status GetStrings(const Json& obj, const std::string& path, std::string_view key, std::vector<std::string>* out) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::Ok();
  Json arr = *it;
  if (arr.is_string()) arr = Json::array({arr});
  if (!arr.is_array()) return Err(Sub(path, key), "expected a string or an array of strings");
  for (size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_string()) return Err(Sub(path, key) + "[" + std::to_string(i) + "]", "expected a string");
    out->push_back(arr[i].get<std::string>());
  }
  return Status::Ok();
}

bool IsDetector(std::string_view name) {
  return std::find(std::begin(kDetectorNames), std::end(kDetectorNames), name) != std::end(kDetectorNames);
}

Status ParseDetectors(const Json& d, Policy* p) {
  const std::string path = "detectors";
  QUN_RETURN_IF_ERROR(CheckKeys(d, path, {"link", "qr", "phone", "wechat", "flood", "duplicate", "mentions",
                                          "new_member_link"}));
  DetectorSettings& s = p->detectors;
  for (const auto& [name, v] : d.items()) {
    std::string sub = path + "." + name;
    if (v.is_boolean()) {
      bool on = v.get<bool>();
      if (name == "link") s.link = on;
      if (name == "qr") s.qr = on;
      if (name == "phone") s.phone = on;
      if (name == "wechat") s.wechat = on;
      if (name == "flood") s.flood = on;
      if (name == "duplicate") s.duplicate = on;
      if (name == "mentions") s.mentions = on;
      if (name == "new_member_link") s.new_member_link = on;
      continue;
    }
    if (!v.is_object()) return Err(sub, "expected true, false or an object");
    bool on = true;
    QUN_RETURN_IF_ERROR(GetBool(v, sub, "enabled", &on));
    if (name == "flood") {
      QUN_RETURN_IF_ERROR(CheckKeys(v, sub, {"enabled", "messages", "window_seconds"}));
      QUN_RETURN_IF_ERROR(GetIntAs(v, sub, "messages", 1, 100000, &s.flood_messages));
      QUN_RETURN_IF_ERROR(GetSeconds(v, sub, "window_seconds", &s.flood_window_ms));
      s.flood = on;
    } else if (name == "duplicate") {
      QUN_RETURN_IF_ERROR(CheckKeys(v, sub, {"enabled", "communities", "window_seconds", "max_distance", "min_chars"}));
      QUN_RETURN_IF_ERROR(GetIntAs(v, sub, "communities", 2, 1000, &s.duplicate_communities));
      QUN_RETURN_IF_ERROR(GetSeconds(v, sub, "window_seconds", &s.duplicate_window_ms));
      QUN_RETURN_IF_ERROR(GetIntAs(v, sub, "max_distance", 0, 32, &s.duplicate_max_distance));
      QUN_RETURN_IF_ERROR(GetIntAs(v, sub, "min_chars", 1, 10000, &s.duplicate_min_chars));
      s.duplicate = on;
    } else if (name == "mentions") {
      QUN_RETURN_IF_ERROR(CheckKeys(v, sub, {"enabled", "max"}));
      QUN_RETURN_IF_ERROR(GetIntAs(v, sub, "max", 1, 10000, &s.mentions_max));
      s.mentions = on;
    } else if (name == "new_member_link") {
      QUN_RETURN_IF_ERROR(CheckKeys(v, sub, {"enabled", "window_seconds"}));
      QUN_RETURN_IF_ERROR(GetSeconds(v, sub, "window_seconds", &s.new_member_window_ms));
      s.new_member_link = on;
    } else {
      QUN_RETURN_IF_ERROR(CheckKeys(v, sub, {"enabled"}));
      if (name == "link") s.link = on;
      if (name == "qr") s.qr = on;
      if (name == "phone") s.phone = on;
      if (name == "wechat") s.wechat = on;
    }
  }
  return Status::Ok();
}

Status ParseBody(const Json& root, Policy* p) {
  QUN_RETURN_IF_ERROR(CheckKeys(root, "", {"version", "normalize", "lexicon", "allow", "rules",
                                           "default_lexicon_action", "default_detector_action", "detectors",
                                           "ladder", "ladder_counts_from"}));
  if (auto it = root.find("version"); it != root.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() != 1) return Err("version", "only version 1 is known");
  }
  if (auto it = root.find("normalize"); it != root.end()) {
    const std::string path = "normalize";
    QUN_RETURN_IF_ERROR(CheckKeys(*it, path, {"width", "case", "t2s", "styles", "noise", "repeats"}));
    NormalizeOptions& o = p->normalize;
    QUN_RETURN_IF_ERROR(GetBool(*it, path, "width", &o.width));
    QUN_RETURN_IF_ERROR(GetBool(*it, path, "case", &o.case_fold));
    QUN_RETURN_IF_ERROR(GetBool(*it, path, "t2s", &o.t2s));
    QUN_RETURN_IF_ERROR(GetBool(*it, path, "styles", &o.styles));
    QUN_RETURN_IF_ERROR(GetBool(*it, path, "noise", &o.noise));
    QUN_RETURN_IF_ERROR(GetBool(*it, path, "repeats", &o.repeats));
  }
  if (auto it = root.find("lexicon"); it != root.end()) {
    const std::string path = "lexicon";
    QUN_RETURN_IF_ERROR(CheckKeys(*it, path, {"min_chars", "latin_whole_word"}));
    QUN_RETURN_IF_ERROR(GetIntAs(*it, path, "min_chars", 1, 64, &p->matcher.min_chars));
    QUN_RETURN_IF_ERROR(GetBool(*it, path, "latin_whole_word", &p->matcher.latin_whole_word));
  }
  QUN_RETURN_IF_ERROR(GetStrings(root, "", "allow", &p->allow));
  QUN_RETURN_IF_ERROR(GetAction(root, "", "default_lexicon_action", &p->default_lexicon_action));
  QUN_RETURN_IF_ERROR(GetAction(root, "", "default_detector_action", &p->default_detector_action));
  QUN_RETURN_IF_ERROR(GetAction(root, "", "ladder_counts_from", &p->ladder_counts_from));
  if (auto it = root.find("rules"); it != root.end()) {
    if (!it->is_array()) return Err("rules", "expected an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const Json& r = (*it)[i];
      std::string path = "rules[" + std::to_string(i) + "]";
      QUN_RETURN_IF_ERROR(CheckKeys(r, path, {"id", "source", "category", "min_severity", "action"}));
      Rule rule;
      rule.id = "rule" + std::to_string(i + 1);
      if (auto id = r.find("id"); id != r.end()) {
        if (!id->is_string() || id->get<std::string>().empty()) return Err(path + ".id", "expected a non-empty string");
        rule.id = id->get<std::string>();
      }
      if (auto src = r.find("source"); src != r.end()) {
        if (!src->is_string()) return Err(path + ".source", "expected a string");
        rule.source = src->get<std::string>();
        if (rule.source != "lexicon" && !IsDetector(rule.source))
          return Err(path + ".source", "unknown source '" + rule.source + "' (lexicon or a detector name)");
      }
      QUN_RETURN_IF_ERROR(GetStrings(r, path, "category", &rule.categories));
      QUN_RETURN_IF_ERROR(GetIntAs(r, path, "min_severity", 1, 10, &rule.min_severity));
      if (r.find("action") == r.end()) return Err(path + ".action", "required");
      QUN_RETURN_IF_ERROR(GetAction(r, path, "action", &rule.action));
      p->rules.push_back(std::move(rule));
    }
  }
  if (auto it = root.find("detectors"); it != root.end()) QUN_RETURN_IF_ERROR(ParseDetectors(*it, p));
  if (auto it = root.find("ladder"); it != root.end()) {
    if (!it->is_array()) return Err("ladder", "expected an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const Json& s = (*it)[i];
      std::string path = "ladder[" + std::to_string(i) + "]";
      QUN_RETURN_IF_ERROR(CheckKeys(s, path, {"infractions", "window_seconds", "action", "mute_seconds", "ban"}));
      LadderStep step;
      QUN_RETURN_IF_ERROR(GetIntAs(s, path, "infractions", 1, 100000, &step.infractions));
      QUN_RETURN_IF_ERROR(GetSeconds(s, path, "window_seconds", &step.window_ms));
      if (s.find("action") == s.end()) return Err(path + ".action", "required");
      QUN_RETURN_IF_ERROR(GetAction(s, path, "action", &step.action));
      QUN_RETURN_IF_ERROR(GetSeconds(s, path, "mute_seconds", &step.mute_ms));
      QUN_RETURN_IF_ERROR(GetBool(s, path, "ban", &step.ban));
      p->ladder.push_back(step);
    }
    std::stable_sort(p->ladder.begin(), p->ladder.end(),
                     [](const LadderStep& a, const LadderStep& b) { return a.infractions < b.infractions; });
  }
  return Status::Ok();
}

}  // namespace

std::string_view ActionName(Action a) { return kActionNames[static_cast<int>(a)]; }

std::optional<Action> ParseAction(std::string_view name) {
  for (size_t i = 0; i < std::size(kActionNames); ++i)
    if (kActionNames[i] == name) return static_cast<Action>(i);
  return std::nullopt;
}

std::string_view VerdictName(Action a) {
  switch (a) {
    case Action::kAllow: return "allow";
    case Action::kFlag: return "flag";
    case Action::kMask: return "mask";
    default: return "block";
  }
}

Action Policy::ActionFor(std::string_view source, std::string_view category, int severity,
                         std::string* rule_id) const {
  for (const Rule& r : rules) {
    if (r.source != source || severity < r.min_severity) continue;
    if (!r.categories.empty() &&
        std::find(r.categories.begin(), r.categories.end(), category) == r.categories.end())
      continue;
    *rule_id = r.id;
    return r.action;
  }
  if (source == "lexicon") {
    *rule_id = "lexicon:" + std::string(category);
    return default_lexicon_action;
  }
  *rule_id = std::string(source);
  return default_detector_action;
}

Result<Policy> ParsePolicy(std::string_view json) {
  Json root;
  try {
    root = Json::parse(json.begin(), json.end());
  } catch (const Json::parse_error& e) {
    return InvalidArgument(std::string("policy: not valid JSON: ") + e.what());
  }
  Policy p;
  try {
    QUN_RETURN_IF_ERROR(ParseBody(root, &p));
  } catch (const Json::exception& e) {  // defensive: a type we did not check
    return InvalidArgument(std::string("policy: ") + e.what());
  }
  return p;
}

}  // namespace qun::moderation
