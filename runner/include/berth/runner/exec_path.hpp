// Finding and starting the container's program: the PATH search and the exit codes for a
// failed exec.
//
// The search follows runc and crun, which docker and podman use, rather than execvp(3): a
// name without '/' is looked up in the container's PATH and the first candidate that is a
// regular file with an execute bit is executed; a candidate that is missing, a directory or
// not executable is skipped, so "no executable found" is ENOENT (exit 127). A name with '/' is
// executed as it is, so a non-executable file there is EACCES (exit 126). The candidates are
// computed in the parent (ExecCandidates allocates); ExecSearch, which runs in the clone child
// between clone() and execve(), does not allocate. Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::runner {

// The PATH a container gets when neither the image nor the user sets one (docker's and
// podman's default).
inline constexpr std::string_view kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The value of PATH in `env` ("K=V" entries; the first PATH wins, as getenv(3) answers), or
// kDefaultPath when there is none.
std::string PathFromEnv(const std::vector<std::string>& env);

// The paths to try for `argv0`, in order: argv0 itself when it contains '/'; otherwise each
// entry of `path_env` (':'-separated) + "/" + argv0, an empty entry meaning "." (the working
// directory), as in execvp(3). Empty for an empty argv0.
std::vector<std::string> ExecCandidates(const std::string& argv0, const std::string& path_env);

// execve(2)s the program: when `file` (the argv[0] the candidates were computed for)
// contains '/', the single candidate as it is; otherwise the first candidate that stat(2)s as
// a regular file with any execute bit. Returns only on failure, with the errno to report:
// ENOENT when no candidate qualifies, else execve's errno. Allocation-free and
// async-signal-safe (only stat and execve); meant for the child between clone() and execve().
int ExecSearch(const char* file, const std::vector<std::string>& candidates, char* const argv[],
               char* const envp[]);

// The program ExecSearch would execute, without executing it: `*path` points into
// `candidates` (the single candidate when `file` contains '/'). Returns 0, or ENOENT when no
// candidate qualifies. Allocation-free, like ExecSearch.
int FindExecutable(const char* file, const std::vector<std::string>& candidates, const char** path);

// The exit status `berth run` reports when the container's program could not be executed,
// as podman and docker document it: 127 when it was not found (ENOENT), 126 when it exists
// but cannot be run (EACCES, EPERM, ENOEXEC, ENOTDIR, ELOOP, ETXTBSY, E2BIG, ...).
int ExitCodeForExecErrno(int err);

}  // namespace berth::runner
