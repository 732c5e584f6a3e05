#include "berth/runner/exec_user.hpp"

#include <algorithm>
#include <limits>

#include "berth/base/strings.hpp"
#include "root_file.hpp"

namespace berth::runner {

namespace {

// runc's ids are Go ints checked against this range (a 32-bit system's int).
constexpr int64_t kMaxId = (int64_t{1} << 31) - 1;
// A passwd or group file larger than this is not a real one.
constexpr uint64_t kMaxEtcFileBytes = 16 << 20;

// What Go's strconv.Atoi accepts, as runc uses it to decide "numeric or name": an optional
// sign and decimal digits that fit in an int64.
std::optional<int64_t> ParseSpecNumber(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    i = 1;
  }
  if (i == text.size()) return std::nullopt;
  int64_t value = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    if (value > (std::numeric_limits<int64_t>::max() - (c - '0')) / 10) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return negative ? -value : value;
}

Error RangeError() {
  return MakeError(ErrorCode::kInvalidArgument,
                   "uids and gids must be in range 0-" + std::to_string(kMaxId));
}

const PasswdEntry* FindUser(const std::vector<PasswdEntry>& passwd, std::string_view user_arg,
                            const std::optional<int64_t>& uid_num) {
  for (const PasswdEntry& e : passwd) {
    // No user: the entry for uid 0, whose gid, HOME and groups apply.
    if (user_arg.empty() ? e.uid == 0
        : uid_num        ? static_cast<int64_t>(e.uid) == *uid_num
                         : e.name == user_arg) {
      return &e;
    }
  }
  return nullptr;
}

const GroupEntry* FindGroup(const std::vector<GroupEntry>& group, std::string_view group_arg,
                            const std::optional<int64_t>& gid_num) {
  for (const GroupEntry& g : group) {
    if (gid_num ? static_cast<int64_t>(g.gid) == *gid_num : g.name == group_arg) return &g;
  }
  return nullptr;
}

std::vector<uint32_t> MemberGids(const std::vector<GroupEntry>& group, const std::string& user) {
  std::vector<uint32_t> out;
  for (const GroupEntry& g : group) {
    if (std::find(g.members.begin(), g.members.end(), user) != g.members.end()) {
      out.push_back(g.gid);
    }
  }
  return out;
}

}  // namespace

Result<ExecUser> ResolveExecUser(std::string_view spec,
                                 const std::optional<std::vector<PasswdEntry>>& passwd,
                                 const std::optional<std::vector<GroupEntry>>& group) {
  // "user:group"; runc ignores anything after a second colon.
  std::vector<std::string> parts = Split(spec, ':');
  const std::string user_arg = parts[0];
  const std::string group_arg = parts.size() > 1 ? parts[1] : "";
  const std::optional<int64_t> uid_num = ParseSpecNumber(user_arg);
  const std::optional<int64_t> gid_num = ParseSpecNumber(group_arg);

  ExecUser out;
  out.home.clear();
  const PasswdEntry* user = passwd ? FindUser(*passwd, user_arg, uid_num) : nullptr;
  if (user) {
    out.uid = user->uid;
    out.gid = user->gid;
    out.home = user->home;
  } else if (!user_arg.empty()) {
    if (!uid_num) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "unable to find user " + user_arg + ": no matching entries in passwd file");
    }
    if (*uid_num < 0 || *uid_num > kMaxId) return RangeError();
    out.uid = static_cast<uint32_t>(*uid_num);
  }

  std::vector<uint32_t> supplementary;
  if (!group_arg.empty()) {
    const GroupEntry* g = group ? FindGroup(*group, group_arg, gid_num) : nullptr;
    if (g) {
      out.gid = g->gid;
    } else {
      if (!gid_num) {
        return MakeError(ErrorCode::kInvalidArgument, "unable to find group " + group_arg +
                                                          ": no matching entries in group file");
      }
      if (*gid_num < 0 || *gid_num > kMaxId) return RangeError();
      out.gid = static_cast<uint32_t>(*gid_num);
    }
  } else if (user && group) {
    supplementary = MemberGids(*group, user->name);
  }

  out.additional_gids.push_back(out.gid);
  for (uint32_t gid : supplementary) {
    if (std::find(out.additional_gids.begin(), out.additional_gids.end(), gid) ==
        out.additional_gids.end()) {
      out.additional_gids.push_back(gid);
    }
  }
  if (out.home.empty()) out.home = "/";
  return out;
}

Result<ExecUser> ResolveExecUserInRoot(std::string_view spec, int rootfs_fd) {
  BERTH_ASSIGN_OR_RETURN(std::optional<std::string> passwd_text,
                         ReadFileInRoot(rootfs_fd, "etc/passwd", kMaxEtcFileBytes));
  BERTH_ASSIGN_OR_RETURN(std::optional<std::string> group_text,
                         ReadFileInRoot(rootfs_fd, "etc/group", kMaxEtcFileBytes));
  std::optional<std::vector<PasswdEntry>> passwd;
  std::optional<std::vector<GroupEntry>> group;
  if (passwd_text) passwd = ParsePasswd(*passwd_text);
  if (group_text) group = ParseGroup(*group_text);
  return ResolveExecUser(spec, passwd, group);
}

}  // namespace berth::runner
