#include "berth/runner/container_list.hpp"

#include <algorithm>
#include <charconv>
#include <regex>

#include "berth/base/strings.hpp"
#include "berth/runner/run_options.hpp"

namespace berth::runner {

namespace {

constexpr std::string_view kStatusWords[] = {"created", "running", "paused",
                                             "stopped", "exited",  "unknown"};

// podman lists "stopped" containers as exited, and a status=stopped filter finds both.
std::string_view FilterStatus(std::string_view s) { return s == "stopped" ? "exited" : s; }

Result<std::regex> CompileName(const std::string& pattern) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "filter name=" + pattern + ": invalid regular expression: " + e.what());
  }
}

Result<bool> Matches(const ContainerEntry& e, const ContainerFilters& f,
                     const std::vector<std::regex>& names) {
  const auto& rec = e.record;
  if (!f.ids.empty() && std::none_of(f.ids.begin(), f.ids.end(), [&](const std::string& p) {
        return rec.id.compare(0, p.size(), p) == 0;
      })) {
    return false;
  }
  if (!names.empty() && std::none_of(names.begin(), names.end(), [&](const std::regex& re) {
        return std::regex_search(rec.name, re);
      })) {
    return false;
  }
  std::string_view status = FilterStatus(StatusName(e.state.status));
  if (!f.statuses.empty() &&
      std::none_of(f.statuses.begin(), f.statuses.end(),
                   [&](const std::string& s) { return FilterStatus(s) == status; })) {
    return false;
  }
  if (!f.exit_codes.empty()) {
    if (status != "exited") return false;
    if (std::find(f.exit_codes.begin(), f.exit_codes.end(), e.state.exit_code) ==
        f.exit_codes.end()) {
      return false;
    }
  }
  return true;
}

Result<std::vector<std::regex>> CompileNames(const ContainerFilters& f) {
  std::vector<std::regex> out;
  for (const auto& n : f.names) {
    BERTH_ASSIGN_OR_RETURN(std::regex re, CompileName(n));
    out.push_back(std::move(re));
  }
  return out;
}

}  // namespace

Result<ContainerFilters> ParseContainerFilters(const std::vector<std::string>& specs) {
  ContainerFilters f;
  for (const auto& spec : specs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "invalid filter " + Quote(spec),
                       "filters look like name=web or status=exited");
    }
    std::string key = spec.substr(0, eq), value = spec.substr(eq + 1);
    if (key == "id") {
      f.ids.push_back(value);
    } else if (key == "name") {
      // podman strips slashes (docker's names start with one).
      value.erase(std::remove(value.begin(), value.end(), '/'), value.end());
      BERTH_TRY(CompileName(value));
      f.names.push_back(value);
    } else if (key == "status") {
      if (std::find(std::begin(kStatusWords), std::end(kStatusWords), value) ==
          std::end(kStatusWords)) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "filter status=" + value + ": unknown container status",
                         "one of created, running, paused, stopped, exited, unknown");
      }
      f.statuses.push_back(value);
    } else if (key == "exited") {
      int code = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), code);
      if (ec != std::errc() || p != value.data() + value.size()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "filter exited=" + value + ": not an exit code");
      }
      f.exit_codes.push_back(code);
    } else {
      return MakeError(ErrorCode::kInvalidArgument, Quote(key) + " is an invalid filter",
                       "berth ps filters by id, name, status and exited");
    }
  }
  return f;
}

Result<bool> MatchesFilters(const ContainerEntry& entry, const ContainerFilters& filters) {
  BERTH_ASSIGN_OR_RETURN(auto names, CompileNames(filters));
  return Matches(entry, filters, names);
}

Result<std::vector<ContainerEntry>> ListContainers(ContainerStore& store, const ListOptions& o) {
  std::optional<size_t> last = o.latest ? std::optional<size_t>(1) : o.last;
  bool all = o.all || !o.filters.statuses.empty() || (last && *last > 0);
  BERTH_ASSIGN_OR_RETURN(auto names, CompileNames(o.filters));
  BERTH_ASSIGN_OR_RETURN(std::vector<ContainerRecord> records, store.List());
  std::vector<ContainerEntry> out;
  for (auto& rec : records) {
    auto state = ObservedState(store, rec.id, o.observe);
    if (!state) continue;
    ContainerEntry e{std::move(rec), std::move(*state)};
    if (!all && e.state.status != ContainerStatus::kRunning) continue;
    BERTH_ASSIGN_OR_RETURN(bool keep, Matches(e, o.filters, names));
    if (keep) out.push_back(std::move(e));
  }
  // List() is oldest first; keep the newest `last` of those that passed.
  if (last && *last > 0 && out.size() > *last) {
    out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(*last));
  }
  return out;
}

Result<VolumeUsers> VolumeUsersOf(ContainerStore& store, bool running_only) {
  ListOptions o;
  o.all = !running_only;
  BERTH_ASSIGN_OR_RETURN(std::vector<ContainerEntry> entries, ListContainers(store, o));
  VolumeUsers users;
  for (const auto& e : entries) {
    auto options = RunOptionsFromJson(e.record.config_json);
    if (!options) continue;  // a record from before run options were kept: no volumes
    for (const auto& m : options->mounts) {
      if (m.type != MountRequest::Type::kVolume) continue;
      auto& ids = users[m.source];
      if (ids.empty() || ids.back() != e.record.id) ids.push_back(e.record.id);
    }
  }
  return users;
}

}  // namespace berth::runner
