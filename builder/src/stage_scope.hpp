// What the instructions of one stage see while it is planned: the environment (base image Env
// or the base stage's, then ENV), the ARGs declared in the stage, the WORKDIR, the SHELL and
// the ONBUILD instructions that a stage built FROM this one will run. Variable lookup follows
// Docker: ENV first (it wins over an ARG of the same name), then the stage's ARGs with a
// value, then proxy build args (usable undeclared). A stage built FROM this one inherits all
// but the ONBUILD list, its ARGs included (Docker's reference since BuildKit PR #5381: "An ARG
// variable declared inside a build stage is automatically inherited by other stages based on
// that stage"). Single-threaded.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "berth/builder/containerfile.hpp"
#include "berth/builder/expand.hpp"
#include "berth/store/oci.hpp"
#include "build_args.hpp"

namespace berth::builder {

// The PATH BuildKit puts in the environment when the base has none (system.DefaultPathEnv).
inline constexpr std::string_view kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

class StageScope {
 public:
  explicit StageScope(const BuildArgs& args) : args_(&args) {}

  // Starts from a base image's config: its Env ("K=V"; PATH defaulted when missing),
  // WorkingDir and Shell.
  void StartFromImage(const store::ContainerConfig& config);
  // Starts from nothing (scratch): PATH defaulted, WORKDIR "/", the default shell.
  void StartFromScratch();
  // Starts from the final state of the stage `base`: its env, ARGs, WORKDIR and SHELL, but not
  // its ONBUILD list.
  void StartFromStage(const StageScope& base);

  // The value `name` has for expansion, or nullopt.
  std::optional<std::string> Lookup(std::string_view name) const;
  // Lookup as a VarLookup that borrows this scope.
  VarLookup lookup() const;

  void SetEnv(const std::string& key, const std::string& value);
  // Declares ARG `name` with `value` (nullopt: declared without a value).
  void DeclareArg(const std::string& name, std::optional<std::string> value);
  bool IsDeclaredArg(std::string_view name) const;

  // RUN's build-arg environment, "K=V" sorted: declared ARGs with a value not shadowed by an
  // ENV, and undeclared proxy build args.
  std::vector<std::string> ArgEnv() const;
  // The "K=V" entries of the "|N ..." history prefix: ArgEnv without undeclared proxies.
  std::vector<std::string> HistoryArgs() const;

  const std::string& workdir() const { return workdir_; }
  void set_workdir(std::string workdir) { workdir_ = std::move(workdir); }
  const std::vector<std::string>& shell() const { return shell_; }
  void set_shell(std::vector<std::string> shell) { shell_ = std::move(shell); }

  // ONBUILD instructions of this stage, for stages built FROM it.
  const std::vector<std::shared_ptr<const Instruction>>& onbuild() const { return onbuild_; }
  void AddOnbuild(std::shared_ptr<const Instruction> trigger) {
    onbuild_.push_back(std::move(trigger));
  }

 private:
  const std::string* FindEnv(std::string_view key) const;

  const BuildArgs* args_;
  std::vector<std::pair<std::string, std::string>> env_;  // in order of first setting
  std::vector<std::pair<std::string, std::optional<std::string>>> args_declared_;
  std::string workdir_ = "/";
  std::vector<std::string> shell_ = {"/bin/sh", "-c"};
  std::vector<std::shared_ptr<const Instruction>> onbuild_;
};

}  // namespace berth::builder
