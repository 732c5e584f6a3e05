// ContainerCgroup's read-only side: processes, OOM kills and the applied limits.
#include <cerrno>
#include <optional>

#include "berth/base/strings.hpp"
#include "berth/runner/container_cgroup.hpp"
#include "cgroup_files.hpp"

namespace berth::runner {

namespace {

// v1 reports "no limit" as PAGE_COUNTER_MAX pages: 9223372036854771712 with 4 KiB pages.
constexpr int64_t kV1Unlimited = int64_t{1} << 62;

// The file's content; nullopt when the file does not exist (a controller not in use).
Result<std::optional<std::string>> ReadOptional(const fs::path& file) {
  auto text = ReadCgroupFile(file);
  if (text) return std::optional<std::string>(std::move(*text));
  if (text.error().code == ErrorCode::kNotFound) return std::optional<std::string>();
  return std::move(text).error();
}

std::optional<int64_t> V1Limit(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  auto v = ParseCgroupInt(*text);
  if (!v || *v < 0 || *v >= kV1Unlimited) return std::nullopt;
  return v;
}

std::optional<int64_t> V2Limit(const std::optional<std::string>& text) {
  if (!text || *text == "max") return std::nullopt;
  return ParseCgroupInt(*text);
}

Result<void> ReadV1(const fs::path& memory, const fs::path& cpu, const fs::path& cpuset,
                    const fs::path& pids, ResourceLimits& out) {
  if (!memory.empty()) {
    BERTH_ASSIGN_OR_RETURN(auto mem, ReadOptional(memory / "memory.limit_in_bytes"));
    BERTH_ASSIGN_OR_RETURN(auto memsw, ReadOptional(memory / "memory.memsw.limit_in_bytes"));
    out.memory = V1Limit(mem);
    if (out.memory && memsw) out.memory_swap = V1Limit(memsw).value_or(-1);
  }
  if (!cpu.empty()) {
    BERTH_ASSIGN_OR_RETURN(auto quota, ReadOptional(cpu / "cpu.cfs_quota_us"));
    BERTH_ASSIGN_OR_RETURN(auto period, ReadOptional(cpu / "cpu.cfs_period_us"));
    int64_t q = quota ? ParseCgroupInt(*quota).value_or(-1) : -1;
    int64_t p = period ? ParseCgroupInt(*period).value_or(0) : 0;
    if (q > 0 && p > 0) out.cpus = static_cast<double>(q) / static_cast<double>(p);
    BERTH_ASSIGN_OR_RETURN(auto shares, ReadOptional(cpu / "cpu.shares"));
    if (auto s = shares ? ParseCgroupInt(*shares) : std::nullopt; s && *s > 0) {
      out.cpu_shares = static_cast<uint64_t>(*s);
    }
  }
  if (!cpuset.empty()) {
    BERTH_ASSIGN_OR_RETURN(auto cpus, ReadOptional(cpuset / "cpuset.cpus"));
    if (cpus && !cpus->empty()) out.cpuset_cpus = *cpus;
  }
  if (!pids.empty()) {
    BERTH_ASSIGN_OR_RETURN(auto max, ReadOptional(pids / "pids.max"));
    out.pids_limit = V2Limit(max);
  }
  return Ok();
}

Result<void> ReadV2(const fs::path& dir, ResourceLimits& out) {
  BERTH_ASSIGN_OR_RETURN(auto mem, ReadOptional(dir / "memory.max"));
  BERTH_ASSIGN_OR_RETURN(auto swap, ReadOptional(dir / "memory.swap.max"));
  out.memory = V2Limit(mem);
  if (out.memory && swap) {
    auto s = V2Limit(swap);
    out.memory_swap = s ? *out.memory + *s : -1;
  }
  BERTH_ASSIGN_OR_RETURN(auto cpu_max, ReadOptional(dir / "cpu.max"));
  if (cpu_max) {
    std::vector<std::string> qp = Split(*cpu_max, ' ');
    int64_t q = ParseCgroupInt(qp[0]).value_or(-1);  // "max" is no quota
    int64_t p = qp.size() == 2 ? ParseCgroupInt(qp[1]).value_or(0) : 0;
    if (q > 0 && p > 0) out.cpus = static_cast<double>(q) / static_cast<double>(p);
  }
  BERTH_ASSIGN_OR_RETURN(auto weight, ReadOptional(dir / "cpu.weight"));
  if (auto w = weight ? ParseCgroupInt(*weight) : std::nullopt; w && *w > 0) {
    // The inverse of CpuWeightFromShares, rounded up: the smallest shares with this weight.
    out.cpu_shares = 2 + (static_cast<uint64_t>(*w - 1) * 262142 + 9998) / 9999;
  }
  BERTH_ASSIGN_OR_RETURN(auto cpus, ReadOptional(dir / "cpuset.cpus"));
  if (cpus && !cpus->empty()) out.cpuset_cpus = *cpus;
  BERTH_ASSIGN_OR_RETURN(auto max, ReadOptional(dir / "pids.max"));
  out.pids_limit = V2Limit(max);
  return Ok();
}

}  // namespace

Result<std::vector<pid_t>> ContainerCgroup::Processes() const {
  fs::path dir = DirFor("");
  if (dir.empty() && !dirs_.empty()) dir = dirs_.front();
  if (dir.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     "list processes of cgroup " + Quote(name_) + ": it has no directory");
  }
  auto pids = ReadCgroupProcs(dir);
  if (!pids) return std::move(pids).error().Context("list processes of cgroup " + Quote(name_));
  return pids;
}

Result<bool> ContainerCgroup::OomKilled() const {
  bool v2 = layout_.mode == CgroupLayout::Mode::kV2;
  fs::path dir = DirFor(v2 ? "" : "memory");
  std::string what = "read oom kills of cgroup " + Quote(name_);
  if (dir.empty()) {
    if (dirs_.empty()) return MakeError(ErrorCode::kNotFound, what + ": it has no directory");
    return false;  // no memory controller: the kernel cannot OOM-kill by cgroup
  }
  fs::path file = dir / (v2 ? "memory.events" : "memory.oom_control");
  auto text = ReadCgroupFile(file);
  if (!text) {
    std::error_code ec;
    // On v2 memory.events exists only when the parent enabled the memory controller.
    if (text.error().code == ErrorCode::kNotFound && fs::is_directory(dir, ec)) return false;
    return std::move(text).error().Context(what);
  }
  return KeyedValue(*text, "oom_kill").value_or(0) > 0;
}

Result<ResourceLimits> ContainerCgroup::ReadLimits() const {
  if (dirs_.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     "read limits of cgroup " + Quote(name_) + ": it has no directory");
  }
  ResourceLimits out;
  Result<void> read =
      layout_.mode == CgroupLayout::Mode::kV2
          ? ReadV2(DirFor(""), out)
          : ReadV1(DirFor("memory"), DirFor("cpu"), DirFor("cpuset"), DirFor("pids"), out);
  if (!read) return std::move(read).error().Context("read limits of cgroup " + Quote(name_));
  return out;
}

}  // namespace berth::runner
