#include "berth/builder/expand.hpp"

#include <gtest/gtest.h>

#include "berth/builder/containerfile.hpp"

namespace berth::builder {
namespace {

const std::map<std::string, std::string> kVars = {
    {"PWD", "/home"},
    {"SHELL", "bash"},
    {"NULL", ""},
    {"KOREAN", "한국어"},
    {"SPACED", " a  b "},
    {"FOO", "xxyy"},
    {"URL", "https://example.com/a/b.tar.gz"},
};

struct Case {
  std::string input;
  std::string want;  // "error" for a failure
};

std::string Word(const std::string& input, const ExpandOptions& options = {}) {
  auto r = ExpandWord(input, LookupIn(kVars), options);
  if (!r) return "error";
  return *r;
}

// The single-word cases of BuildKit's envVarTest table (the Unix and All rows).
TEST(ExpandTest, WordsLikeBuildKit) {
  std::vector<Case> cases = {
      {"hello", "hello"},
      {"he'll'o", "hello"},
      {"he'llo", "error"},
      {"he\\'llo", "he'llo"},
      {"he\\\\'llo", "error"},
      {"abc\\tdef", "abctdef"},
      {"\"abc\\tdef\"", "abc\\tdef"},
      {"\"abc\\\\tdef\"", "abc\\tdef"},
      {"'abc\\tdef'", "abc\\tdef"},
      {"hello\\", "hello"},
      {"hello\\\\", "hello\\"},
      {"\"hello", "error"},
      {"\"hello\\\"", "error"},
      {"\"hel'lo\"", "hel'lo"},
      {"'hello", "error"},
      {"'hello\\'", "hello\\"},
      {"\"''\"", "''"},
      {"$.", "$."},
      {"he$1x", "hex"},
      {"he$.x", "he$.x"},
      {"he$pwd.", "he."},
      {"he$PWD", "he/home"},
      {"he\\$PWD", "he$PWD"},
      {"he\\\\$PWD", "he\\/home"},
      {"\"he\\$PWD\"", "he$PWD"},
      {"\"he\\\\$PWD\"", "he\\/home"},
      {"\\${}", "${}"},
      {"he\\${}xx", "he${}xx"},
      {"${}", "error"},
      {"he${}xx", "error"},
      {"he${hi}xx", "hexx"},
      {"he${PWD}", "he/home"},
      {"he${.}", "error"},
      {"he${XXX:-000}xx", "he000xx"},
      {"he${PWD:-000}xx", "he/homexx"},
      {"he${XXX:-$PWD}xx", "he/homexx"},
      {"he${XXX:-${PWD:-yyy}}xx", "he/homexx"},
      {"he${XXX:-${YYY:-yyy}}xx", "heyyyxx"},
      {"he${XXX:YYY}", "error"},
      {"he${XXX?}", "error"},
      {"he${XXX:?}", "error"},
      {"he${PWD?}", "he/home"},
      {"he${PWD:?}", "he/home"},
      {"he${NULL?}", "he"},
      {"he${NULL:?}", "error"},
      {"he${XXX:+${PWD}}xx", "hexx"},
      {"he${PWD:+${XXX}}xx", "hexx"},
      {"he${PWD:+${SHELL}}xx", "hebashxx"},
      {"he${XXX:+000}xx", "hexx"},
      {"he${PWD:+000}xx", "he000xx"},
      {"'he${XX}'", "he${XX}"},
      {"\"he${PWD}\"", "he/home"},
      {"\"he'$PWD'\"", "he'/home'"},
      {"'$PWD'", "$PWD"},
      {"'\\$PWD'", "\\$PWD"},
      {"'\"hello\"'", "\"hello\""},
      {"he${PWD", "error"},
      {"he${PWD:=000}xx", "error"},
      {"he${PWD:+${PWD}:}xx", "he/home:xx"},
      {"he${XXX:-\\$PWD:}xx", "he$PWD:xx"},
      {"he${XXX:-\\${PWD}z}xx", "he${PWDz}xx"},
      {"안'녕'하세요", "안녕하세요"},
      {"안녕$KOREAN", "안녕한국어"},
      {"${{aaa}", "error"},
      {"${aaa}}}", "}}"},
      {"${aaa", "error"},
      {"$(hello)", "$(hello)"},
      {"${FOO=aaa}", "error"},
  };
  for (const Case& c : cases) EXPECT_EQ(Word(c.input), c.want) << c.input;
}

TEST(ExpandTest, UnsetAndEmptyModifiers) {
  std::map<std::string, std::string> vars = {{"FOO", "xxx"}, {"BAR", ""}};
  auto word = [&](const std::string& in) { return *ExpandWord(in, LookupIn(vars)); };
  EXPECT_EQ(word("${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}"), "xxx  ccc");
  EXPECT_EQ(word("${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}"), "xxx bbb ccc");
  EXPECT_EQ(word("${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}"), "aaa bbb ");
  EXPECT_EQ(word("${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}"), "aaa  ");
}

TEST(ExpandTest, QuestionModifierMessages) {
  std::map<std::string, std::string> vars = {{"VAR", ""}, {"ARG", "x"}};
  auto unset = ExpandWord("${NOPE?}", LookupIn(vars));
  ASSERT_FALSE(unset);
  EXPECT_EQ(unset.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(unset.error().message, "expand '${NOPE?}': NOPE: is not allowed to be unset");
  auto empty = ExpandWord("${VAR:?}", LookupIn(vars));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message, "expand '${VAR:?}': VAR: is not allowed to be empty");
  auto custom = ExpandWord("${VAR:?message here$ARG}", LookupIn(vars));
  ASSERT_FALSE(custom);
  EXPECT_NE(custom.error().message.find("VAR: message herex"), std::string::npos);
}

TEST(ExpandTest, PatternRemoval) {
  std::vector<Case> cases = {
      {"${FOO#*x*y}", "y"},
      {"${FOO#*}", "xxyy"},
      {"${FOO#x}", "xyy"},
      {"${FOO##*x}", "yy"},
      {"${FOO##}", "xxyy"},
      {"${FOO%y}", "xxy"},
      {"${FOO%%y*}", "xx"},
      {"${FOO%}", "xxyy"},
      {"${FOO%?y}", "xx"},
      {"${URL##*/}", "b.tar.gz"},
      {"${URL%%.*}", "https://example"},
      {"${URL#*://}", "example.com/a/b.tar.gz"},
      {"${URL%.*}", "https://example.com/a/b.tar"},
      {"${NOPE#x}", ""},
      {"${FOO#\\x}", "error"},
  };
  for (const Case& c : cases) EXPECT_EQ(Word(c.input), c.want) << c.input;

  std::map<std::string, std::string> special = {{"FOO", "()[]{}^$.*?|\\x"}, {"STARS", "a***yy*"}};
  EXPECT_EQ(*ExpandWord("${FOO#()[]{\\}^$.\\*\\?|\\\\}", LookupIn(special)), "x");
  EXPECT_EQ(*ExpandWord("${STARS%%\\**\\*}", LookupIn(special)), "a");
}

TEST(ExpandTest, WordSplitting) {
  auto words = [](const std::string& in) { return *ExpandWords(in, LookupIn(kVars)); };
  using V = std::vector<std::string>;
  EXPECT_EQ(words("80/tcp  443"), (V{"80/tcp", "443"}));
  EXPECT_EQ(words("a $SPACED c"), (V{"a", "a", "b", "c"}));
  EXPECT_EQ(words("a \"$SPACED\" c"), (V{"a", " a  b ", "c"}));
  EXPECT_EQ(words("x${SPACED}y"), (V{"x", "a", "b", "y"}));
  EXPECT_EQ(words("'a b' c\\ d"), (V{"a b", "c d"}));
  EXPECT_EQ(words("a \"\" b"), (V{"a", "b"}));  // Docker drops empty quoted words
  EXPECT_EQ(words("${NOPE:-1 2}"), (V{"1", "2"}));
  EXPECT_EQ(words("   "), V{});
  // The single-word form keeps all the whitespace.
  EXPECT_EQ(*ExpandWord("a $SPACED c", LookupIn(kVars)), "a  a  b  c");
}

TEST(ExpandTest, ReportsUsedAndUnsetNames) {
  auto e = Expand("$PWD ${NOPE} ${GONE:-x} ${PWD} $NOPE ${FOO#x} ${MISSING%y}", LookupIn(kVars));
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->used, (std::vector<std::string>{"PWD", "FOO"}));
  // ${GONE:-x} brings its own value, so GONE is not reported.
  EXPECT_EQ(e->unset, (std::vector<std::string>{"NOPE", "MISSING"}));
}

TEST(ExpandTest, CallbackLookupSeesEachName) {
  std::vector<std::string> asked;
  VarLookup lookup = [&asked](std::string_view name) -> std::optional<std::string> {
    asked.emplace_back(name);
    if (name == "A") return std::string("1");
    return std::nullopt;
  };
  EXPECT_EQ(*ExpandWord("$A-${B:-2}-$C", lookup), "1-2-");
  EXPECT_EQ(asked, (std::vector<std::string>{"A", "B", "C"}));
}

TEST(ExpandTest, BacktickEscape) {
  ExpandOptions windows{.escape = '`'};
  EXPECT_EQ(Word("C:\\dir\\$SHELL", windows), "C:\\dir\\bash");
  EXPECT_EQ(Word("`$SHELL", windows), "$SHELL");
  EXPECT_EQ(Word("\"a`\"b\"", windows), "a\"b");
  EXPECT_EQ(Word("a` b", windows), "a b");
}

TEST(ExpandTest, KeepQuotesEscapesAndUnset) {
  ExpandOptions raw{.keep_quotes = true, .keep_escapes = true};
  EXPECT_EQ(Word("echo \"$SHELL\" '$PWD' \\$x", raw), "echo \"bash\" '$PWD' \\$x");
  ExpandOptions keep_unset{.keep_unset = true};
  EXPECT_EQ(Word("$SHELL $NOPE ${NOPE} ${NOPE:-d} ${PWD:-d}", keep_unset),
            "bash $NOPE ${NOPE} ${NOPE:-d} /home");
}

TEST(ExpandTest, SpecialParametersAndDigits) {
  std::map<std::string, std::string> vars = {{"1", "one"}, {"12", "twelve"}, {"@", "all"}};
  EXPECT_EQ(*ExpandWord("$12|$1x|$@|${@}|$", LookupIn(vars)), "twelve|onex|all|all|$");
}

// The parser keeps values as written; expanding them removes the quotes as Docker does.
TEST(ExpandTest, ParsedValuesExpandWithQuoteRemoval) {
  auto cf = Parse(
      "ENV A=\"two words\" B='$PWD' C=a\\ b D=$SHELL\"s\"\nWORKDIR \"/srv/$SHELL\"\n"
      "COPY \"$SHELL\" /x/\n",
      "Containerfile");
  ASSERT_TRUE(cf) << cf.error().message;
  std::vector<std::string> values;
  for (const KeyValue& kv : cf->instructions[0].pairs) {
    values.push_back(*ExpandWord(kv.value, LookupIn(kVars)));
  }
  EXPECT_EQ(values, (std::vector<std::string>{"two words", "$PWD", "a b", "bashs"}));
  EXPECT_EQ(*ExpandWord(cf->instructions[1].value, LookupIn(kVars)), "/srv/bash");
  EXPECT_EQ(*ExpandWord(cf->instructions[2].words[0], LookupIn(kVars)), "bash");

  auto windows = Parse("# escape=`\nENV P=C:\\tools`$x \"Q\"=`\"q`\"\n", "Containerfile");
  ASSERT_TRUE(windows) << windows.error().message;
  ExpandOptions backtick{.escape = windows->escape};
  const auto& pairs = windows->instructions[0].pairs;
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(*ExpandWord(pairs[0].value, LookupIn(kVars), backtick), "C:\\tools$x");
  EXPECT_EQ(*ExpandWord(pairs[1].key, LookupIn(kVars), backtick), "Q");
  EXPECT_EQ(*ExpandWord(pairs[1].value, LookupIn(kVars), backtick), "\"q\"");
}

TEST(ExpandTest, ErrorsNameTheText) {
  auto r = ExpandWord("/srv/${APP", LookupIn(kVars));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "expand '/srv/${APP': syntax error: missing '}'");
  auto quote = ExpandWord("it's", LookupIn(kVars));
  ASSERT_FALSE(quote);
  EXPECT_EQ(quote.error().message,
            "expand 'it's': unexpected end of statement while looking for matching single-quote");
  auto bad = ExpandWord("${:x}", LookupIn(kVars));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "expand '${:x}': syntax error: bad substitution");
}

}  // namespace
}  // namespace berth::builder
