// Which uid, gid and supplementary groups a container process runs as (`-u`, image `User`).
//
// A user spec has the forms docker and podman accept: "" (root), "name", "uid", "name:group",
// "uid:gid", "name:gid", "uid:group". Names are looked up in the container's own /etc/passwd
// and /etc/group, read through the rootfs fd so that a symlink planted by the image resolves
// inside the rootfs and never reaches the host's files. The semantics are runc's
// GetExecUser, which both docker and podman use:
// - a numeric user is always a uid, never a name; a uid without a passwd entry is fine and
//   runs with gid 0 (or the given group) and HOME "/";
// - a matched passwd entry gives the gid and HOME;
// - an explicit group (name or number) replaces the gid and then the user gets no
//   supplementary groups from /etc/group; without one, every group whose member list names
//   the user is added;
// - the primary gid is always the first additional gid (CVE-2022-36109 / CVE-2022-2989:
//   without it a process could shed its primary group's negative permissions).
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/runner/passwd_file.hpp"

namespace berth::runner {

struct ExecUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  // For setgroups(2): the primary gid first, then the supplementary groups in /etc/group
  // order, without duplicates.
  std::vector<uint32_t> additional_gids;
  std::string home = "/";  // from the passwd entry; "/" when there is none or it is empty
  bool operator==(const ExecUser&) const = default;
};

// Resolves `spec` against already-parsed files; nullopt stands for a missing file.
// kInvalidArgument when a name has no entry ("unable to find user NAME: no matching entries
// in passwd file", "unable to find group NAME: no matching entries in group file", docker's
// words) or a number is out of range 0-2147483647.
Result<ExecUser> ResolveExecUser(std::string_view spec,
                                 const std::optional<std::vector<PasswdEntry>>& passwd,
                                 const std::optional<std::vector<GroupEntry>>& group);

// Reads /etc/passwd and /etc/group inside `rootfs_fd` (borrowed) and resolves `spec` as
// above. A missing file is not an error (a name then cannot be found); an unreadable one is,
// and so is one that is not a regular file or larger than 16 MiB. Needs no privileges beyond
// read access to the rootfs.
Result<ExecUser> ResolveExecUserInRoot(std::string_view spec, int rootfs_fd);

}  // namespace berth::runner
