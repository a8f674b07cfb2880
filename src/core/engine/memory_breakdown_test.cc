// Engine::MemoryBreakdown and its JSON form (docs/metrics.md#memory).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "core/engine/engine.h"
#include "core/engine/memory_json.h"

namespace qun {
namespace {

void IngestCheckins(Engine& engine, int n) {
  std::vector<Event> v;
  for (int i = 0; i < n; ++i) {
    Event e;
    e.id = "e" + std::to_string(i);
    e.type = EventType::kCheckin;
    e.actor = "u" + std::to_string(i % 50);
    e.ts_ms = 1767225600000 + i * 60000LL;
    e.community = "g" + std::to_string(i % 3);
    e.platform = Platform::kWecom;
    v.push_back(std::move(e));
  }
  engine.Apply(engine.Stage(std::move(v), engine.last_seq() + 1));
}

TEST(MemoryBreakdownTest, PartsAddUpToTheTotalAndNameEveryModule) {
  Engine engine;
  AttachStandardModules(engine);
  IngestCheckins(engine, 10000);
  const auto parts = engine.MemoryBreakdown();
  size_t sum = 0;
  std::set<std::string> names;
  for (const MemoryPart& p : parts) {
    if (!p.detail) sum += p.bytes;
    EXPECT_TRUE(names.insert(p.name).second) << "duplicate part " << p.name;
  }
  EXPECT_EQ(sum, engine.MemoryBytes());
  for (const char* n : {"columns.ts", "columns.account", "columns.community", "columns.type", "columns.aux",
                        "index.key", "index.message", "index.dimensions", "identity", "side_tables",
                        "module.metrics", "module.member_ledger", "module.moderation_tally",
                        "module.metrics.day_sets", "identity.accounts", "identity.attributes"})
    EXPECT_TRUE(names.count(n)) << "missing part " << n;
  // The columns hold something for every event (bit-packed: well under the
  // 15 bytes of plain vectors).
  size_t columns = 0;
  for (const MemoryPart& p : parts)
    if (p.name.rfind("columns.", 0) == 0) columns += p.bytes;
  EXPECT_GT(columns, 10000u);
  EXPECT_LT(columns, 15u * 10000);

  const nlohmann::json j = MemoryBreakdownJson(engine);
  EXPECT_EQ(j.size(), parts.size());
  EXPECT_EQ(j["columns.community"]["bytes"].get<size_t>(), engine.events().community.MemoryBytes());
  EXPECT_DOUBLE_EQ(j["columns.ts"]["bytes_per_event"].get<double>(),
                   static_cast<double>(engine.events().ts.MemoryBytes()) / 10000);
}

TEST(MemoryBreakdownTest, CompactLeavesNoColumnSlack) {
  Engine engine;
  for (int b = 0; b < 7; ++b) IngestCheckins(engine, 1000 * (b + 1));  // ids repeat: later batches add 1000 each
  engine.Compact();
  // After Compact a column holds its packed words, block headers, exception
  // positions and the open block's fixed buffer, nothing more.
  const auto& ts = engine.events().ts;
  size_t words = 1, exceptions = 0;  // the padding word
  for (size_t b = 0; b < ts.sealed_blocks(); ++b) {
    words += ts.block_words(b);
    exceptions += static_cast<size_t>(ts.block_exceptions(b));
  }
  EXPECT_EQ(ts.MemoryBytes(), words * 8 + ts.sealed_blocks() * ts.kBlockHeaderBytes + exceptions + 256 * 4);
  EXPECT_EQ(engine.events().size(), 7000u);
}

TEST(MemoryBreakdownTest, EmptyEngineReportsZeroPerEvent) {
  Engine engine;
  const nlohmann::json j = MemoryBreakdownJson(engine);
  EXPECT_EQ(j["columns.ts"]["bytes_per_event"].get<double>(), 0.0);
}

}  // namespace
}  // namespace qun
