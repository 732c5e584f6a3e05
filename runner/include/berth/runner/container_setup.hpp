// The clone child: carries out a ContainerPlan between clone(2) and execve(2).
//
// RunContainerChild() waits for the parent's go-ahead (sent once the child is in its
// cgroup), enters a cgroup namespace, performs the rootfs steps inside the new root, pivots
// into it, masks paths, sets the hostname, brings up `lo`, changes ids and working directory
// and executes the process. It never returns: on success execve replaces it; on failure it
// writes one ChildFailure to the report fd and _exits with 125, 126 or 127 as podman would.
// Everything it touches was prepared by the parent; it allocates nothing (STYLE.md 4).
//
// The steps are also exported one by one so that unit tests can run them against a fake
// Kernel and a temporary directory as the root.
#pragma once

#include <sys/ioctl.h>

#include <cstddef>
#include <vector>

#include "berth/runner/container_plan.hpp"
#include "berth/runner/kernel.hpp"

namespace berth::runner {

// What the child reports when setup fails: errno, exit code and "<step>: <object>".
struct ChildFailure {
  int err = 0;
  int exit_code = 125;
  char what[480] = {};
};

// Everything the child needs, prepared by the parent. Pointers stay valid in the child
// because clone without CLONE_VM copies the parent's memory.
struct ChildContext {
  const ContainerPlan* plan = nullptr;
  Kernel* kernel = nullptr;
  int go_fd = -1;               // read end; one byte means go, EOF means the parent gave up
  int parent_end_fd = -1;       // the go pipe's write end, closed first so EOF can be seen
  int report_fd = -1;           // write end, O_CLOEXEC: closes by itself when execve succeeds
  int stdio[3] = {-1, -1, -1};  // dup2'ed onto 0, 1, 2; -1 keeps the inherited fd
  char* const* argv = nullptr;  // NULL-terminated, from plan->process.argv
  char* const* envp = nullptr;  // NULL-terminated, from plan->process.env
  // plan->terminal: the socket the pty's master goes to, and the initial window size.
  int console_fd = -1;
  struct winsize window = {};
  // --init: berth-init (a memfd) is executed instead, with `init_argv` = {"berth-init",
  // "--exec", <slot for the program's path>, "--", argv...}; the child fills slot 2.
  int init_fd = -1;
  char** init_argv = nullptr;
};

[[noreturn]] void RunContainerChild(const ChildContext& ctx) noexcept;

// The steps, each returning 0 or an errno with `what` describing the failed operation.
int ApplyRootfsSteps(Kernel& kernel, int root_fd, const std::vector<RootfsStep>& steps, char* what,
                     size_t what_len) noexcept;
int PivotInto(Kernel& kernel, int root_fd, char* what, size_t what_len) noexcept;
int ApplyMasks(Kernel& kernel, const ContainerPlan& plan, char* what, size_t what_len) noexcept;

}  // namespace berth::runner
