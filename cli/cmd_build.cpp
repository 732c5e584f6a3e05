// berth build [-t NAME[:TAG]]... [-f FILE] [--build-arg K=V]... [--target STAGE] [--no-cache]
//             [--pull] [--platform P] [--label K=V]... [--network none|host]
//             [--timestamp EPOCH] [-q] CONTEXT
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>

#include "berth/base/fs.hpp"
#include "berth/builder/build.hpp"
#include "berth/puller/platform_select.hpp"
#include "berth/puller/pull.hpp"
#include "command.hpp"
#include "registry_flags.hpp"

namespace berth::cli {

namespace {

struct BuildFlags {
  std::vector<std::string> tags;
  std::string file;
  std::vector<std::string> build_args;
  std::vector<std::string> labels;
  std::string target;
  bool no_cache = false;
  bool pull = false;
  std::string platform;
  std::string network = "host";
  std::optional<int64_t> timestamp;
  bool quiet = false;
  std::string context = ".";
  AccessFlags access;
};

// The Containerfile's text and name: -f (a path, or - for stdin), else Containerfile, then
// Dockerfile in the context.
Result<std::pair<std::string, std::string>> ReadContainerfile(const BuildFlags& f) {
  if (f.file == "-") {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    return std::make_pair(text, std::string("-"));
  }
  std::vector<std::filesystem::path> candidates;
  if (!f.file.empty()) {
    candidates.push_back(f.file);
  } else {
    candidates = {std::filesystem::path(f.context) / "Containerfile",
                  std::filesystem::path(f.context) / "Dockerfile"};
  }
  for (const auto& p : candidates) {
    if (f.file.empty() && ::access(p.c_str(), F_OK) != 0) continue;
    auto text = ReadFile(p, 16 << 20);
    if (!text) return std::move(text).error().Context("read " + p.string());
    return std::make_pair(*text, f.file.empty() ? p.filename().string() : f.file);
  }
  return MakeError(ErrorCode::kNotFound,
                   "no Containerfile or Dockerfile in the build context " + f.context,
                   "name one with -f");
}

Result<void> ParseKeyValues(const std::vector<std::string>& items, const char* flag,
                            std::map<std::string, std::optional<std::string>>& out) {
  for (const auto& kv : items) {
    size_t eq = kv.find('=');
    std::string key = kv.substr(0, eq);
    if (key.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, std::string(flag) + " " + kv + ": no name");
    }
    out[key] = eq == std::string::npos ? std::nullopt : std::optional(kv.substr(eq + 1));
  }
  return Ok();
}

// SOURCE_DATE_EPOCH from the environment when --timestamp is not given; else 0.
Result<int64_t> Timestamp(const BuildFlags& f) {
  if (f.timestamp) return *f.timestamp;
  const char* env = std::getenv("SOURCE_DATE_EPOCH");
  if (!env || !*env) return int64_t{0};
  char* end = nullptr;
  long long v = std::strtoll(env, &end, 10);
  if (*end != '\0' || v < 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "SOURCE_DATE_EPOCH " + std::string(env) + ": not a number of seconds");
  }
  return static_cast<int64_t>(v);
}

Result<builder::BuildOptions> Options(const GlobalOptions& g, const BuildFlags& f) {
  builder::BuildOptions o;
  o.store_root = StoreRoot(g);
  o.context = f.context;
  BERTH_ASSIGN_OR_RETURN(auto file, ReadContainerfile(f));
  o.containerfile = std::move(file.first);
  o.containerfile_name = std::move(file.second);
  o.tags = f.tags;
  BERTH_TRY(ParseKeyValues(f.build_args, "--build-arg", o.build_args));
  std::map<std::string, std::optional<std::string>> labels;
  BERTH_TRY(ParseKeyValues(f.labels, "--label", labels));
  for (const auto& [k, v] : labels) o.labels[k] = v.value_or("");
  o.target = f.target;
  o.no_cache = f.no_cache;
  if (f.network == "host") {
    o.network = runner::NetworkMode::kHost;
  } else if (f.network == "none") {
    o.network = runner::NetworkMode::kNone;
  } else {
    return MakeError(ErrorCode::kUnsupported, "network " + f.network + ": not supported",
                     "use --network host or --network none");
  }
  BERTH_ASSIGN_OR_RETURN(o.timestamp, Timestamp(f));
  BERTH_ASSIGN_OR_RETURN(o.platform, f.platform.empty()
                                         ? Result<store::Platform>(puller::HostPlatform())
                                         : puller::ParsePlatform(f.platform));
  return o;
}

int Run(const GlobalOptions& g, const BuildFlags& f) {
  auto options = Options(g, f);
  if (!options) return Fail("build", options.error());
  builder::BuildOptions& o = *options;
  std::string platform_flag = f.platform;
  o.ensure_image = [&g, &f, platform_flag](
                       std::string_view ref,
                       std::string_view platform) -> Result<store::ImageRecord> {
    BERTH_ASSIGN_OR_RETURN(store::Store store, store::Store::Open(StoreRoot(g)));
    if (!f.pull) {
      if (auto found = store.FindImage(ref)) return *found;
    }
    puller::PullOptions p;
    p.reference = std::string(ref);
    p.platform = platform.empty() ? platform_flag : std::string(platform);
    p.access = ToAccess(f.access, store.root());
    if (!f.quiet) std::fprintf(stderr, "Trying to pull %s...\n", p.reference.c_str());
    BERTH_ASSIGN_OR_RETURN(puller::PullResult pulled, puller::Pull(store, p));
    return store.FindImage(pulled.image_id.String());
  };
  if (!f.quiet) {
    o.progress = [](const std::string& line) {
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    };
  }
  o.warn = [](const std::string& w) { std::fprintf(stderr, "WARNING: %s\n", w.c_str()); };
  std::fflush(stdout);
  auto r = builder::BuildImage(o);
  if (!r) return Fail("build", r.error());
  if (!f.quiet) {
    std::string names;
    for (const auto& n : r->image.names) std::printf("Successfully tagged %s\n", n.c_str());
  }
  std::printf("%s\n", r->image.config.hex().c_str());
  return 0;
}

}  // namespace

void RegisterBuild(CLI::App& parent, Invocation& inv) {
  auto f = std::make_shared<BuildFlags>();
  CLI::App* cmd = parent.add_subcommand("build", "Build an image from a Containerfile");
  cmd->add_option("-t,--tag", f->tags, "Name of the image (NAME[:TAG]); repeatable")
      ->allow_extra_args(false);
  cmd->add_option("-f,--file", f->file,
                  "Containerfile (default: CONTEXT/Containerfile, then Dockerfile; - for stdin)");
  cmd->add_option("--build-arg", f->build_args,
                  "Build argument K=V (K alone: from the environment)")
      ->allow_extra_args(false);
  cmd->add_option("--target", f->target, "Stage to build (default: the last)");
  cmd->add_flag("--no-cache", f->no_cache, "Build every step, using no cached one");
  cmd->add_flag("--pull", f->pull, "Pull base images even when they are in the store");
  cmd->add_option("--platform", f->platform, "Platform os/arch[/variant] (default: the host's)");
  cmd->add_option("--label", f->labels, "Label K=V on the image")->allow_extra_args(false);
  cmd->add_option("--network", f->network, "Network of RUN steps: host (default) or none");
  cmd->add_option("--timestamp", f->timestamp,
                  "Seconds since the epoch for created times and file mtimes (default: "
                  "SOURCE_DATE_EPOCH, else 0)");
  cmd->add_flag("-q,--quiet", f->quiet, "Print only the image id (and RUN output)");
  AddAccessFlags(cmd, f->access);
  cmd->add_option("CONTEXT", f->context, "Build context directory (default .)");
  cmd->callback([&inv, f] { inv.action = [&inv, f] { return Run(inv.global, *f); }; });
}

}  // namespace berth::cli
