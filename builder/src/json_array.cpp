// JSON array detection with nlohmann's SAX parser in non-strict mode: it stops after the first
// value, as Go's json.Decoder does for Docker, and reports errors without throwing.
#include "json_array.hpp"

#include <nlohmann/json.hpp>

namespace berth::builder {

namespace {

// Collects the top-level strings of an array; notes any other top-level element.
class StringArrayCollector : public nlohmann::json_sax<nlohmann::json> {
 public:
  std::vector<std::string> strings;
  bool other_element = false;

  bool null() override { return Element(); }
  bool boolean(bool) override { return Element(); }
  bool number_integer(number_integer_t) override { return Element(); }
  bool number_unsigned(number_unsigned_t) override { return Element(); }
  bool number_float(number_float_t, const string_t&) override { return Element(); }
  bool string(string_t& s) override {
    if (depth_ == 1) strings.push_back(s);
    return true;
  }
  bool binary(binary_t&) override { return Element(); }
  bool start_object(std::size_t) override { return Open(); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool Element() {
    if (depth_ == 1) other_element = true;
    return true;
  }
  bool Open() {
    if (depth_ == 1) other_element = true;
    ++depth_;
    return true;
  }
  bool Close() {
    --depth_;
    return true;
  }
  int depth_ = 0;
};

}  // namespace

Result<std::optional<std::vector<std::string>>> ParseJsonStringArray(std::string_view text) {
  size_t start = text.find_first_not_of(" \t\n\v\f\r");
  if (start == std::string_view::npos || text[start] != '[') {
    return std::optional<std::vector<std::string>>();
  }
  text.remove_prefix(start);
  StringArrayCollector collector;
  bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &collector,
                                      nlohmann::json::input_format_t::json, /*strict=*/false);
  if (!ok) return std::optional<std::vector<std::string>>();
  if (collector.other_element) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "when using JSON array syntax, arrays must be comprised of strings only");
  }
  return std::optional<std::vector<std::string>>(std::move(collector.strings));
}

}  // namespace berth::builder
