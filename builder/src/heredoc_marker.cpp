// Heredoc marker recognition. BuildKit lexes heredoc words with the backslash escape whatever
// the file's escape character is; so does this.
#include "heredoc_marker.hpp"

#include <algorithm>

#include "berth/builder/expand.hpp"

namespace berth::builder {

namespace {

std::optional<std::string> NoVariable(std::string_view) { return std::nullopt; }

size_t CountQuotes(std::string_view s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\'') +
                             std::count(s.begin(), s.end(), '"'));
}

}  // namespace

std::optional<Heredoc> ParseHeredocMarker(std::string_view word) {
  size_t digits = 0;
  while (digits < word.size() && word[digits] >= '0' && word[digits] <= '9') ++digits;
  if (word.substr(digits, 2) != "<<") return std::nullopt;
  std::string_view rest = word.substr(digits + 2);
  bool strip_tabs = !rest.empty() && rest.front() == '-';
  if (strip_tabs) rest.remove_prefix(1);
  if (rest.empty() || rest.find('<') != std::string_view::npos) return std::nullopt;

  // The delimiter is lexed twice, with and without its quotes: if the counts of quote
  // characters differ, part of it was quoted, and the body is taken literally.
  ExpandOptions plain{.keep_unset = true};
  ExpandOptions raw{.keep_quotes = true, .keep_unset = true};
  auto words = Expand(rest, NoVariable, plain);
  auto raw_words = Expand(rest, NoVariable, raw);
  if (!words || !raw_words || words->words.size() != 1 || raw_words->words.size() != 1) {
    return std::nullopt;
  }
  Heredoc heredoc;
  heredoc.name = words->words[0];
  heredoc.expand = CountQuotes(words->words[0]) == CountQuotes(raw_words->words[0]);
  heredoc.strip_tabs = strip_tabs;
  unsigned long fd = 0;
  for (size_t i = 0; i < digits && fd <= 0xFFFF; ++i) fd = fd * 10 + (word[i] - '0');
  heredoc.fd = fd <= 0xFFFF ? static_cast<unsigned>(fd) : 0;
  return heredoc;
}

std::vector<Heredoc> HeredocMarkersInLine(std::string_view line) {
  ExpandOptions raw{.keep_quotes = true, .keep_escapes = true, .keep_unset = true};
  auto words = Expand(line, NoVariable, raw);
  std::vector<Heredoc> heredocs;
  if (!words) return heredocs;  // an unbalanced quote: no heredocs, as BuildKit
  for (const std::string& word : words->words) {
    if (auto heredoc = ParseHeredocMarker(word)) heredocs.push_back(std::move(*heredoc));
  }
  return heredocs;
}

std::string StripLeadingTabs(std::string_view content) {
  std::string out;
  out.reserve(content.size());
  bool line_start = true;
  for (char c : content) {
    if (line_start && c == '\t') continue;
    line_start = c == '\n';
    out += c;
  }
  return out;
}

}  // namespace berth::builder
