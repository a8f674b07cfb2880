// The canonical formats: NDJSON (one event object per line) and CSV with a
// header of canonical field names (docs/formats/events.md).
#include <fmt/format.h>

#include "common/strings.h"
#include "connectors/connector.h"
#include "connectors/line_reader.h"
#include "core/model/event_csv.h"
#include "core/model/event_json.h"

namespace qun {
namespace {

class NdjsonConnector final : public Connector {
 public:
  std::string_view name() const override { return "ndjson"; }
  int Detect(std::string_view path, std::string_view head) const override {
    size_t p = head.find_first_not_of(" \t\r\n");
    bool object_first = p != std::string_view::npos && head[p] == '{';
    bool has_type = head.find("\"type\"") != std::string_view::npos;
    if (EndsWith(path, ".ndjson") || EndsWith(path, ".jsonl")) return object_first ? 90 : 60;
    // A JSON object with canonical fields on the first line.
    size_t nl = head.find('\n');
    std::string_view first = head.substr(0, nl);
    if (object_first && has_type && first.find("\"actor\"") != std::string_view::npos &&
        first.find("\"platform\"") != std::string_view::npos)
      return 70;
    return 0;
  }

  Status Read(const std::string& path, const ImportOptions& options, EventSink& sink) const override {
    QUN_ASSIGN_OR_RETURN(auto reader, LineReader::Open(path, kMaxEventLineBytes));
    EventParser parser;
    LineReader::Line line;
    uint64_t n = 0;
    while (reader->Next(line)) {
      if (TrimWhitespace(line.text).empty()) continue;
      SourceLocation where{path == "-" ? "<stdin>" : path, line.number, line.offset, ""};
      if (line.too_long) {
        QUN_RETURN_IF_ERROR(sink.Reject(
            ResourceExhausted(fmt::format("line is longer than the limit of {} bytes", kMaxEventLineBytes)), where,
            line.text));
        continue;
      }
      auto e = parser.Parse(line.text);
      if (!e.ok()) {
        QUN_RETURN_IF_ERROR(sink.Reject(e.status(), where, line.text));
        continue;
      }
      QUN_RETURN_IF_ERROR(sink.Accept(std::move(e).value(), where));
      if ((++n & 4095) == 0) sink.Progress(reader->bytes_read());
    }
    sink.Progress(reader->bytes_read());
    (void)options;
    return reader->status();
  }
};

// RFC 4180 record splitter over LineReader lines (quoted cells may span lines).
class CsvConnector final : public Connector {
 public:
  std::string_view name() const override { return "csv"; }
  int Detect(std::string_view path, std::string_view head) const override {
    std::string_view first = head.substr(0, head.find('\n'));
    bool canonical_header = StartsWith(first, "id,") && first.find(",type,") != std::string_view::npos &&
                            first.find(",ts,") != std::string_view::npos;
    if (canonical_header) return 90;
    return EndsWith(path, ".csv") ? 20 : 0;
  }

  Status Read(const std::string& path, const ImportOptions& options, EventSink& sink) const override {
    (void)options;
    QUN_ASSIGN_OR_RETURN(auto reader, LineReader::Open(path, kMaxEventLineBytes));
    EventParser parser;
    std::vector<std::string> header, row;
    std::string cell, raw;
    LineReader::Line line;
    bool in_quotes = false;
    uint64_t rec_line = 0, rec_offset = 0;
    const std::string file = path == "-" ? "<stdin>" : path;
    auto finish = [&]() -> Status {
      row.push_back(std::move(cell));
      cell.clear();
      SourceLocation where{file, rec_line, rec_offset, ""};
      if (header.empty()) {
        header = std::move(row);
        row.clear();
        if (header.size() < 3 || header[0] != "id")
          return sink.Reject(InvalidArgument("the first row must be a header of canonical field names "
                                             "starting with 'id' (docs/formats/events.md)"),
                             where, raw);
        return Status::Ok();
      }
      if (row.size() == 1 && row[0].empty()) {  // blank line
        row.clear();
        return Status::Ok();
      }
      auto json = CsvRowToJson(header, row);
      row.clear();
      if (!json.ok()) return sink.Reject(json.status(), where, raw);
      auto e = parser.Parse(*json);
      if (!e.ok()) return sink.Reject(e.status(), where, raw);
      return sink.Accept(std::move(e).value(), where);
    };
    while (reader->Next(line)) {
      if (line.too_long)
        return sink.Reject(ResourceExhausted("line is longer than the limit"), {file, line.number, line.offset, ""},
                           line.text);
      if (!in_quotes) {
        rec_line = line.number;
        rec_offset = line.offset;
        raw.assign(line.text);
      } else {
        raw.push_back('\n');
        raw.append(line.text);
        if (raw.size() > kMaxEventLineBytes)
          return sink.Reject(ResourceExhausted("quoted cell runs past the record size limit (unbalanced quote?)"),
                             {file, rec_line, rec_offset, ""}, raw.substr(0, 200));
      }
      std::string_view t = line.text;
      for (size_t i = 0; i < t.size(); ++i) {
        char c = t[i];
        if (in_quotes) {
          if (c == '"') {
            if (i + 1 < t.size() && t[i + 1] == '"') {
              cell.push_back('"');
              ++i;
            } else {
              in_quotes = false;
            }
          } else {
            cell.push_back(c);
          }
        } else if (c == '"' && cell.empty()) {
          in_quotes = true;
        } else if (c == ',') {
          row.push_back(std::move(cell));
          cell.clear();
        } else {
          cell.push_back(c);
        }
      }
      if (in_quotes) {
        cell.push_back('\n');
        continue;
      }
      QUN_RETURN_IF_ERROR(finish());
      sink.Progress(reader->bytes_read());
    }
    if (in_quotes)
      return sink.Reject(InvalidArgument("file ends inside a quoted cell"), {file, rec_line, rec_offset, ""}, raw);
    return reader->status();
  }
};

}  // namespace

QUN_REGISTER_CONNECTOR(NdjsonConnector);
QUN_REGISTER_CONNECTOR(CsvConnector);

}  // namespace qun
