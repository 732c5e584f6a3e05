// berth images: list stored images like `podman images`.
#include <algorithm>
#include <ctime>
#include <set>

#include "berth/base/strings.hpp"
#include "berth/builder/build.hpp"
#include "command.hpp"
#include "image_json.hpp"
#include "output.hpp"

namespace berth::cli {

namespace {

struct ImagesOptions {
  bool quiet = false;
  bool no_trunc = false;
  bool all = false;
  std::string format;
};

nlohmann::json Row(const store::ImageRecord& r, const std::string& name, bool no_trunc,
                   int64_t now) {
  std::string repo = "<none>", tag = "<none>";
  if (!name.empty()) SplitName(name, &repo, &tag);
  nlohmann::json j;
  j["ID"] = no_trunc ? r.config.String() : r.config.Short();
  j["Id"] = r.config.hex();
  j["Repository"] = repo;
  j["Tag"] = tag;
  j["Names"] = r.names;
  j["Digest"] = r.manifest.String();
  j["RepoDigests"] = r.digests;
  j["Created"] = r.created;
  j["CreatedSince"] = HumanAge(r.created, now);
  j["CreatedAt"] = r.created ? FormatRfc3339(r.created) : "";
  j["Size"] = HumanSize(r.size);
  j["VirtualSize"] = r.size;
  j["Dangling"] = r.names.empty();
  return j;
}

// The shape of `podman images --format json` entries.
nlohmann::json JsonEntry(const store::ImageRecord& r) {
  nlohmann::json j;
  j["Id"] = r.config.hex();
  j["ParentId"] = "";
  j["RepoTags"] = r.names.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.names);
  j["RepoDigests"] = r.digests;
  j["Size"] = r.size;
  j["SharedSize"] = 0;
  j["VirtualSize"] = r.size;
  j["Containers"] = 0;
  j["Names"] = r.names;
  j["Digest"] = r.manifest.String();
  j["Created"] = r.created;
  j["CreatedAt"] = r.created ? FormatRfc3339(r.created) : "";
  j["Dangling"] = r.names.empty();
  return j;
}

int Run(const GlobalOptions& g, const ImagesOptions& o) {
  auto store = OpenStore(g);
  if (!store) return Fail("images", store.error());
  auto records = store->images().List();
  if (!records) return Fail("images", records.error());
  if (!o.all) {
    // Intermediate images of builds (cache entries without a name) only with -a.
    std::set<std::string> intermediate = builder::IntermediateImages(store->root());
    std::erase_if(*records, [&](const store::ImageRecord& r) {
      return r.names.empty() && intermediate.count(r.config.String()) > 0;
    });
  }
  std::stable_sort(records->begin(), records->end(),
                   [](const auto& a, const auto& b) { return a.created > b.created; });
  if (o.quiet) {
    std::set<std::string> seen;
    for (const auto& r : *records) {
      std::string id = o.no_trunc ? r.config.String() : r.config.Short();
      if (seen.insert(id).second) std::printf("%s\n", id.c_str());
    }
    return 0;
  }
  if (o.format == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : *records) list.push_back(JsonEntry(r));
    PrintJson(list);
    return 0;
  }
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::vector<nlohmann::json> rows;
  for (const auto& r : *records) {
    if (r.names.empty()) rows.push_back(Row(r, "", o.no_trunc, now));
    for (const auto& n : r.names) rows.push_back(Row(r, n, o.no_trunc, now));
  }
  PrintRows(o.format,
            {{"REPOSITORY", "Repository"},
             {"TAG", "Tag"},
             {"IMAGE ID", "ID"},
             {"CREATED", "CreatedSince"},
             {"SIZE", "Size"}},
            rows);
  return 0;
}

}  // namespace

void RegisterImages(CLI::App& parent, Invocation& inv, const std::string& name) {
  auto opts = std::make_shared<ImagesOptions>();
  CLI::App* cmd = parent.add_subcommand(name, "List images in local storage");
  cmd->add_flag("-q,--quiet", opts->quiet, "Show image ids only");
  cmd->add_flag("--no-trunc", opts->no_trunc, "Do not truncate image ids");
  cmd->add_flag("-a,--all", opts->all, "Show all images, intermediate images of builds too");
  cmd->add_option("--format", opts->format,
                  "json, a Go template ({{.Repository}}:{{.Tag}}) or 'table <template>'");
  cmd->callback([&inv, opts] { inv.action = [&inv, opts] { return Run(inv.global, *opts); }; });
}

}  // namespace berth::cli
