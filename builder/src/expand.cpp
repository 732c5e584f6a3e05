// Shell-word expansion as BuildKit's shell.Lex does it: one left-to-right pass that builds the
// expanded text and, at the same time, its split into words.
#include "berth/builder/expand.hpp"

#include <algorithm>

#include "berth/base/strings.hpp"
#include "shell_pattern.hpp"

namespace berth::builder {

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
// Bytes of multi-byte UTF-8 sequences count as letters, so non-ASCII names stay whole.
bool IsNameChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
// POSIX special parameters: $@ $* $# $? $- $$ $! $0.
bool IsSpecialParam(char c) {
  return std::string_view("@*#?-$!0").find(c) != std::string_view::npos;
}

void AddOnce(std::vector<std::string>& list, const std::string& name) {
  if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
}

// Word splitting as it happens: quoted or escaped text never splits, whitespace in plain text
// and in unquoted expansions does. A word that stays empty is dropped (Docker drops `""`).
class WordSplitter {
 public:
  void AddChar(char c) {
    if (!IsSpace(c)) return AddRawChar(c);
    if (in_word_ && !word_.empty()) {
      words_.push_back(std::move(word_));
      word_.clear();
      in_word_ = false;
    }
  }
  void AddRawChar(char c) {
    word_ += c;
    in_word_ = true;
  }
  void AddString(std::string_view s) {
    for (char c : s) AddChar(c);
  }
  void AddRawString(std::string_view s) {
    word_ += s;
    in_word_ = true;
  }
  std::vector<std::string> Finish() {
    if (!word_.empty()) words_.push_back(std::move(word_));
    return std::move(words_);
  }

 private:
  std::string word_;
  std::vector<std::string> words_;
  bool in_word_ = false;
};

class Expander {
 public:
  Expander(std::string_view text, const VarLookup& lookup, const ExpandOptions& options)
      : text_(text), lookup_(lookup), options_(options), raw_escapes_(options.keep_escapes) {}

  Result<Expansion> Run() {
    WordSplitter words;
    auto word = ProcessUntil(kEnd, options_.keep_escapes, &words);
    if (!word) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "expand " + Quote(text_) + ": " + word.error().message);
    }
    Expansion out;
    out.word = std::move(*word);
    out.words = words.Finish();
    out.used = std::move(used_);
    out.unset = std::move(unset_);
    return out;
  }

 private:
  static constexpr int kEnd = -1;

  static Error Syntax(std::string message) {
    return MakeError(ErrorCode::kInvalidArgument, std::move(message));
  }
  bool AtEnd() const { return pos_ >= text_.size(); }

  // Expands up to the unescaped, unquoted `stop` character (consumed) or the end of the text.
  Result<std::string> ProcessUntil(int stop, bool raw_escapes, WordSplitter* words) {
    bool saved_raw = raw_escapes_;
    raw_escapes_ = raw_escapes;
    WordSplitter ignored;
    WordSplitter& split = words != nullptr ? *words : ignored;
    std::string result;
    while (!AtEnd()) {
      char c = text_[pos_];
      if (stop != kEnd && c == static_cast<char>(stop)) {
        ++pos_;
        raw_escapes_ = saved_raw;
        return result;
      }
      if (c == '$' || c == '\'' || c == '"') {
        auto part = c == '$' ? Dollar() : c == '\'' ? SingleQuote() : DoubleQuote();
        if (!part) return std::move(part).error();
        result += *part;
        if (c == '$') {
          split.AddString(*part);
        } else {
          split.AddRawString(*part);
        }
        continue;
      }
      ++pos_;
      if (c == options_.escape) {
        if (raw_escapes_) {
          split.AddRawChar(c);
          result += c;
        }
        if (AtEnd()) break;  // an escape at the very end is dropped
        c = text_[pos_++];
        split.AddRawChar(c);
      } else {
        split.AddChar(c);
      }
      result += c;
    }
    raw_escapes_ = saved_raw;
    if (stop != kEnd) {
      return Syntax("unexpected end of statement while looking for matching " +
                    std::string(1, static_cast<char>(stop)));
    }
    return result;
  }

  Result<std::string> SingleQuote() {
    std::string result;
    if (options_.keep_quotes) result += '\'';
    ++pos_;
    while (!AtEnd()) {
      char c = text_[pos_++];
      if (c == '\'') {
        if (options_.keep_quotes) result += c;
        return result;
      }
      result += c;
    }
    return Syntax("unexpected end of statement while looking for matching single-quote");
  }

  Result<std::string> DoubleQuote() {
    std::string result;
    if (options_.keep_quotes) result += '"';
    ++pos_;
    while (!AtEnd()) {
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        if (options_.keep_quotes) result += c;
        return result;
      }
      if (c == '$') {
        BERTH_ASSIGN_OR_RETURN(std::string value, Dollar());
        result += value;
        continue;
      }
      ++pos_;
      if (c == options_.escape && !AtEnd()) {
        char next = text_[pos_];
        // Inside double quotes the escape character escapes only these; before anything else
        // it is an ordinary character.
        if (next == '"' || next == '$' || next == options_.escape) {
          if (raw_escapes_) result += c;
          result += next;
          ++pos_;
          continue;
        }
      } else if (c == options_.escape) {
        if (raw_escapes_) result += c;
        continue;
      }
      result += c;
    }
    return Syntax("unexpected end of statement while looking for matching double-quote");
  }

  std::string Name() {
    size_t start = pos_;
    if (!AtEnd() && IsDigit(text_[pos_])) {
      while (!AtEnd() && IsDigit(text_[pos_])) ++pos_;
    } else if (!AtEnd() && IsSpecialParam(text_[pos_])) {
      ++pos_;
    } else {
      while (!AtEnd() && IsNameChar(text_[pos_])) ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  std::optional<std::string> Get(const std::string& name, bool value_needed) {
    std::optional<std::string> value = lookup_ ? lookup_(name) : std::nullopt;
    if (value) {
      AddOnce(used_, name);
    } else if (value_needed) {
      AddOnce(unset_, name);
    }
    return value;
  }

  Result<std::string> Dollar();
  Result<std::string> Modifier(const std::string& name, std::string mod);

  std::string_view text_;
  const VarLookup& lookup_;
  const ExpandOptions& options_;
  bool raw_escapes_;
  size_t pos_ = 0;
  std::vector<std::string> used_;
  std::vector<std::string> unset_;
};

Result<std::string> Expander::Dollar() {
  ++pos_;  // '$'
  if (AtEnd() || text_[pos_] != '{') {
    std::string name = Name();
    if (name.empty()) return std::string("$");
    std::optional<std::string> value = Get(name, true);
    if (!value) return options_.keep_unset ? "$" + name : std::string();
    return *value;
  }
  ++pos_;  // '{'
  if (AtEnd()) return Syntax("syntax error: missing '}'");
  if (char c = text_[pos_]; c == '{' || c == '}' || c == ':') {
    return Syntax("syntax error: bad substitution");
  }
  std::string name = Name();
  if (AtEnd()) return Syntax("syntax error: missing '}'");
  char c = text_[pos_++];
  if (c == '}') {
    std::optional<std::string> value = Get(name, true);
    if (!value) return options_.keep_unset ? "${" + name + "}" : std::string();
    return *value;
  }
  std::string mod(1, c);
  if (c == ':') {
    if (AtEnd()) return Syntax("syntax error: missing '}'");
    mod += text_[pos_++];
  }
  return Modifier(name, mod);
}

// ${name<mod>word} after `mod`: the word up to the closing brace, then the modifier applied.
Result<std::string> Expander::Modifier(const std::string& name, std::string mod) {
  char op = mod.back();
  if (std::string_view("-+?#%").find(op) == std::string_view::npos) {
    return Syntax("unsupported modifier (" + mod + ") in substitution");
  }
  bool null_is_unset = mod.size() == 2;
  bool is_pattern = op == '#' || op == '%';
  auto word = ProcessUntil('}', is_pattern, nullptr);
  if (!word) {
    if (AtEnd()) return Syntax("syntax error: missing '}'");
    return std::move(word).error();
  }
  std::optional<std::string> value = Get(name, is_pattern);
  if (!value && options_.keep_unset) return "${" + name + mod + *word + "}";
  bool empty_or_unset = !value || (null_is_unset && value->empty());
  switch (op) {
    case '-':
      return empty_or_unset ? *word : *value;
    case '+':
      return empty_or_unset ? std::string() : *word;
    case '?':
      if (!empty_or_unset) return *value;
      if (!word->empty()) return Syntax(name + ": " + *word);
      return Syntax(name +
                    (value ? ": is not allowed to be empty" : ": is not allowed to be unset"));
    default:
      break;
  }
  std::string pattern = *word;
  bool longest = !pattern.empty() && pattern.front() == op;
  if (longest) pattern.erase(0, 1);
  auto glob = ShellPattern::Compile(pattern);
  if (!glob) {
    return Syntax("invalid pattern (" + pattern + ") in substitution: " + glob.error().message);
  }
  return op == '#' ? glob->RemovePrefix(value.value_or(""), longest)
                   : glob->RemoveSuffix(value.value_or(""), longest);
}

}  // namespace

VarLookup LookupIn(const std::map<std::string, std::string>& vars) {
  return [&vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Result<Expansion> Expand(std::string_view text, const VarLookup& lookup,
                         const ExpandOptions& options) {
  return Expander(text, lookup, options).Run();
}

Result<std::string> ExpandWord(std::string_view text, const VarLookup& lookup,
                               const ExpandOptions& options) {
  BERTH_ASSIGN_OR_RETURN(Expansion e, Expand(text, lookup, options));
  return std::move(e.word);
}

Result<std::vector<std::string>> ExpandWords(std::string_view text, const VarLookup& lookup,
                                             const ExpandOptions& options) {
  BERTH_ASSIGN_OR_RETURN(Expansion e, Expand(text, lookup, options));
  return std::move(e.words);
}

}  // namespace berth::builder
