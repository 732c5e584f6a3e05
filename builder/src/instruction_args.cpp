// ENV, LABEL and ARG arguments: quote-aware words, then name=value pairs (BuildKit's
// parseWords, parseNameVal and parseNameOrNameVal). Values stay as written; the planner
// expands them with expand.hpp, which also removes their quotes.
#include "berth/base/strings.hpp"
#include "instruction_parser.hpp"

namespace berth::builder {

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

Error Invalid(std::string what) { return MakeError(ErrorCode::kInvalidArgument, std::move(what)); }

}  // namespace

std::vector<std::string> SplitWordsKeepQuotes(std::string_view text, char escape) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  bool quoted = false;  // a quote was seen, so an empty word ("") still counts
  char quote = 0;
  for (size_t pos = 0; pos < text.size(); ++pos) {
    char c = text[pos];
    if (!in_word && quote == 0) {
      if (IsSpace(c)) continue;
      in_word = true;
    }
    if (quote == 0) {
      if (IsSpace(c)) {
        if (quoted || !word.empty()) words.push_back(std::move(word));
        word.clear();
        in_word = quoted = false;
        continue;
      }
      if (c == '\'' || c == '"') {
        quote = c;
        quoted = true;
      } else if (c == escape) {
        if (pos + 1 == text.size()) continue;  // an escape at the very end is dropped
        word += c;
        c = text[++pos];
      }
      word += c;
      continue;
    }
    if (c == quote) {
      quote = 0;
    } else if (c == escape && quote != '\'') {
      if (pos + 1 == text.size()) {
        quote = 0;
        continue;
      }
      word += c;
      c = text[++pos];
    }
    word += c;
  }
  if ((in_word || quote != 0) && (quoted || !word.empty())) words.push_back(std::move(word));
  return words;
}

Result<void> ParseKeyValueArgs(Instruction& in, char escape) {
  std::vector<std::string> words = SplitWordsKeepQuotes(in.args, escape);
  if (words.empty()) return Invalid(in.keyword + " requires at least one argument");
  if (words[0].find('=') == std::string::npos) {
    // The legacy form "ENV name value...": the first word is the name, the rest the value.
    std::string_view args = in.args;
    size_t gap = 0;
    while (gap < args.size() && !IsSpace(args[gap])) ++gap;
    std::string_view value = Trim(args.substr(gap));
    if (value.empty()) return Invalid(in.keyword + " must have two arguments");
    in.pairs.push_back({std::string(args.substr(0, gap)), std::string(value), true});
    return Ok();
  }
  for (const std::string& word : words) {
    size_t eq = word.find('=');
    if (eq == std::string::npos) {
      return Invalid("syntax error - can't find = in \"" + word +
                     "\". Must be of the form: name=value");
    }
    if (eq == 0) return Invalid(in.keyword + " names can not be blank");
    in.pairs.push_back({word.substr(0, eq), word.substr(eq + 1), true});
  }
  return Ok();
}

Result<void> ParseArgArgs(Instruction& in, char escape) {
  std::vector<std::string> words = SplitWordsKeepQuotes(in.args, escape);
  if (words.empty()) return Invalid("ARG requires at least one argument");
  for (const std::string& word : words) {
    size_t eq = word.find('=');
    if (eq == 0) return Invalid("ARG names can not be blank");
    if (eq == std::string::npos) {
      in.pairs.push_back({word, "", false});
    } else {
      in.pairs.push_back({word.substr(0, eq), word.substr(eq + 1), true});
    }
  }
  return Ok();
}

}  // namespace berth::builder
