#include "support/build_tool.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace berth::testing {

namespace {

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string Where(const BuildTool& tool, const BuildCase& c, int line) {
  return tool.Name() + " " + c.name + "/expect:" + std::to_string(line);
}

void CheckFailure(BuildTool& tool, const BuildCase& c, const CliResult& r,
                  const std::vector<std::string>& ids_before) {
  // 127: the tool itself could not be started, which proves nothing about the case.
  EXPECT_TRUE(r.status != 0 && r.status != 127)
      << tool.Name() << " " << c.name << ": the build must fail (status " << r.status << ")\n"
      << r.out << r.err;
  if (tool.ChecksErrorText()) {
    for (const auto& fragment : c.errors) {
      EXPECT_TRUE(r.err.find(fragment) != std::string::npos)
          << tool.Name() << " " << c.name << ": stderr lacks \"" << fragment << "\":\n"
          << r.err;
    }
  }
  EXPECT_EQ(tool.ImageIds(), ids_before)
      << tool.Name() << " " << c.name << ": a failed build left an image";
}

void CheckFields(BuildTool& tool, const BuildCase& c, const nlohmann::json& config) {
  for (const auto& f : c.fields) {
    nlohmann::json got;
    const nlohmann::json& where = f.top_level ? config : config.value("config", nlohmann::json());
    if (where.is_object() && where.contains(f.field)) got = where[f.field];
    EXPECT_EQ(NormaliseField(got).dump(), NormaliseField(f.want).dump())
        << Where(tool, c, f.line) << ": " << (f.top_level ? "" : "config.") << f.field;
  }
  for (const auto& text : c.history_lacks) {
    for (const auto& h : config.value("history", nlohmann::json::array())) {
      std::string by = h.value("created_by", "");
      EXPECT_EQ(by.find(text), std::string::npos)
          << tool.Name() << " " << c.name << ": history has \"" << text << "\": " << by;
    }
  }
  if (c.layers) {
    size_t n =
        config.value("rootfs", nlohmann::json()).value("diff_ids", nlohmann::json::array()).size();
    EXPECT_EQ(n, static_cast<size_t>(*c.layers)) << tool.Name() << " " << c.name << ": layers";
  }
}

void CheckRuns(BuildTool& tool, const BuildCase& c) {
  const std::string image = CaseImageName(c);
  for (const auto& run : c.runs) {
    CliResult r = tool.Run(image, run.argv);
    EXPECT_EQ(r.status, 0) << Where(tool, c, run.line) << ": run failed\n" << r.out << r.err;
    EXPECT_EQ(r.out, Joined(run.want_lines)) << Where(tool, c, run.line) << ": stdout\n" << r.err;
  }
}

}  // namespace

std::string CaseImageName(const BuildCase& c) {
  return "localhost/berth-build-test/" + c.name + ":latest";
}

nlohmann::json NormaliseField(const nlohmann::json& value) {
  // json::empty() is false for every string, "" included.
  bool empty_string = value.is_string() && value.get_ref<const std::string&>().empty();
  if (empty_string || ((value.is_array() || value.is_object()) && value.empty())) return nullptr;
  return value;
}

std::string LastLine(const std::string& text) {
  auto lines = Lines(text);
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines.empty() ? std::string() : lines.back();
}

void CheckBuildCase(BuildTool& tool, const BuildCase& c, const std::filesystem::path& context) {
  ASSERT_EQ(c.parse_error, "") << c.name;
  for (const auto& pre : c.prebuilds) {
    CliResult r = tool.Build(context, pre.name, {"-f", (context / pre.file).string()});
    ASSERT_EQ(r.status, 0) << tool.Name() << " " << c.name << ": prebuild " << pre.file << "\n"
                           << r.out << r.err;
  }
  std::vector<std::string> ids_before = tool.ImageIds();
  CliResult r = tool.Build(context, CaseImageName(c), SubstituteContext(c.build_args, context));
  tool.ExpectNoLeftovers();
  if (c.ExpectsFailure()) {
    CheckFailure(tool, c, r, ids_before);
    return;
  }
  ASSERT_EQ(r.status, 0) << tool.Name() << " " << c.name << ": build failed\n" << r.out << r.err;
  std::string id = tool.ImageId(CaseImageName(c));
  ASSERT_FALSE(id.empty()) << tool.Name() << " " << c.name << ": no image after the build";
  std::string last = LastLine(r.out);
  if (last.rfind("sha256:", 0) == 0) last = last.substr(7);
  EXPECT_TRUE(last.size() >= 12 && id.rfind(last, 0) == 0)
      << tool.Name() << " " << c.name << ": the last stdout line is not the image id " << id
      << ":\n"
      << r.out;
  nlohmann::json config = tool.ImageConfig(CaseImageName(c));
  ASSERT_TRUE(config.is_object()) << tool.Name() << " " << c.name << ": no image config";
  CheckFields(tool, c, config);
  CheckRuns(tool, c);
}

}  // namespace berth::testing
