// The build's arguments as the planner sees them: the --build-arg values (names given alone
// resolved against the caller's environment), the predefined ARGs (proxies, platforms), the
// global scope made by the ARGs before the first FROM, and which names the file declares (for
// buildah's "not consumed" warning). Single-threaded; the planner owns one per build.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/builder/containerfile.hpp"
#include "berth/builder/expand.hpp"
#include "berth/builder/stage_plan.hpp"

namespace berth::builder {

// HTTP_PROXY, http_proxy, HTTPS_PROXY, ... ALL_PROXY, all_proxy.
bool IsProxyArg(std::string_view name);

class BuildArgs {
 public:
  // Resolves options.build_args and sets the platform ARGs from the two platforms.
  explicit BuildArgs(const PlanOptions& options);

  // The --build-arg value of `name`, if the user gave one.
  std::optional<std::string> Given(std::string_view name) const;
  // The --build-arg values, by name.
  const std::map<std::string, std::string>& given() const { return given_; }

  // Declares the global ARGs `globals` (the instructions before the first FROM, all ARG) in
  // order: each takes its --build-arg value, else its default expanded with the globals before
  // it, else (for a predefined platform ARG) the platform's value, else none. Fails with
  // InstructionError on an expansion error.
  Result<void> DeclareGlobals(std::string_view file_name,
                              const std::vector<const Instruction*>& globals, char escape);

  // The global scope: predefined platform ARGs (a --build-arg overrides them) and the declared
  // global ARGs that have a value. The function borrows this object.
  VarLookup GlobalLookup() const;
  std::optional<std::string> Global(std::string_view name) const;
  // True for a name declared by a global ARG (with or without a value).
  bool IsDeclaredGlobal(std::string_view name) const;

  // Records that an ARG of some stage (built or not) declares `name`.
  void MarkDeclared(std::string_view name) { declared_.insert(std::string(name)); }
  // "one or more build args were not consumed: [A B]" for the given names that no ARG declared
  // (predefined ones and SOURCE_DATE_EPOCH excepted), or "" when there are none.
  std::string UnusedWarning() const;

 private:
  std::map<std::string, std::string> given_;
  std::map<std::string, std::string> globals_;  // values in the global scope
  std::set<std::string> declared_globals_;
  std::set<std::string> declared_;
};

}  // namespace berth::builder
