// RunInChild: runs part of a test in a forked child that has its own private mount namespace,
// so a test that mounts can never leave a mount on the host, whatever happens to it.
//
// The child unshares CLONE_NEWNS and makes "/" recursively private (MS_REC | MS_PRIVATE),
// then calls the given function. GoogleTest results raised in the child (EXPECT/ASSERT
// failures, GTEST_SKIP) are sent to the parent over a pipe and re-raised there at the same
// file and line, so the test reads as if the body ran in-process. A child that exits
// non-zero, dies from a signal, throws, or outlives the timeout is a failure in the parent.
// Every mount the child (or a program it runs) made disappears when its namespace does.
//
// Also here: ProbeOverlayMount(), the "skip by probe" check for tests that need to mount an
// overlay of store-form layers (mknod 0/0, trusted.* xattrs, overlay mount).
//
// Needs CAP_SYS_ADMIN (root, or a user namespace that owns the mount namespace). Not
// thread-safe: call from the test's main thread while no other threads run (fork copies
// only the calling thread).
#pragma once

#include <chrono>
#include <functional>
#include <source_location>
#include <string>

namespace berth::testing {

struct RunInChildOptions {
  // false: fork only, keep the parent's mount namespace (for tests that need a child but
  // do not mount).
  bool private_mount_ns = true;
  // SIGKILL the child after this long and fail the test.
  std::chrono::seconds timeout{600};
};

struct ChildOutcome {
  int exit_code = 0;     // when signal == 0
  int signal = 0;        // terminating signal, or 0
  int failures = 0;      // gtest failures (fatal or not) raised in the child
  bool skipped = false;  // the child called GTEST_SKIP
  bool timed_out = false;
  // Exited with 0, no gtest failure, no timeout.
  bool ok() const { return signal == 0 && exit_code == 0 && failures == 0 && !timed_out; }
};

// Runs `body` in a child as described above and waits for it. The child's gtest results are
// re-raised in the calling test; abnormal ends (non-zero exit, signal, timeout, exception,
// failed unshare) are reported as failures too. Callers may use the outcome to stop early:
//   if (!RunInChild([&] { ... }).ok()) return;
// A GTEST_SKIP in the child marks the calling test skipped (the caller keeps running, like
// after a GTEST_SKIP in any helper function). Failures about the child itself are reported
// at `where`, the caller's line.
ChildOutcome RunInChild(const std::function<void()>& body, const RunInChildOptions& options = {},
                        std::source_location where = std::source_location::current());

// Tries, in a child with a private mount namespace, what store-form overlays need: mknod a
// 0/0 character device, set trusted.overlay.opaque on a directory, mount a two-lower
// read-only overlay over them under `scratch_parent` and see the whiteout hide a lower file.
// Returns "" when all of it works, else the reason (for GTEST_SKIP / FAIL).
std::string ProbeOverlayMount(const std::string& scratch_parent = "/var/tmp");

// True when BERTH_TEST_REQUIRE_PRIVILEGED=1: a failed probe is then a test failure, not a
// skip (the root CI job).
bool RequirePrivileged();

}  // namespace berth::testing
