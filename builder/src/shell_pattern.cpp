// Shell pattern matching for the # and % expansion modifiers.
#include "shell_pattern.hpp"

namespace berth::builder {

namespace {

// Length of the UTF-8 character at the start of `text` (1 for malformed bytes), so `?` matches
// one character, not one byte.
size_t CharLength(std::string_view text) {
  size_t n = 1;
  while (n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) ++n;
  return n;
}

}  // namespace

Result<ShellPattern> ShellPattern::Compile(std::string_view pattern) {
  ShellPattern glob;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '*') {
      glob.tokens_.push_back({Kind::kAnyText, 0});
    } else if (c == '?') {
      glob.tokens_.push_back({Kind::kAnyChar, 0});
    } else if (c == '\\') {
      char next = i + 1 < pattern.size() ? pattern[i + 1] : '\0';
      if (next != '*' && next != '?' && next != '\\' && next != '}' && next != '/') {
        return MakeError(ErrorCode::kInvalidArgument,
                         "invalid escape '\\" + std::string(next ? 1 : 0, next) + "'");
      }
      glob.tokens_.push_back({Kind::kLiteral, next});
      ++i;
    } else {
      glob.tokens_.push_back({Kind::kLiteral, c});
    }
  }
  return glob;
}

bool ShellPattern::Matches(std::string_view text) const {
  // Iterative matching with one backtrack point: the most recent `*` and where it started.
  size_t t = 0;
  size_t s = 0;
  size_t star_token = std::string_view::npos;
  size_t star_text = 0;
  while (s < text.size()) {
    if (t < tokens_.size() && tokens_[t].kind == Kind::kAnyText) {
      star_token = t++;
      star_text = s;
    } else if (t < tokens_.size() && tokens_[t].kind == Kind::kAnyChar) {
      ++t;
      s += CharLength(text.substr(s));
    } else if (t < tokens_.size() && tokens_[t].c == text[s]) {
      ++t;
      ++s;
    } else if (star_token != std::string_view::npos) {
      t = star_token + 1;
      star_text += CharLength(text.substr(star_text));
      s = star_text;
    } else {
      return false;
    }
  }
  while (t < tokens_.size() && tokens_[t].kind == Kind::kAnyText) ++t;
  return t == tokens_.size() && s == text.size();
}

std::string ShellPattern::RemovePrefix(std::string_view value, bool longest) const {
  for (size_t i = 0; i <= value.size(); ++i) {
    size_t len = longest ? value.size() - i : i;
    if (Matches(value.substr(0, len))) return std::string(value.substr(len));
  }
  return std::string(value);
}

std::string ShellPattern::RemoveSuffix(std::string_view value, bool longest) const {
  for (size_t i = 0; i <= value.size(); ++i) {
    size_t start = longest ? i : value.size() - i;
    if (Matches(value.substr(start))) return std::string(value.substr(0, start));
  }
  return std::string(value);
}

}  // namespace berth::builder
