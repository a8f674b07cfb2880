// Small accessors over simdjson DOM values for the JSON connectors: missing
// or mistyped fields read as empty, so mapping code states only what it
// needs. Include only from .cc files (simdjson is a heavy header).
#ifndef QUN_CONNECTORS_COMMON_JSON_VALUE_H_
#define QUN_CONNECTORS_COMMON_JSON_VALUE_H_

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qun::connectors {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

inline std::optional<element> Field(element e, std::string_view key) {
  element v;
  if (e.type() != simdjson::dom::element_type::OBJECT) return std::nullopt;
  if (e[key].get(v) != simdjson::SUCCESS || v.is_null()) return std::nullopt;
  return v;
}

// A string field, or a number field written as decimal text; "" otherwise.
inline std::string Str(element e, std::string_view key) {
  auto v = Field(e, key);
  if (!v) return {};
  std::string_view s;
  if (v->get(s) == simdjson::SUCCESS) return std::string(s);
  int64_t i;
  if (v->get(i) == simdjson::SUCCESS) return std::to_string(i);
  uint64_t u;
  if (v->get(u) == simdjson::SUCCESS) return std::to_string(u);
  double d;
  if (v->get(d) == simdjson::SUCCESS) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f", d);
    return buf;
  }
  return {};
}

// An integer field, or a string holding one; nullopt otherwise.
inline std::optional<int64_t> Int(element e, std::string_view key) {
  auto v = Field(e, key);
  if (!v) return std::nullopt;
  int64_t i;
  if (v->get(i) == simdjson::SUCCESS) return i;
  double d;
  if (v->get(d) == simdjson::SUCCESS && d > -9e18 && d < 9e18) return static_cast<int64_t>(d);
  std::string_view s;
  if (v->get(s) == simdjson::SUCCESS && !s.empty()) {
    int64_t r = 0;
    bool neg = s[0] == '-';
    size_t k = neg ? 1 : 0;
    if (k == s.size()) return std::nullopt;
    for (; k < s.size(); ++k) {
      if (s[k] < '0' || s[k] > '9' || r > 900000000000000000LL) return std::nullopt;
      r = r * 10 + (s[k] - '0');
    }
    return neg ? -r : r;
  }
  return std::nullopt;
}

inline bool Bool(element e, std::string_view key) {
  auto v = Field(e, key);
  bool b = false;
  return v && v->get(b) == simdjson::SUCCESS && b;
}

inline std::optional<array> Arr(element e, std::string_view key) {
  auto v = Field(e, key);
  array a;
  if (!v || v->get(a) != simdjson::SUCCESS) return std::nullopt;
  return a;
}

inline bool IsObject(element e) { return e.type() == simdjson::dom::element_type::OBJECT; }

// Parses a captured value; `raw` gets the padding simdjson needs.
inline simdjson::error_code ParseRaw(simdjson::dom::parser& p, std::string& raw, element* out) {
  size_t n = raw.size();
  raw.append(simdjson::SIMDJSON_PADDING, '\0');
  auto err = p.parse(raw.data(), n, false).get(*out);
  raw.resize(n);
  return err;
}

}  // namespace qun::connectors

#endif  // QUN_CONNECTORS_COMMON_JSON_VALUE_H_
