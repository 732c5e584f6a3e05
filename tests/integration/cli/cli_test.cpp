// The CLI as a user sees it: output shapes like podman's, one-line errors, exit codes.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "support/berth_cli.hpp"
#include "support/oci_layout_writer.hpp"

namespace berth::testing {
namespace {

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create(::testing::TempDir(), "cli-");
    ASSERT_TRUE(t);
    dir_ = std::move(*t);
    root_ = dir_.path() / "root";
  }
  CliResult Berth(const std::vector<std::string>& args) { return RunCli(BERTH_BINARY, root_, args); }
  fs::path Layout(const std::string& name, const std::string& marker) {
    OciLayoutImage img;
    TarBuilder base, top;
    base.Dir("bin").File("bin/tool", "tool " + marker, 0755).Dir("etc").File("etc/name", marker);
    top.Dir("app").File("app/main", "main " + marker);
    img.layers = {base, top};
    img.ref_name = name;
    fs::path p = dir_.path() / ("layout-" + marker);
    WriteOciLayout(p, img);
    return p;
  }
  // A failed command prints exactly one line on stderr, "berth: ...".
  static void ExpectOneLineError(const CliResult& r, const std::string& prefix) {
    EXPECT_EQ(r.status, 125) << r.err;
    auto lines = Lines(r.err);
    ASSERT_EQ(lines.size(), 1u) << r.err;
    EXPECT_EQ(lines[0].rfind(prefix, 0), 0u) << lines[0];
  }

  TempDir dir_;
  fs::path root_;
};

TEST_F(CliTest, VersionAndHelpOnEveryVerb) {
  auto v = Berth({"--version"});
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out, "berth version 0.1.0\n");
  for (std::vector<std::string> verb :
       {std::vector<std::string>{"images"}, {"inspect"}, {"history"}, {"tag"}, {"rmi"},
        {"load"}, {"save"}, {"image", "mount"}, {"image", "unmount"}, {"image", "prune"},
        {"image", "ls"}, {"ps"}, {"logs"}, {"container", "ps"}, {"container", "ls"},
        {"container", "logs"}, {"container", "inspect"}}) {
    verb.push_back("--help");
    auto r = Berth(verb);
    EXPECT_EQ(r.status, 0) << verb[0];
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << verb[0] << ": " << r.out;
  }
  auto bad = Berth({"frobnicate"});
  EXPECT_EQ(bad.status, 125);
  EXPECT_EQ(Lines(bad.err).size(), 1u) << bad.err;
}

TEST_F(CliTest, LoadListInspectHistoryTagRemove) {
  auto load = Berth({"load", "-i", Layout("docker.io/library/demo:1.0", "a").string()});
  ASSERT_EQ(load.status, 0) << load.err;
  EXPECT_EQ(load.out, "Loaded image: docker.io/library/demo:1.0\n");

  auto images = Berth({"images"});
  ASSERT_EQ(images.status, 0) << images.err;
  auto lines = Lines(images.out);
  ASSERT_EQ(lines.size(), 2u) << images.out;
  EXPECT_EQ(lines[0].substr(0, 10), "REPOSITORY");
  for (const char* col : {"TAG", "IMAGE ID", "CREATED", "SIZE"}) {
    EXPECT_NE(lines[0].find(col), std::string::npos) << col;
  }
  EXPECT_EQ(lines[1].rfind("docker.io/library/demo  ", 0), 0u) << lines[1];

  auto id = Berth({"images", "-q"});
  ASSERT_EQ(id.status, 0);
  ASSERT_EQ(id.out.size(), 13u) << id.out;  // 12 hex + newline
  std::string short_id = id.out.substr(0, 12);
  auto full = Berth({"images", "-q", "--no-trunc"});
  EXPECT_EQ(full.out.rfind("sha256:" + short_id, 0), 0u);
  auto fmt = Berth({"images", "--format", "{{.Repository}}:{{.Tag}}"});
  EXPECT_EQ(fmt.out, "docker.io/library/demo:1.0\n");
  auto table = Berth({"images", "--format", "table {{.ID}}\\t{{.Tag}}"});
  EXPECT_EQ(Lines(table.out).at(0).substr(0, 8), "IMAGE ID");
  auto js = nlohmann::json::parse(Berth({"images", "--format", "json"}).out);
  ASSERT_EQ(js.size(), 1u);
  EXPECT_EQ(js[0]["Names"][0], "docker.io/library/demo:1.0");
  EXPECT_EQ(js[0]["Id"].get<std::string>().substr(0, 12), short_id);

  auto inspect = Berth({"inspect", "demo:1.0"});
  ASSERT_EQ(inspect.status, 0) << inspect.err;
  auto ij = nlohmann::json::parse(inspect.out);
  ASSERT_TRUE(ij.is_array());
  EXPECT_EQ(ij[0]["Id"].get<std::string>().substr(0, 12), short_id);
  EXPECT_EQ(ij[0]["RootFS"]["Layers"].size(), 2u);
  EXPECT_EQ(ij[0]["Architecture"], "amd64");
  EXPECT_EQ(Berth({"inspect", "--format", "{{.Id}}", short_id}).out.substr(0, 12), short_id);

  auto history = Berth({"history", "demo:1.0"});
  ASSERT_EQ(history.status, 0) << history.err;
  auto hl = Lines(history.out);
  ASSERT_EQ(hl.size(), 3u) << history.out;
  EXPECT_EQ(hl[0].substr(0, 2), "ID");
  EXPECT_EQ(hl[1].substr(0, 12), short_id);
  EXPECT_EQ(hl[2].substr(0, 9), "<missing>");

  ASSERT_EQ(Berth({"tag", "demo:1.0", "localhost:5000/team/demo:2"}).status, 0);
  EXPECT_EQ(Lines(Berth({"images"}).out).size(), 3u);
  auto untag = Berth({"rmi", "demo:1.0"});
  EXPECT_EQ(untag.out, "Untagged: docker.io/library/demo:1.0\n");
  auto del = Berth({"rmi", "localhost:5000/team/demo:2"});
  ASSERT_EQ(del.status, 0) << del.err;
  EXPECT_NE(del.out.find("Deleted: " + short_id), std::string::npos) << del.out;
  EXPECT_EQ(Lines(Berth({"images"}).out).size(), 1u);
  EXPECT_TRUE(ListDir(root_ / "blobs" / "sha256")->empty());
  EXPECT_TRUE(ListDir(root_ / "layers")->empty());
}

TEST_F(CliTest, ErrorsAreOneLineNamingWhatAndWhy) {
  auto missing = Berth({"inspect", "nothere"});
  ExpectOneLineError(missing, "berth: inspect nothere: ");
  EXPECT_NE(missing.err.find("not known"), std::string::npos);
  ExpectOneLineError(Berth({"load", "-i", (dir_.path() / "nope").string()}), "berth: load ");
  ExpectOneLineError(Berth({"tag", "nothere", "x"}), "berth: tag nothere: ");
  ExpectOneLineError(Berth({"save", "-o", "/dev/null", "--format", "zip", "x"}), "berth: save: ");
  // Registries are the one transport of pull, push and inspect --remote.
  for (std::vector<std::string> args :
       {std::vector<std::string>{"pull", "oci:/tmp/x"}, {"push", "x", "dir:/tmp/x"},
        {"inspect", "--remote", "docker-archive:/tmp/x.tar"}}) {
    auto r = Berth(args);
    ExpectOneLineError(r, "berth: " + args[0] + " ");
    EXPECT_NE(r.err.find("' is not supported: "), std::string::npos) << r.err;
  }
  auto rmi = Berth({"rmi", "nothere"});
  EXPECT_EQ(rmi.status, 1);  // podman: "image not known" exits 1
  EXPECT_EQ(Lines(rmi.err).size(), 1u);
}

TEST_F(CliTest, CorruptBlobIsRejectedAndNothingIsRecorded) {
  fs::path layout = Layout("docker.io/library/bad:1", "c");
  // Corrupt the largest blob (a layer) without changing its size.
  fs::path victim;
  uintmax_t biggest = 0;
  for (const auto& e : fs::directory_iterator(layout / "blobs" / "sha256")) {
    if (e.file_size() > biggest) {
      biggest = e.file_size();
      victim = e.path();
    }
  }
  {
    std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(biggest / 2));
    f.put('\x55');
  }
  auto r = Berth({"load", "-i", layout.string()});
  ExpectOneLineError(r, "berth: load ");
  EXPECT_NE(r.err.find("digest mismatch"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(victim.filename().string().substr(0, 12)), std::string::npos) << r.err;
  EXPECT_EQ(Lines(Berth({"images"}).out).size(), 1u);
  EXPECT_TRUE(ListDir(root_ / "tmp")->empty());
  EXPECT_FALSE(fs::exists(root_ / "blobs" / "sha256" / victim.filename()));
}

TEST_F(CliTest, SaveRoundTripsThroughEveryFormat) {
  ASSERT_EQ(Berth({"load", "-i", Layout("docker.io/library/rt:1", "r").string()}).status, 0);
  std::string id = Berth({"images", "-q", "--no-trunc"}).out;
  for (const char* format : {"oci-dir", "oci-archive", "docker-archive"}) {
    fs::path out = dir_.path() / (std::string("saved-") + format);
    auto s = Berth({"save", "--format", format, "-o", out.string(), "rt:1"});
    ASSERT_EQ(s.status, 0) << format << ": " << s.err;
    fs::path other_root = dir_.path() / (std::string("root-") + format);
    auto l = RunCli(BERTH_BINARY, other_root, {"load", "-i", out.string()});
    ASSERT_EQ(l.status, 0) << format << ": " << l.err;
    EXPECT_EQ(l.out, "Loaded image: docker.io/library/rt:1\n") << format;
    auto again = RunCli(BERTH_BINARY, other_root, {"images", "-q", "--no-trunc"});
    // The config is carried byte for byte in every format, so the id is the same.
    EXPECT_EQ(again.out, id) << format;
  }
}

}  // namespace
}  // namespace berth::testing
