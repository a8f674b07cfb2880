// Golden handler "connectors": runs one connector over a file and prints
// what it emits. Args: FORMAT [PATH] [--tz ZONE] [--community C]
// [--date-order D] [--name FILE] [--head N] [--detect].
// PATH "data:formats/x" is a file under ../shared/data (the case SKIPs when
// that is absent); without PATH the case input is written to a temporary
// file named FILE (input lines starting with '\' lose it, so a line can
// start with "=== "). Output: a count per event type, then each event's
// canonical JSON (the first N with --head), each reject as
// "reject LOCATION: REASON | RAW", and a final error if Read failed.
// --detect prints the winning connector of DetectConnector instead.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "connectors/connector.h"
#include "core/model/event_json.h"
#include "golden.h"

namespace {

bool StartsWith(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

struct CollectingSink : qun::EventSink {
  std::vector<std::string> lines;
  std::map<std::string, int> counts;
  std::string strip1, strip2;
  std::string Clean(std::string s) const {
    for (const std::string* p : {&strip1, &strip2}) {
      if (p->empty()) continue;
      for (size_t at; (at = s.find(*p)) != std::string::npos;) s.replace(at, p->size(), "");
    }
    return s;
  }
  qun::Status Accept(qun::Event&& e, const qun::SourceLocation&) override {
    qun::Status v = qun::ValidateEvent(e);
    counts[std::string(qun::EventTypeName(e.type))]++;
    lines.push_back(v.ok() ? qun::EventToJson(e) : "INVALID " + v.message());
    return qun::Status::Ok();
  }
  qun::Status Reject(const qun::Status& why, const qun::SourceLocation& where, std::string_view raw) override {
    counts["reject"]++;
    lines.push_back(Clean("reject " + where.ToString() + ": " + why.message() + " | " + std::string(raw)));
    return qun::Status::Ok();
  }
};

std::string RunConnector(const qun::golden::Case& c) {
  std::istringstream in(c.args);
  std::vector<std::string> args;
  for (std::string a; in >> a;) args.push_back(a);
  if (args.empty()) return "error: no format";
  qun::ImportOptions opt;
  std::string path, name = "input";
  size_t head = SIZE_MAX;
  bool detect = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string next = i + 1 < args.size() ? args[i + 1] : "";
    if (a == "--tz") {
      auto tz = qun::TimeZone::Load(next);
      if (!tz.ok()) return "error: " + tz.status().message();
      opt.tz = *tz;
      ++i;
    } else if (a == "--community") { opt.community = next; ++i; }
    else if (a == "--date-order") { opt.date_order = next; ++i; }
    else if (a == "--name") {  // "%20" stands for a space
      name = next;
      for (size_t at; (at = name.find("%20")) != std::string::npos;) name.replace(at, 3, " ");
      ++i;
    }
    else if (a == "--head") { head = std::stoul(next); ++i; }
    else if (a == "--detect") detect = true;
    else path = a;
  }
  CollectingSink sink;
  std::string data = qun::golden::SharedDataDir();
  std::filesystem::path tmp;
  if (StartsWith(path, "data:")) {
    if (data.empty()) return "SKIP";
    path = data + "/" + path.substr(5);
    sink.strip1 = data + "/";
  } else if (path.empty()) {
    tmp = std::filesystem::temp_directory_path() / ("qun-golden-" + std::to_string(getpid()));
    std::filesystem::create_directories(tmp);
    path = (tmp / name).string();
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream out(path, std::ios::binary);
    std::istringstream lines(c.input);
    for (std::string l; std::getline(lines, l);) out << (StartsWith(l, "\\") ? l.substr(1) : l) << "\n";
    sink.strip2 = tmp.string() + "/";
  }
  std::string out;
  if (detect) {
    auto r = qun::DetectConnector(path);
    out = r.ok() ? std::string((*r)->name()) : "error: " + sink.Clean(r.status().message());
  } else {
    const qun::Connector* conn = qun::FindConnector(args[0]);
    if (!conn) return "error: no connector " + args[0];
    qun::Status st = conn->Read(path, opt, sink);
    out = "#";
    for (const auto& [k, v] : sink.counts) out += " " + k + "=" + std::to_string(v);
    out += "\n";
    for (size_t i = 0; i < sink.lines.size() && i < head; ++i) out += sink.lines[i] + "\n";
    if (!st.ok()) out += "error: " + sink.Clean(st.message()) + "\n";
  }
  if (!tmp.empty()) std::filesystem::remove_all(tmp);
  return out;
}

}  // namespace

QUN_GOLDEN_HANDLER(connectors, RunConnector);
