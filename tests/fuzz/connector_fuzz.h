// Shared fuzz harness for connectors: connectors read paths, so the input
// is written to a temporary file (named `file_name`, which some formats
// read a date or community from) and the named connector reads it. Every
// event it emits must pass ValidateEvent; anything else aborts the run.
#ifndef QUN_TESTS_FUZZ_CONNECTOR_FUZZ_H_
#define QUN_TESTS_FUZZ_CONNECTOR_FUZZ_H_

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "connectors/connector.h"
#include "core/model/event_json.h"

namespace qun::fuzz {

struct CheckingSink : EventSink {
  Status Accept(Event&& e, const SourceLocation&) override {
    Status v = ValidateEvent(e);
    if (!v.ok()) {
      std::fprintf(stderr, "connector emitted an invalid event: %s\n%s\n", v.message().c_str(), EventToJson(e).c_str());
      std::abort();
    }
    EventToJson(e);
    return Status::Ok();
  }
  Status Reject(const Status&, const SourceLocation& where, std::string_view) override {
    where.ToString();
    return Status::Ok();  // keep going, as --skip-invalid does
  }
};

inline int RunConnector(const char* format, const char* file_name, const uint8_t* data, size_t size,
                        const char* date_order = "") {
  if (size > (1 << 20)) return 0;
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("qun-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  std::filesystem::path path = dir / file_name;
  std::filesystem::create_directories(path.parent_path());
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  const Connector* c = FindConnector(format);
  if (!c) std::abort();
  ImportOptions opt;
  opt.date_order = date_order;
  CheckingSink sink;
  (void)c->Read(path.string(), opt, sink);
  std::string head(reinterpret_cast<const char*>(data), size < 65536 ? size : 65536);
  (void)c->Detect(path.string(), head);
  return 0;
}

}  // namespace qun::fuzz

#endif  // QUN_TESTS_FUZZ_CONNECTOR_FUZZ_H_
