// `berth build`'s cache and reproducibility, through the CLI:
//   - a rebuild with nothing changed reports `--> Using cache` for every step, gives the same
//     image id and adds no layer and no blob to the store;
//   - changing one COPY source rebuilds that step and the later ones, the earlier ones come
//     from the cache; a changed mode counts, a changed mtime does not, nor does a change
//     to a file the ignore file excludes; a build arg invalidates where it is used;
//   - two `--no-cache` builds with the same `--timestamp` (or SOURCE_DATE_EPOCH) give the
//     same image digest, even from a copy of the context whose files have other mtimes;
//   - `-q` prints the image id alone.
// Every test writes its own Containerfile, with a marker of its own in the first RUN, so
// tests sharing the suite's store never hit each other's cache.
//
// Gate: skips while `berth build` is missing (berth_build_tool.hpp).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "berth/base/subprocess.hpp"
#include "berth/base/temp_dir.hpp"
#include "support/berth_build_test.hpp"
#include "support/berth_build_tool.hpp"
#include "support/build_tool.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

// Per STEP number: whether the output said "--> Using cache" for it.
std::map<int, bool> CacheHits(const std::string& out) {
  std::map<int, bool> hits;
  int step = 0;
  for (const auto& line : Lines(out)) {
    if (line.rfind("STEP ", 0) == 0) {
      step = std::atoi(line.c_str() + 5);
      hits[step] = false;
    } else if (line.rfind("--> Using cache", 0) == 0 && step > 0) {
      hits[step] = true;
    }
  }
  return hits;
}

// "2:hit 3:miss ..." for the steps after FROM (step 1), for readable failures.
std::string Describe(const std::map<int, bool>& hits) {
  std::string s;
  for (const auto& [n, hit] : hits) {
    if (n > 1) s += std::to_string(n) + (hit ? ":hit " : ":miss ");
  }
  return s;
}

void WriteFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

class BuildCacheTest : public BerthBuildTest {
 protected:
  void SetUp() override {
    BerthBuildTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto dir = TempDir::Create(fs::temp_directory_path(), "berth-build-cache-");
    ASSERT_TRUE(dir) << dir.error().ToString();
    work_ = std::move(*dir);
    ctx_ = work_.path() / "context";
    marker_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    tag_ = "localhost/berth-cache-test/" + Lower(marker_) + ":latest";
  }

  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  // FROM, RUN, COPY a.txt, RUN (reads a.txt), COPY c.txt, ENV: steps 1 to 6.
  void WriteLayeredContext(const fs::path& dir) {
    WriteFile(dir / "Containerfile", std::string("FROM ") + kBusybox + "\n" + "RUN echo " +
                                         marker_ +
                                         " > /one\n"
                                         "COPY a.txt /a.txt\n"
                                         "RUN cat /a.txt > /b.txt\n"
                                         "COPY c.txt /c.txt\n"
                                         "ENV DONE=1\n");
    WriteFile(dir / "a.txt", "a version 1\n");
    WriteFile(dir / "c.txt", "c\n");
  }

  CliResult Build(const std::vector<std::string>& flags, const fs::path& context,
                  const std::vector<std::string>& env = {}) {
    std::vector<std::string> args = {"build", "-t", tag_};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(context.string());
    return RunCli(BERTH_BINARY, Root(), args, CliInput{"", env});
  }

  // Builds and expects success; returns the output.
  std::string BuildOk(const std::vector<std::string>& flags = {}) {
    CliResult r = Build(flags, ctx_);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    return r.status == 0 ? r.out : "";
  }

  size_t LayerCount() { return DirEntries(Root() / "layers").size(); }
  size_t BlobCount() { return DirEntries(Root() / "blobs" / "sha256").size(); }

  std::string ManifestDigest() {
    BerthBuildTool berth(BERTH_BINARY, Root());
    nlohmann::json j = berth.Inspect(tag_);
    return j.is_object() ? j.value("Digest", "") : "";
  }

  TempDir work_;
  fs::path ctx_;
  std::string marker_, tag_;
};

TEST_F(BuildCacheTest, RebuildWithNothingChangedIsFullyCached) {
  WriteLayeredContext(ctx_);
  std::string first = BuildOk();
  auto hits = CacheHits(first);
  ASSERT_EQ(hits.size(), 6u) << "expected STEP 1/6 .. 6/6:\n" << first;
  for (int n = 2; n <= 6; ++n) EXPECT_FALSE(hits[n]) << "step " << n << " of a first build";
  size_t layers = LayerCount(), blobs = BlobCount();

  std::string second = BuildOk();
  hits = CacheHits(second);
  ASSERT_EQ(hits.size(), 6u) << second;
  for (int n = 2; n <= 6; ++n) EXPECT_TRUE(hits[n]) << Describe(hits) << "\n" << second;
  EXPECT_EQ(LastLine(second), LastLine(first)) << "the image id changed";
  EXPECT_EQ(LayerCount(), layers) << "a fully cached rebuild added a layer";
  EXPECT_EQ(BlobCount(), blobs) << "a fully cached rebuild added a blob";
}

TEST_F(BuildCacheTest, ChangedCopySourceRebuildsThatStepAndLaterOnes) {
  WriteLayeredContext(ctx_);
  std::string first = BuildOk();
  WriteFile(ctx_ / "a.txt", "a version 2\n");
  std::string second = BuildOk();
  auto hits = CacheHits(second);
  EXPECT_EQ(Describe(hits), "2:hit 3:miss 4:miss 5:miss 6:miss ") << second;
  EXPECT_NE(LastLine(second), LastLine(first));
  CliResult r = RunCli(BERTH_BINARY, Root(), {"run", "--rm", tag_, "cat", "/b.txt"});
  EXPECT_EQ(r.out, "a version 2\n") << r.err;
}

TEST_F(BuildCacheTest, ChangedModeOfCopySourceMisses) {
  WriteLayeredContext(ctx_);
  BuildOk();
  ASSERT_EQ(::chmod((ctx_ / "a.txt").c_str(), 0600), 0);
  auto hits = CacheHits(BuildOk());
  EXPECT_EQ(Describe(hits), "2:hit 3:miss 4:miss 5:miss 6:miss ");
}

TEST_F(BuildCacheTest, ChangedMtimeOfCopySourceStaysCached) {
  WriteLayeredContext(ctx_);
  BuildOk();
  fs::last_write_time(ctx_ / "a.txt", fs::last_write_time(ctx_ / "a.txt") - std::chrono::hours(50));
  auto hits = CacheHits(BuildOk());
  EXPECT_EQ(Describe(hits), "2:hit 3:hit 4:hit 5:hit 6:hit ");
}

TEST_F(BuildCacheTest, ChangeToAnIgnoredFileStaysCached) {
  WriteFile(ctx_ / "Containerfile",
            std::string("FROM ") + kBusybox + "\nRUN echo " + marker_ + " > /one\nCOPY . /ctx/\n");
  WriteFile(ctx_ / ".containerignore", "ignored.txt\n");
  WriteFile(ctx_ / "kept.txt", "kept\n");
  WriteFile(ctx_ / "ignored.txt", "version 1\n");
  std::string first = BuildOk();
  WriteFile(ctx_ / "ignored.txt", "version 2, not part of the context\n");
  std::string second = BuildOk();
  EXPECT_EQ(Describe(CacheHits(second)), "2:hit 3:hit ") << second;
  EXPECT_EQ(LastLine(second), LastLine(first));
}

TEST_F(BuildCacheTest, BuildArgInvalidatesTheStepThatUsesIt) {
  WriteFile(ctx_ / "Containerfile", std::string("FROM ") + kBusybox + "\nRUN echo " + marker_ +
                                        " > /one\nARG V\nRUN echo \"$V\" > /v\n");
  BuildOk({"--build-arg", "V=1"});
  std::string same = BuildOk({"--build-arg", "V=1"});
  EXPECT_EQ(Describe(CacheHits(same)), "2:hit 3:hit 4:hit ") << same;
  std::string changed = BuildOk({"--build-arg", "V=2"});
  auto hits = CacheHits(changed);
  EXPECT_TRUE(hits[2]) << "the RUN before the ARG: " << Describe(hits);
  EXPECT_FALSE(hits[4]) << "the RUN that uses the ARG: " << Describe(hits);
  CliResult r = RunCli(BERTH_BINARY, Root(), {"run", "--rm", tag_, "cat", "/v"});
  EXPECT_EQ(r.out, "2\n") << r.err;
}

TEST_F(BuildCacheTest, NoCacheBuildsWithTheSameTimestampHaveTheSameDigest) {
  WriteLayeredContext(ctx_);
  const std::vector<std::string> flags = {"--no-cache", "--timestamp", "1700000000"};
  std::string first = BuildOk(flags);
  for (const auto& [n, hit] : CacheHits(first)) EXPECT_FALSE(hit) << "--no-cache, step " << n;
  std::string digest = ManifestDigest();
  ASSERT_FALSE(digest.empty());

  std::string second = BuildOk(flags);
  for (const auto& [n, hit] : CacheHits(second)) EXPECT_FALSE(hit) << "--no-cache, step " << n;
  EXPECT_EQ(LastLine(second), LastLine(first)) << "image id";
  EXPECT_EQ(ManifestDigest(), digest);

  // The same files with other mtimes, in another directory: times are set from --timestamp.
  fs::path copy = work_.path() / "copy";
  WriteLayeredContext(copy);
  for (const char* f : {"Containerfile", "a.txt", "c.txt"}) {
    fs::last_write_time(copy / f, fs::file_time_type::clock::now() - std::chrono::hours(1000));
  }
  CliResult r = Build(flags, copy);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(ManifestDigest(), digest) << "a copy of the context with other mtimes";
}

TEST_F(BuildCacheTest, NoCacheBuildsWithTheSameSourceDateEpochHaveTheSameDigest) {
  WriteLayeredContext(ctx_);
  const std::vector<std::string> env = {"SOURCE_DATE_EPOCH=1700000000"};
  CliResult first = Build({"--no-cache"}, ctx_, env);
  ASSERT_EQ(first.status, 0) << first.out << first.err;
  std::string digest = ManifestDigest();
  CliResult second = Build({"--no-cache"}, ctx_, env);
  ASSERT_EQ(second.status, 0) << second.out << second.err;
  EXPECT_EQ(ManifestDigest(), digest);
  EXPECT_EQ(LastLine(second.out), LastLine(first.out));
}

TEST_F(BuildCacheTest, QuietPrintsOnlyTheImageId) {
  WriteLayeredContext(ctx_);
  std::string out = BuildOk({"-q"});
  auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 1u) << out;
  BerthBuildTool berth(BERTH_BINARY, Root());
  std::string id = berth.ImageId(tag_);
  std::string printed = lines[0].rfind("sha256:", 0) == 0 ? lines[0].substr(7) : lines[0];
  EXPECT_TRUE(printed.size() >= 12 && id.rfind(printed, 0) == 0) << printed << " vs " << id;
}

}  // namespace
}  // namespace berth::testing
