// Built-in Chinese and English text for synthetic messages, content titles
// and survey comments: sentence templates with slots (product, time, number,
// topic) filled from small word lists, optionally replaced by lines of a real
// corpus. A small share of styles carries what moderation must find: contact
// solicitation ("加V: abc123"), links, and words of the kind sensitive-word
// lexicons list.
//
// Thread-safety: pure functions over immutable tables.
#ifndef QUN_CORE_GEN_TEXT_H_
#define QUN_CORE_GEN_TEXT_H_

#include <cstdint>
#include <string>

#include "core/gen/corpus.h"
#include "core/gen/rng.h"
#include "qun/event.h"

namespace qun::gen {

enum class Lang : uint8_t { kZh = 0, kEn };

enum class TextStyle : uint8_t {
  kChat = 0,    // small talk, experiences, opinions
  kQuestion,    // ends with a question mark
  kAnswer,      // a reply to someone
  kGreeting,    // a newcomer introducing themselves
  kWelcome,     // the operator welcoming a newcomer
  kAd,          // spam: contact solicitation, links, ad words
  kBannedWord,  // an ordinary-looking message with one lexicon-style word
  kPraise,      // positive survey comment
  kComplaint,   // negative survey comment
};

// Appends one message of `style` in `lang`. With a non-empty corpus, kChat,
// kPraise and kComplaint in Chinese draw from it (positive lines for praise,
// negative for complaints, any line for chat) some of the time.
void AppendMessageText(std::string& out, Lang lang, TextStyle style, Rng& rng, const Corpus* corpus);

// Appends an operator content title of `category`.
void AppendContentTitle(std::string& out, Lang lang, ContentCategory category, Rng& rng);

// Appends the marker an edit adds to a message ("（已更正）", " (edited)" …).
void AppendEditSuffix(std::string& out, Lang lang, Rng& rng);

}  // namespace qun::gen

#endif  // QUN_CORE_GEN_TEXT_H_
