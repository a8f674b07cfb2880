// Loading moderation assets from disk: lexicon files and folders, policy
// files, and the OpenCC traditional->simplified table. The adapter half of
// src/core/moderation (which never touches files).
//
// Thread-safety: free functions without shared state; safe from any thread.
#ifndef QUN_STORE_MODERATION_ASSETS_H_
#define QUN_STORE_MODERATION_ASSETS_H_

#include <memory>
#include <string>
#include <vector>

#include "core/moderation/engine.h"
#include "core/moderation/lexicon.h"
#include "core/moderation/normalizer.h"
#include "core/moderation/policy.h"
#include "qun/status.h"

namespace qun::store {

// Appends the entries of a lexicon file, or of every `*.txt` file in a
// folder (in name order, not recursive). A file's category is its name
// without the extension; a line's own category field wins. kNotFound when
// the path does not exist; kInvalidArgument (with file:line) on bad lines.
Status LoadLexiconPath(const std::string& path, bool allow, std::vector<moderation::LexiconEntry>* out);

// Reads and parses a policy file (errors are prefixed with the path).
Result<moderation::Policy> LoadPolicyFile(const std::string& path);

// The traditional->simplified character table of OpenCC (`config` is an
// OpenCC config name or path, default t2s.json from Debian's opencc). Builds
// it by converting every CJK code point once (about 0.1 s).
// kUnavailable when OpenCC cannot open the config.
Result<moderation::CharMapping> LoadT2sMapping(const std::string& config = "t2s.json");

// Everything a caller needs for a ruleset: policy file (or the default),
// lexicon paths, allow-list paths. The t2s table is loaded only when the
// policy enables that step.
Result<std::shared_ptr<const moderation::Ruleset>> LoadRuleset(const std::string& policy_path,
                                                               const std::vector<std::string>& lexicons,
                                                               const std::vector<std::string>& allow_lists);

}  // namespace qun::store

#endif  // QUN_STORE_MODERATION_ASSETS_H_
