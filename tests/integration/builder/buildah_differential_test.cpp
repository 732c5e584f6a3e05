// Differential test: berth build against buildah bud on the testdata/build cases marked
// `differential`. Each case is built by both (buildah: `bud --isolation chroot --layers
// --format docker`, a fresh vfs storage root per case); then the two root filesystems
// (`berth image mount`, `buildah from` + `buildah mount`) must agree path by path in type,
// mode (setuid/setgid/sticky included), owner, size, content hash, symlink target, device
// numbers and xattrs, and the configs in Env, Cmd, Entrypoint, WorkingDir, User,
// ExposedPorts, Labels, Volumes, StopSignal, Shell, OnBuild and Healthcheck.
//
// Known legitimate differences, excluded (and only these):
//   - times: file and directory mtimes (RUN writes "now"; --timestamp is tested elsewhere),
//     the config's created and history (buildah's created_by is "/bin/sh -c #(nop) ..."
//     with content digests, its comment "FROM <parent id>");
//   - the label io.buildah.version that buildah adds to every image, and fields buildah's
//     Docker-format config writes empty ("User": "", "Cmd": []) where berth may leave them
//     out: absent, "", [] and {} compare equal (NormaliseField);
//   - what buildah's RUN leaves behind as mount points when the image had none: empty
//     /etc/hostname, /etc/hosts and /etc/resolv.conf (mode 0755) and an empty /run
//     (berth leaves out the mount points it made: store CommitOptions.exclude);
//   - the mode of the root directory itself (no layer of these images has a "./" entry);
//   - the overlay's own xattrs (trusted.overlay.*, user.overlay.*) and security.selinux;
//   - layer counts (buildah commits WORKDIR as an empty layer and puts the directory it
//     creates into the next step's layer) and the digests that follow from them.
//
// Each case runs in a child with a private mount namespace (buildah's tmpfs runroot, its
// mounts and berth's image mount go with it). Gate: skips while `berth build` is missing;
// skips by probe without root, buildah or skopeo (fails then under
// BERTH_TEST_REQUIRE_PRIVILEGED=1).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "berth/base/subprocess.hpp"
#include "berth/base/temp_dir.hpp"
#include "support/berth_build_test.hpp"
#include "support/berth_build_tool.hpp"
#include "support/build_case.hpp"
#include "support/build_tool.hpp"
#include "support/buildah_build_tool.hpp"
#include "support/run_in_child.hpp"
#include "support/tree_dump.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;
using Tree = std::map<std::string, TreeEntry>;

const char* const kComparedFields[] = {"Env",        "Cmd",          "Entrypoint", "WorkingDir",
                                       "User",       "ExposedPorts", "Labels",     "Volumes",
                                       "StopSignal", "Shell",        "OnBuild",    "Healthcheck"};

// What buildah's RUN leaves when the image had no such path (see the top of the file).
bool BuildahMountpointLeftover(const std::string& path, const Tree& buildah) {
  static const std::set<std::string> files = {"etc/hostname", "etc/hosts", "etc/resolv.conf"};
  const TreeEntry& e = buildah.at(path);
  if (files.count(path)) return e.type == 'f' && e.size == 0;
  if (path != "run" || e.type != 'd') return false;
  auto next = buildah.upper_bound("run/");
  return next == buildah.end() || next->first.rfind("run/", 0) != 0;
}

std::string Line(TreeEntry e) {
  std::erase_if(e.xattrs, [](const auto& kv) {
    return kv.first == "security.selinux" || kv.first.rfind("trusted.overlay.", 0) == 0 ||
           kv.first.rfind("user.overlay.", 0) == 0;
  });
  return e.Describe();
}

std::vector<std::string> TreeDifferences(const Tree& berth, const Tree& buildah) {
  std::set<std::string> paths;
  for (const auto& [p, _] : berth) paths.insert(p);
  for (const auto& [p, _] : buildah) paths.insert(p);
  paths.erase("");
  std::vector<std::string> diffs;
  for (const auto& p : paths) {
    auto b = berth.find(p);
    auto o = buildah.find(p);
    if (b == berth.end() && BuildahMountpointLeftover(p, buildah)) continue;
    std::string bl = b == berth.end() ? "(missing)" : Line(b->second);
    std::string ol = o == buildah.end() ? "(missing)" : Line(o->second);
    if (bl != ol) diffs.push_back(p + "\n  berth:   " + bl + "\n  buildah: " + ol);
  }
  return diffs;
}

class BuildahDifferentialTest : public BerthBuildTest,
                                public ::testing::WithParamInterface<BuildCase> {
 protected:
  static void SetUpTestSuite() {
    BerthBuildTest::SetUpTestSuite();
    if (!BuildahUnavailable().empty() ||
        !BusyboxContainersUnavailable().empty()) {
      return;
    }
    auto dir = TempDir::Create(fs::temp_directory_path(), "berth-buildah-diff-");
    ASSERT_TRUE(dir) << dir.error().ToString();
    suite_dir_ = new TempDir(std::move(*dir));
    ASSERT_EQ(MakeBusyboxLayout(Layout(), kBusybox), "");
  }
  static void TearDownTestSuite() {
    delete suite_dir_;
    suite_dir_ = nullptr;
    BerthBuildTest::TearDownTestSuite();
  }
  void SetUp() override {
    BerthBuildTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::string why = BuildahUnavailable();
    if (!why.empty()) {
      if (RequirePrivileged()) FAIL() << why;
      GTEST_SKIP() << why;
    }
  }
  static fs::path Layout() { return suite_dir_->path() / "busybox-layout"; }

 private:
  static inline TempDir* suite_dir_ = nullptr;
};

// Builds the case with `tool` (prebuilds first); false after recording a failure.
bool BuildWith(BuildTool& tool, const BuildCase& c, const fs::path& context) {
  for (const auto& pre : c.prebuilds) {
    CliResult r = tool.Build(context, pre.name, {"-f", (context / pre.file).string()});
    EXPECT_EQ(r.status, 0) << tool.Name() << " prebuild " << pre.file << "\n" << r.out << r.err;
    if (r.status != 0) return false;
  }
  CliResult r = tool.Build(context, CaseImageName(c), SubstituteContext(c.build_args, context));
  EXPECT_EQ(r.status, 0) << tool.Name() << " build of " << c.name << "\n" << r.out << r.err;
  return r.status == 0;
}

void CompareConfigs(const nlohmann::json& berth, const nlohmann::json& buildah) {
  nlohmann::json b = berth.value("config", nlohmann::json::object());
  nlohmann::json o = buildah.value("config", nlohmann::json::object());
  for (const char* field : kComparedFields) {
    EXPECT_EQ(NormaliseField(b.value(field, nlohmann::json())).dump(),
              NormaliseField(o.value(field, nlohmann::json())).dump())
        << "config." << field << " differs (berth, then buildah)";
  }
}

void CompareInChild(const BuildCase& c, const fs::path& work, const fs::path& context,
                    const fs::path& store, const fs::path& layout) {
  BuildahBuildTool buildah;
  ASSERT_EQ(buildah.Open(work / "buildah", layout, kBusybox), "");
  BerthBuildTool berth(BERTH_BINARY, store);
  if (!BuildWith(buildah, c, context) || !BuildWith(berth, c, context)) return;
  const std::string image = CaseImageName(c);
  CompareConfigs(berth.ImageConfig(image), buildah.ImageConfig(image));

  fs::path theirs = buildah.MountImage(image);
  ASSERT_FALSE(theirs.empty()) << "buildah mount of " << image << " failed";
  fs::path ours = TrimTrailing(RunCliOk(BERTH_BINARY, store, {"image", "mount", image}));
  ASSERT_FALSE(ours.empty()) << "berth image mount printed no path";
  Tree berth_tree = ReadTree(ours);
  Tree buildah_tree = ReadTree(theirs);
  auto diffs = TreeDifferences(berth_tree, buildah_tree);
  std::ostringstream msg;
  for (size_t i = 0; i < diffs.size() && i < 40; ++i) msg << diffs[i] << "\n";
  EXPECT_TRUE(diffs.empty()) << diffs.size() << " paths differ between berth (" << ours
                             << ") and buildah (" << theirs << "):\n"
                             << msg.str();
  RunCliOk(BERTH_BINARY, store, {"image", "unmount", image});
}

TEST_P(BuildahDifferentialTest, SameFilesystemAndConfig) {
  const BuildCase& c = GetParam();
  ASSERT_EQ(c.parse_error, "") << c.name;
  auto work = TempDir::Create(fs::temp_directory_path(), "berth-buildah-diff-case-");
  ASSERT_TRUE(work) << work.error().ToString();
  const fs::path context = work->path() / "context";
  ASSERT_EQ(PrepareContext(c, context), "");
  RunInChild([&] { CompareInChild(c, work->path(), context, Root(), Layout()); });
}

std::vector<BuildCase> DifferentialCases() {
  std::vector<BuildCase> out;
  for (auto& c : LoadBuildCases(BuildTestdataDir())) {
    if (c.differential) out.push_back(std::move(c));
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Testdata, BuildahDifferentialTest,
                         ::testing::ValuesIn(DifferentialCases()),
                         [](const ::testing::TestParamInfo<BuildCase>& info) {
                           return TestNameOf(info.param);
                         });

}  // namespace
}  // namespace berth::testing
