// AdoptLayer's failure and crash paths, at every AdoptStep (the observer is the seam):
//   - an error at a step: the adoption fails, leaves no stage, no dangling link and no
//     partial layer; the directory is still the caller's before kDirStaged and gone after;
//   - a SIGKILL at a step (a forked child, so no destructor runs): the store is consistent
//     (CheckStore), holds no layer or the whole one, and after a retry, an image commit and
//     a garbage collection it is exactly as if nothing had happened.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit/store/layer_adopt_fixture.hpp"

namespace berth::store::adopt_test {
namespace {

constexpr AdoptStep kSteps[] = {
    AdoptStep::kNormalized, AdoptStep::kBlobStaged, AdoptStep::kBlobStored, AdoptStep::kDirStaged,
    AdoptStep::kLinked,     AdoptStep::kRecorded,   AdoptStep::kLayerStored};

std::string StepName(AdoptStep s) {
  switch (s) {
    case AdoptStep::kNormalized:
      return "Normalized";
    case AdoptStep::kBlobStaged:
      return "BlobStaged";
    case AdoptStep::kBlobStored:
      return "BlobStored";
    case AdoptStep::kDirStaged:
      return "DirStaged";
    case AdoptStep::kLinked:
      return "Linked";
    case AdoptStep::kRecorded:
      return "Recorded";
    case AdoptStep::kLayerStored:
      return "LayerStored";
  }
  return "Unknown";
}

class AdoptAtStep : public LayerAdoptTest, public ::testing::WithParamInterface<AdoptStep> {
 protected:
  // The diff_id the standard tree adopts to, from a store of its own.
  DiffId ExpectedDiffId() {
    auto other = Store::Open(tmp_.path() / "reference");
    EXPECT_TRUE(other);
    auto r = AdoptLayer(*other, MakeUpper("reference-upper"), {});
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? r->diff_id : DiffId();
  }

  // After the interrupted adoption: adopting again works, and with an image using the layer
  // a garbage collection leaves a clean store.
  void RetryCommitAndCollect(const fs::path& upper, const DiffId& want, bool was_stored) {
    if (!fs::exists(upper)) MakeUpper(upper.filename());
    auto again = Adopt(upper);
    ASSERT_TRUE(again) << again.error().ToString();
    EXPECT_EQ(again->diff_id, want);
    EXPECT_EQ(again->reused, was_stored);
    EXPECT_FALSE(fs::exists(upper));
    Digest m = berth::testing::PutImage(*store_, {base_, {again->descriptor(), again->diff_id}});
    ASSERT_TRUE(store_->CommitImage(m, {"localhost/retried:latest"}));
    auto gc = store_->GarbageCollect();
    ASSERT_TRUE(gc) << gc.error().ToString();
    EXPECT_TRUE(gc->layers_removed.empty());
    EXPECT_EQ(Problems(true), "");
    EXPECT_EQ(Count("layers"), 2u);
    EXPECT_EQ(Count("l"), 2u);
    EXPECT_TRUE(store_->layers().Has(want));
  }
};

TEST_P(AdoptAtStep, ErrorLeavesNothingHalfDone) {
  const AdoptStep step = GetParam();
  const DiffId want = ExpectedDiffId();
  fs::path upper = MakeUpper("upper");
  AdoptOptions options;
  options.observe = [&](AdoptStep s) -> Result<void> {
    if (s == step) return MakeError(ErrorCode::kIo, "injected at " + StepName(s));
    return Ok();
  };
  auto r = Adopt(upper, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
  EXPECT_NE(r.error().message.find("injected"), std::string::npos) << r.error().message;
  EXPECT_EQ(fs::exists(upper), step < AdoptStep::kDirStaged);
  EXPECT_EQ(store_->layers().Has(want), step == AdoptStep::kLayerStored);
  EXPECT_EQ(store_->blobs().List()->size() > 3, step >= AdoptStep::kBlobStored);
  // No GC ran: cleanup on the error path alone must leave no stage and no dangling link.
  EXPECT_EQ(Problems(/*collected=*/true), "");
  RetryCommitAndCollect(upper, want, step == AdoptStep::kLayerStored);
}

TEST_P(AdoptAtStep, CrashLeavesNoLayerOrAWholeOne) {
  const AdoptStep step = GetParam();
  const DiffId want = ExpectedDiffId();
  fs::path upper = MakeUpper("upper");
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    AdoptOptions options;
    options.observe = [&](AdoptStep s) -> Result<void> {
      if (s == step) ::raise(SIGKILL);
      return Ok();
    };
    (void)Adopt(upper, options);
    ::_exit(1);  // the step was never reached
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;

  EXPECT_EQ(Problems(/*collected=*/false), "");
  EXPECT_EQ(store_->layers().Has(want), step == AdoptStep::kLayerStored);
  EXPECT_EQ(fs::exists(upper), step < AdoptStep::kDirStaged);
  // What a crash leaves (stages in tmp/, a link to a layer that never arrived) is garbage.
  auto gc = store_->GarbageCollect();
  ASSERT_TRUE(gc) << gc.error().ToString();
  EXPECT_EQ(Problems(/*collected=*/true), "");
  EXPECT_EQ(Count("layers"), 1u);  // the base image's
  EXPECT_EQ(Count("l"), 1u);
  RetryCommitAndCollect(upper, want, /*was_stored=*/false);
}

INSTANTIATE_TEST_SUITE_P(Steps, AdoptAtStep, ::testing::ValuesIn(kSteps),
                         [](const auto& info) { return StepName(info.param); });

}  // namespace
}  // namespace berth::store::adopt_test
