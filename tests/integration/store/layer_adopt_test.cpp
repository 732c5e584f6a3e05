// AdoptLayer with what needs root: whiteout devices, trusted.* xattrs, foreign owners and a
// real overlay upper dir.
//   - a synthetic upper dir (whiteouts with odd modes and a shared inode, opaque dirs in both
//     xattr namespaces, overlay bookkeeping xattrs, a foreign-owned 0700 root) becomes a
//     layer equal to the unpacked form of its blob, and its blob is CommitLayer's output for
//     the layer directory;
//   - a container's upper dir, made by the kernel through an overlay mount over a stored
//     image (copy-ups, deletions, a deleted and recreated directory), becomes a layer by
//     rename; the image made of base + that layer is committed without unpacking it again
//     and, mounted, shows exactly what the container saw.
// Each test runs in a forked child with its own mount namespace (RunInChild). Skips by probe
// when mknod 0/0, trusted.* xattrs or overlay mounts are unavailable, fails instead when
// BERTH_TEST_REQUIRE_PRIVILEGED=1.
#include "berth/store/layer_adopt.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "berth/base/fs.hpp"
#include "berth/base/io.hpp"
#include "berth/base/temp_dir.hpp"
#include "berth/runner/overlay_mount.hpp"
#include "berth/store/layer_commit.hpp"
#include "berth/store/layer_unpack.hpp"
#include "berth/store/store.hpp"
#include "support/adopt_trees.hpp"
#include "support/run_in_child.hpp"
#include "support/store_check.hpp"
#include "support/store_images.hpp"
#include "support/tar_builder.hpp"
#include "support/tree_dump.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;
using store::AdoptedLayer;
using store::AdoptLayer;
using store::Store;

class LayerAdoptPrivilegedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create(fs::temp_directory_path(), "berth-adopt-root-");
    ASSERT_TRUE(t) << t.error().ToString();
    tmp_ = std::move(*t);
    if (std::string why = ProbeOverlayMount(tmp_.path().string()); !why.empty()) {
      if (RequirePrivileged()) FAIL() << why;
      GTEST_SKIP() << why;
    }
  }

  // In the child: opens the store and commits a base image.
  void OpenStoreWithBase() {
    auto s = Store::Open(tmp_.path() / "root");
    ASSERT_TRUE(s) << s.error().ToString();
    store_.emplace(std::move(*s));
    TarBuilder base;
    base.Dir("bin").File("bin/sh", "#!shell\n", 0755).Dir("etc").File("etc/hostname", "base\n");
    base.File("etc/passwd", "root:x:0:0::/root:/bin/sh\n").Dir("srv").Dir("srv/old");
    base.File("srv/old/a", "a\n").File("srv/old/b", "b\n").Dir("usr").Dir("usr/lib");
    base.File("usr/lib/x", "x\n").Dir("var").File("var/keep", "keep\n");
    base_ = PutLayer(*store_, base);
    auto committed = store_->CommitImage(PutImage(*store_, {base_}), {"localhost/base:1"});
    ASSERT_TRUE(committed) << committed.error().ToString();
    auto view = store_->ReadImage(*committed);
    ASSERT_TRUE(view) << view.error().ToString();
    base_view_.emplace(std::move(*view));
  }

  // Unpacks the blob of `layer` into a fresh directory and returns it.
  fs::path UnpackBlob(const AdoptedLayer& layer, const std::string& name) {
    fs::path dir = tmp_.path() / name;
    EXPECT_EQ(::mkdir(dir.c_str(), 0755), 0);
    auto blob = store_->blobs().Open(layer.digest);
    EXPECT_TRUE(blob);
    auto dest = Open(dir, O_RDONLY | O_DIRECTORY);
    EXPECT_TRUE(dest);
    if (!blob || !dest) return dir;
    FdReader in(blob->get());
    auto stats = store::UnpackLayer(in, dest->get());
    EXPECT_TRUE(stats) << stats.error().ToString();
    if (stats) {
      EXPECT_EQ(stats->diff_id, layer.diff_id);
    }
    return dir;
  }

  void ExpectEqualsUnpackedBlob(const AdoptedLayer& layer) {
    fs::path diff = store_->layers().DiffDir(layer.diff_id);
    fs::path unpacked = UnpackBlob(layer, "unpacked");
    std::string diffs;
    for (const auto& d : CompareLayerTrees(diff, unpacked)) diffs += d + "\n";
    EXPECT_EQ(diffs, "") << "layer:\n" << DumpTree(diff) << "unpacked:\n" << DumpTree(unpacked);
    EXPECT_TRUE(EntriesWithNanoseconds(diff).empty());
  }

  void ExpectBlobIsCommitOfLayerDir(const AdoptedLayer& layer) {
    auto fd = Open(store_->layers().DiffDir(layer.diff_id), O_RDONLY | O_DIRECTORY);
    ASSERT_TRUE(fd);
    StringWriter again;
    ASSERT_TRUE(store::CommitLayer(fd->get(), again));
    auto blob = store_->blobs().Read(layer.digest, 1 << 30);
    ASSERT_TRUE(blob);
    EXPECT_TRUE(again.str() == *blob) << "re-committing the layer directory gives other bytes";
  }

  static ino_t Inode(const fs::path& p) {
    struct stat st;
    return ::lstat(p.c_str(), &st) == 0 ? st.st_ino : 0;
  }

  TempDir tmp_;
  std::optional<Store> store_;
  TestLayer base_;
  std::optional<store::ImageView> base_view_;
};

TEST_F(LayerAdoptPrivilegedTest, WhiteoutsOpaqueDirsAndOwnersSurviveAsTheUnpackWouldMakeThem) {
  RunInChild([&] {
    ASSERT_NO_FATAL_FAILURE(OpenStoreWithBase());
    fs::path upper = tmp_.path() / "upper";
    ASSERT_EQ(::mkdir(upper.c_str(), 0700), 0);
    TreeMaker t(upper);
    t.Dir("etc").Whiteout("etc/hostname", 0644).Chown("etc/hostname", 1234, 1235);
    t.Hardlink("etc/passwd", "etc/hostname");  // the kernel shares one whiteout inode
    t.Dir("bin").File("bin/new", "new\n", 0755).Dir("var").File("var/fresh", "fresh\n");
    t.Dir("owned", 02775).Chown("owned", 1000, 2000).File("owned/f", "f\n", 0600);
    t.Chown("owned/f", 1000, 2000).Symlink("owned/l", "f").Chown("owned/l", 1000, 2000);
    t.Chown("", 1000, 1000);
    ASSERT_TRUE(t.Xattr("bin", "trusted.overlay.opaque", "y"));
    ASSERT_TRUE(t.Xattr("var", "user.overlay.opaque", "y"));
    ASSERT_TRUE(t.Xattr("etc", "trusted.overlay.impure", "y"));
    ASSERT_TRUE(t.Xattr("bin/new", "trusted.overlay.origin", std::string("\0\xfb", 2)));
    ASSERT_TRUE(t.Xattr("owned/f", "trusted.note", "kept"));
    ASSERT_TRUE(t.Xattr("", "trusted.overlay.opaque", "y"));
    ASSERT_TRUE(t.Xattr("", "trusted.note", "root only"));
    t.Finish();
    ino_t ino = Inode(upper / "owned" / "f");

    auto r = AdoptLayer(*store_, upper, base_view_->config.diff_ids);
    ASSERT_TRUE(r) << r.error().ToString();
    fs::path diff = store_->layers().DiffDir(r->diff_id);
    EXPECT_EQ(Inode(diff / "owned" / "f"), ino);
    ExpectEqualsUnpackedBlob(*r);
    ExpectBlobIsCommitOfLayerDir(*r);

    auto tree = ReadTree(diff);
    EXPECT_EQ(tree["etc/hostname"].Describe(), "c 0000 1234:1235 rdev=0:0");
    using Xattrs = std::map<std::string, std::string>;
    const Xattrs opaque = {{"trusted.overlay.opaque", "y"}};
    EXPECT_EQ(tree["bin"].xattrs, opaque);
    EXPECT_EQ(tree["var"].xattrs, opaque);
    EXPECT_EQ(tree[""].xattrs, opaque);
    EXPECT_EQ(tree[""].Describe(), "d 0755 0:0 xattr:trusted.overlay.opaque=y");
    EXPECT_TRUE(tree["etc"].xattrs.empty());
    EXPECT_TRUE(tree["bin/new"].xattrs.empty());
    EXPECT_EQ(tree["owned/f"].xattrs, (Xattrs{{"trusted.note", "kept"}}));
    EXPECT_EQ(tree["owned"].Describe(), "d 2775 1000:2000");
    std::string problems;
    for (const auto& p : CheckStore(tmp_.path() / "root", false)) problems += p + "\n";
    EXPECT_EQ(problems, "");
  });
}

TEST_F(LayerAdoptPrivilegedTest, MetacopyOrRedirectIsRefusedAndTheDirectoryKept) {
  RunInChild([&] {
    ASSERT_NO_FATAL_FAILURE(OpenStoreWithBase());
    for (const char* xattr : {"trusted.overlay.metacopy", "trusted.overlay.redirect"}) {
      fs::path upper = tmp_.path() / (std::string("upper-") + (xattr + 16));
      ASSERT_EQ(::mkdir(upper.c_str(), 0755), 0);
      TreeMaker t(upper);
      t.Dir("d").File("d/f", "f\n");
      ASSERT_TRUE(t.Xattr(std::string(xattr).ends_with("redirect") ? "d" : "d/f", xattr, "x"));
      auto r = AdoptLayer(*store_, upper, {});
      ASSERT_FALSE(r) << xattr;
      EXPECT_EQ(r.error().code, ErrorCode::kUnsupported) << r.error().ToString();
      EXPECT_TRUE(fs::exists(upper / "d" / "f"));
    }
    auto layers = store_->layers().List();
    ASSERT_TRUE(layers);
    EXPECT_EQ(layers->size(), 1u);
  });
}

// What a RUN step does to its root filesystem, through the overlay.
void ChangeRootfs(const fs::path& m) {
  ASSERT_TRUE(MakeDirs(m / "app"));
  ASSERT_TRUE(WriteFileAtomic(m / "app" / "run", "run\n", 0755));
  ASSERT_EQ(::link((m / "app" / "run").c_str(), (m / "app" / "hard").c_str()), 0);
  ASSERT_EQ(::symlink("run", (m / "app" / "link").c_str()), 0);
  ASSERT_EQ(::mkfifo((m / "app" / "fifo").c_str(), 0640), 0);
  ASSERT_EQ(::setxattr((m / "app" / "run").c_str(), "user.x", "1", 1, 0), 0);
  TreeMaker(m).Socket("app/sock");
  ASSERT_TRUE(WriteFileAtomic(m / "etc" / "hostname", "changed\n"));
  ASSERT_EQ(::chmod((m / "etc" / "passwd").c_str(), 0600), 0);
  ASSERT_EQ(::unlink((m / "usr" / "lib" / "x").c_str()), 0);
  ASSERT_EQ(::unlink((m / "var" / "keep").c_str()), 0);
  ASSERT_TRUE(RemoveTree(m / "srv" / "old"));
  ASSERT_TRUE(MakeDirs(m / "srv" / "old"));
  ASSERT_TRUE(WriteFileAtomic(m / "srv" / "old" / "c", "c\n"));
}

TEST_F(LayerAdoptPrivilegedTest, ContainerUpperDirBecomesAnImageThatShowsWhatTheContainerSaw) {
  RunInChild([&] {
    ASSERT_NO_FATAL_FAILURE(OpenStoreWithBase());
    fs::path ctr = tmp_.path() / "root" / "containers" / "c1";
    for (const char* d : {"upper", "work", "merged", "image"}) ASSERT_TRUE(MakeDirs(ctr / d));
    std::map<std::string, TreeEntry> seen;
    {
      auto spec = store_->ImageMountSpec(*base_view_, ctr / "merged", ctr / "upper", ctr / "work");
      ASSERT_TRUE(spec) << spec.error().ToString();
      auto mounted = runner::ApplyMount(*spec);
      ASSERT_TRUE(mounted) << mounted.error().ToString();
      ASSERT_NO_FATAL_FAILURE(ChangeRootfs(ctr / "merged"));
      seen = ReadTree(ctr / "merged");
    }                        // unmounted: nothing writes to the upper dir any more
    seen.erase("app/sock");  // a layer cannot carry a socket
    auto upper_tree = ReadTree(ctr / "upper");
    ASSERT_EQ(upper_tree["usr/lib/x"].type, 'c') << DumpTree(ctr / "upper");
    ASSERT_EQ(upper_tree["srv/old"].xattrs.count("trusted.overlay.opaque"), 1u);
    ino_t ino = Inode(ctr / "upper" / "app" / "run");

    auto r = AdoptLayer(*store_, ctr / "upper", base_view_->config.diff_ids);
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_FALSE(fs::exists(ctr / "upper"));
    ExpectEqualsUnpackedBlob(*r);
    ExpectBlobIsCommitOfLayerDir(*r);
    auto image = store_->CommitImage(PutImage(*store_, {base_, {r->descriptor(), r->diff_id}}),
                                     {"localhost/built:1"});
    ASSERT_TRUE(image) << image.error().ToString();
    EXPECT_EQ(Inode(store_->layers().DiffDir(r->diff_id) / "app" / "run"), ino);

    auto view = store_->ReadImage(*image);
    ASSERT_TRUE(view) << view.error().ToString();
    auto spec = store_->ImageMountSpec(*view, ctr / "image");
    ASSERT_TRUE(spec) << spec.error().ToString();
    auto mounted = runner::ApplyMount(*spec);
    ASSERT_TRUE(mounted) << mounted.error().ToString();
    auto shown = ReadTree(ctr / "image");
    std::string diffs;
    for (const auto& [path, e] : seen) {
      auto it = shown.find(path);
      if (it == shown.end()) {
        diffs += "missing '" + path + "'\n";
      } else if (it->second.Describe() != e.Describe() ||
                 (!path.empty() && it->second.mtime != e.mtime)) {
        diffs += "'" + path + "': image " + it->second.Describe() + " @" +
                 std::to_string(it->second.mtime) + ", container " + e.Describe() + " @" +
                 std::to_string(e.mtime) + "\n";
      }
    }
    for (const auto& [path, e] : shown) {
      if (!seen.count(path)) diffs += "extra '" + path + "' " + e.Describe() + "\n";
    }
    EXPECT_EQ(diffs, "") << "image view:\n" << DumpTree(ctr / "image");
    EXPECT_EQ(shown["app/run"].ino, shown["app/hard"].ino);
    std::string problems;
    for (const auto& p : CheckStore(tmp_.path() / "root", false)) problems += p + "\n";
    EXPECT_EQ(problems, "");
  });
}

}  // namespace
}  // namespace berth::testing
