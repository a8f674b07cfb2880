// Moderation benchmarks.
//
// Without arguments beyond Google Benchmark's own: micro benchmarks of the
// normalizer and matcher (a generated lexicon, so they run anywhere).
// With --macro DIR: the side-by-side macro benchmark of bench/moderation/run.sh
// on the real lexicon and real text (../shared/data): qun raw matching vs
// Vectorscan literal mode, qun with full normalization (MB/s, p50/p99 per
// 200-character message), build time and memory. It also writes the corpus
// and the word list to DIR so run.sh can time pyahocorasick on the same data.
// With --scan-once DIR (after --macro DIR wrote its files): builds the raw
// automaton from DIR/words.txt and scans DIR/corpus.txt once, in the
// function ScanOnce — for load-independent comparisons under
// `valgrind --tool=cachegrind --cache-sim=yes --branch-sim=yes`, reading
// ScanOnce's line of cg_annotate (docs/moderation.md, third attempt).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/moderation/automaton.h"
#include "core/moderation/lexicon.h"
#include "store/moderation/assets.h"

#ifdef QUN_HAVE_HS
#include <hs/hs.h>
#endif

namespace {

using namespace qun::moderation;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// CPU time of this thread: throughput on a shared 2-core machine is measured
// in CPU seconds so other processes' load does not count against any side.
double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// ---- Generated data (micro benchmarks; also the group-chat part of the macro corpus).

const char* kChat[] = {"大家好，今天的活动几点开始？", "有人知道怎么申请退款吗", "@全体成员 明天上午十点直播，记得来",
                       "这个优惠券怎么用啊", "收到，谢谢群主", "哈哈哈哈哈笑死我了", "请问发票可以开吗",
                       "新人报到，请多关照", "周末有人一起去爬山吗", "链接已经发到群公告了", "好的没问题",
                       "今天的外卖送得太慢了", "我也遇到这个问题", "Thanks, that fixed it!", "ok see you tomorrow"};

std::string GroupChat(size_t messages, const std::vector<std::string>& words, uint32_t seed) {
  std::mt19937 rng(seed);
  const char* noise[] = {" ", "❤", "★", "\u200b", "-", "."};
  std::string out;
  for (size_t i = 0; i < messages; ++i) {
    out += kChat[rng() % std::size(kChat)];
    if (!words.empty() && rng() % 20 == 0) {  // 5%: an evasive banned word
      const std::string& w = words[rng() % words.size()];
      size_t p = 0;
      while (p < w.size()) {
        size_t q = p + 1;
        while (q < w.size() && (static_cast<unsigned char>(w[q]) & 0xC0) == 0x80) ++q;
        out.append(w, p, q - p);
        if (q < w.size()) out += noise[rng() % std::size(noise)];
        p = q;
      }
    }
    out += '\n';
  }
  return out;
}

std::vector<std::string> GeneratedWords(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> words;
  for (size_t i = 0; i < n; ++i) {
    std::string w;
    size_t len = 2 + rng() % 3;
    for (size_t k = 0; k < len; ++k) AppendUtf8(w, static_cast<char32_t>(0x4E00 + rng() % 3000));
    words.push_back(w);
  }
  return words;
}

struct MicroFixture {
  std::shared_ptr<const LexiconMatcher> matcher;
  std::vector<std::string> messages;
  MicroFixture() {
    auto words = GeneratedWords(20000, 1);
    std::vector<LexiconEntry> entries;
    for (auto& w : words) entries.push_back({w, "gen", 5, false});
    matcher = *LexiconMatcher::Build(entries, FoldTable::Build(NormalizeOptions{}, {}), MatcherOptions{});
    std::string chat = GroupChat(2000, words, 2);
    std::istringstream in(chat);
    for (std::string l; std::getline(in, l);) messages.push_back(l);
  }
};

MicroFixture& Micro() {
  static MicroFixture f;
  return f;
}

void BM_Normalize(benchmark::State& state) {
  auto& f = Micro();
  NormalizedText nt;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& m = f.messages[i++ % f.messages.size()];
    f.matcher->normalizer().Normalize(m, &nt);
    bytes += m.size();
    benchmark::DoNotOptimize(nt.chars.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_Normalize);

void BM_FindNormalized(benchmark::State& state) {
  auto& f = Micro();
  NormalizedText nt;
  std::vector<LexiconMatch> out;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& m = f.messages[i++ % f.messages.size()];
    out.clear();
    f.matcher->Find(m, &nt, &out);
    bytes += m.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_FindNormalized);

void BM_CountRaw(benchmark::State& state) {
  auto& f = Micro();
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& m = f.messages[i++ % f.messages.size()];
    benchmark::DoNotOptimize(f.matcher->CountRaw(m));
    bytes += m.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_CountRaw);

// ---- Macro benchmark.

bool ReadFile(const std::filesystem::path& p, std::string* out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

std::string SharedData() {
  if (const char* d = std::getenv("QUN_SHARED_DATA")) return d;
  if (const char* s = std::getenv("QUN_SOURCE_DIR")) return std::string(s) + "/../shared/data";
  return "../shared/data";
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Macro(const std::string& out_dir) {
  const bool quick = std::getenv("QUN_BENCH_QUICK") != nullptr && std::string(std::getenv("QUN_BENCH_QUICK")) == "1";
  const std::string data = SharedData();
  if (!std::filesystem::exists(data + "/lexicon")) {
    std::printf("SKIP: %s/lexicon not found (set QUN_SHARED_DATA)\n", data.c_str());
    return 0;
  }
  // Lexicon: every file of the real lexicon folder.
  std::vector<LexiconEntry> entries;
  auto st = qun::store::LoadLexiconPath(data + "/lexicon", false, &entries);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  std::vector<std::string> words;  // unique raw words, for the raw comparison
  {
    std::unordered_set<std::string> seen;
    for (const auto& e : entries)
      if (seen.insert(e.word).second) words.push_back(e.word);
  }
  // Corpus: real reviews, real IRC, generated group chat.
  std::string corpus, csv;
  if (ReadFile(data + "/sentiment/waimai_10k.csv", &csv)) {
    std::istringstream in(csv);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      size_t comma = line.find(',');
      if (comma != std::string::npos) corpus.append(line, comma + 1).push_back('\n');
    }
  }
  std::vector<std::filesystem::path> irc;
  for (const auto& e : std::filesystem::directory_iterator(data + "/formats/irc/ubuntu"))
    if (e.path().extension() == ".txt") irc.push_back(e.path());
  std::sort(irc.begin(), irc.end());
  size_t irc_files = quick ? 2 : irc.size();
  for (size_t i = 0; i < irc.size() && i < irc_files; ++i) {
    std::string s;
    if (ReadFile(irc[i], &s)) corpus += s;
  }
  corpus += GroupChat(quick ? 2000 : 40000, words, 7);
  if (quick) corpus.resize(std::min<size_t>(corpus.size(), 1 << 20));
  while (!corpus.empty() && (static_cast<unsigned char>(corpus.back()) & 0xC0) == 0x80) corpus.pop_back();
  const double mb = static_cast<double>(corpus.size()) / 1e6;
  const int reps = quick ? 2 : 7;
  std::printf("corpus: %.2f MB (waimai reviews, %zu IRC day files, generated group chat); lexicon: %zu entries, %zu unique words\n",
              mb, irc_files, entries.size(), words.size());

  // Files for the pyahocorasick baseline.
  if (!out_dir.empty()) {
    std::ofstream(out_dir + "/corpus.txt", std::ios::binary) << corpus;
    std::ofstream w(out_dir + "/words.txt", std::ios::binary);
    for (const auto& x : words) w << x << '\n';
  }

  // 1. qun raw: the automaton over the raw words, no normalization.
  std::vector<std::u32string> keys;
  for (const auto& w : words) {
    std::u32string k;
    size_t i = 0;
    while (i < w.size()) {
      int32_t c = DecodeUtf8(w, &i);
      if (c >= 0) k.push_back(static_cast<char32_t>(c));
    }
    keys.push_back(k);
  }
  auto t0 = Clock::now();
  auto automaton = Automaton::Build(keys);
  auto t1 = Clock::now();
  if (!automaton.ok()) return 1;
  auto qun_run = [&](size_t* matches) {
    size_t n = 0;
    double a = CpuSeconds();
    automaton->ScanUtf8(corpus, [&](size_t, uint32_t) { ++n; });
    double s = CpuSeconds() - a;
    *matches = n;
    return mb / s;
  };
  std::printf("qun_raw_build_s %.3f\nqun_raw_states %zu\nqun_raw_dense_states %zu\nqun_raw_byte_classes %zu\nqun_raw_memory_mb %.1f\n",
              Seconds(t0, t1), automaton->state_count(), automaton->dense_state_count(), automaton->alphabet_size(),
              automaton->MemoryBytes() / 1e6);
  std::vector<double> qun_raw;
  size_t qun_matches = 0;

  // 2. Vectorscan literal mode on the same words and text. The two scanners
  // alternate (qun, Vectorscan, qun, ...) so that both see the same machine
  // load; the ratio is the median of the per-round ratios.
#ifdef QUN_HAVE_HS
  {
    std::vector<const char*> exprs;
    std::vector<size_t> lens;
    std::vector<unsigned> ids, flags;
    for (size_t i = 0; i < words.size(); ++i) {
      exprs.push_back(words[i].data());
      lens.push_back(words[i].size());
      ids.push_back(static_cast<unsigned>(i));
      flags.push_back(0);
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    auto c0 = Clock::now();
    if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(), static_cast<unsigned>(exprs.size()),
                             HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
      std::printf("vectorscan_error %s\n", err ? err->message : "?");
      hs_free_compile_error(err);
      for (int r = 0; r < reps; ++r) qun_raw.push_back(qun_run(&qun_matches));
    } else {
      auto c1 = Clock::now();
      size_t db_size = 0;
      hs_database_size(db, &db_size);
      hs_scratch_t* scratch = nullptr;
      hs_alloc_scratch(db, &scratch);
      std::vector<double> hs_mbps, ratios;
      size_t hs_matches = 0;
      for (int r = 0; r < reps; ++r) {
        qun_raw.push_back(qun_run(&qun_matches));
        size_t n = 0;
        double a = CpuSeconds();
        hs_scan(db, corpus.data(), static_cast<unsigned>(corpus.size()), 0, scratch,
                [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) -> int {
                  ++*static_cast<size_t*>(ctx);
                  return 0;
                },
                &n);
        hs_mbps.push_back(mb / (CpuSeconds() - a));
        hs_matches = n;
        ratios.push_back(qun_raw.back() / hs_mbps.back());
      }
      std::printf("vectorscan_build_s %.3f\nvectorscan_memory_mb %.1f\nvectorscan_matches %zu\nvectorscan_mbps %.1f\n",
                  Seconds(c0, c1), db_size / 1e6, hs_matches, Median(hs_mbps));
      std::sort(ratios.begin(), ratios.end());
      std::printf("qun_vectorscan_ratio_median %.2f\nqun_vectorscan_ratio_min %.2f\nqun_vectorscan_ratio_max %.2f\n",
                  Median(ratios), ratios.front(), ratios.back());
      hs_free_scratch(scratch);
      hs_free_database(db);
    }
  }
#else
  for (int r = 0; r < reps; ++r) qun_raw.push_back(qun_run(&qun_matches));
  std::printf("vectorscan_mbps n/a (built without libhs)\n");
#endif
  std::printf("qun_raw_matches %zu\nqun_raw_mbps %.1f\n", qun_matches, Median(qun_raw));

  // 3. qun with full normalization, per 200-character message.
  auto t2s = qun::store::LoadT2sMapping();
  auto n0 = Clock::now();
  auto table = FoldTable::Build(NormalizeOptions{}, t2s.ok() ? *t2s : CharMapping{});
  auto n1 = Clock::now();
  auto matcher = LexiconMatcher::Build(entries, table, MatcherOptions{});
  auto n2 = Clock::now();
  if (!matcher.ok()) return 1;
  std::vector<std::string> messages;
  {
    size_t i = 0;
    while (i < corpus.size()) {
      size_t start = i;
      for (int c = 0; c < 200 && i < corpus.size(); ++c) (void)DecodeUtf8(corpus, &i);
      messages.push_back(corpus.substr(start, i - start));
    }
  }
  NormalizedText nt;
  std::vector<LexiconMatch> out;
  std::vector<double> lat_us;
  lat_us.reserve(messages.size());
  size_t norm_matches = 0;
  double f0 = CpuSeconds();
  for (const auto& m : messages) {
    auto a = Clock::now();
    out.clear();
    (*matcher)->Find(m, &nt, &out);
    lat_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
    norm_matches += out.size();
  }
  double f1 = CpuSeconds();
  std::sort(lat_us.begin(), lat_us.end());
  const auto& ms = (*matcher)->stats();
  std::printf("qun_norm_table_build_s %.3f\nqun_norm_matcher_build_s %.3f\nqun_norm_keys %zu\nqun_norm_memory_mb %.1f\n",
              Seconds(n0, n1), Seconds(n1, n2), ms.keys, ms.memory_bytes / 1e6);
  std::printf("qun_norm_messages %zu\nqun_norm_matches %zu\nqun_norm_mbps %.1f\nqun_norm_p50_us %.2f\nqun_norm_p99_us %.2f\n",
              messages.size(), norm_matches, mb / (f1 - f0), lat_us[lat_us.size() / 2],
              lat_us[lat_us.size() * 99 / 100]);
  return 0;
}

// One raw scan, out of line so that profilers show it apart from the build.
[[gnu::noinline]] size_t ScanOnce(const Automaton& a, std::string_view text) {
  size_t n = 0;
  a.ScanUtf8(text, [&](size_t, uint32_t) { ++n; });
  return n;
}

int ScanOnceMain(const std::string& dir) {
  std::string words, corpus;
  if (!ReadFile(dir + "/words.txt", &words) || !ReadFile(dir + "/corpus.txt", &corpus)) {
    std::fprintf(stderr, "--scan-once: %s/words.txt or corpus.txt missing (run --macro %s first)\n", dir.c_str(),
                 dir.c_str());
    return 2;
  }
  std::vector<std::u32string> keys;
  size_t start = 0;
  while (start < words.size()) {
    size_t end = words.find('\n', start);
    if (end == std::string::npos) end = words.size();
    std::string_view w(words.data() + start, end - start);
    std::u32string k;
    for (size_t i = 0; i < w.size();) {
      int32_t c = DecodeUtf8(w, &i);
      if (c >= 0) k.push_back(static_cast<char32_t>(c));
    }
    if (!k.empty()) keys.push_back(std::move(k));
    start = end + 1;
  }
  auto a = Automaton::Build(keys);
  if (!a.ok()) return 1;
  std::printf("keys %zu dense_states %zu memory_mb %.1f matches %zu\n", keys.size(), a->dense_state_count(),
              a->MemoryBytes() / 1e6, ScanOnce(*a, corpus));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--macro") == 0) return Macro(i + 1 < argc ? argv[i + 1] : "");
    if (std::strcmp(argv[i], "--scan-once") == 0) return ScanOnceMain(i + 1 < argc ? argv[i + 1] : ".");
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
