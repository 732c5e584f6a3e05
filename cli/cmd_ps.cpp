// berth ps: list containers like `podman ps` (running ones; all with -a).
#include <cstdio>
#include <ctime>

#include "berth/runner/container_list.hpp"
#include "command.hpp"
#include "container_json.hpp"
#include "output.hpp"

namespace berth::cli {

namespace {

struct PsOptions {
  bool all = false;
  bool quiet = false;
  bool no_trunc = false;
  bool latest = false;
  int last = -1;
  std::string format;
  std::vector<std::string> filters;
};

int Run(const GlobalOptions& g, const PsOptions& o) {
  if (o.latest && o.last >= 0) {
    return Fail(
        "ps", MakeError(ErrorCode::kInvalidArgument, "--last and --latest are mutually exclusive"));
  }
  auto filters = runner::ParseContainerFilters(o.filters);
  if (!filters) return Fail("ps", filters.error());
  runner::ListOptions lo;
  lo.all = o.all;
  lo.latest = o.latest;
  if (o.last > 0) lo.last = static_cast<size_t>(o.last);
  lo.filters = *filters;
  runner::ContainerStore containers(StoreRoot(g));
  auto entries = runner::ListContainers(containers, lo);
  if (!entries) return Fail("ps", entries.error());
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (o.format == "json") {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& e : *entries) list.push_back(PsJson(e, now));
    PrintJson(list, 2);
    return 0;
  }
  if (o.quiet && o.format.empty()) {
    for (const auto& e : *entries) {
      std::printf("%s\n", o.no_trunc ? e.record.id.c_str() : e.record.id.substr(0, 12).c_str());
    }
    return 0;
  }
  std::vector<nlohmann::json> rows;
  for (const auto& e : *entries) rows.push_back(PsRow(e, o.no_trunc, now));
  PrintRows(o.format,
            {{"CONTAINER ID", "ID"},
             {"IMAGE", "Image"},
             {"COMMAND", "Command"},
             {"CREATED", "CreatedHuman"},
             {"STATUS", "Status"},
             {"PORTS", "Ports"},
             {"NAMES", "Names"}},
            rows);
  return 0;
}

}  // namespace

void RegisterPs(CLI::App& parent, Invocation& inv, const std::string& name) {
  auto opts = std::make_shared<PsOptions>();
  CLI::App* cmd = parent.add_subcommand(name, "List containers");
  cmd->add_flag("-a,--all", opts->all, "Show all the containers, default is only running ones");
  cmd->add_flag("-q,--quiet", opts->quiet, "Print the container ids only");
  cmd->add_flag("--no-trunc", opts->no_trunc, "Do not truncate ids and commands");
  cmd->add_flag("-l,--latest", opts->latest, "Show the latest container created (all states)");
  cmd->add_option("-n,--last", opts->last, "Print the n last created containers (all states)");
  cmd->add_option("-f,--filter", opts->filters,
                  "Filter: id=<prefix>, name=<regex>, status=<status>, exited=<code>");
  cmd->add_option("--format", opts->format,
                  "json, a Go template ({{.ID}} {{.Names}}) or 'table <template>'");
  cmd->callback([&inv, opts] { inv.action = [&inv, opts] { return Run(inv.global, *opts); }; });
}

}  // namespace berth::cli
