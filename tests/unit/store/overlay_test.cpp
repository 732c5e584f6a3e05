#include "berth/store/overlay.hpp"

#include <gtest/gtest.h>
#include <sys/mount.h>

#include "berth/store/layer_store.hpp"

namespace berth::store {
namespace {

OverlaySpecInput Input(size_t layers) {
  OverlaySpecInput in;
  in.store_root = "/var/lib/berth";
  for (size_t i = 0; i < layers; ++i) {
    LayerRecord r;
    // Link ids are 16 characters, as LayerStore makes them.
    r.link = std::string(16, static_cast<char>('a' + i % 26));
    in.lower_links.push_back(LayerStore::LinkPath(r));
  }
  in.target = "/var/lib/berth/mounts/x/merged";
  return in;
}

TEST(OverlaySpecTest, OneLayerReadOnlyHasEmptyBottom) {
  auto in = Input(1);
  in.read_only = true;
  auto spec = OverlayMountSpec(in);
  ASSERT_TRUE(spec) << spec.error().ToString();
  EXPECT_EQ(spec->data, "lowerdir=l/aaaaaaaaaaaaaaaa:empty");
  EXPECT_EQ(spec->fstype, "overlay");
  EXPECT_EQ(spec->flags, static_cast<unsigned long>(MS_RDONLY));
  EXPECT_EQ(spec->chdir, "/var/lib/berth");
}

TEST(OverlaySpecTest, TwoLayersWithUpperKeepTopFirstAndSelfContainedUpper) {
  auto in = Input(2);
  in.upper = "/var/lib/berth/containers/c1/upper";
  in.work = "/var/lib/berth/containers/c1/work";
  auto spec = OverlayMountSpec(in);
  ASSERT_TRUE(spec) << spec.error().ToString();
  EXPECT_EQ(spec->data,
            "lowerdir=l/aaaaaaaaaaaaaaaa:l/bbbbbbbbbbbbbbbb:empty,"
            "upperdir=/var/lib/berth/containers/c1/upper,"
            "workdir=/var/lib/berth/containers/c1/work,redirect_dir=off,metacopy=off,index=off");
  EXPECT_EQ(spec->flags, 0u);
}

TEST(OverlaySpecTest, HundredTwentyEightLayersFitOnePage) {
  auto in = Input(128);
  in.upper = "/var/lib/berth/containers/0123456789abcdef0123456789abcdef/upper";
  in.work = "/var/lib/berth/containers/0123456789abcdef0123456789abcdef/work";
  auto spec = OverlayMountSpec(in);
  ASSERT_TRUE(spec) << spec.error().ToString();
  EXPECT_LT(spec->data.size() + 1, kMountDataLimit);
}

TEST(OverlaySpecTest, TooManyLayersIsAClearError) {
  auto spec = OverlayMountSpec(Input(300));
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(spec.error().message.find("300 layers"), std::string::npos);
}

TEST(OverlaySpecTest, SeparatorsInPathsAreRejected) {
  auto in = Input(1);
  in.upper = "/a,b/upper";
  in.work = "/a/work";
  EXPECT_FALSE(OverlayMountSpec(in));
  auto in2 = Input(1);
  in2.upper = "/upper";
  EXPECT_FALSE(OverlayMountSpec(in2));  // upper without work
}

}  // namespace
}  // namespace berth::store
