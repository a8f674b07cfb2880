#include "core/moderation/lexicon.h"

#include <algorithm>
#include <charconv>
#include <unordered_map>

#include "common/strings.h"

namespace qun::moderation {
namespace {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\r' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsAsciiLetter(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }

}  // namespace

Status ParseLexicon(std::string_view text, std::string_view default_category, std::string_view source,
                    bool allow, std::vector<LexiconEntry>* out) {
  if (auto bad = FindInvalidUtf8(text)) {
    size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + *bad, '\n'));
    return InvalidArgument(std::string(source) + ":" + std::to_string(line) + ": invalid UTF-8 at byte " +
                           std::to_string(*bad));
  }
  size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    auto where = [&] { return std::string(source) + ":" + std::to_string(line_no) + ": "; };
    // Fields are tab-separated; the word itself may contain spaces.
    std::vector<std::string_view> fields;
    size_t f = 0;
    while (true) {
      size_t tab = line.find('\t', f);
      fields.push_back(line.substr(f, tab == std::string_view::npos ? std::string_view::npos : tab - f));
      if (tab == std::string_view::npos) break;
      f = tab + 1;
    }
    std::string_view word = TrimSpaces(fields[0]);
    if (word.empty()) {
      bool all_blank = true;
      for (auto fv : fields) all_blank = all_blank && TrimSpaces(fv).empty();
      if (all_blank) continue;
      return InvalidArgument(where() + "empty word before a tab");
    }
    if (fields.size() > 3) return InvalidArgument(where() + "expected word[<TAB>category[<TAB>severity]], got " +
                                                  std::to_string(fields.size()) + " fields");
    if (word.size() > kMaxWordBytes)
      return InvalidArgument(where() + "word longer than " + std::to_string(kMaxWordBytes) + " bytes");
    LexiconEntry e;
    e.word = std::string(word);
    e.category = std::string(default_category);
    e.allow = allow;
    if (fields.size() >= 2) {
      std::string_view cat = TrimSpaces(fields[1]);
      if (!cat.empty()) e.category = std::string(cat);
    }
    if (fields.size() == 3) {
      std::string_view sev = TrimSpaces(fields[2]);
      int v = 0;
      auto [p, ec] = std::from_chars(sev.data(), sev.data() + sev.size(), v);
      if (ec != std::errc() || p != sev.data() + sev.size() || v < 1 || v > 10)
        return InvalidArgument(where() + "severity '" + Excerpt(sev) + "' is not an integer 1..10");
      e.severity = v;
    }
    out->push_back(std::move(e));
  }
  return Status::Ok();
}

Result<std::shared_ptr<const LexiconMatcher>> LexiconMatcher::Build(std::vector<LexiconEntry> entries,
                                                                    std::shared_ptr<const FoldTable> table,
                                                                    const MatcherOptions& options) {
  std::shared_ptr<LexiconMatcher> m(new LexiconMatcher(Normalizer(std::move(table))));
  m->options_ = options;
  m->entries_ = std::move(entries);
  m->stats_.entries = m->entries_.size();

  struct Pending {
    std::vector<std::pair<uint32_t, std::vector<uint8_t>>> variants;  // entry, runs (empty = all 1)
  };
  std::unordered_map<std::u32string, uint32_t> key_index;
  std::vector<std::u32string> keys;
  std::vector<Pending> pending;
  NormalizedText nt;
  for (uint32_t i = 0; i < m->entries_.size(); ++i) {
    const LexiconEntry& e = m->entries_[i];
    m->normalizer_.Normalize(e.word, &nt);
    if (nt.size() == 0) {
      ++m->stats_.skipped_empty;
      continue;
    }
    size_t full_length = 0;
    bool repeated = false;
    for (uint8_t r : nt.run) {
      full_length += r;
      repeated = repeated || r > 1;
    }
    if (full_length < options.min_chars) {
      ++m->stats_.skipped_short;
      continue;
    }
    std::vector<uint8_t> runs;
    if (repeated) runs = nt.run;
    auto [it, inserted] = key_index.emplace(nt.chars, static_cast<uint32_t>(keys.size()));
    if (inserted) {
      keys.push_back(nt.chars);
      pending.emplace_back();
    }
    Pending& p = pending[it->second];
    bool dup = false;
    for (auto& [other, other_runs] : p.variants) {
      if (other_runs != runs || m->entries_[other].allow != e.allow) continue;
      dup = true;
      // Report the plainest spelling: prefer an entry already in normalized
      // form ("法轮功" over "法.轮.功"), else the first loaded.
      bool clean = nt.Utf8(0, nt.size()) == e.word && !repeated;
      if (clean && m->normalizer_.NormalizeToUtf8(m->entries_[other].word) != m->entries_[other].word) other = i;
      break;
    }
    if (dup) {
      ++m->stats_.duplicates;
      continue;
    }
    p.variants.emplace_back(i, std::move(runs));
  }
  QUN_ASSIGN_OR_RETURN(m->automaton_, Automaton::Build(keys));
  for (size_t k = 0; k < keys.size(); ++k) {
    const std::u32string& key = keys[k];
    Key kk{};
    kk.length = static_cast<uint32_t>(key.size());
    kk.whole_word = options.latin_whole_word && std::all_of(key.begin(), key.end(), IsAsciiAlnum);
    kk.letters_first = IsAsciiLetter(key.front());
    kk.letters_last = IsAsciiLetter(key.back());
    kk.first_variant = static_cast<uint32_t>(m->variants_.size());
    kk.variant_count = static_cast<uint32_t>(pending[k].variants.size());
    for (auto& [entry, runs] : pending[k].variants) {
      Variant v{entry, UINT32_MAX};
      if (!runs.empty()) {
        v.runs_offset = static_cast<uint32_t>(m->runs_.size());
        m->runs_.insert(m->runs_.end(), runs.begin(), runs.end());
      }
      kk.allow = kk.allow || m->entries_[entry].allow;
      m->variants_.push_back(v);
    }
    m->keys_.push_back(kk);
  }
  m->stats_.keys = keys.size();
  m->stats_.states = m->automaton_.state_count();
  m->stats_.memory_bytes = m->automaton_.MemoryBytes() + m->keys_.size() * sizeof(Key) +
                           m->variants_.size() * sizeof(Variant) + m->runs_.size();
  return std::shared_ptr<const LexiconMatcher>(std::move(m));
}

bool LexiconMatcher::WholeWordAt(const NormalizedText& t, const Key& k, uint32_t start, uint32_t end) const {
  // A boundary is noise, the text's edge, or a change of class: a letter
  // next to a non-letter, a digit next to a non-digit.
  auto same_class = [](char32_t a, bool a_letter) {
    return a_letter ? IsAsciiLetter(a) : IsAsciiDigit(a);
  };
  if (start > 0 && !t.gap[start] && same_class(t.chars[start - 1], k.letters_first)) return false;
  if (end < t.size() && !t.gap[end] && same_class(t.chars[end], k.letters_last)) return false;
  return true;
}

void LexiconMatcher::FindNormalized(const NormalizedText& text, std::vector<LexiconMatch>* out) const {
  size_t first_out = out->size();
  std::vector<std::pair<uint32_t, uint32_t>> allow_spans;
  automaton_.Scan(text.chars.data(), text.size(), [&](size_t end, uint32_t key_id) {
    const Key& k = keys_[key_id];
    uint32_t e = static_cast<uint32_t>(end), s = e - k.length;
    if (k.whole_word && !WholeWordAt(text, k, s, e)) return;
    for (uint32_t v = k.first_variant; v < k.first_variant + k.variant_count; ++v) {
      const Variant& var = variants_[v];
      if (var.runs_offset != UINT32_MAX) {
        bool ok = true;
        for (uint32_t j = 0; j < k.length && ok; ++j) ok = text.run[s + j] >= runs_[var.runs_offset + j];
        if (!ok) continue;
      }
      if (entries_[var.entry].allow) {
        allow_spans.emplace_back(s, e);
        return;
      }
      if (!k.allow) {  // no allow variant can follow: report the first passing one
        out->push_back({var.entry, s, e, text.begin[s], text.end[e - 1]});
        return;
      }
      // Keys with allow variants: an allow variant later in the list wins.
      bool allowed_later = false;
      for (uint32_t w = v + 1; w < k.first_variant + k.variant_count && !allowed_later; ++w) {
        const Variant& other = variants_[w];
        if (!entries_[other.entry].allow) continue;
        bool ok = true;
        if (other.runs_offset != UINT32_MAX)
          for (uint32_t j = 0; j < k.length && ok; ++j) ok = text.run[s + j] >= runs_[other.runs_offset + j];
        allowed_later = ok;
      }
      if (allowed_later) allow_spans.emplace_back(s, e);
      else out->push_back({var.entry, s, e, text.begin[s], text.end[e - 1]});
      return;
    }
  });
  if (!allow_spans.empty()) {
    auto covered = [&](const LexiconMatch& m) {
      for (const auto& [a, b] : allow_spans)
        if (a <= m.start_char && m.end_char <= b) return true;
      return false;
    };
    out->erase(std::remove_if(out->begin() + static_cast<std::ptrdiff_t>(first_out), out->end(), covered),
               out->end());
  }
  std::sort(out->begin() + static_cast<std::ptrdiff_t>(first_out), out->end(),
            [](const LexiconMatch& a, const LexiconMatch& b) {
              if (a.start_char != b.start_char) return a.start_char < b.start_char;
              if (a.end_char != b.end_char) return a.end_char > b.end_char;
              return a.entry < b.entry;
            });
}

void LexiconMatcher::Find(std::string_view text, NormalizedText* scratch, std::vector<LexiconMatch>* out) const {
  normalizer_.Normalize(text, scratch);
  FindNormalized(*scratch, out);
}

size_t LexiconMatcher::CountRaw(std::string_view text) const {
  size_t n = 0;
  automaton_.ScanUtf8(text, [&](size_t, uint32_t) { ++n; });
  return n;
}

}  // namespace qun::moderation
