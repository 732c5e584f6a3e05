// Differential test: berth's unpack + read-only overlay mount against umoci's unpack.
//
// Each scenario is a stack of layer tars (TarBuilder), written as an OCI layout. In a child
// with a private mount namespace, `berth load` + `berth image mount` give the merged
// overlay view and `umoci unpack` gives umoci's rootfs; the two trees must agree entry by
// entry: type, mode (incl. setuid/setgid/sticky), uid/gid, size, content hash, symlink
// target, rdev, xattrs, mtime of non-directories, and which paths are hardlinks of each
// other. Exclusions, each because the two sides legitimately differ:
//   - directory mtimes: unpacking a child bumps its parent's mtime, and neither tool
//     promises to restore it afterwards in the same order;
//   - the mode of the root entry: umoci creates rootfs/ itself (0755) when no "./" entry
//     exists, while the merged root comes from the store's layer directories;
//   - link counts: a hardlink group from a lower layer still counts, in the overlay, the
//     paths an upper layer replaced; which paths share an inode is compared instead;
//   - security.selinux (labels come from the host policy, not the image) and the overlay's
//     own trusted.overlay.* / user.overlay.* xattrs (store-form metadata, hidden by the mount).
// Needs root (mknod, trusted xattrs, overlay) and umoci; skips by probe otherwise, fails
// instead when BERTH_TEST_REQUIRE_PRIVILEGED=1.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "berth/base/subprocess.hpp"
#include "berth/base/temp_dir.hpp"
#include "support/berth_cli.hpp"
#include "support/oci_layout_writer.hpp"
#include "support/random_layer_stack.hpp"
#include "support/run_in_child.hpp"
#include "support/tar_builder.hpp"
#include "support/tree_dump.hpp"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;
using Layers = std::vector<TarBuilder>;

// ---- prerequisites ----------------------------------------------------------------------

std::string MissingPrerequisite() {
  static const std::string why = [] {
    auto umoci = RunCommand({"umoci", "--version"});
    if (!umoci || !umoci->status.ok())
      return std::string("umoci not runnable (apt-get install umoci)");
    return ProbeOverlayMount(fs::temp_directory_path().string());
  }();
  return why;
}

// ---- running the two tools --------------------------------------------------------------

// Runs `berth --root <store> args...` and returns its stdout; a non-zero exit fails the test.
std::string Berth(const fs::path& store, const std::vector<std::string>& args) {
  return RunCliOk(BERTH_BINARY, store, args);
}

// The image name from `berth load` output ("Loaded image: NAME" or "Loaded image: sha256:..").
std::string LoadedName(const std::string& out) {
  std::istringstream in(out);
  const std::string prefix = "Loaded image: ";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return TrimTrailing(line.substr(prefix.size()));
  }
  return "";
}

// ---- comparing --------------------------------------------------------------------------

bool IgnoredXattr(const std::string& name) {
  return name == "security.selinux" || name.rfind("trusted.overlay.", 0) == 0 ||
         name.rfind("user.overlay.", 0) == 0;
}

using Tree = std::map<std::string, TreeEntry>;

// One comparable line per path, with the exclusions described at the top of the file.
std::map<std::string, std::string> Normalise(const Tree& tree) {
  std::map<unsigned long long, std::vector<std::string>> by_inode;
  for (const auto& [path, e] : tree) {
    if (e.type != 'd') by_inode[e.ino].push_back(path);
  }
  std::map<std::string, std::string> out;
  for (const auto& [path, entry] : tree) {
    TreeEntry e = entry;
    std::erase_if(e.xattrs, [](const auto& kv) { return IgnoredXattr(kv.first); });
    if (path.empty()) e.mode = 0;
    std::string line = e.Describe();
    if (e.type != 'd') {
      line += " mtime=" + std::to_string(e.mtime);
      const auto& peers = by_inode[e.ino];
      if (peers.size() > 1) {
        line += " hardlinks=[";
        for (const auto& p : peers) line += (p == peers.front() ? "" : ",") + p;
        line += "]";
      }
    }
    out[path] = line;
  }
  return out;
}

// Every path whose description differs, as "path\n  berth: ...\n  umoci: ...".
std::vector<std::string> TreeDifferences(const Tree& berth, const Tree& umoci) {
  auto b = Normalise(berth);
  auto u = Normalise(umoci);
  std::set<std::string> paths;
  for (const auto& [p, _] : b) paths.insert(p);
  for (const auto& [p, _] : u) paths.insert(p);
  std::vector<std::string> diffs;
  for (const auto& p : paths) {
    auto bi = b.find(p);
    auto ui = u.find(p);
    std::string bl = bi == b.end() ? "(missing)" : bi->second;
    std::string ul = ui == u.end() ? "(missing)" : ui->second;
    if (bl != ul) diffs.push_back((p.empty() ? "." : p) + "\n  berth: " + bl + "\n  umoci: " + ul);
  }
  return diffs;
}

std::string Listing(const Layers& layers) {
  std::ostringstream o;
  for (size_t i = 0; i < layers.size(); ++i) {
    o << "layer " << i << ":\n";
    for (const auto& e : layers[i].entries()) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(e.mode));
      o << "  " << e.type << " " << mode << " " << e.uid << ":" << e.gid << " " << e.name;
      if (!e.linkname.empty()) o << " -> " << e.linkname;
      o << "\n";
    }
  }
  return o.str();
}

// In the child: load + mount with berth, unpack with umoci, compare, unmount.
// `known_divergence`: the reason berth deliberately differs from umoci in this scenario; the
// differences then skip the test (visibly) instead of failing it, and their absence fails
// it so the marker is removed.
void CompareInChild(const fs::path& work, const fs::path& layout, const std::string& ref,
                    const Layers* layers, const std::string& known_divergence = "") {
  const fs::path store = work / "store";
  const fs::path bundle = work / "bundle";
  std::string image = LoadedName(Berth(store, {"load", "-i", layout.string()}));
  ASSERT_FALSE(image.empty()) << "berth load printed no image name";
  fs::path merged = TrimTrailing(Berth(store, {"image", "mount", image}));
  ASSERT_FALSE(merged.empty()) << "berth image mount printed no path";

  auto umoci =
      RunCommand({"umoci", "unpack", "--image", layout.string() + ":" + ref, bundle.string()});
  ASSERT_TRUE(umoci && umoci->status.ok()) << "umoci unpack failed";

  Tree berth_tree = ReadTree(merged);
  Tree umoci_tree = ReadTree(bundle / "rootfs");
  auto diffs = TreeDifferences(berth_tree, umoci_tree);
  std::ostringstream msg;
  if (!diffs.empty()) {
    msg << diffs.size() << " paths differ between berth (" << merged << ") and umoci ("
        << bundle / "rootfs"
        << "); BERTH_KEEP_TMP=1 keeps " << work << "\n";
    for (size_t i = 0; i < diffs.size() && i < 40; ++i) msg << diffs[i] << "\n";
    if (layers != nullptr && berth_tree.size() + umoci_tree.size() < 300) {
      msg << Listing(*layers) << "berth tree:\n"
          << DumpTree(merged) << "umoci tree:\n"
          << DumpTree(bundle / "rootfs");
    }
  }
  Berth(store, {"image", "unmount", image});
  if (!known_divergence.empty()) {
    if (diffs.empty()) {
      ADD_FAILURE() << "known divergence no longer reproduces; drop the marker: "
                    << known_divergence;
    } else {
      GTEST_SKIP() << "known divergence: " << known_divergence << "\n" << msg.str();
    }
  } else if (!diffs.empty()) {
    ADD_FAILURE() << msg.str();
  }
}

// Writes the layout in the parent and runs the comparison in a private mount namespace; the
// work dir is removed in the parent after the child (and with it every mount) is gone.
void RunDifferential(const std::string& name, const Layers& layers,
                     const std::string& known_divergence) {
  auto work = TempDir::Create(fs::temp_directory_path(), "berth-umoci-diff-");
  ASSERT_TRUE(work) << work.error().ToString();
  const std::string ref = "localhost/umoci-diff/" + name + ":latest";
  OciLayoutImage image;
  image.layers = layers;
  image.ref_name = ref;
  WriteOciLayout(work->path() / "layout", image);
  RunInChild([&] {
    CompareInChild(work->path(), work->path() / "layout", ref, &layers, known_divergence);
  });
}

// ---- scenarios --------------------------------------------------------------------------

constexpr int64_t kT = 1700000000;

TarEntry F(std::string name, std::string data, mode_t mode = 0644, uid_t uid = 0, gid_t gid = 0) {
  return TarEntry{.name = std::move(name),
                  .type = '0',
                  .data = std::move(data),
                  .mode = mode,
                  .uid = uid,
                  .gid = gid,
                  .mtime = kT + 11};
}
TarEntry D(std::string name, mode_t mode = 0755, uid_t uid = 0, gid_t gid = 0) {
  return TarEntry{.name = std::move(name), .type = '5', .mode = mode, .uid = uid, .gid = gid};
}
TarEntry S(std::string name, std::string target) {
  return TarEntry{.name = std::move(name),
                  .type = '2',
                  .linkname = std::move(target),
                  .mode = 0777,
                  .mtime = kT + 22};
}
TarEntry H(std::string name, std::string target) {
  return TarEntry{.name = std::move(name), .type = '1', .linkname = std::move(target)};
}
TarBuilder L(std::initializer_list<TarEntry> entries) {
  TarBuilder b;
  for (const auto& e : entries) b.Add(e);
  return b;
}
TarEntry Wh(const std::string& path) { return TarBuilder().Whiteout(path).entries()[0]; }
TarEntry Opq(const std::string& dir) { return TarBuilder().Opaque(dir).entries()[0]; }

// struct vfs_cap_data, revision 2, effective, permitted = CAP_NET_BIND_SERVICE (10); all
// little-endian (linux/capability.h). The kernel rejects malformed values.
std::string NetBindCapability() {
  const unsigned char v[20] = {0x01, 0, 0, 0x02, 0x00, 0x04, 0, 0, 0, 0,
                               0,    0, 0, 0,    0,    0,    0, 0, 0, 0};
  return std::string(reinterpret_cast<const char*>(v), sizeof v);
}

struct Scenario {
  std::string name;
  std::function<Layers()> make;
  std::string known_divergence;  // see CompareInChild
};

void PrintTo(const Scenario& s, std::ostream* os) { *os << s.name; }

std::vector<Scenario> Scenarios() {
  const std::string long_component(255, 'n');
  const std::string deep =
      "deep/" + std::string(90, 'a') + "/" + std::string(90, 'b') + "/" + std::string(90, 'c');
  return {
      {"adds",
       [] {
         return Layers{L({D("etc"), F("etc/hostname", "box\n"), D("usr"), D("usr/bin"),
                          F("usr/bin/tool", "#!/bin/sh\n", 0755), F("empty", "")}),
                       L({D("usr"), D("usr/lib"), F("usr/lib/libx.so", std::string(70000, 'x'))})};
       }},
      {"modifies",
       [] {
         return Layers{L({F("a", "one"), D("d", 0755), F("d/x", "x")}),
                       L({F("a", "two, longer", 0600, 5, 6), D("d", 0700, 7, 8)})};
       }},
      {"deletes",
       [] {
         return Layers{L({F("a", "a"), F("b", "b"), D("d"), F("d/c", "c"), F("d/keep", "k")}),
                       L({Wh("a"), D("d"), Wh("d/c"), Wh("never-existed")})};
       }},
      {"opaque_empty",
       [] {
         return Layers{L({D("d"), F("d/x", "x"), F("d/y", "y"), D("d/sub"), F("d/sub/z", "z")}),
                       L({D("d", 0750), Opq("d")})};
       }},
      {"opaque_readd",
       [] {
         return Layers{L({D("d"), F("d/x", "x"), F("d/y", "y"), D("d/sub"), F("d/sub/z", "z")}),
                       L({D("d"), Opq("d"), F("d/y", "new y"), F("d/new", "n"), D("d/sub"),
                          F("d/sub/w", "w")})};
       }},
      {"opaque_marker_last",
       [] {
         return Layers{L({D("d"), F("d/x", "x"), F("d/y", "y")}),
                       L({D("d"), F("d/y", "new y"), F("d/z", "z"), Opq("d")})};
       }},
      {"opaque_nested",
       [] {
         return Layers{L({D("a"), D("a/b"), F("a/b/x", "x"), F("a/y", "y")}),
                       L({D("a"), Opq("a"), D("a/b"), Opq("a/b"), F("a/b/z", "z")}),
                       L({D("a"), D("a/b"), F("a/b/top", "t")})};
       }},
      {"dir_to_file",
       [] {
         return Layers{L({D("d"), F("d/x", "x"), D("d/sub"), F("d/sub/y", "y")}),
                       L({F("d", "now a file")})};
       }},
      {"dir_to_file_with_whiteout",
       [] {
         return Layers{L({D("d"), F("d/x", "x")}), L({Wh("d"), F("d", "now a file")})};
       }},
      {"file_to_dir",
       [] {
         return Layers{L({F("x", "file")}), L({D("x", 0700), F("x/y", "y")})};
       }},
      {"dir_file_dir",
       [] {
         return Layers{L({D("x"), F("x/a", "a")}), L({F("x", "file")}), L({D("x"), F("x/b", "b")})};
       }},
      {"symlinks",
       [] {
         return Layers{
             L({D("etc"), F("etc/target", "t"), D("lib"), F("lib/x", "x"), D("bin"),
                S("abs", "/etc/target"), S("bin/rel", "../lib/x"), S("dangling", "nowhere/at/all"),
                S("dirlink", "lib"), S("self", "self"), S("long", std::string(300, 'l'))}),
             L({F("abs", "replaced by a file"), S("etc/target", "/lib/x")})};
       }},
      {"hardlinks",
       [] {
         return Layers{L({F("f", "shared", 0750, 3, 4), H("f2", "f"), D("d"), H("d/f3", "f")}),
                       L({F("f", "f alone now"), F("g", "g"), H("h", "g")})};
       }},
      {"devices",
       [] {
         return Layers{
             L({D("dev"),
                TarEntry{
                    .name = "dev/null", .type = '3', .mode = 0666, .devmajor = 1, .devminor = 3},
                TarEntry{.name = "dev/loop0", .type = '4', .mode = 0660, .gid = 6, .devmajor = 7},
                TarEntry{.name = "dev/fifo", .type = '6', .mode = 0620, .uid = 9}}),
             L({D("dev"),
                TarEntry{
                    .name = "dev/zero", .type = '3', .mode = 0666, .devmajor = 1, .devminor = 5}})};
       }},
      {"special_modes",
       [] {
         return Layers{L({F("suid", "s", 04755), F("sgid", "g", 02755), F("both", "b", 06711),
                          D("sticky", 01777), D("sgid_dir", 02775, 0, 50), F("none", "0", 0),
                          D("ro_dir", 0555), F("ro_dir/f", "f", 0444),
                          F("suid_user", "u", 04755, 1000, 1000)})};
       }},
      {"ownership",
       [] {
         return Layers{
             L({D("home", 0755), D("home/user", 0700, 1000, 1000),
                F("home/user/file", "f", 0640, 1000, 1000), F("nobody", "n", 0644, 65534, 65534),
                F("big_ids", "b", 0644, 123456, 654321), S("home/user/link", "file")})};
       }},
      {"xattrs",
       [cap = NetBindCapability()] {
         return Layers{
             L({TarEntry{.name = "d", .type = '5', .mode = 0755, .xattrs = {{"user.dir", "1"}}},
                TarEntry{.name = "d/f",
                         .type = '0',
                         .data = "x",
                         .mode = 0755,
                         .xattrs = {{"user.foo", "bar"}}},
                TarEntry{.name = "ping",
                         .type = '0',
                         .data = "elf",
                         .mode = 0755,
                         .xattrs = {{"security.capability", cap}}}}),
             L({D("d"), TarEntry{.name = "d/g",
                                 .type = '0',
                                 .data = "y",
                                 .mode = 0644,
                                 .xattrs = {{"user.bin", std::string("\0\1\2\xff", 4)}}}})};
       }},
      {"long_names",
       [long_component, deep] {
         return Layers{L({D(long_component), F(long_component + "/" + long_component, "long"),
                          D("deep"), D("deep/" + std::string(90, 'a')),
                          D("deep/" + std::string(90, 'a') + "/" + std::string(90, 'b')), D(deep),
                          F(deep + "/file", "deep"), S(deep + "/link", "/" + deep + "/file")}),
                       L({D(long_component), Wh(long_component + "/" + long_component)})};
       }},
      {"whiteout_tree",
       [] {
         return Layers{
             L({D("a"), D("a/b"), D("a/b/c"), F("a/b/c/d", "d"), F("a/top", "t"), F("keep", "k")}),
             L({Wh("a")}), L({D("a"), F("a/fresh", "f")})};
       }},
      {"delete_readd",
       [] {
         return Layers{L({F("f", "old", 0600), D("d"), F("d/x", "x")}), L({Wh("f"), Wh("d")}),
                       L({F("f", "new", 0644), D("d", 0711), F("d/y", "y")})};
       }},
      {"implicit_parents",
       [] {
         return Layers{L({F("a/b/c", "no dir entries above me")}), L({F("x/y", "y")})};
       }},
      {"xattr_empty_value",
       [] {
         return Layers{L({TarEntry{.name = "f",
                                   .type = '0',
                                   .data = "x",
                                   .mode = 0644,
                                   .xattrs = {{"user.empty", ""}, {"user.set", "1"}}}})};
       },
       "a pax record with an empty value means \"delete this keyword\" (POSIX pax), so Go's "
       "archive/tar and with it umoci drop an empty-valued xattr; libarchive and berth restore "
       "it"},
      {"implicit_parent_over_lower",
       [] {
         return Layers{L({D("d", 0700, 1000, 1000), F("d/x", "x")}), L({F("d/y", "y")})};
       },
       "a layer that omits the entry of an existing parent dir gets an implicit 0755 root:root "
       "dir in its overlay form, which hides the lower dir's mode and owner (containers/storage "
       "does the same); umoci keeps the lower dir's attributes"},
      {"random_seed_1", [] { return RandomLayerStack(1, 5, 300); }},
      {"random_seed_20240601", [] { return RandomLayerStack(20240601, 5, 300); }},
  };
}

class UmociDifferentialTest : public ::testing::TestWithParam<Scenario> {
 protected:
  void SetUp() override {
    if (std::string why = MissingPrerequisite(); !why.empty()) {
      if (RequirePrivileged()) FAIL() << why;
      GTEST_SKIP() << why;
    }
  }
};

TEST_P(UmociDifferentialTest, MergedViewMatchesUmociUnpack) {
  RunDifferential(GetParam().name, GetParam().make(), GetParam().known_divergence);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, UmociDifferentialTest, ::testing::ValuesIn(Scenarios()),
                         [](const ::testing::TestParamInfo<Scenario>& info) {
                           return info.param.name;
                         });

// The busybox stand-in from tests/fixtures (a real-world-sized single layer: ~270 symlinks,
// a 1.9 MB binary, a 1777 dir), built by its script rather than by TarBuilder.
TEST(UmociDifferentialFixtureTest, BusyboxStandIn) {
  if (std::string why = MissingPrerequisite(); !why.empty()) {
    if (RequirePrivileged()) FAIL() << why;
    GTEST_SKIP() << why;
  }
  auto jq = RunCommand({"jq", "--version"});
  if (::access("/bin/busybox", X_OK) != 0 || !jq || !jq->status.ok()) {
    if (RequirePrivileged()) FAIL() << "needs busybox-static and jq";
    GTEST_SKIP() << "needs busybox-static and jq";
  }
  auto work = TempDir::Create(fs::temp_directory_path(), "berth-umoci-diff-");
  ASSERT_TRUE(work) << work.error().ToString();
  const std::string ref = "localhost/umoci-diff/busybox:latest";
  const fs::path layout = work->path() / "layout";
  auto made = RunCommand({std::string(BERTH_SOURCE_DIR) + "/tests/fixtures/make-busybox-image.sh",
                          layout.string(), ref});
  ASSERT_TRUE(made && made->status.ok()) << "make-busybox-image.sh failed";
  RunInChild([&] { CompareInChild(work->path(), layout, ref, nullptr); });
}

}  // namespace
}  // namespace berth::testing
