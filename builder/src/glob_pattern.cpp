#include "glob_pattern.hpp"

#include "berth/base/strings.hpp"

namespace berth::builder {

namespace {

// Length of the UTF-8 sequence starting at text[pos], and its code point; an invalid byte
// counts as one character U+FFFD, as Go's decoder reads it.
size_t DecodeRune(std::string_view text, size_t pos, char32_t* rune) {
  auto b = static_cast<unsigned char>(text[pos]);
  size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
  if (len == 0 || pos + len > text.size()) {
    *rune = 0xFFFD;
    return 1;
  }
  char32_t r = len == 1 ? b : b & (0x7F >> len);
  for (size_t i = 1; i < len; ++i) {
    auto c = static_cast<unsigned char>(text[pos + i]);
    if ((c >> 6) != 2) {
      *rune = 0xFFFD;
      return 1;
    }
    r = (r << 6) | (c & 0x3F);
  }
  *rune = r;
  return len;
}

Error SyntaxError(std::string_view pattern) {
  return MakeError(ErrorCode::kInvalidArgument, "syntax error in pattern " + Quote(pattern));
}

// One class member of filepath.Match: a character other than '-' or ']' (or any character
// after '\'), which must be followed by more pattern (the closing ']' at least).
bool ClassChar(std::string_view p, size_t* pos, char32_t* out) {
  if (*pos >= p.size() || p[*pos] == '-' || p[*pos] == ']') return false;
  if (p[*pos] == '\\' && ++*pos >= p.size()) return false;
  *pos += DecodeRune(p, *pos, out);
  return *pos < p.size();
}

}  // namespace

bool GlobPattern::ParseClass(std::string_view p, size_t* pos, Token* t) {
  if (*pos < p.size() && p[*pos] == '^') {
    t->negated = true;
    ++*pos;
  }
  while (!(*pos < p.size() && p[*pos] == ']' && !t->ranges.empty())) {
    Range r{};
    if (!ClassChar(p, pos, &r.lo)) return false;
    r.hi = r.lo;
    if (p[*pos] == '-') {
      ++*pos;
      if (!ClassChar(p, pos, &r.hi)) return false;
    }
    t->ranges.push_back(r);
  }
  ++*pos;  // the closing ']'
  return true;
}

Result<GlobPattern> GlobPattern::Compile(std::string_view p, Dialect dialect) {
  GlobPattern g;
  Type type = Type::kExact;
  const bool ignore = dialect == Dialect::kIgnoreFile;
  for (size_t pos = 0, i = 0; pos < p.size(); ++i) {
    char c = p[pos++];
    if (c == '*' && ignore && pos < p.size() && p[pos] == '*') {
      ++pos;
      if (pos < p.size() && p[pos] == '/') ++pos;
      if (pos == p.size()) {
        if (type == Type::kExact)
          g.fixed_ = std::string(p.substr(0, pos - (p.back() == '/' ? 3 : 2)));
        type = type == Type::kExact ? Type::kPrefix : Type::kProgram;
        g.tokens_.push_back({Kind::kAnything});
      } else {
        type = Type::kProgram;
        g.tokens_.push_back({Kind::kAnyDirs});
      }
      if (i == 0) {
        type = Type::kSuffix;
        g.fixed_ = std::string(p.substr(2));
      }
    } else if (c == '*') {
      type = Type::kProgram;
      if (g.tokens_.empty() || g.tokens_.back().kind != Kind::kStar) {
        g.tokens_.push_back({Kind::kStar});
      }
    } else if (c == '?') {
      type = Type::kProgram;
      g.tokens_.push_back({Kind::kAny});
    } else if (c == '\\') {
      if (pos == p.size()) return SyntaxError(p);
      type = Type::kProgram;
      g.tokens_.push_back({Kind::kLiteral, p[pos++]});
    } else if (c == '[') {
      type = Type::kProgram;
      Token t{Kind::kClass};
      if (!ParseClass(p, &pos, &t)) return SyntaxError(p);
      g.tokens_.push_back(std::move(t));
    } else {
      // ']' outside a class is a literal in both filepath.Match and Go's regexp.
      if (c == ']') type = Type::kProgram;
      g.tokens_.push_back({Kind::kLiteral, c});
    }
  }
  if (type == Type::kExact) g.fixed_ = std::string(p);
  g.type_ = ignore ? type : Type::kProgram;
  return g;
}

void GlobPattern::Advance(std::vector<std::vector<char>>& reach, std::string_view text,
                          size_t pos) const {
  std::vector<char>& now = reach[pos];
  const size_t n = tokens_.size();
  auto mark = [&](size_t to_pos, size_t state) { reach[to_pos][state] = 1; };
  for (size_t i = 0; i < n; ++i) {
    const Kind k = tokens_[i].kind;
    // Tokens that may match nothing pass the state on before anything is consumed; states
    // only move forward, so one pass in order closes the set.
    if (now[2 * i] && (k == Kind::kStar || k == Kind::kAnyDirs || k == Kind::kAnything)) {
      now[2 * (i + 1)] = 1;
    }
  }
  if (pos == text.size()) return;
  char32_t rune = 0;
  const size_t len = DecodeRune(text, pos, &rune);
  const char c = text[pos];
  for (size_t i = 0; i < n; ++i) {
    const Token& t = tokens_[i];
    if (now[2 * i + 1]) {  // inside "(.*/)?": anything, and a '/' may end the group
      mark(pos + 1, 2 * i + 1);
      if (c == '/') mark(pos + 1, 2 * (i + 1));
    }
    if (!now[2 * i]) continue;
    switch (t.kind) {
      case Kind::kLiteral:
        if (c == t.literal) mark(pos + 1, 2 * (i + 1));
        break;
      case Kind::kStar:
        if (c != '/') mark(pos + 1, 2 * i);
        break;
      case Kind::kAny:
        if (c != '/') mark(pos + len, 2 * (i + 1));
        break;
      case Kind::kClass: {
        bool in = false;
        for (const Range& r : t.ranges) in = in || (r.lo <= rune && rune <= r.hi);
        if (in != t.negated) mark(pos + len, 2 * (i + 1));
        break;
      }
      case Kind::kAnyDirs:
        mark(pos + 1, 2 * i + 1);
        if (c == '/') mark(pos + 1, 2 * (i + 1));
        break;
      case Kind::kAnything:
        mark(pos + 1, 2 * i);
        break;
    }
  }
}

std::vector<char> GlobPattern::Run(std::string_view text) const {
  const size_t states = 2 * tokens_.size() + 2;
  std::vector<std::vector<char>> reach(text.size() + 1, std::vector<char>(states, 0));
  reach[0][0] = 1;
  for (size_t pos = 0; pos <= text.size(); ++pos) Advance(reach, text, pos);
  return std::move(reach[text.size()]);
}

bool GlobPattern::Match(std::string_view text) const {
  switch (type_) {
    case Type::kExact:
      return text == fixed_;
    case Type::kPrefix:
      return text.starts_with(fixed_);
    case Type::kSuffix: {
      // patternmatcher's shortcut for "**" followed by literal text: a plain suffix test
      // (so "**.go" matches "a.go", while the general "**" rule would not).
      std::string_view suffix = fixed_;
      if (text.ends_with(suffix)) return true;
      return !suffix.empty() && suffix.front() == '/' && text == suffix.substr(1);
    }
    case Type::kProgram:
      break;
  }
  return Run(text)[2 * tokens_.size()] != 0;
}

bool GlobPattern::MayMatchBelow(std::string_view prefix) const {
  if (type_ == Type::kSuffix) return true;
  std::vector<char> alive = Run(prefix);
  // The final state alone means the pattern ends exactly at `prefix`.
  for (size_t s = 0; s < 2 * tokens_.size(); ++s) {
    if (alive[s]) return true;
  }
  return false;
}

bool ContainsWildcards(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      ++i;
    } else if (c == '*' || c == '?' || c == '[') {
      return true;
    }
  }
  return false;
}

}  // namespace berth::builder
