// Fuzz target: the byte-level automaton against its own definition. The
// input is keys (lines before the first empty line, as UTF-8; invalid bytes
// dropped) and a text (the rest, any bytes). ScanUtf8 over the raw text must
// report exactly what decoding the text (an invalid byte = a character in no
// key) and scanning the code points with Scan reports, in order of end. The
// text is repeated up to 40 KB so that the lane-interleaved path runs too.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/moderation/automaton.h"
#include "core/moderation/automaton_testing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qun::moderation;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t split = in.find("\n\n");
  std::string_view head = in.substr(0, split == std::string_view::npos ? size : split);
  std::string text(split == std::string_view::npos ? std::string_view() : in.substr(split + 2));
  std::vector<std::u32string> keys;
  size_t start = 0;
  while (start <= head.size() && keys.size() < 64) {
    size_t nl = head.find('\n', start);
    std::string_view line = head.substr(start, nl == std::string_view::npos ? head.size() - start : nl - start);
    std::u32string k;
    size_t i = 0;
    while (i < line.size()) {
      int32_t c = DecodeUtf8(line, &i);
      if (c >= 0) k.push_back(static_cast<char32_t>(c));
    }
    keys.push_back(std::move(k));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  auto a = Automaton::Build(keys);
  if (!a.ok()) std::abort();
  if (!text.empty() && data[0] % 2 == 1)
    while (text.size() < 40000) text += text;  // long: the lane path
  std::vector<std::pair<size_t, uint32_t>> raw, decoded;
  a->ScanUtf8(text, [&](size_t end, uint32_t id) { raw.emplace_back(end, id); });
  const auto d = DecodeForScan(text);
  a->Scan(d.chars.data(), d.chars.size(), [&](size_t end, uint32_t id) { decoded.emplace_back(d.byte_end[end - 1], id); });
  if (raw != decoded) std::abort();
  for (const auto& [end, id] : raw)
    if (id >= keys.size() || keys[id].empty() || end > text.size()) std::abort();
  return 0;
}
