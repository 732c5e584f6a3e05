// Several berth processes on one store, and berth killed at any moment: the store stays
// consistent and usable.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "berth/base/fs.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/store/store.hpp"
#include "support/berth_cli.hpp"
#include "support/oci_layout_writer.hpp"

namespace berth::testing {
namespace {

// Every recorded image must be fully readable and its layers present.
void ExpectConsistent(const fs::path& root) {
  auto store = store::Store::Open(root);
  ASSERT_TRUE(store) << store.error().ToString();
  auto records = store->images().List();
  ASSERT_TRUE(records) << records.error().ToString();
  for (const auto& r : *records) {
    auto view = store->ReadImage(r);
    ASSERT_TRUE(view) << view.error().ToString();
    for (const auto& d : view->config.diff_ids) {
      EXPECT_TRUE(store->layers().Has(d)) << d.String();
      EXPECT_TRUE(fs::is_directory(store->layers().DiffDir(d))) << d.String();
    }
  }
}

fs::path MakeLayout(const fs::path& dir, const std::string& name, int seed, int layers,
                    size_t file_bytes) {
  OciLayoutImage img;
  std::mt19937 rng(static_cast<unsigned>(seed));
  for (int l = 0; l < layers; ++l) {
    TarBuilder t;
    t.Dir("d" + std::to_string(l));
    for (int f = 0; f < 40; ++f) {
      std::string data(file_bytes, 'a');
      for (auto& c : data) c = static_cast<char>('a' + rng() % 26);
      t.File("d" + std::to_string(l) + "/f" + std::to_string(f), data);
    }
    img.layers.push_back(t);
  }
  img.ref_name = name;
  fs::path p = dir / ("layout-" + std::to_string(seed));
  WriteOciLayout(p, img);
  return p;
}

class RobustnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create(::testing::TempDir(), "robust-");
    ASSERT_TRUE(t);
    dir_ = std::move(*t);
    root_ = dir_.path() / "root";
  }
  TempDir dir_;
  fs::path root_;
};

TEST_F(RobustnessTest, ParallelLoadsAndRemovalsKeepTheStoreConsistent) {
  std::vector<fs::path> layouts;
  for (int i = 0; i < 4; ++i) {
    layouts.push_back(MakeLayout(dir_.path(), "docker.io/library/p" + std::to_string(i) + ":1",
                                 i, 3, 2000));
  }
  // Everyone loads image 0 (same blobs, same layers) plus one image of its own.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (const auto& l : {layouts[0], layouts[static_cast<size_t>(i)]}) {
        auto r = RunCli(BERTH_BINARY, root_, {"load", "-i", l.string()});
        if (r.status != 0) {
          ++failures;
          ADD_FAILURE() << r.err;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  ExpectConsistent(root_);
  EXPECT_EQ(Lines(RunCli(BERTH_BINARY, root_, {"images", "-q"}).out).size(), 4u);

  // Removing some images while others are loaded again.
  threads.clear();
  threads.emplace_back([&] { RunCli(BERTH_BINARY, root_, {"rmi", "p1:1", "p2:1"}); });
  threads.emplace_back([&] {
    EXPECT_EQ(RunCli(BERTH_BINARY, root_, {"load", "-i", layouts[3].string()}).status, 0);
  });
  threads.emplace_back([&] {
    EXPECT_EQ(RunCli(BERTH_BINARY, root_, {"load", "-i", layouts[0].string()}).status, 0);
  });
  for (auto& t : threads) t.join();
  ExpectConsistent(root_);
  auto names = RunCli(BERTH_BINARY, root_, {"images", "--format", "{{.Repository}}"});
  EXPECT_EQ(names.out, "docker.io/library/p0\ndocker.io/library/p3\n");
}

TEST_F(RobustnessTest, KilledLoadsLeaveAStoreTheNextCommandUses) {
  fs::path layout = MakeLayout(dir_.path(), "docker.io/library/big:1", 7, 6, 60000);
  // Kill at spread-out moments, from "just started" to "almost done".
  for (int delay_ms : {1, 5, 15, 30, 60, 100, 150, 250}) {
    std::vector<std::string> argv = {BERTH_BINARY, "--root", root_.string(), "load", "-i",
                                     layout.string()};
    pid_t pid = ::fork();
    if (pid == 0) {
      std::vector<char*> a;
      for (auto& s : argv) a.push_back(s.data());
      a.push_back(nullptr);
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
      ::execv(a[0], a.data());
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(pid, SIGKILL);
    int st;
    ::waitpid(pid, &st, 0);
    ExpectConsistent(root_);
    auto images = RunCli(BERTH_BINARY, root_, {"images"});
    EXPECT_EQ(images.status, 0) << images.err;
    // If the killed load got as far as recording the image, remove it so the next round
    // exercises a fresh load over the leftovers.
    RunCli(BERTH_BINARY, root_, {"rmi", "-i", "big:1"});
  }
  auto load = RunCli(BERTH_BINARY, root_, {"load", "-i", layout.string()});
  ASSERT_EQ(load.status, 0) << load.err;
  ExpectConsistent(root_);
  ASSERT_EQ(RunCli(BERTH_BINARY, root_, {"rmi", "big:1"}).status, 0);
  // Removal collects everything, stages from the killed runs included.
  EXPECT_TRUE(ListDir(root_ / "tmp")->empty());
  EXPECT_TRUE(ListDir(root_ / "blobs" / "sha256")->empty());
  EXPECT_TRUE(ListDir(root_ / "layers")->empty());
  EXPECT_TRUE(ListDir(root_ / "l")->empty());
}

}  // namespace
}  // namespace berth::testing
