#include "core/moderation/normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

namespace qun::moderation {
namespace {

constexpr char32_t kFlatSize = 0x20000;

bool IsNoiseCategory(char32_t cp) {
  switch (u_charType(static_cast<UChar32>(cp))) {
    case U_SPACE_SEPARATOR:
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_CONNECTOR_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
    case U_MATH_SYMBOL:
    case U_CURRENCY_SYMBOL:
    case U_MODIFIER_SYMBOL:
    case U_OTHER_SYMBOL:
    case U_NON_SPACING_MARK:
    case U_ENCLOSING_MARK:
    case U_SURROGATE:
    case U_PRIVATE_USE_CHAR:
      return true;
    default:
      return false;
  }
}

bool IsWidthForm(char32_t cp) { return cp == 0x3000 || (cp >= 0xFF00 && cp <= 0xFFEF); }

// Maps one code point through the enabled steps into `out`.
void MapCodePoint(char32_t cp, const NormalizeOptions& o, const icu::Normalizer2* nfkc,
                  const std::unordered_map<char32_t, char32_t>& t2s, std::u32string* out) {
  out->clear();
  bool compat = IsWidthForm(cp) ? o.width : o.styles;
  if (compat && nfkc != nullptr) {
    UErrorCode err = U_ZERO_ERROR;
    icu::UnicodeString src(static_cast<UChar32>(cp));
    icu::UnicodeString dst = nfkc->normalize(src, err);
    if (U_SUCCESS(err)) {
      for (int32_t i = 0; i < dst.length();) {
        UChar32 c = dst.char32At(i);
        out->push_back(static_cast<char32_t>(c));
        i += U16_LENGTH(c);
      }
    } else {
      out->push_back(cp);
    }
  } else {
    out->push_back(cp);
  }
  for (char32_t& c : *out) {
    if (o.case_fold) c = static_cast<char32_t>(u_foldCase(static_cast<UChar32>(c), U_FOLD_CASE_DEFAULT));
    if (o.t2s) {
      auto it = t2s.find(c);
      if (it != t2s.end()) c = it->second;
    }
  }
}

uint32_t EncodeSingle(char32_t c, const NormalizeOptions& o) {
  uint32_t e = static_cast<uint32_t>(c);
  if (o.noise && IsNoiseCategory(c)) e |= FoldTable::kNoise;
  return e;
}

}  // namespace

std::shared_ptr<const FoldTable> FoldTable::Build(const NormalizeOptions& options,
                                                  const CharMapping& t2s_pairs) {
  auto t = std::make_shared<FoldTable>();
  t->options_ = options;
  std::unordered_map<char32_t, char32_t> t2s;
  if (options.t2s) {
    t2s.reserve(t2s_pairs.size());
    for (const auto& [from, to] : t2s_pairs) t2s.emplace(from, to);
  }
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(err);
  if (U_FAILURE(err)) nfkc = nullptr;

  std::u32string mapped;
  auto encode = [&](char32_t cp) -> uint32_t {
    MapCodePoint(cp, options, nfkc, t2s, &mapped);
    if (mapped.empty()) return kDrop;
    if (mapped.size() == 1) return EncodeSingle(mapped[0], options);
    uint32_t offset = static_cast<uint32_t>(t->pool_.size());
    size_t n = std::min<size_t>(mapped.size(), 31);
    for (size_t i = 0; i < n; ++i) t->pool_.push_back(EncodeSingle(mapped[i], options));
    return kMulti | (static_cast<uint32_t>(n) << 24) | offset;
  };
  t->flat_.resize(kFlatSize);
  for (char32_t cp = 0; cp < kFlatSize; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      t->flat_[cp] = kNoise | kDrop;
      continue;
    }
    // Plain ASCII letters/digits skip ICU (only case folding applies).
    t->flat_[cp] = encode(cp);
  }
  // Beyond plane 1 only a few blocks fold or are noise.
  auto add_range = [&](char32_t lo, char32_t hi) {
    for (char32_t cp = lo; cp <= hi; ++cp) {
      uint32_t e = encode(cp);
      if (e != static_cast<uint32_t>(cp)) t->rest_.emplace(cp, e);
    }
  };
  add_range(0x2F800, 0x2FA1F);  // CJK compatibility ideographs supplement
  add_range(0xE0000, 0xE01EF);  // tags, variation selectors supplement
  add_range(0xF0000, 0xF00FF);  // private use (first page; rest is rare)
  return t;
}

int32_t DecodeUtf8(std::string_view s, size_t* i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), k = *i;
  unsigned char c = p[k];
  if (c < 0x80) {
    *i = k + 1;
    return c;
  }
  int len;
  char32_t cp, min;
  if ((c & 0xE0) == 0xC0) {
    len = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    *i = k + 1;
    return -1;
  }
  if (k + len > n) {
    *i = k + 1;
    return -1;
  }
  for (int j = 1; j < len; ++j) {
    unsigned char d = p[k + j];
    if ((d & 0xC0) != 0x80) {
      *i = k + 1;
      return -1;
    }
    cp = (cp << 6) | (d & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    *i = k + 1;
    return -1;
  }
  *i = k + len;
  return static_cast<int32_t>(cp);
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string NormalizedText::Utf8(size_t from, size_t to) const {
  std::string s;
  for (size_t i = from; i < to && i < chars.size(); ++i) AppendUtf8(s, chars[i]);
  return s;
}

void Normalizer::Normalize(std::string_view text, NormalizedText* out) const {
  out->Clear();
  const FoldTable& t = *table_;
  const bool repeats = t.options().repeats;
  bool pending_gap = false;
  auto emit = [&](uint32_t e, uint32_t b, uint32_t en) {
    if (e & FoldTable::kDrop) return;
    if (e & FoldTable::kNoise) {
      pending_gap = true;
      return;
    }
    char32_t c = e & FoldTable::kCpMask;
    if (repeats && !out->chars.empty() && out->chars.back() == c) {
      out->end.back() = en;
      if (out->run.back() < 255) ++out->run.back();
      pending_gap = false;
      return;
    }
    out->chars.push_back(c);
    out->begin.push_back(b);
    out->end.push_back(en);
    out->run.push_back(1);
    out->gap.push_back(pending_gap ? 1 : 0);
    pending_gap = false;
  };
  size_t i = 0;
  while (i < text.size()) {
    size_t b = i;
    int32_t cp = DecodeUtf8(text, &i);
    if (cp < 0) {
      pending_gap = true;  // invalid byte: noise
      continue;
    }
    uint32_t e = t.Lookup(static_cast<char32_t>(cp));
    if (e & FoldTable::kMulti) {
      size_t n;
      const uint32_t* p = t.Pool(e, &n);
      for (size_t k = 0; k < n; ++k) emit(p[k], b, i);
    } else {
      emit(e, b, i);
    }
  }
  out->gap_at_end = true;
}

std::string Normalizer::NormalizeToUtf8(std::string_view text) const {
  NormalizedText n;
  Normalize(text, &n);
  return n.Utf8(0, n.size());
}

}  // namespace qun::moderation
