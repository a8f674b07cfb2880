// Mail decoding used by the mbox connector: RFC 2047 encoded words,
// quoted-printable, base64, charsets (ICU converters), RFC 2822 and asctime
// dates, and the text/plain part of a (multipart) MIME body.
//
// Thread-safety: pure functions.
#ifndef QUN_CONNECTORS_MBOX_MIME_H_
#define QUN_CONNECTORS_MBOX_MIME_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/time.h"

namespace qun::connectors {

using MailHeaders = std::vector<std::pair<std::string, std::string>>;  // lowercase name, unfolded value

// Splits "headers\n\nbody" (headers unfolded, names lowercased).
void SplitMessage(std::string_view message, MailHeaders* headers, std::string_view* body);
std::string HeaderValue(const MailHeaders& h, std::string_view name);  // "" when absent

// Converts `s` from `charset` to UTF-8; unknown charsets and bad bytes fall
// back to RepairUtf8 (Windows-1252 for invalid bytes).
std::string ToUtf8(std::string_view s, std::string_view charset);
// Decodes =?charset?B|Q?…?= words; other text is kept (repaired to UTF-8).
std::string DecodeEncodedWords(std::string_view s);
std::string DecodeQuotedPrintable(std::string_view s);
std::string DecodeBase64(std::string_view s);
// A parameter of a structured header: Param("text/plain; charset=\"x\"", "charset") == "x".
std::string HeaderParam(std::string_view value, std::string_view param);

// The body's text as UTF-8: the first text/plain part of a multipart body
// (nested up to 8 levels), transfer-decoded and converted from its charset.
// Returns "" when there is no text part.
std::string PlainText(const MailHeaders& headers, std::string_view body, int depth = 0);

// "Wed, 01 Dec 2010 14:26:40 +0100" (lenient: leading junk, missing
// weekday or seconds, zone names, two-digit years); a missing zone is read
// in `tz`. nullopt when no date can be found.
std::optional<int64_t> ParseMailDate(std::string_view s, const TimeZone& tz);
// The date of an mbox separator "From addr  Wed Dec  1 08:26:40 2010", in `tz`.
std::optional<int64_t> ParseAsctimeDate(std::string_view s, const TimeZone& tz);

// "goran at domain.com (Göran)" / "Göran <goran@domain.com>" -> address
// (lowercased, " at " as '@') and decoded display name.
void ParseAddress(std::string_view from, std::string* address, std::string* name);

}  // namespace qun::connectors

#endif  // QUN_CONNECTORS_MBOX_MIME_H_
