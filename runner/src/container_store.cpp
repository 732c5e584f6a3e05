#include "berth/runner/container_store.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <nlohmann/json.hpp>

#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"

namespace berth::runner {

namespace {

using nlohmann::json;

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  size_t got = 0;
  while (got < bytes) {
    ssize_t n = ::getrandom(raw.data() + got, bytes - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

bool ValidName(const std::string& n) {
  if (n.empty() || n.size() > 128 || !std::isalnum(static_cast<unsigned char>(n[0]))) {
    return false;
  }
  return std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

bool IsId(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

json RecordJson(const ContainerRecord& r) {
  return json{{"Id", r.id},
              {"Name", r.name},
              {"Image", r.image},
              {"ImageID", r.image_id},
              {"ImageManifest", r.image_manifest},
              {"Created", r.created},
              {"Hostname", r.hostname},
              {"Command", r.command},
              {"Restarting", r.restarting},
              {"Config", r.config_json}};
}

Result<ContainerRecord> ParseRecord(const std::string& text, const std::string& what) {
  try {
    json j = json::parse(text);
    ContainerRecord r;
    r.id = j.at("Id").get<std::string>();
    r.name = j.at("Name").get<std::string>();
    r.image = j.value("Image", "");
    r.image_id = j.value("ImageID", "");
    r.image_manifest = j.value("ImageManifest", "");
    r.created = j.value("Created", int64_t{0});
    r.hostname = j.value("Hostname", "");
    r.command = j.value("Command", std::vector<std::string>{});
    r.config_json = j.value("Config", "");
    r.restarting = j.value("Restarting", false);
    return r;
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, "read " + what + ": " + e.what());
  }
}

json StateJson(const ContainerState& s) {
  return json{{"Status", StatusName(s.status)},
              {"Pid", s.pid},
              {"PidStartTime", s.pid_start_time},
              {"MonitorPid", s.monitor_pid},
              {"MonitorStartTime", s.monitor_start_time},
              {"ExitCode", s.exit_code},
              {"OOMKilled", s.oom_killed},
              {"StartedAt", s.started_at},
              {"FinishedAt", s.finished_at},
              {"Error", s.error}};
}

Result<ContainerState> ParseState(const std::string& text, const std::string& what) {
  try {
    json j = json::parse(text);
    ContainerState s;
    std::string status = j.value("Status", "created");
    for (auto st : {ContainerStatus::kCreated, ContainerStatus::kRunning, ContainerStatus::kStopped,
                    ContainerStatus::kExited}) {
      if (StatusName(st) == status) s.status = st;
    }
    s.pid = j.value("Pid", 0);
    s.monitor_pid = j.value("MonitorPid", 0);
    s.pid_start_time = j.value("PidStartTime", uint64_t{0});
    s.monitor_start_time = j.value("MonitorStartTime", uint64_t{0});
    s.exit_code = j.value("ExitCode", 0);
    s.oom_killed = j.value("OOMKilled", false);
    s.started_at = j.value("StartedAt", int64_t{0});
    s.finished_at = j.value("FinishedAt", int64_t{0});
    s.error = j.value("Error", "");
    return s;
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, "read " + what + ": " + e.what());
  }
}

Result<void> WriteNew(const fs::path& path, const std::string& data) {
  BERTH_ASSIGN_OR_RETURN(UniqueFd fd, Open(path, O_WRONLY | O_CREAT | O_EXCL, 0600));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SysError("write " + Quote(path.string()), errno);
    done += static_cast<size_t>(n);
  }
  return Ok();
}

}  // namespace

std::string_view StatusName(ContainerStatus s) {
  switch (s) {
    case ContainerStatus::kCreated:
      return "created";
    case ContainerStatus::kRunning:
      return "running";
    case ContainerStatus::kStopped:
      return "stopped";
    case ContainerStatus::kExited:
      return "exited";
  }
  return "unknown";
}

ContainerStore::ContainerStore(fs::path root) : root_(std::move(root)) {}

Result<ContainerRecord> ContainerStore::Create(ContainerRecord rec) {
  if (!rec.name.empty() && !ValidName(rec.name)) {
    return MakeError(ErrorCode::kInvalidArgument, "container name " + Quote(rec.name) +
                                                      ": must match [a-zA-Z0-9][a-zA-Z0-9_.-]*");
  }
  BERTH_TRY(MakeDirs(root_ / "containers"));
  BERTH_TRY(MakeDirs(root_ / "tmp"));
  BERTH_ASSIGN_OR_RETURN(
      FileLock lock, FileLock::Acquire(root_ / "containers" / ".lock", FileLock::Mode::kExclusive));
  BERTH_ASSIGN_OR_RETURN(auto existing, List());
  if (rec.name.empty()) {
    for (int i = 0; i < 100 && rec.name.empty(); ++i) {
      std::string n = GenerateName();
      bool taken = std::any_of(existing.begin(), existing.end(),
                               [&](const ContainerRecord& c) { return c.name == n; });
      if (!taken) rec.name = n;
    }
    if (rec.name.empty()) rec.name = "berth_" + RandomHex(6);
  }
  for (const auto& c : existing) {
    if (c.name == rec.name) {
      return MakeError(
          ErrorCode::kAlreadyExists,
          "the container name " + Quote(rec.name) + " is already in use by " + c.id.substr(0, 12),
          "remove that container or choose another name with --name");
    }
  }
  rec.id = RandomHex(32);
  if (rec.hostname.empty()) rec.hostname = rec.id.substr(0, 12);
  fs::path stage = root_ / "tmp" / ("container-" + rec.id);
  for (const char* sub : {"", "upper", "work", "merged", "userdata"}) {
    BERTH_TRY(MakeDirs(stage / sub));
  }
  ::chmod(stage.c_str(), 0700);
  BERTH_TRY(WriteNew(stage / "container.json", RecordJson(rec).dump(2) + "\n"));
  BERTH_TRY(WriteNew(stage / "state.json", StateJson(ContainerState{}).dump(2) + "\n"));
  if (::rename(stage.c_str(), Dir(rec.id).c_str()) < 0) {
    int err = errno;
    (void)RemoveTree(stage);
    return SysError("create container " + rec.id.substr(0, 12), err);
  }
  // No fsync: a container lost to a power cut had not run (its state says so) and holds
  // nothing but its own directory; the rename alone keeps a half-made one from showing.
  return rec;
}

Result<std::vector<ContainerRecord>> ContainerStore::List() const {
  std::vector<ContainerRecord> out;
  auto names = ListDir(root_ / "containers");
  if (!names) {
    if (names.error().code == ErrorCode::kNotFound) return out;
    return std::move(names).error();
  }
  for (const auto& n : *names) {
    if (!IsId(n)) continue;
    auto text = ReadFile(Dir(n) / "container.json", 1 << 20);
    if (!text) continue;
    auto rec = ParseRecord(*text, "container " + n.substr(0, 12));
    if (rec) out.push_back(std::move(*rec));
  }
  std::sort(out.begin(), out.end(), [](const ContainerRecord& a, const ContainerRecord& b) {
    return a.created != b.created ? a.created < b.created : a.id < b.id;
  });
  return out;
}

Result<ContainerRecord> ContainerStore::Find(std::string_view name_or_id) const {
  BERTH_ASSIGN_OR_RETURN(auto all, List());
  for (const auto& c : all) {
    if (c.name == name_or_id || c.id == name_or_id) return c;
  }
  const ContainerRecord* match = nullptr;
  if (name_or_id.size() >= 3) {
    for (const auto& c : all) {
      if (c.id.compare(0, name_or_id.size(), name_or_id) != 0) continue;
      if (match) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "container id prefix " + Quote(name_or_id) + " is ambiguous");
      }
      match = &c;
    }
  }
  if (match) return *match;
  return MakeError(ErrorCode::kNotFound, "no container with name or id " + Quote(name_or_id));
}

Result<void> ContainerStore::SaveRecord(const ContainerRecord& rec) {
  auto r = WriteFileReplace(Dir(rec.id) / "container.json", RecordJson(rec).dump(2) + "\n", 0600);
  if (!r) return std::move(r).error().Context("save container " + rec.id.substr(0, 12));
  return Ok();
}

Result<ContainerState> ContainerStore::LoadState(const std::string& id) const {
  BERTH_ASSIGN_OR_RETURN(std::string text, ReadFile(Dir(id) / "state.json", 1 << 20));
  return ParseState(text, "state of container " + id.substr(0, 12));
}

Result<void> ContainerStore::SaveState(const std::string& id, const ContainerState& state) {
  // Not fsync'ed: after a crash the state is checked against the processes anyway
  // (container_observe.hpp), and a start must not pay 5-10 ms per write on a disk.
  auto r = WriteFileReplace(Dir(id) / "state.json", StateJson(state).dump(2) + "\n", 0600);
  if (!r) return std::move(r).error().Context("save state of container " + id.substr(0, 12));
  return Ok();
}

Result<void> ContainerStore::Remove(const std::string& id) {
  if (!IsId(id)) return MakeError(ErrorCode::kInvalidArgument, "bad container id " + Quote(id));
  BERTH_ASSIGN_OR_RETURN(
      FileLock lock, FileLock::Acquire(root_ / "containers" / ".lock", FileLock::Mode::kExclusive));
  // Rename out of containers/ first, so a crash mid-delete leaves litter in tmp/ (swept by
  // GC) rather than a half-deleted container.
  fs::path doomed = root_ / "tmp" / ("removing-" + id);
  if (::rename(Dir(id).c_str(), doomed.c_str()) < 0) {
    if (errno == ENOENT) return Ok();
    return SysError("remove container " + id.substr(0, 12), errno);
  }
  return RemoveTree(doomed);
}

namespace {

constexpr int64_t kRemovedExitKeepSeconds = 5 * 60;

}  // namespace

Result<void> ContainerStore::RecordRemovedExit(const std::string& id, int exit_code) {
  if (!IsId(id)) return MakeError(ErrorCode::kInvalidArgument, "bad container id " + Quote(id));
  fs::path dir = root_ / "containers" / ".exits";
  BERTH_TRY(MakeDirs(dir));
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  if (auto names = ListDir(dir)) {
    for (const auto& n : *names) {
      struct stat st;
      fs::path p = dir / n;
      if (::stat(p.c_str(), &st) == 0 && now.tv_sec - st.st_mtim.tv_sec > kRemovedExitKeepSeconds) {
        (void)::unlink(p.c_str());
      }
    }
  }
  return WriteFileReplace(dir / id, std::to_string(exit_code) + "\n", 0600);
}

std::optional<int> ContainerStore::RemovedExit(std::string_view id_or_prefix) const {
  if (id_or_prefix.size() < 3 || id_or_prefix.size() > 64 ||
      id_or_prefix.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return std::nullopt;
  }
  auto names = ListDir(root_ / "containers" / ".exits");
  if (!names) return std::nullopt;
  std::optional<std::string> match;
  for (const auto& n : *names) {
    if (!n.starts_with(id_or_prefix) || n.find(".tmp") != std::string::npos) continue;
    if (match) return std::nullopt;  // ambiguous
    match = n;
  }
  if (!match) return std::nullopt;
  auto text = ReadFile(root_ / "containers" / ".exits" / *match, 64);
  if (!text) return std::nullopt;
  return std::atoi(text->c_str());
}

std::string GenerateName() {
  static const char* const kAdjectives[] = {"brave",  "calm",   "eager", "fancy", "gentle",
                                            "happy",  "jolly",  "keen",  "lucid", "mellow",
                                            "nimble", "proud",  "quiet", "rapid", "sharp",
                                            "tender", "upbeat", "vivid", "witty", "zealous"};
  static const char* const kNames[] = {"babbage", "curie",  "dijkstra", "euler",    "fermat",
                                       "gauss",   "hopper", "kepler",   "lovelace", "meitner",
                                       "noether", "pascal", "ritchie",  "shannon",  "thompson",
                                       "turing",  "volta",  "wozniak",  "yalow",    "zuse"};
  unsigned char r[2];
  while (::getrandom(r, sizeof r, 0) != sizeof r) {
  }
  return std::string(kAdjectives[r[0] % std::size(kAdjectives)]) + "_" +
         kNames[r[1] % std::size(kNames)];
}

}  // namespace berth::runner
