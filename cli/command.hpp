// The pieces every verb shares: global options, opening the store, reporting failures.
//
// A verb registers a CLI11 subcommand whose callback fills `Invocation::action`; main runs
// the action once parsing succeeded and exits with its status. Failures are printed as one
// line, `berth: <verb> <object>: <cause>`, with exit status 125, as podman does.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "berth/base/error.hpp"
#include "berth/base/result.hpp"
#include "berth/store/store.hpp"

namespace berth::cli {

inline constexpr int kExitBerthFailed = 125;

struct GlobalOptions {
  std::string root;  // --root, else $BERTH_ROOT, else /var/lib/berth
};

struct Invocation {
  GlobalOptions global;
  std::function<int()> action;
};

// Prints "berth: <what>: <error>" to stderr and returns 125.
int Fail(std::string_view what, const Error& error);
// Prints "berth: <error>" for an error that already names its verb and object (the
// library's "push docker.io/x:1: ..."), and returns 125.
int Fail(const Error& error);

Result<store::Store> OpenStore(const GlobalOptions& global);
// The store root the options name (--root, else $BERTH_ROOT, else /var/lib/berth).
std::filesystem::path StoreRoot(const GlobalOptions& global);

// What `inspect` looks for: `berth inspect` tries containers, then images (as podman does);
// `berth container inspect` and `berth image inspect` only their own kind.
enum class InspectKind { kAny, kContainer, kImage };

// Each verb adds itself to `parent` under `name` (verbs also appear under `berth image`).
void RegisterImages(CLI::App& parent, Invocation& inv, const std::string& name);
void RegisterInspect(CLI::App& parent, Invocation& inv, const std::string& name,
                     InspectKind kind = InspectKind::kAny);
void RegisterHistory(CLI::App& parent, Invocation& inv, const std::string& name);
void RegisterTag(CLI::App& parent, Invocation& inv, const std::string& name);
void RegisterRmi(CLI::App& parent, Invocation& inv, const std::string& name);
void RegisterImagePrune(CLI::App& parent, Invocation& inv);
void RegisterLoad(CLI::App& parent, Invocation& inv, const std::string& name);
void RegisterSave(CLI::App& parent, Invocation& inv, const std::string& name);
void RegisterImageMount(CLI::App& parent, Invocation& inv);
void RegisterImageUnmount(CLI::App& parent, Invocation& inv);
void RegisterPull(CLI::App& parent, Invocation& inv, const std::string& name);
void RegisterPush(CLI::App& parent, Invocation& inv, const std::string& name);
void RegisterLogin(CLI::App& parent, Invocation& inv, const std::string& name);
void RegisterLogout(CLI::App& parent, Invocation& inv, const std::string& name);
void RegisterManifest(CLI::App& parent, Invocation& inv);  // berth manifest inspect
void RegisterRun(CLI::App& parent, Invocation& inv);
// Container verbs; each also appears under `berth container`.
void RegisterStart(CLI::App& parent, Invocation& inv);
void RegisterExec(CLI::App& parent, Invocation& inv);
void RegisterStop(CLI::App& parent, Invocation& inv);
void RegisterBuild(CLI::App& parent, Invocation& inv);
void RegisterRestart(CLI::App& parent, Invocation& inv);
void RegisterKill(CLI::App& parent, Invocation& inv);
void RegisterWait(CLI::App& parent, Invocation& inv);
void RegisterRm(CLI::App& parent, Invocation& inv, const std::string& name);
void RegisterContainerPrune(CLI::App& parent, Invocation& inv);
void RegisterInternal(CLI::App& parent, Invocation& inv);  // hidden: the monitor's callbacks
void RegisterVolume(CLI::App& parent, Invocation& inv);    // berth volume create|ls|...
void RegisterPs(CLI::App& parent, Invocation& inv, const std::string& name);
void RegisterLogs(CLI::App& parent, Invocation& inv, const std::string& name);
void RegisterCommit(CLI::App& parent, Invocation& inv);

}  // namespace berth::cli
