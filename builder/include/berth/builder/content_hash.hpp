// Content hash of COPY/ADD sources, for the build cache key.
//
// A COPY step may be reused from the cache only if what it would copy is unchanged. The
// hash covers, for each matched source and everything below a directory source (walked in
// sorted order, ignored paths left out, symlinks not followed): the relative path, the file
// type, the permission bits (with setuid, setgid and sticky), the owner uid and gid, the
// bytes of a regular file, the target of a symlink and the device number of a device node.
// It leaves out what a copy does not preserve or what changes without the content changing:
// access, modification and change times, inode numbers, link counts, the device the
// context lives on. So the same tree gives the same hash on any machine, a changed byte,
// mode bit or owner gives another, and `touch` changes nothing. Extended attributes are not
// covered. The framing is versioned ("berth-context-hash v1"), so a future change of what
// is covered changes every hash instead of colliding.
//
// Reads the context through a borrowed directory fd, never leaving it. Stateless;
// thread-safe.
#pragma once

#include <string>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/builder/context_source.hpp"
#include "berth/builder/ignore_rules.hpp"

namespace berth::builder {

// "sha256:<64 hex>" over `sources` (as ResolveContextSources returned them, in that order)
// in the context open at `context_fd`. Each source counts under its matched path with the
// metadata and content of its resolved path. Errors (a source or file that vanished or
// changed type, an unreadable file) name the path and carry the errno.
Result<std::string> HashContextSources(int context_fd, const std::vector<ContextSource>& sources,
                                       const IgnoreRules& rules);

}  // namespace berth::builder
