// berth commit [flags] CONTAINER [IMAGE[:TAG]]: a container's changes as a new image, as
// podman commit: progress on stderr, the new image id on stdout.
#include <cstdio>

#include "berth/runner/container_commit.hpp"
#include "command.hpp"

namespace berth::cli {

namespace {

struct CommitFlags {
  runner::CommitContainerOptions commit;
  std::string format;
  bool quiet = false;
};

int Run(const GlobalOptions& g, CommitFlags f) {
  runner::CommitContainerOptions& o = f.commit;
  std::string what = "commit " + o.container;
  if (f.format == "oci") {
    o.format = runner::CommitFormat::kOci;
  } else if (f.format == "docker") {
    o.format = runner::CommitFormat::kDocker;
  } else if (!f.format.empty()) {
    return Fail(what, MakeError(ErrorCode::kInvalidArgument,
                                "format " + f.format + ": expected oci or docker"));
  }
  if (!f.quiet) {
    o.progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  }
  auto root = g.root.empty() ? store::DefaultRoot() : std::filesystem::path(g.root);
  auto r = runner::CommitContainer(root, o);
  if (!r) return Fail(r.error());
  if (r->was_running && !f.quiet) {
    std::fprintf(stderr,
                 "WARNING: the container was running and was not paused: files it was writing "
                 "may be incomplete in the image\n");
  }
  std::printf("%s\n", r->image.config.hex().c_str());
  return 0;
}

}  // namespace

void RegisterCommit(CLI::App& parent, Invocation& inv) {
  auto f = std::make_shared<CommitFlags>();
  CLI::App* cmd = parent.add_subcommand("commit", "Create a new image from a container's changes");
  cmd->add_option("CONTAINER", f->commit.container, "Container name or id")->required();
  cmd->add_option("IMAGE", f->commit.image_name, "Name of the new image (IMAGE[:TAG])");
  cmd->add_option("-a,--author", f->commit.author, "Author of the image");
  cmd->add_option("-m,--message", f->commit.message, "Commit message (the history comment)");
  // One instruction per -c: a vector option would otherwise also swallow CONTAINER and IMAGE.
  cmd->add_option("-c,--change", f->commit.changes,
                  "Apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, "
                  "STOPSIGNAL, USER, VOLUME, WORKDIR)")
      ->allow_extra_args(false);
  cmd->add_option("-f,--format", f->format,
                  "Manifest format: oci or docker (default: the base image's)");
  cmd->add_flag("-q,--quiet", f->quiet, "Print only the image id");
  cmd->add_flag("-p,--pause", f->commit.pause,
                "Pause a running container while committing (not supported yet: refused)");
  cmd->callback([&inv, f] { inv.action = [&inv, f] { return Run(inv.global, *f); }; });
}

}  // namespace berth::cli
