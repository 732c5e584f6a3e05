#include "berth/runner/cgroup_plan.hpp"

#include <algorithm>
#include <cmath>

namespace berth::runner {

namespace {

// CFS period for --cpus, as docker and podman use.
constexpr int64_t kCpuPeriodUs = 100000;
// The controllers berth enables for containers on v2 when the host has them: the ones its
// limits use, plus io for accounting.
constexpr const char* kV2Controllers[] = {"cpu", "cpuset", "io", "memory", "pids"};

// The memory + swap total to enforce, if any: the requested one, or 2 x memory when only
// memory is limited (docker's and podman's default). -1 is unlimited swap.
std::optional<int64_t> SwapTotal(const ResourceLimits& limits) {
  int64_t memory = limits.memory.value_or(0);
  if (memory <= 0) return std::nullopt;
  if (limits.memory_swap && *limits.memory_swap != 0) return *limits.memory_swap;
  return memory * 2;
}

bool SwapRequested(const ResourceLimits& limits) {
  return limits.memory_swap && *limits.memory_swap != 0;
}

int64_t CpuQuotaUs(double cpus) {
  // docker: NanoCPUs * period / 1e9, in integers.
  auto nanos = static_cast<int64_t>(std::llround(cpus * 1e9));
  return nanos * kCpuPeriodUs / 1000000000;
}

uint64_t ClampShares(uint64_t shares) { return std::clamp(shares, kMinCpuShares, kMaxCpuShares); }

std::string PidsMax(int64_t limit) { return limit <= 0 ? "max" : std::to_string(limit); }

// kUnsupported for each requested limit whose controller `support` lacks.
Result<void> CheckControllers(const CgroupLayout& layout, const CgroupSupport& support,
                              const ResourceLimits& limits) {
  struct Need {
    bool requested;
    const char* flag;
    const char* controller;
  };
  const Need needs[] = {
      {limits.memory.value_or(0) > 0, "--memory", "memory"},
      {limits.cpus.has_value(), "--cpus", "cpu"},
      {limits.cpu_shares.value_or(0) > 0, "--cpu-shares", "cpu"},
      {limits.cpuset_cpus.has_value(), "--cpuset-cpus", "cpuset"},
      {limits.pids_limit.has_value(), "--pids-limit", "pids"},
  };
  for (const Need& n : needs) {
    if (!n.requested || support.controllers.count(n.controller)) continue;
    bool v2 = layout.mode == CgroupLayout::Mode::kV2;
    return MakeError(
        ErrorCode::kUnsupported,
        std::string(n.flag) + ": the " + n.controller + " cgroup controller is " +
            (v2 ? "not available in " + layout.unified.string() : std::string("not mounted")),
        v2 ? "the controller must be enabled (delegated) in the parent cgroups"
           : "mount the cgroup v1 hierarchy of the controller");
  }
  if (limits.cpus && !support.cpu_quota) {
    return MakeError(ErrorCode::kUnsupported,
                     "--cpus: the kernel does not support cpu cfs bandwidth control",
                     "CONFIG_CFS_BANDWIDTH is needed");
  }
  return Ok();
}

void PlanV1(const CgroupSupport& support, const ResourceLimits& limits, CgroupPlan& plan) {
  auto add = [&](const char* controller, const char* file, std::string value) {
    plan.writes.push_back({controller, file, std::move(value)});
  };
  if (limits.memory.value_or(0) > 0) {
    add("memory", "memory.limit_in_bytes", std::to_string(*limits.memory));
    if (support.swap) {
      add("memory", "memory.memsw.limit_in_bytes", std::to_string(*SwapTotal(limits)));
    }
  }
  if (limits.cpus) {
    add("cpu", "cpu.cfs_period_us", std::to_string(kCpuPeriodUs));
    add("cpu", "cpu.cfs_quota_us", std::to_string(CpuQuotaUs(*limits.cpus)));
  }
  if (limits.cpu_shares.value_or(0) > 0) {
    add("cpu", "cpu.shares", std::to_string(ClampShares(*limits.cpu_shares)));
  }
  if (limits.cpuset_cpus) add("cpuset", "cpuset.cpus", *limits.cpuset_cpus);
  if (limits.pids_limit) add("pids", "pids.max", PidsMax(*limits.pids_limit));
}

void PlanV2(const CgroupSupport& support, const ResourceLimits& limits, CgroupPlan& plan) {
  auto add = [&](const char* file, std::string value) {
    plan.writes.push_back({"", file, std::move(value)});
  };
  for (const char* c : kV2Controllers) {
    if (support.controllers.count(c)) plan.enable_controllers.push_back(c);
  }
  if (limits.memory.value_or(0) > 0) {
    add("memory.max", std::to_string(*limits.memory));
    if (support.swap) {
      int64_t total = *SwapTotal(limits);
      add("memory.swap.max", total < 0 ? "max" : std::to_string(total - *limits.memory));
    }
  }
  if (limits.cpus) {
    add("cpu.max", std::to_string(CpuQuotaUs(*limits.cpus)) + " " + std::to_string(kCpuPeriodUs));
  }
  if (limits.cpu_shares.value_or(0) > 0) {
    add("cpu.weight", std::to_string(CpuWeightFromShares(*limits.cpu_shares)));
  }
  if (limits.cpuset_cpus) add("cpuset.cpus", *limits.cpuset_cpus);
  if (limits.pids_limit) add("pids.max", PidsMax(*limits.pids_limit));
}

Result<void> PlanDevices(const CgroupLayout& layout, const std::vector<DeviceRule>& devices,
                         CgroupPlan& plan) {
  if (devices.empty()) return Ok();
  if (layout.mode != CgroupLayout::Mode::kV2 && layout.v1.count("devices")) {
    for (const DeviceRule& rule : devices) {
      plan.writes.push_back(
          {"devices", rule.allow ? "devices.allow" : "devices.deny", rule.ToString()});
    }
    return Ok();
  }
  if (layout.unified.empty()) {
    return MakeError(ErrorCode::kUnsupported,
                     "restrict devices: the devices cgroup controller is not mounted",
                     "mount the cgroup v1 devices hierarchy");
  }
  plan.bpf_device_rules = devices;
  return Ok();
}

}  // namespace

uint64_t CpuWeightFromShares(uint64_t shares) {
  return 1 + ((ClampShares(shares) - 2) * 9999) / 262142;
}

Result<CgroupPlan> PlanCgroup(const CgroupLayout& layout, const CgroupSupport& support,
                              const ResourceLimits& limits,
                              const std::vector<DeviceRule>& devices) {
  BERTH_TRY(CheckControllers(layout, support, limits));
  CgroupPlan plan;
  if (layout.mode == CgroupLayout::Mode::kV2) {
    PlanV2(support, limits, plan);
  } else {
    PlanV1(support, limits, plan);
  }
  if (SwapRequested(limits) && !support.swap) {
    plan.warnings.push_back(
        "your kernel does not support swap limit capabilities or the cgroup is not mounted; "
        "memory limited without swap");
  }
  BERTH_TRY(PlanDevices(layout, devices, plan));
  return plan;
}

}  // namespace berth::runner
