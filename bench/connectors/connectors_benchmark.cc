// Throughput of each connector: MB/s of input and events/s emitted into a
// sink that only counts. Inputs come from QUN_BENCH_INPUTS
// ("format=path;format=path", written by bench/connectors/run.sh by scaling
// the real samples) or, when unset, are generated here in the samples'
// shapes (QUN_BENCH_MB megabytes each, default 1) so ctest can smoke-run it.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "connectors/connector.h"

namespace {

struct CountingSink : qun::EventSink {
  uint64_t events = 0, rejects = 0;
  qun::Status Accept(qun::Event&&, const qun::SourceLocation&) override {
    ++events;
    return qun::Status::Ok();
  }
  qun::Status Reject(const qun::Status&, const qun::SourceLocation&, std::string_view) override {
    ++rejects;
    return qun::Status::Ok();
  }
};

uint64_t PathBytes(const std::string& p) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(p)) return fs::file_size(p);
  uint64_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(p))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}

// Synthetic inputs in the shapes of the real samples.
std::string Generate(const std::string& format, const std::filesystem::path& dir, size_t bytes) {
  std::filesystem::create_directories(dir);
  std::string path;
  std::ofstream out;
  auto open = [&](const std::string& name) {
    path = (dir / name).string();
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    out.open(path, std::ios::binary | std::ios::trunc);
  };
  size_t written = 0;
  auto put = [&](const std::string& s) {
    out << s;
    written += s.size();
  };
  int64_t t = 1700000000;
  if (format == "telegram") {
    open("result.json");
    put("{\"name\":\"Bench\",\"type\":\"public_supergroup\",\"id\":1601234567,\"messages\":[\n");
    for (int i = 1; written < bytes; ++i, t += 7)
      put(fmt::format("{}{{\"id\":{},\"type\":\"message\",\"date\":\"2023-11-14T22:13:20\",\"date_unixtime\":\"{}\",\"from\":\"User {}\",\"from_id\":\"user{}\",\"reply_to_message_id\":{},\"text\":[\"see \",{{\"type\":\"link\",\"text\":\"https://telegram.org/\"}},\" for details about issue {}\"]}}\n",
                      i > 1 ? "," : "", i, t, i % 500, i % 500, i > 1 ? i - 1 : 1, i));
    put("]}\n");
  } else if (format == "discord") {
    open("channel.json");
    put("{\"guild\":{\"id\":\"905000000000000001\",\"name\":\"Bench\"},\"channel\":{\"id\":\"905000000000000010\",\"type\":\"GuildTextChat\",\"name\":\"general\"},\"messages\":[\n");
    for (int i = 1; written < bytes; ++i, t += 7)
      put(fmt::format("{}{{\"id\":\"{}\",\"type\":\"Default\",\"timestamp\":\"2023-11-14T22:13:20.123+00:00\",\"timestampEdited\":null,\"isPinned\":false,\"content\":\"message number {} with some words in it\",\"author\":{{\"id\":\"{}\",\"name\":\"user{}\",\"discriminator\":\"0000\",\"nickname\":null,\"isBot\":false,\"roles\":[]}},\"attachments\":[],\"embeds\":[],\"stickers\":[],\"reactions\":[{{\"emoji\":{{\"id\":\"\",\"name\":\"👍\"}},\"count\":1,\"users\":[{{\"id\":\"300000000000000001\",\"name\":\"a\"}}]}}],\"mentions\":[]}}\n",
                      i > 1 ? "," : "", 1213000000000000000LL + i, i, 300000000000000000LL + i % 500, i % 500));
    put("]}\n");
  } else if (format == "slack") {
    open("export/channels.json");
    put("[{\"id\":\"C0JGLMMNX\",\"name\":\"general\"}]");
    out.close();
    open("export/users.json");
    put("[{\"id\":\"U0001\",\"name\":\"a\",\"real_name\":\"A\"}]");
    out.close();
    for (int day = 1; written < bytes; ++day) {
      open(fmt::format("export/general/2020-{:02d}-{:02d}.json", 1 + (day / 28) % 12, 1 + day % 28));
      put("[\n");
      for (int i = 0; i < 2000; ++i, ++t)
        put(fmt::format("{}{{\"type\":\"message\",\"user\":\"U{:04d}\",\"text\":\"<@U0001>: message {} about the build\",\"ts\":\"{}.{:06d}\"}}\n",
                        i ? "," : "", i % 500, i, t, day));
      put("]\n");
      out.close();
    }
    path = (dir / "export").string();
  } else if (format == "whatsapp") {
    open("WhatsApp Chat with Bench.txt");
    for (int i = 0; written < bytes; ++i)
      put(fmt::format("{:02d}/{:02d}/23, {:02d}:{:02d} - User {}: Lorem ipsum dolor sit amet, message {}\n", 1 + i % 28,
                      1 + (i / 1440) % 12, (i / 60) % 24, i % 60, i % 300, i));
  } else if (format == "wecom") {
    open("archive.jsonl");
    for (int i = 0; written < bytes; ++i)
      put(fmt::format("{{\"msgid\":\"m{}\",\"action\":\"send\",\"from\":\"wm{}\",\"tolist\":[\"wrRoom\"],\"roomid\":\"wrRoom{}\",\"msgtime\":{},\"msgtype\":\"text\",\"text\":{{\"content\":\"大家好，今天的活动几点开始？ {}\"}}}}\n",
                      i, i % 500, i % 20, (t + i) * 1000, i));
  } else if (format == "irc") {
    open("2020-01-02.log");
    for (int i = 0; written < bytes; ++i)
      put(i % 10 == 9 ? fmt::format("=== nick{} [~u@host] has joined #bench\n", i % 300)
                      : fmt::format("[{:02d}:{:02d}] <nick{}> nick{}: a reply about message {}\n", (i / 3000) % 24,
                                    (i / 50) % 60, i % 300, (i + 1) % 300, i));
  } else if (format == "mbox") {
    open("bench.mbox");
    for (int i = 0; written < bytes; ++i)
      put(fmt::format("From user{0} at example.com  Sat Nov 14 21:29:28 2015\nFrom: user{0} at example.com (User {0})\n"
                      "Date: Sat, 14 Nov 2015 21:29:28 +0100\nSubject: [Dev] thread {1}\nIn-Reply-To: <m{2}@example.com>\n"
                      "References: <m0@example.com>\n\t<m{2}@example.com>\nMessage-ID: <m{1}@example.com>\n\n"
                      "Hey,\n\nsome body text for message {1}, quoted-printable free.\n\n> quoted reply line\n\n",
                      i % 300, i, i > 0 ? i - 1 : 0));
  }
  return path;
}

void BM_Connector(benchmark::State& state, std::string format, std::string path) {
  const qun::Connector* c = qun::FindConnector(format);
  if (!c) {
    state.SkipWithError("no such connector");
    return;
  }
  uint64_t bytes = PathBytes(path), events = 0, rejects = 0;
  for (auto _ : state) {
    CountingSink sink;
    qun::Status st = c->Read(path, qun::ImportOptions(), sink);
    if (!st.ok()) {
      state.SkipWithError(st.message().c_str());
      return;
    }
    events = sink.events;
    rejects = sink.rejects;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes * state.iterations()));
  state.SetItemsProcessed(static_cast<int64_t>(events * state.iterations()));
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
  state.counters["events"] = static_cast<double>(events);
  state.counters["rejects"] = static_cast<double>(rejects);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::pair<std::string, std::string>> inputs;
  std::filesystem::path tmp;
  if (const char* list = std::getenv("QUN_BENCH_INPUTS"); list && *list) {
    std::string s(list);
    for (size_t start = 0; start < s.size();) {
      size_t end = s.find(';', start);
      if (end == std::string::npos) end = s.size();
      std::string item = s.substr(start, end - start);
      size_t eq = item.find('=');
      if (eq != std::string::npos) inputs.emplace_back(item.substr(0, eq), item.substr(eq + 1));
      start = end + 1;
    }
  } else {
    double mb = std::getenv("QUN_BENCH_MB") ? std::atof(std::getenv("QUN_BENCH_MB")) : 1.0;
    tmp = std::filesystem::temp_directory_path() / ("qun-connbench-" + std::to_string(getpid()));
    for (const char* f : {"telegram", "slack", "discord", "whatsapp", "wecom", "irc", "mbox"})
      inputs.emplace_back(f, Generate(f, tmp / f, static_cast<size_t>(mb * 1e6)));
  }
  for (const auto& [format, path] : inputs)
    benchmark::RegisterBenchmark(("connector/" + format).c_str(), BM_Connector, format, path)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (!tmp.empty()) std::filesystem::remove_all(tmp);
  return 0;
}
