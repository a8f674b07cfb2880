#include "core/members/segment_filter.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>

#include "common/strings.h"

namespace qun {

enum class Field : uint8_t {
  kStage, kLevel, kRfm, kR, kF, kM, kTag, kAttr, kPlatform,
  kMessages, kRepliesGiven, kRepliesReceived, kReactionsGiven, kReactionsReceived, kAnswers, kUgc,
  kInvites, kOrders, kGmv, kContribution, kActiveDays, kActiveDays30, kDaysSinceActive, kDaysSinceJoin,
  kCheckins,
};
enum class Op : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };
enum class Kind : uint8_t { kAnd, kOr, kNot, kCmp };

struct SegmentFilter::Node {
  Kind kind = Kind::kCmp;
  int a = -1, b = -1;  // children (and/or: both, not: a)
  Field field = Field::kStage;
  Op op = Op::kEq;
  std::string name;   // attr name
  std::string text;   // value as text
  double number = 0;  // value as number (numeric fields)
};

namespace {

struct FieldSpec {
  std::string_view name;
  Field field;
  bool numeric;
};
constexpr std::array<FieldSpec, 24> kFields = {{
    {"stage", Field::kStage, false},
    {"level", Field::kLevel, true},
    {"rfm", Field::kRfm, false},
    {"r", Field::kR, true},
    {"f", Field::kF, true},
    {"m", Field::kM, true},
    {"tag", Field::kTag, false},
    {"platform", Field::kPlatform, false},
    {"messages", Field::kMessages, true},
    {"replies_given", Field::kRepliesGiven, true},
    {"replies_received", Field::kRepliesReceived, true},
    {"reactions_given", Field::kReactionsGiven, true},
    {"reactions_received", Field::kReactionsReceived, true},
    {"answers", Field::kAnswers, true},
    {"ugc", Field::kUgc, true},
    {"invites", Field::kInvites, true},
    {"orders", Field::kOrders, true},
    {"gmv", Field::kGmv, true},
    {"contribution", Field::kContribution, true},
    {"active_days", Field::kActiveDays, true},
    {"active_days_30", Field::kActiveDays30, true},
    {"days_since_active", Field::kDaysSinceActive, true},
    {"days_since_join", Field::kDaysSinceJoin, true},
    {"checkins", Field::kCheckins, true},
}};

constexpr std::array<std::string_view, 6> kOps = {"=", "!=", "<", "<=", ">", ">="};

bool IsWordByte(unsigned char c) { return std::isalnum(c) || c == '_' || c == '-' || c == '.' || c >= 0x80; }

std::string Lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Result<std::vector<SegmentFilter::Node>> Run() {
    SkipSpace();
    if (pos_ == s_.size()) return std::move(nodes_);
    QUN_ASSIGN_OR_RETURN(int root, ParseOr(0));
    SkipSpace();
    if (pos_ != s_.size()) return Error("expected 'and', 'or' or the end of the filter");
    // Make the root the last node.
    if (root != static_cast<int>(nodes_.size()) - 1) {
      SegmentFilter::Node n;
      n.kind = Kind::kAnd;
      n.a = root;
      n.b = root;
      nodes_.push_back(n);
    }
    return std::move(nodes_);
  }

 private:
  Status Error(std::string what) const {
    return InvalidArgument("filter: at offset " + std::to_string(pos_) + ": " + what +
                           (pos_ < s_.size() ? " (found '" + Excerpt(s_.substr(pos_), 16) + "')" : ""));
  }
  void SkipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  // A bare word at pos_ (without consuming), or "".
  std::string_view PeekWord() const {
    size_t e = pos_;
    while (e < s_.size() && IsWordByte(static_cast<unsigned char>(s_[e]))) ++e;
    return s_.substr(pos_, e - pos_);
  }
  bool AcceptKeyword(std::string_view kw) {
    SkipSpace();
    std::string_view w = PeekWord();
    if (w.size() == kw.size() && Lower(w) == kw) {
      pos_ += w.size();
      return true;
    }
    return false;
  }
  int Add(Kind kind, int a, int b = -1) {
    SegmentFilter::Node n;
    n.kind = kind;
    n.a = a;
    n.b = b;
    return Add(std::move(n));
  }
  int Add(SegmentFilter::Node n) {
    nodes_.push_back(std::move(n));
    return static_cast<int>(nodes_.size()) - 1;
  }
  Result<int> ParseOr(int depth) {
    QUN_ASSIGN_OR_RETURN(int left, ParseAnd(depth));
    while (AcceptKeyword("or")) {
      QUN_ASSIGN_OR_RETURN(int right, ParseAnd(depth));
      left = Add(Kind::kOr, left, right);
    }
    return left;
  }
  Result<int> ParseAnd(int depth) {
    QUN_ASSIGN_OR_RETURN(int left, ParseUnary(depth));
    while (AcceptKeyword("and")) {
      QUN_ASSIGN_OR_RETURN(int right, ParseUnary(depth));
      left = Add(Kind::kAnd, left, right);
    }
    return left;
  }
  Result<int> ParseUnary(int depth) {
    if (depth > 32) return Error("filter nested too deeply (at most 32 levels)");
    SkipSpace();
    if (AcceptKeyword("not")) {
      QUN_ASSIGN_OR_RETURN(int a, ParseUnary(depth + 1));
      return Add(Kind::kNot, a);
    }
    if (pos_ < s_.size() && s_[pos_] == '(') {
      ++pos_;
      QUN_ASSIGN_OR_RETURN(int inner, ParseOr(depth + 1));
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != ')') return Error("expected ')'");
      ++pos_;
      return inner;
    }
    return ParseComparison();
  }
  Result<std::string> ParseValue() {
    SkipSpace();
    if (pos_ < s_.size() && (s_[pos_] == '"' || s_[pos_] == '\'')) {
      char q = s_[pos_];
      size_t start = ++pos_;
      size_t e = s_.find(q, start);
      if (e == std::string_view::npos) {
        pos_ = start - 1;
        return Error("unterminated quoted value");
      }
      pos_ = e + 1;
      return std::string(s_.substr(start, e - start));
    }
    std::string_view w = PeekWord();
    if (w.empty()) return Error("expected a value");
    pos_ += w.size();
    return std::string(w);
  }
  Result<int> ParseComparison() {
    SkipSpace();
    const size_t field_pos = pos_;
    std::string_view word = PeekWord();
    // tag:NAME shorthand (the word stops at ':').
    if (word.empty()) return Error("expected a field name, 'not' or '('");
    std::string fname = Lower(word);
    pos_ += word.size();
    SegmentFilter::Node n;
    if (pos_ < s_.size() && s_[pos_] == ':') {
      if (fname != "tag") {
        pos_ = field_pos;
        return Error("only 'tag:' takes the NAME shorthand");
      }
      ++pos_;
      if (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) return Error("expected a tag name after 'tag:'");
      QUN_ASSIGN_OR_RETURN(n.text, ParseValue());
      n.field = Field::kTag;
      return Add(std::move(n));
    }
    bool numeric = false;
    if (StartsWith(fname, "attr.") && fname.size() > 5) {
      n.field = Field::kAttr;
      n.name = std::string(word.substr(5));
    } else {
      auto it = std::find_if(kFields.begin(), kFields.end(), [&](const FieldSpec& f) { return f.name == fname; });
      if (it == kFields.end()) {
        pos_ = field_pos;
        return Error("unknown field '" + Excerpt(word, 32) + "' (see docs/members.md §8)");
      }
      n.field = it->field;
      numeric = it->numeric;
    }
    SkipSpace();
    size_t op_len = 0;
    for (int i = 0; i < 6; ++i) {
      std::string_view op = kOps[i];
      if (s_.substr(pos_, op.size()) == op && op.size() >= op_len) {
        op_len = op.size();
        n.op = static_cast<Op>(i);
      }
    }
    if (op_len == 0 && s_.substr(pos_, 2) == "==") {
      op_len = 2;
      n.op = Op::kEq;
    }
    if (op_len == 0) return Error("expected one of = != < <= > >=");
    pos_ += op_len;
    const size_t value_pos = pos_;
    QUN_ASSIGN_OR_RETURN(n.text, ParseValue());
    auto bad_value = [&](std::string why) {
      pos_ = value_pos;
      return Error(why);
    };
    if (numeric) {
      std::string v = n.text;
      if (n.field == Field::kLevel && (v.size() == 2 && (v[0] == 'L' || v[0] == 'l'))) v = v.substr(1);
      double d = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
      if (ec != std::errc() || p != v.data() + v.size() || !std::isfinite(d))
        return bad_value("field '" + fname + "' needs a number" +
                         (n.field == Field::kLevel ? std::string(" or L1..L5") : std::string()));
      n.number = d;
    } else {
      if (n.op != Op::kEq && n.op != Op::kNe) return bad_value("field '" + fname + "' compares only with = or !=");
      if (n.field == Field::kStage && !ParseStage(n.text)) return bad_value("unknown stage '" + Excerpt(n.text, 24) + "'");
      if (n.field == Field::kRfm) {
        auto t = ParseRfmTier(n.text);
        if (!t) return bad_value("unknown RFM tier '" + Excerpt(n.text, 24) + "'");
        n.text = std::string(RfmTierSlug(*t));
      }
      if (n.field == Field::kStage) n.text = std::string(StageName(*ParseStage(n.text)));
    }
    return Add(std::move(n));
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::vector<SegmentFilter::Node> nodes_;
};

template <typename T>
bool Compare(T a, Op op, T b) {
  switch (op) {
    case Op::kEq: return a == b;
    case Op::kNe: return a != b;
    case Op::kLt: return a < b;
    case Op::kLe: return a <= b;
    case Op::kGt: return a > b;
    case Op::kGe: return a >= b;
  }
  return false;
}

double NumericValue(Field f, const FilterSubject& s) {
  const MemberProfile& p = *s.profile;
  const DayCounts& c = p.facts.total;
  switch (f) {
    case Field::kLevel: return p.level;
    case Field::kR: return p.rfm.r;
    case Field::kF: return p.rfm.f;
    case Field::kM: return p.rfm.m;
    case Field::kMessages: return c.messages;
    case Field::kRepliesGiven: return c.replies_given;
    case Field::kRepliesReceived: return c.replies_received;
    case Field::kReactionsGiven: return c.reactions_given;
    case Field::kReactionsReceived: return c.reactions_received;
    case Field::kAnswers: return c.answers;
    case Field::kUgc: return c.ugc;
    case Field::kInvites: return c.invites;
    case Field::kOrders: return c.orders;
    case Field::kGmv: return static_cast<double>(c.gmv_minor) / 100.0;
    case Field::kContribution: return p.contribution;
    case Field::kActiveDays: return p.facts.active_days;
    case Field::kActiveDays30: return p.facts.active_days_window;
    case Field::kDaysSinceActive:
      return p.facts.last_active_day == kNoDay ? 1e9 : static_cast<double>(s.day - p.facts.last_active_day);
    case Field::kDaysSinceJoin:
      return p.facts.join_day == kNoDay ? -1 : static_cast<double>(s.day - p.facts.join_day);
    case Field::kCheckins: return c.checkins;
    default: return 0;
  }
}

bool Eval(const std::vector<SegmentFilter::Node>& nodes, int i, const FilterSubject& s) {
  const SegmentFilter::Node& n = nodes[i];
  switch (n.kind) {
    case Kind::kAnd: return Eval(nodes, n.a, s) && Eval(nodes, n.b, s);
    case Kind::kOr: return Eval(nodes, n.a, s) || Eval(nodes, n.b, s);
    case Kind::kNot: return !Eval(nodes, n.a, s);
    case Kind::kCmp: break;
  }
  const MemberProfile& p = *s.profile;
  switch (n.field) {
    case Field::kStage: return Compare<std::string_view>(StageName(p.stage), n.op, n.text);
    case Field::kRfm: return Compare<std::string_view>(RfmTierSlug(p.rfm.tier), n.op, n.text);
    case Field::kTag: {
      bool has = std::find(p.tags.begin(), p.tags.end(), n.text) != p.tags.end();
      return n.op == Op::kNe ? !has : has;
    }
    case Field::kPlatform: {
      bool has = std::find(s.platforms.begin(), s.platforms.end(), n.text) != s.platforms.end();
      return n.op == Op::kNe ? !has : has;
    }
    case Field::kAttr: {
      std::string_view v;
      bool found = false;
      for (const auto& [k, val] : s.attributes)
          if (k == n.name) {
            v = val;
            found = true;
          }
      return n.op == Op::kNe ? !(found && v == n.text) : (found && v == n.text);
    }
    default: return Compare<double>(NumericValue(n.field, s), n.op, n.number);
  }
}

std::string Print(const std::vector<SegmentFilter::Node>& nodes, int i) {
  const SegmentFilter::Node& n = nodes[i];
  switch (n.kind) {
    case Kind::kAnd:
      if (n.a == n.b) return Print(nodes, n.a);
      return "(" + Print(nodes, n.a) + " and " + Print(nodes, n.b) + ")";
    case Kind::kOr: return "(" + Print(nodes, n.a) + " or " + Print(nodes, n.b) + ")";
    case Kind::kNot: return "not " + Print(nodes, n.a);
    case Kind::kCmp: break;
  }
  auto quote = [](const std::string& v) {
    bool bare = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return IsWordByte(static_cast<unsigned char>(c)); });
    if (bare) return v;
    return (v.find('"') == std::string::npos ? "\"" + v + "\"" : "'" + v + "'");
  };
  if (n.field == Field::kTag) return (n.op == Op::kNe ? "not tag:" : "tag:") + quote(n.text);
  std::string name;
  if (n.field == Field::kAttr) name = "attr." + n.name;
  else
    for (const auto& f : kFields)
      if (f.field == n.field) name = f.name;
  return name + std::string(kOps[static_cast<int>(n.op)]) + quote(n.text);
}

}  // namespace

Result<SegmentFilter> SegmentFilter::Parse(std::string_view text) {
  if (text.size() > 4096) return InvalidArgument("filter: longer than 4096 bytes");
  if (auto bad = FindInvalidUtf8(text)) return InvalidArgument("filter: invalid UTF-8 at offset " + std::to_string(*bad));
  Parser p(text);
  QUN_ASSIGN_OR_RETURN(auto nodes, p.Run());
  SegmentFilter f;
  f.nodes_ = std::make_shared<const std::vector<Node>>(std::move(nodes));
  return f;
}

bool SegmentFilter::Matches(const FilterSubject& s) const {
  if (!nodes_ || nodes_->empty()) return true;
  return Eval(*nodes_, static_cast<int>(nodes_->size()) - 1, s);
}

std::string SegmentFilter::ToString() const {
  if (!nodes_ || nodes_->empty()) return "";
  return Print(*nodes_, static_cast<int>(nodes_->size()) - 1);
}

}  // namespace qun
