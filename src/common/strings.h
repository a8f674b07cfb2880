// Small string utilities shared by every layer: UTF-8 validation with the
// offset of the first bad byte, JSON string escaping, splitting.
// Thread-safety: all functions are pure.
#ifndef QUN_COMMON_STRINGS_H_
#define QUN_COMMON_STRINGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qun {

// Returns the byte offset of the first byte that is not part of a valid UTF-8
// sequence (overlongs, surrogates and code points above U+10FFFF are
// invalid), or nullopt if `s` is valid UTF-8.
std::optional<size_t> FindInvalidUtf8(std::string_view s);
// True if `s` is valid UTF-8 (SIMD speed).
bool IsValidUtf8(std::string_view s);

// Appends `s` to `out` as a JSON string literal, quotes included. `s` must be
// valid UTF-8; control characters are escaped as \uXXXX.
void AppendJsonString(std::string& out, std::string_view s);
std::string JsonString(std::string_view s);

std::vector<std::string_view> SplitString(std::string_view s, char sep);
std::string_view TrimWhitespace(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);

// "line 12" style excerpt helper: at most `max` bytes of `s`, cut on a UTF-8
// boundary, with "…" when cut. For error messages that quote input.
std::string Excerpt(std::string_view s, size_t max = 40);

}  // namespace qun

#endif  // QUN_COMMON_STRINGS_H_
