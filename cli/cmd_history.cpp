// berth history IMAGE: the image's history entries, newest first, like podman history.
#include <ctime>

#include "berth/base/strings.hpp"
#include "command.hpp"
#include "output.hpp"

namespace berth::cli {

namespace {

struct HistoryOptions {
  std::string image;
  bool no_trunc = false;
  bool quiet = false;
  bool human = true;
  std::string format;
};

int Run(const GlobalOptions& g, const HistoryOptions& o) {
  auto store = OpenStore(g);
  if (!store) return Fail("history", store.error());
  auto rec = store->FindImage(o.image);
  if (!rec) return Fail("history " + o.image, rec.error());
  auto view = store->ReadImage(*rec);
  if (!view) return Fail("history " + o.image, view.error());
  const auto& cfg = view->config;
  // Non-empty history entries correspond, in order, to the diff_ids.
  std::vector<uint64_t> sizes(cfg.history.size(), 0);
  size_t layer = 0;
  for (size_t i = 0; i < cfg.history.size(); ++i) {
    if (cfg.history[i].empty_layer || layer >= cfg.diff_ids.size()) continue;
    auto lr = store->layers().Get(cfg.diff_ids[layer++]);
    if (lr) sizes[i] = lr->size;
  }
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::vector<nlohmann::json> rows;
  for (size_t k = cfg.history.size(); k-- > 0;) {
    const auto& h = cfg.history[k];
    nlohmann::json j;
    bool top = k + 1 == cfg.history.size();
    j["ID"] = top ? (o.no_trunc ? rec->config.String() : rec->config.Short()) : "<missing>";
    int64_t t = 0;
    ParseRfc3339(h.created, &t);
    j["Created"] = o.human ? HumanAge(t, now) : h.created;
    j["CreatedAt"] = h.created;
    std::string by = h.created_by;
    if (!o.no_trunc && by.size() > 45) by = by.substr(0, 42) + "...";
    j["CreatedBy"] = by;
    j["Size"] = o.human ? HumanSize(sizes[k]) : std::to_string(sizes[k]);
    j["Comment"] = h.comment;
    rows.push_back(j);
  }
  if (o.quiet) {
    for (const auto& r : rows) std::printf("%s\n", r["ID"].get<std::string>().c_str());
    return 0;
  }
  PrintRows(o.format,
            {{"ID", "ID"},
             {"CREATED", "Created"},
             {"CREATED BY", "CreatedBy"},
             {"SIZE", "Size"},
             {"COMMENT", "Comment"}},
            rows);
  return 0;
}

}  // namespace

void RegisterHistory(CLI::App& parent, Invocation& inv, const std::string& name) {
  auto opts = std::make_shared<HistoryOptions>();
  CLI::App* cmd = parent.add_subcommand(name, "Show the history of an image");
  cmd->add_option("IMAGE", opts->image, "Image name or id")->required();
  cmd->add_flag("--no-trunc", opts->no_trunc, "Do not truncate output");
  cmd->add_flag("-q,--quiet", opts->quiet, "Show ids only");
  cmd->add_flag("-H,--human,!--no-human", opts->human, "Human-readable sizes and times");
  cmd->add_option("--format", opts->format, "json, or a Go template");
  cmd->callback([&inv, opts] { inv.action = [&inv, opts] { return Run(inv.global, *opts); }; });
}

}  // namespace berth::cli
