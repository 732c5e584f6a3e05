#include "berth/runner/mount_request.hpp"

#include <gtest/gtest.h>

namespace berth::runner {
namespace {

using Type = MountRequest::Type;

const std::filesystem::path kCwd = "/home/u/proj";

MountRequest Bind(std::string src, std::string dst) {
  MountRequest m;
  m.type = Type::kBind;
  m.source = std::move(src);
  m.destination = std::move(dst);
  return m;
}

MountRequest Volume(std::string name, std::string dst) {
  MountRequest m;
  m.type = Type::kVolume;
  m.source = std::move(name);
  m.destination = std::move(dst);
  m.copy_up = true;
  return m;
}

MountRequest Tmpfs(std::string dst) {
  MountRequest m;
  m.type = Type::kTmpfs;
  m.destination = std::move(dst);
  m.copy_up = true;
  return m;
}

template <typename F>
MountRequest With(MountRequest m, F f) {
  f(m);
  return m;
}

struct Good {
  std::string spec;
  MountRequest want;
};

TEST(MountRequestTest, VolumeFlagForms) {
  std::vector<Good> cases = {
      {"/srv/data:/data", Bind("/srv/data", "/data")},
      {"/srv/data/:/data/", Bind("/srv/data", "/data")},
      {"/srv//a/../data:/x/./y", Bind("/srv/data", "/x/y")},
      {"./sub:/data", Bind("/home/u/proj/sub", "/data")},
      {"../up:/data", Bind("/home/u/up", "/data")},
      {".:/data", Bind("/home/u/proj", "/data")},
      {"/srv:/data:ro", With(Bind("/srv", "/data"), [](auto& m) { m.read_only = true; })},
      {"/srv:/data:rw,z", Bind("/srv", "/data")},
      {"/srv:/data:Z,U", With(Bind("/srv", "/data"), [](auto& m) { m.options = {"U"}; })},
      {"/srv:/data:rshared",
       With(Bind("/srv", "/data"), [](auto& m) { m.propagation = "rshared"; })},
      {"/srv:/data:slave,bind", With(Bind("/srv", "/data"),
                                     [](auto& m) {
                                       m.propagation = "slave";
                                       m.options = {"bind"};
                                     })},
      {"/srv:/data:rbind,noexec,nosuid,dev", With(Bind("/srv", "/data"),
                                                  [](auto& m) {
                                                    m.options = {"noexec", "nosuid", "dev"};
                                                  })},
      {"/srv:/data:cached,delegated", Bind("/srv", "/data")},
      {"/srv:/data:nocopy", Bind("/srv", "/data")},
      {"myvol:/data", Volume("myvol", "/data")},
      {"my_vol.1-x:/data:ro,nocopy", With(Volume("my_vol.1-x", "/data"),
                                          [](auto& m) {
                                            m.read_only = true;
                                            m.copy_up = false;
                                          })},
      {"vol:/data:copy", Volume("vol", "/data")},
      {"/data", Volume("", "/data")},
      {"/data/", Volume("", "/data")},
  };
  for (const auto& c : cases) {
    auto got = ParseVolumeFlag(c.spec, kCwd);
    ASSERT_TRUE(got) << c.spec << ": " << got.error().ToString();
    EXPECT_EQ(*got, c.want) << c.spec;
  }
}

struct Bad {
  std::string spec;
  std::string message;  // the whole message
  ErrorCode code = ErrorCode::kInvalidArgument;
};

void ExpectErrors(const std::vector<Bad>& cases,
                  const std::function<Result<MountRequest>(const std::string&)>& parse) {
  for (const auto& c : cases) {
    auto got = parse(c.spec);
    ASSERT_FALSE(got) << c.spec << " parsed as " << *got;
    EXPECT_EQ(got.error().code, c.code) << c.spec;
    EXPECT_EQ(got.error().message, c.message) << c.spec;
  }
}

TEST(MountRequestTest, VolumeFlagErrorsNameTheValue) {
  std::string pre = "invalid volume spec ";
  ExpectErrors(
      {
          {"", pre + "'': container directory cannot be empty"},
          {"/a:/b:ro:x",
           pre + "'/a:/b:ro:x': too many ':' (want [HOST-DIR|VOLUME:]CTR-DIR[:OPTIONS])"},
          {":/data", pre + "':/data': host directory or volume name cannot be empty"},
          {"/srv:", pre + "'/srv:': container directory cannot be empty"},
          {"/srv:data", pre + "'/srv:data': container path 'data' must be absolute"},
          {"data", pre + "'data': container path 'data' must be absolute"},
          {"my/vol:/data", pre + "'my/vol:/data': volume name 'my/vol' must match "
                                 "[a-zA-Z0-9][a-zA-Z0-9_.-]* (a host path must start with '/' "
                                 "or '.')"},
          {"-vol:/data", pre + "'-vol:/data': volume name '-vol' must match "
                               "[a-zA-Z0-9][a-zA-Z0-9_.-]* (a host path must start with '/' "
                               "or '.')"},
          {"/srv:/data:ro,rw", pre + "'/srv:/data:ro,rw': only one of 'ro' and 'rw' can be given"},
          {"/srv:/data:shared,private",
           pre + "'/srv:/data:shared,private': only one of the propagation modes can be given"},
          {"/srv:/data:exec,noexec",
           pre + "'/srv:/data:exec,noexec': only one of 'exec' and 'noexec' can be given"},
          {"/srv:/data:U,U", pre + "'/srv:/data:U,U': 'U' can be given only once"},
          {"/srv:/data:z,Z", pre + "'/srv:/data:z,Z': only one of 'z' and 'Z' can be given"},
          {"v:/data:copy,nocopy", pre + "'v:/data:copy,nocopy': only one of 'copy' and 'nocopy' "
                                        "can be given"},
          {"/srv:/data:bind,rbind",
           pre + "'/srv:/data:bind,rbind': only one of 'bind' and 'rbind' can be given"},
          {"/srv:/data:bogus", pre + "'/srv:/data:bogus': unknown option 'bogus'"},
          {"/srv:/data:", pre + "'/srv:/data:': unknown option ''"},
          {"/srv:/data:size=1m", pre + "'/srv:/data:size=1m': unknown option 'size=1m'"},
          {"/srv:/data:O", "volume spec '/srv:/data:O': overlay volumes ('O') are not supported",
           ErrorCode::kUnsupported},
          {"/srv:/data:idmap", "volume spec '/srv:/data:idmap': idmapped mounts are not supported",
           ErrorCode::kUnsupported},
      },
      [](const std::string& s) { return ParseVolumeFlag(s, kCwd); });
}

TEST(MountRequestTest, RelativeHostPathNeedsAWorkingDirectory) {
  auto got = ParseVolumeFlag("./x:/data", "");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            "invalid volume spec './x:/data': relative host path './x' needs a working directory");
}

TEST(MountRequestTest, MountFlagForms) {
  std::vector<Good> cases = {
      {"type=bind,source=/srv,target=/data", Bind("/srv", "/data")},
      {"type=bind,src=/srv,dst=/data,readonly",
       With(Bind("/srv", "/data"), [](auto& m) { m.read_only = true; })},
      {"target=/data,type=bind,src=rel,ro=true",
       With(Bind("/home/u/proj/rel", "/data"), [](auto& m) { m.read_only = true; })},
      {"type=bind,src=/srv,destination=/data,ro=false", Bind("/srv", "/data")},
      {"type=bind,src=/srv,dst=/data,rw=false",
       With(Bind("/srv", "/data"), [](auto& m) { m.read_only = true; })},
      {"type=bind,src=/srv,dst=/data,readonly=TRUE",
       With(Bind("/srv", "/data"), [](auto& m) { m.read_only = true; })},
      {"type=bind,dst=/etc/hosts", Bind("/etc/hosts", "/etc/hosts")},
      {"type=bind,src=/srv,dst=/data,bind-propagation=rslave,bind-nonrecursive",
       With(Bind("/srv", "/data"),
            [](auto& m) {
              m.propagation = "rslave";
              m.options = {"bind"};
            })},
      {"type=bind,src=/srv,dst=/data,relabel=shared,consistency=cached,U=true,nodev",
       With(Bind("/srv", "/data"),
            [](auto& m) {
              m.options = {"U", "nodev"};
            })},
      {"type=bind,src=/srv,dst=/data,chown=false", Bind("/srv", "/data")},
      {"type=bind,\"src=/a,b\",dst=/data", Bind("/a,b", "/data")},
      {"type=bind,\"src=/a\"\"q\",dst=/data", Bind("/a\"q", "/data")},
      {"type=volume,source=vol1,target=/data,ro",
       With(Volume("vol1", "/data"), [](auto& m) { m.read_only = true; })},
      {"type=volume,target=/data", Volume("", "/data")},
      {"type=volume,src=v,target=/data,volume-nocopy",
       With(Volume("v", "/data"), [](auto& m) { m.copy_up = false; })},
      {"type=volume,src=v,target=/data,volume-nocopy=false", Volume("v", "/data")},
      {"type=tmpfs,target=/run,tmpfs-size=64m,tmpfs-mode=1777", With(Tmpfs("/run"),
                                                                     [](auto& m) {
                                                                       m.tmpfs_size = 64 << 20;
                                                                       m.tmpfs_mode = 01777;
                                                                     })},
      {"type=tmpfs,dst=/run,tmpfs-size=4096,notmpcopyup,noexec", With(Tmpfs("/run"),
                                                                      [](auto& m) {
                                                                        m.tmpfs_size = 4096;
                                                                        m.copy_up = false;
                                                                        m.options = {"noexec"};
                                                                      })},
  };
  for (const auto& c : cases) {
    auto got = ParseMountFlag(c.spec, kCwd);
    ASSERT_TRUE(got) << c.spec << ": " << got.error().ToString();
    EXPECT_EQ(*got, c.want) << c.spec;
  }
}

TEST(MountRequestTest, MountFlagErrorsNameTheKey) {
  std::string syntax =
      "want type=<bind|volume|tmpfs>,[src=<host-dir|volume-name>,]target=<ctr-dir>[,options]";
  auto pre = [](const std::string& spec) { return "invalid mount spec '" + spec + "': "; };
  ExpectErrors(
      {
          {"src=/a,dst=/b", pre("src=/a,dst=/b") + "no type= (" + syntax + ")"},
          {"type=nfs,dst=/b", pre("type=nfs,dst=/b") + "unknown mount type 'nfs' (" + syntax + ")"},
          {"type=image,src=alpine,dst=/b",
           "mount spec 'type=image,src=alpine,dst=/b': mount type 'image' is not supported",
           ErrorCode::kUnsupported},
          {"type=bind,src=/a", pre("type=bind,src=/a") + "no target= (" + syntax + ")"},
          {"type=bind,src=/a,dst=b",
           pre("type=bind,src=/a,dst=b") + "container path 'b' must be absolute"},
          {"type=bind,src=/a,dst=/b,frob=1",
           pre("type=bind,src=/a,dst=/b,frob=1") + "unknown option 'frob'"},
          {"type=bind,src=/a,dst=/b,frob",
           pre("type=bind,src=/a,dst=/b,frob") + "unknown option 'frob'"},
          {"type=bind,src,dst=/b", pre("type=bind,src,dst=/b") + "'src' needs a value"},
          {"type=bind,src=,dst=/b",
           pre("type=bind,src=,dst=/b") + "host directory or volume name cannot be empty"},
          {"type=bind,src=/a,src=/c,dst=/b",
           pre("type=bind,src=/a,src=/c,dst=/b") + "the source can be given only once"},
          {"type=bind,src=/a,dst=/b,target=/c",
           pre("type=bind,src=/a,dst=/b,target=/c") + "the target can be given only once"},
          {"type=bind,src=/a,dst=/b,ro,rw",
           pre("type=bind,src=/a,dst=/b,ro,rw") +
               "only one of 'ro', 'readonly' and 'rw' can be given"},
          {"type=bind,src=/a,dst=/b,ro=yes",
           pre("type=bind,src=/a,dst=/b,ro=yes") +
               "invalid value 'yes' for 'ro' (want true or false)"},
          {"type=bind,src=/a,dst=/b,bind-propagation=sideways",
           pre("type=bind,src=/a,dst=/b,bind-propagation=sideways") +
               "invalid propagation 'sideways'"},
          {"type=volume,dst=/b,bind-propagation=shared",
           pre("type=volume,dst=/b,bind-propagation=shared") +
               "'bind-propagation' is not supported for volume mounts"},
          {"type=bind,src=/a,dst=/b,tmpfs-size=1m",
           pre("type=bind,src=/a,dst=/b,tmpfs-size=1m") +
               "'tmpfs-size' is not supported for bind mounts"},
          {"type=tmpfs,src=/a,dst=/b",
           pre("type=tmpfs,src=/a,dst=/b") + "'src' is not supported for tmpfs mounts"},
          {"type=tmpfs,dst=/b,tmpfs-size=lots",
           pre("type=tmpfs,dst=/b,tmpfs-size=lots") +
               "invalid tmpfs size 'lots' (want bytes, or k, m, g suffixed)"},
          {"type=tmpfs,dst=/b,tmpfs-mode=999",
           pre("type=tmpfs,dst=/b,tmpfs-mode=999") +
               "invalid tmpfs mode '999' (want octal, at most 7777)"},
          {"type=tmpfs,dst=/b,tmpfs-mode=17777",
           pre("type=tmpfs,dst=/b,tmpfs-mode=17777") +
               "invalid tmpfs mode '17777' (want octal, at most 7777)"},
          {"type=volume,src=a/b,dst=/b",
           pre("type=volume,src=a/b,dst=/b") +
               "volume name 'a/b' must match [a-zA-Z0-9][a-zA-Z0-9_.-]*"},
          {"type=volume,src=v,dst=/b,volume-opt=x=y",
           "mount spec 'type=volume,src=v,dst=/b,volume-opt=x=y': 'volume-opt' is not supported",
           ErrorCode::kUnsupported},
          {"type=bind,\"src=/a,dst=/b", pre("type=bind,\"src=/a,dst=/b") + "unterminated '\"'"},
          {"type=bind,src=/a\"x,dst=/b", pre("type=bind,src=/a\"x,dst=/b") + "bare '\"' in field"},
      },
      [](const std::string& s) { return ParseMountFlag(s, kCwd); });
}

TEST(MountRequestTest, TmpfsFlagForms) {
  std::vector<Good> cases = {
      {"/tmp", With(Tmpfs("/tmp"),
                    [](auto& m) {
                      m.options = {"noexec", "nosuid", "nodev"};
                    })},
      {"/tmp:rw,size=787448k,mode=1777", With(Tmpfs("/tmp"),
                                              [](auto& m) {
                                                m.tmpfs_size = int64_t{787448} << 10;
                                                m.tmpfs_mode = 01777;
                                              })},
      {"/run/x/:ro,exec,nosuid,nodev,uid=1000,gid=10,nr_inodes=1k,noatime,notmpcopyup,rshared",
       With(Tmpfs("/run/x"),
            [](auto& m) {
              m.read_only = true;
              m.copy_up = false;
              m.propagation = "rshared";
              m.options = {"exec",   "nosuid",       "nodev",  "uid=1000",
                           "gid=10", "nr_inodes=1k", "noatime"};
            })},
      {"/big:size=2G", With(Tmpfs("/big"), [](auto& m) { m.tmpfs_size = int64_t{2} << 30; })},
  };
  for (const auto& c : cases) {
    auto got = ParseTmpfsFlag(c.spec);
    ASSERT_TRUE(got) << c.spec << ": " << got.error().ToString();
    EXPECT_EQ(*got, c.want) << c.spec;
  }
}

TEST(MountRequestTest, TmpfsFlagErrors) {
  auto pre = [](const std::string& spec) { return "invalid tmpfs spec '" + spec + "': "; };
  ExpectErrors(
      {
          {"tmp", pre("tmp") + "container path 'tmp' must be absolute"},
          {"", pre("") + "container directory cannot be empty"},
          {"/tmp:size=1m,size=2m", pre("/tmp:size=1m,size=2m") + "'size' can be given only once"},
          {"/tmp:size=1x",
           pre("/tmp:size=1x") + "invalid tmpfs size '1x' (want bytes, or k, m, g suffixed)"},
          {"/tmp:size=99999999999999999999", pre("/tmp:size=99999999999999999999") +
                                                 "invalid tmpfs size '99999999999999999999' "
                                                 "(want bytes, or k, m, g suffixed)"},
          {"/tmp:size=9000000000000000000k", pre("/tmp:size=9000000000000000000k") +
                                                 "invalid tmpfs size '9000000000000000000k' "
                                                 "(want bytes, or k, m, g suffixed)"},
          {"/tmp:size=50%",
           "tmpfs spec '/tmp:size=50%': tmpfs size '50%': a share of RAM is not "
           "supported",
           ErrorCode::kUnsupported},
          {"/tmp:mode=8", pre("/tmp:mode=8") + "invalid tmpfs mode '8' (want octal, at most 7777)"},
          {"/tmp:uid=root", pre("/tmp:uid=root") + "invalid value 'root' for 'uid'"},
          {"/tmp:bind", pre("/tmp:bind") + "unknown option 'bind'"},
          {"/tmp:Z", pre("/tmp:Z") + "unknown option 'Z'"},
          {"/tmp:ro:x", pre("/tmp:ro:x") + "too many ':' (want CTR-DIR[:OPTIONS])"},
          {"/tmp:exec,noexec",
           pre("/tmp:exec,noexec") + "only one of 'exec' and 'noexec' can be given"},
      },
      [](const std::string& s) { return ParseTmpfsFlag(s); });
}

TEST(MountRequestTest, ValidateMountsRejectsDuplicatesAndBadPaths) {
  EXPECT_TRUE(ValidateMounts({Bind("/a", "/data"), Volume("v", "/data/sub"), Tmpfs("/tmp")}));
  auto dup = ValidateMounts({Bind("/a", "/data"), Volume("v", "/data/")});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(dup.error().message, "duplicate mount destination '/data'");

  struct Case {
    MountRequest m;
    std::string message;
  };
  std::vector<Case> cases = {
      {Bind("/a", "data"), "invalid container path 'data': it must be absolute"},
      {Bind("/a", ""), "container path cannot be empty"},
      {Bind("/a", "/"), "invalid container path '/': cannot mount over the root"},
      {Bind("/a", "/x/.."), "invalid container path '/x/..': cannot mount over the root"},
      {Bind("rel", "/x"), "bind mount on '/x': host path 'rel' must be absolute"},
      {Bind("", "/x"), "bind mount on '/x': host path '' must be absolute"},
      {Volume("a b", "/x"),
       "volume mount on '/x': invalid volume name 'a b': names must match "
       "[a-zA-Z0-9][a-zA-Z0-9_.-]*"},
      {With(Tmpfs("/x"), [](auto& m) { m.source = "tmpfs"; }),
       "tmpfs mount on '/x' cannot have a source"},
      {With(Volume("v", "/x"), [](auto& m) { m.tmpfs_size = 1; }),
       "volume mount on '/x': tmpfs size and mode apply only to tmpfs mounts"},
  };
  for (const auto& c : cases) {
    auto r = ValidateMounts({c.m});
    ASSERT_FALSE(r) << c.m;
    EXPECT_EQ(r.error().message, c.message) << c.m;
  }
}

TEST(MountRequestTest, ParseMountFlagsMergesDropsRepeatsAndSorts) {
  MountFlags flags;
  flags.volumes = {"/srv/a:/data/a", "/srv/a:/data/a", "/data"};
  flags.mounts = {"type=volume,src=logs,dst=/data/a/logs"};
  flags.tmpfs = {"/tmp"};
  auto got = ParseMountFlags(flags, kCwd);
  ASSERT_TRUE(got) << got.error().ToString();
  ASSERT_EQ(got->size(), 4u);
  EXPECT_EQ((*got)[0].destination, "/data");
  EXPECT_EQ((*got)[1].destination, "/tmp");
  EXPECT_EQ((*got)[2].destination, "/data/a");
  EXPECT_EQ((*got)[3].destination, "/data/a/logs");

  flags.tmpfs = {"/data/a"};
  auto dup = ParseMountFlags(flags, kCwd);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().message, "duplicate mount destination '/data/a'");

  flags.tmpfs = {"/tmp:size=oops"};
  auto bad = ParseMountFlags(flags, kCwd);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.rfind("invalid tmpfs spec '/tmp:size=oops'", 0), 0u);
}

TEST(MountRequestTest, ImageVolumesSkipWhatTheUserMounts) {
  std::vector<MountRequest> user = {Bind("/srv", "/var/lib/db/"), Tmpfs("/cache")};
  auto got = ImageVolumes({"/var/lib/db", "/data", "logs", "/data/", "/", "/cache/sub"}, user);
  ASSERT_EQ(got.size(), 3u);
  std::vector<std::string> dests;
  for (const auto& m : got) {
    EXPECT_EQ(m.type, Type::kVolume) << m;
    EXPECT_TRUE(m.source.empty()) << m;
    EXPECT_TRUE(m.copy_up) << m;
    EXPECT_FALSE(m.read_only) << m;
    EXPECT_EQ(m.propagation, "rprivate") << m;
    EXPECT_EQ(m.options, (std::vector<std::string>{"nodev", "exec"})) << m;
    dests.push_back(m.destination);
  }
  EXPECT_EQ(dests, (std::vector<std::string>{"/data", "/logs", "/cache/sub"}));
  EXPECT_TRUE(ImageVolumes({}, user).empty());
  auto all = user;
  all.insert(all.end(), got.begin(), got.end());
  EXPECT_TRUE(ValidateMounts(all));
}

TEST(MountRequestTest, SortForMountingIsStableAndParentsFirst) {
  std::vector<MountRequest> ms = {Tmpfs("/a/b/c"), Bind("/x", "/z"), Tmpfs("/a/b"),
                                  Volume("v", "/a"), Volume("w", "/b")};
  SortForMounting(ms);
  std::vector<std::string> dests;
  for (const auto& m : ms) dests.push_back(m.destination);
  EXPECT_EQ(dests, (std::vector<std::string>{"/z", "/a", "/b", "/a/b", "/a/b/c"}));
}

TEST(MountRequestTest, CleanPathIsGoPathClean) {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"", "."},         {"/", "/"},         {"//", "/"},       {"/a/", "/a"},
      {"/a//b", "/a/b"}, {"/a/./b", "/a/b"}, {"/a/../b", "/b"}, {"/../a", "/a"},
      {"a/../..", ".."}, {"./a", "a"},       {"a/b/..", "a"},   {"../../x", "../../x"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(CleanPath(in), want) << in;
}

TEST(MountRequestTest, ToStringShowsEveryField) {
  MountRequest m = Tmpfs("/run");
  m.read_only = true;
  m.tmpfs_size = 1024;
  m.tmpfs_mode = 0755;
  m.options = {"noexec"};
  EXPECT_EQ(m.ToString(),
            "type=tmpfs,destination=/run,ro,propagation=rprivate,tmpfs-size=1024,"
            "tmpfs-mode=0755,noexec,copy-up");
  EXPECT_EQ(Bind("/a", "/b").ToString(), "type=bind,source=/a,destination=/b,propagation=rprivate");
}

}  // namespace
}  // namespace berth::runner
