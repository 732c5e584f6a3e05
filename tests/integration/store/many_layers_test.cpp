// An image of 130 layers loads, mounts and runs, and the merged view holds exactly the files
// the layers leave behind.
//
// With absolute lowerdir paths the overlay option string outgrows mount(2)'s one page
// after a few dozen layers; this test proves the store's short layer links (l/<id>,
// relative to the store root) keep 130 layers plus the empty bottom dir within it. Each
// layer adds one file, every fifth also deletes an earlier file (whiteout), and every
// seventh rewrites a shared file, so a wrong lower order or a dropped layer shows up as a
// wrong or missing file. Needs root for the overlay mount; skips by probe otherwise (fails
// when BERTH_TEST_REQUIRE_PRIVILEGED=1).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "berth/base/subprocess.hpp"
#include "berth/base/temp_dir.hpp"
#include "support/berth_cli.hpp"
#include "support/oci_layout_writer.hpp"
#include "support/run_in_child.hpp"
#include "support/tar_builder.hpp"
#include "support/tree_dump.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kLayers = 130;

// Runs `berth --root <store> args...` and returns its stdout; a non-zero exit fails the test.
std::string Berth(const fs::path& store, const std::vector<std::string>& args) {
  return RunCliOk(BERTH_BINARY, store, args);
}

std::string FileContent(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Stack {
  std::vector<TarBuilder> layers;
  std::map<std::string, std::string> expected;  // path under files/ -> content
};

Stack MakeStack() {
  Stack s;
  for (int i = 0; i < kLayers; ++i) {
    TarBuilder layer;
    if (i == 0) {
      // The bottom layer brings a shell (Debian's static busybox), so the image runs.
      layer.Dir("bin");
      layer.File("bin/busybox", FileContent("/bin/busybox"), 0755);
      layer.Symlink("bin/sh", "busybox");
    }
    layer.Dir("files");
    std::string name = "files/f" + std::to_string(i);
    layer.File(name, "added by layer " + std::to_string(i) + "\n");
    s.expected[name] = "added by layer " + std::to_string(i) + "\n";
    if (i % 5 == 4) {
      std::string victim = "files/f" + std::to_string(i - 3);
      layer.Whiteout(victim);
      s.expected.erase(victim);
    }
    if (i % 7 == 0) {
      layer.File("files/shared", "rewritten by layer " + std::to_string(i) + "\n");
      s.expected["files/shared"] = "rewritten by layer " + std::to_string(i) + "\n";
    }
    s.layers.push_back(std::move(layer));
  }
  return s;
}

void CheckMerged(const fs::path& merged, const Stack& stack) {
  auto tree = ReadTree(merged);
  std::map<std::string, std::string> seen;
  for (const auto& [path, entry] : tree) {
    if (path.rfind("files/", 0) != 0) continue;
    EXPECT_EQ(entry.type, 'f') << path << ": " << entry.Describe();
    seen[path] = FileContent(merged / path);
  }
  EXPECT_EQ(seen, stack.expected) << "merged tree:\n" << DumpTree(merged);
}

TEST(ManyLayersTest, Image130LayersLoadsAndMounts) {
  if (std::string why = ProbeOverlayMount(fs::temp_directory_path().string()); !why.empty()) {
    if (RequirePrivileged()) FAIL() << why;
    GTEST_SKIP() << why;
  }
  auto work = TempDir::Create(fs::temp_directory_path(), "berth-many-layers-");
  ASSERT_TRUE(work) << work.error().ToString();
  const Stack stack = MakeStack();
  OciLayoutImage image;
  image.layers = stack.layers;
  image.ref_name = "localhost/many-layers:130";
  const fs::path layout = work->path() / "layout";
  WriteOciLayout(layout, image);
  const fs::path store = work->path() / "store";

  RunInChild([&] {
    std::string loaded = Berth(store, {"load", "-i", layout.string()});
    ASSERT_NE(loaded.find("Loaded image: "), std::string::npos) << loaded;
    fs::path merged = TrimTrailing(Berth(store, {"image", "mount", "localhost/many-layers:130"}));
    ASSERT_FALSE(merged.empty());
    CheckMerged(merged, stack);
    Berth(store, {"image", "unmount", "localhost/many-layers:130"});
    std::error_code ec;
    EXPECT_TRUE(fs::is_empty(merged, ec) || !fs::exists(merged))
        << merged << " still shows files after unmount";
    // A container runs on all 130 layers and sees the same files.
    std::string seen =
        Berth(store, {"run", "--rm", "localhost/many-layers:130", "/bin/sh", "-c",
                      "cat /files/shared; cd /files && echo f* | /bin/busybox wc -w"});
    size_t files = stack.expected.size() - 1;  // all but files/shared match f*
    EXPECT_EQ(seen, stack.expected.at("files/shared") + std::to_string(files) + "\n");
  });
}

}  // namespace
}  // namespace berth::testing
