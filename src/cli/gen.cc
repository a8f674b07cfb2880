// qun gen: writes a deterministic synthetic community as canonical NDJSON
// (the model is in src/core/gen/, documented in docs/gen.md). This file only
// parses options, reads the corpus, and writes the stream.
#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "cli/progress.h"
#include "common/strings.h"
#include "common/time.h"
#include "core/gen/corpus.h"
#include "core/gen/generator.h"
#include "core/model/event_json.h"

namespace qun::cli {
namespace {

struct GenFlags {
  uint64_t seed = 1;
  int64_t members = 1000;
  int32_t days = 30;
  int communities = 3;
  std::string start = "2026-01-01";
  std::string tz = "UTC";
  double rate = 1.0;
  std::string mix = "4:3:2:1";
  std::string corpus;
  std::string out;
  bool json = false;
};

Result<std::array<double, 4>> ParseMix(std::string_view s) {
  auto parts = SplitString(s, ':');
  if (parts.size() != 4)
    return InvalidArgument(
        fmt::format("--content-mix '{}': expected four weights value:promo:interaction:brand", s));
  std::array<double, 4> mix{};
  for (size_t i = 0; i < 4; ++i) {
    std::string part(TrimWhitespace(parts[i]));
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(part.c_str(), &end);
    if (part.empty() || end != part.c_str() + part.size() || errno != 0)
      return InvalidArgument(fmt::format("--content-mix '{}': '{}' is not a number", s, part));
    mix[i] = v;
  }
  return mix;
}

Result<std::string> ReadFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return NotFound(fmt::format("{}: {}", path, std::strerror(errno)));
  std::string data;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
  bool bad = std::ferror(f) != 0;
  std::fclose(f);
  if (bad) return Unavailable(fmt::format("{}: read error", path));
  return data;
}

Status RunGen(const GenFlags& flags) {
  gen::GenOptions o;
  o.seed = flags.seed;
  o.members = flags.members;
  o.days = flags.days;
  o.communities = flags.communities;
  o.messages_per_member_day = flags.rate;
  auto start = ParseDate(flags.start);
  if (!start.ok()) return InvalidArgument(fmt::format("--start: {}", start.status().message()));
  o.start_day = *start;
  auto tz = TimeZone::Load(flags.tz);
  if (!tz.ok()) return InvalidArgument(fmt::format("--tz: {}", tz.status().message()));
  o.tz = *tz;
  QUN_ASSIGN_OR_RETURN(o.content_mix, ParseMix(flags.mix));
  gen::Corpus corpus;
  if (!flags.corpus.empty()) {
    QUN_ASSIGN_OR_RETURN(std::string text, ReadFile(flags.corpus));
    auto parsed = gen::ParseCorpus(text);
    if (!parsed.ok()) return parsed.status().WithContext(flags.corpus);
    corpus = std::move(*parsed);
    o.corpus = &corpus;
  }
  const bool to_stdout = flags.out == "-";
  if (flags.json && to_stdout)
    return InvalidArgument("--json prints the summary on stdout, so it cannot be combined with --out -");
  QUN_ASSIGN_OR_RETURN(auto generator, gen::Generator::Create(o));

  // A regular file is written under a temporary name and renamed when
  // complete, so an interrupted run never leaves a truncated file under the
  // final name. Anything else that exists (/dev/null, a FIFO, a symlink) is written in
  // place: renaming over a device or a symlink would replace it.
  std::error_code ec;
  auto st = std::filesystem::symlink_status(flags.out, ec);
  const bool in_place =
      to_stdout || (!ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st));
  std::string tmp_path = in_place ? flags.out : flags.out + ".partial";
  std::FILE* f = to_stdout ? stdout : std::fopen(tmp_path.c_str(), "wb");
  if (f == nullptr) return NotFound(fmt::format("{}: {}", tmp_path, std::strerror(errno)));

  auto started = std::chrono::steady_clock::now();
  std::string buf;
  buf.reserve(1 << 21);
  uint64_t events = 0, bytes = 0;
  std::array<uint64_t, kEventTypeCount> by_type{};
  bool write_failed = false;
  auto flush = [&] {
    if (!buf.empty() && std::fwrite(buf.data(), 1, buf.size(), f) != buf.size()) write_failed = true;
    bytes += buf.size();
    buf.clear();
  };
  Progress progress("gen days", static_cast<uint64_t>(o.days), false);
  while (generator->NextDay([&](const Event& e) {
    AppendEventJson(buf, e);
    buf.push_back('\n');
    ++events;
    ++by_type[static_cast<size_t>(e.type)];
    if (buf.size() >= (1 << 20)) flush();
  })) {
    progress.Update(static_cast<uint64_t>(generator->days_done()), events);
    if (write_failed) break;
  }
  flush();
  progress.Finish();
  if (std::fflush(f) != 0) write_failed = true;
  if (!to_stdout && std::fclose(f) != 0) write_failed = true;
  if (write_failed) {
    if (!in_place) std::remove(tmp_path.c_str());
    return Unavailable(
        fmt::format("{}: write failed: {}", to_stdout ? "stdout" : tmp_path, std::strerror(errno)));
  }
  if (!in_place && std::rename(tmp_path.c_str(), flags.out.c_str()) != 0)
    return Unavailable(fmt::format("rename {} -> {}: {}", tmp_path, flags.out, std::strerror(errno)));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  nlohmann::ordered_json by_type_json = nlohmann::ordered_json::object();
  for (int t = 0; t < kEventTypeCount; ++t)
    if (by_type[t] > 0) by_type_json[std::string(EventTypeName(static_cast<EventType>(t)))] = by_type[t];
  if (flags.json) {
    nlohmann::ordered_json j;
    j["out"] = flags.out;
    j["seed"] = flags.seed;
    j["start"] = FormatDate(o.start_day);
    j["days"] = o.days;
    j["tz"] = o.tz.name();
    j["communities"] = o.communities;
    j["members"] = generator->members_joined();
    j["potential_members"] = generator->prospects();
    j["events"] = events;
    j["bytes"] = bytes;
    j["seconds"] = std::round(secs * 1000) / 1000;
    j["events_by_type"] = by_type_json;
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::FILE* h = to_stdout ? stderr : stdout;
    std::fprintf(h, "wrote %llu events (%.1f MB) to %s in %.1fs (%.0f events/s)\n",
                 static_cast<unsigned long long>(events), bytes / 1e6,
                 to_stdout ? "stdout" : flags.out.c_str(), secs, secs > 0 ? events / secs : 0.0);
    std::fprintf(h, "%lld members in %d communities, %lld potential members, %d days from %s (%s)\n",
                 static_cast<long long>(generator->members_joined()), o.communities,
                 static_cast<long long>(generator->prospects()), o.days, FormatDate(o.start_day).c_str(),
                 o.tz.name().c_str());
  }
  return Status::Ok();
}

void SetupGen(CLI::App& root) {
  auto flags = std::make_shared<GenFlags>();
  CLI::App* sub = root.add_subcommand(
      "gen",
      "Write a deterministic synthetic community as canonical NDJSON events.\n"
      "Members join over time (campaign spikes, invite trees), post, reply, react, check in,\n"
      "read operator content, buy, answer NPS surveys, go silent and leave; potential members\n"
      "visit without joining; a small share of messages are ads for moderation to find.\n"
      "Same options, same seed -> byte-identical output. The model: docs/gen.md.");
  sub->add_option("--seed", flags->seed, "Random seed; the output is a pure function of the options")
      ->default_val(1);
  sub->add_option("--members", flags->members, "Members who join over the run, across all communities")
      ->default_val(1000)
      ->check(CLI::Range(int64_t{1}, gen::kMaxGenMembers));
  sub->add_option("--days", flags->days, "Number of days to simulate")
      ->default_val(30)
      ->check(CLI::Range(1, gen::kMaxGenDays));
  sub->add_option("--communities", flags->communities,
                  "Communities, on platforms in the rotation wecom, telegram, discord, wecom, slack, wechat")
      ->default_val(3)
      ->check(CLI::Range(1, gen::kMaxGenCommunities));
  sub->add_option("--start", flags->start, "First day, YYYY-MM-DD (local to --tz)")
      ->default_val("2026-01-01");
  sub->add_option("--tz", flags->tz, "IANA time zone of the daily and weekly rhythm, e.g. Asia/Shanghai")
      ->default_val("UTC");
  sub->add_option("--messages-per-member-day", flags->rate,
                  "Mean daily message rate of a newly joined member; all other activity scales with it")
      ->default_val(1.0);
  sub->add_option("--content-mix", flags->mix, "Operator content weights value:promo:interaction:brand")
      ->default_val("4:3:2:1");
  sub->add_option("--corpus", flags->corpus,
                  "Real texts for Chinese messages: a CSV with a 'label,text' header (1 = positive)\n"
                  "or plain text, one message per line (e.g. ../shared/data/sentiment/waimai_10k.csv)");
  sub->add_option("--out", flags->out, "Output NDJSON file, or - for stdout")->required();
  sub->add_flag("--json", flags->json, "Print a one-object JSON summary (events by type, members, bytes)");
  sub->footer(
      "Example:\n"
      "  qun gen --seed 42 --members 3000 --days 120 --communities 6 --tz Asia/Shanghai --out events.ndjson\n"
      "Events are in time order; each id is 'g<seed>-<n>', unique and stable for the options.");
  SetRun(sub, [flags] { return RunGen(*flags); });
}

}  // namespace

QUN_REGISTER_COMMAND(gen, 20, SetupGen);

}  // namespace qun::cli
