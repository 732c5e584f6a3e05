// WWW-Authenticate parsing (RFC 7235 section 4.1, RFC 6750 section 3).
//
// A header may hold several challenges: `Bearer realm="a,b",service="s", Basic realm="x"`.
// A comma separates both parameters and challenges; a token followed by a space and not by
// '=' starts a new challenge.
#include <cctype>

#include "berth/puller/auth.hpp"

namespace berth::puller {

std::string Challenge::Param(const std::string& key) const {
  auto it = params.find(key);
  return it == params.end() ? std::string() : it->second;
}

namespace {

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  void SkipSpaceAndCommas() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == ',')) ++pos_;
  }
  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }
  void Advance() { ++pos_; }
  std::string_view Token() {
    size_t start = pos_;
    while (pos_ < s_.size() && IsTokenChar(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  // A quoted-string after the opening quote; false when unterminated.
  bool Quoted(std::string* out) {
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == '"') return true;
      if (c == '\\' && pos_ < s_.size()) c = s_[pos_++];
      out->push_back(c);
    }
    return false;
  }
  size_t pos() const { return pos_; }
  void set_pos(size_t p) { pos_ = p; }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

Error Malformed(std::string_view header, std::string_view why) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "parse WWW-Authenticate header '" + std::string(header) + "': " +
                       std::string(why));
}

// Reads `key=value` pairs of one challenge until the next challenge or the end.
Result<void> ReadParams(Scanner& sc, std::string_view header, Challenge* ch) {
  for (;;) {
    sc.SkipSpaceAndCommas();
    if (sc.AtEnd()) return Ok();
    size_t mark = sc.pos();
    std::string_view key = sc.Token();
    if (key.empty()) return Malformed(header, "unexpected character");
    sc.SkipSpace();
    if (sc.Peek() != '=') {  // the next challenge's scheme
      sc.set_pos(mark);
      return Ok();
    }
    sc.Advance();
    sc.SkipSpace();
    std::string value;
    if (sc.Peek() == '"') {
      sc.Advance();
      if (!sc.Quoted(&value)) return Malformed(header, "unterminated quoted value");
    } else {
      value = std::string(sc.Token());
    }
    ch->params[Lower(key)] = value;
  }
}

}  // namespace

Result<std::vector<Challenge>> ParseWwwAuthenticate(std::string_view header) {
  std::vector<Challenge> out;
  Scanner sc(header);
  for (;;) {
    sc.SkipSpaceAndCommas();
    if (sc.AtEnd()) break;
    std::string_view scheme = sc.Token();
    if (scheme.empty()) return Malformed(header, "expected an auth scheme");
    Challenge ch;
    ch.scheme = Lower(scheme);
    BERTH_TRY(ReadParams(sc, header, &ch));
    out.push_back(std::move(ch));
  }
  if (out.empty()) return Malformed(header, "no challenge");
  return out;
}

Result<Credentials> ParseCreds(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "parse credentials: expected USER:PASSWORD");
  }
  return Credentials{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

}  // namespace berth::puller
