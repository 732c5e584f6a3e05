// berth volume create|ls|inspect|rm|prune|exists as a user sees them: podman's output shapes,
// one-line errors, podman's exit statuses.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "berth/base/fs.hpp"
#include "berth/base/strings.hpp"
#include "berth/base/temp_dir.hpp"
#include "support/berth_cli.hpp"

namespace berth::testing {
namespace {

class VolumeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create(::testing::TempDir(), "volume-cli-");
    ASSERT_TRUE(t);
    dir_ = std::move(*t);
    root_ = dir_.path() / "root";
  }
  CliResult Berth(const std::vector<std::string>& args) {
    return RunCli(BERTH_BINARY, root_, args);
  }
  std::string Ok(const std::vector<std::string>& args) {
    return RunCliOk(BERTH_BINARY, root_, args);
  }
  // A failed command: exit `status` and exactly one stderr line, which is returned.
  static std::string OneLine(const CliResult& r, int status) {
    EXPECT_EQ(r.status, status) << r.out << r.err;
    auto lines = Lines(r.err);
    EXPECT_EQ(lines.size(), 1u) << r.err;
    return lines.empty() ? "" : lines[0];
  }

  TempDir dir_;
  fs::path root_;
};

TEST_F(VolumeCliTest, HelpOnEveryVerb) {
  for (const char* verb : {"create", "ls", "list", "inspect", "rm", "remove", "prune", "exists"}) {
    auto r = Berth({"volume", verb, "--help"});
    EXPECT_EQ(r.status, 0) << verb << r.err;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << verb << ": " << r.out;
  }
  auto none = Berth({"volume"});
  EXPECT_EQ(OneLine(none, 125).rfind("berth: ", 0), 0u);
}

TEST_F(VolumeCliTest, CreateListInspectShapes) {
  EXPECT_EQ(Ok({"volume", "ls"}), "");  // no volumes: no table at all, as podman
  EXPECT_EQ(TrimTrailing(Ok({"volume", "ls", "--format", "json"})), "[]");
  EXPECT_EQ(Ok({"volume", "create", "myvol"}), "myvol\n");
  std::string anon = TrimTrailing(Ok({"volume", "create", "--label", "app=db", "-l", "tier"}));
  ASSERT_EQ(anon.size(), 64u) << anon;
  EXPECT_EQ(anon.find_first_not_of("0123456789abcdef"), std::string::npos);

  EXPECT_EQ(Ok({"volume", "ls"}),
            "DRIVER      VOLUME NAME\n"
            "local       " +
                anon +
                "\n"
                "local       myvol\n");
  EXPECT_EQ(Ok({"volume", "ls", "-q"}), anon + "\nmyvol\n");
  EXPECT_EQ(Ok({"volume", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}"}),
            anon + " local local\nmyvol local local\n");
  EXPECT_EQ(Ok({"volume", "ls", "--format", "table {{.Name}}"}),
            "VOLUME NAME\n" + anon + "\nmyvol\n");
  auto listed = nlohmann::json::parse(Ok({"volume", "ls", "--format", "json"}));
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[1]["Name"], "myvol");

  std::string out = Ok({"volume", "inspect", "myvol"});
  auto j = nlohmann::ordered_json::parse(out);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 1u);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j[0].items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"Name", "Driver", "Mountpoint", "CreatedAt", "Labels",
                                            "Scope", "Options", "Anonymous", "MountCount",
                                            "NeedsCopyUp"}));
  EXPECT_EQ(out.rfind("[\n    {\n        \"Name\": \"myvol\",\n", 0), 0u)
      << "4-space indent, as podman: " << out;
  EXPECT_EQ(j[0]["Driver"], "local");
  EXPECT_EQ(j[0]["Scope"], "local");
  EXPECT_EQ(j[0]["Anonymous"], false);
  EXPECT_EQ(j[0]["NeedsCopyUp"], true);
  EXPECT_TRUE(j[0]["Labels"].empty() && j[0]["Labels"].is_object());
  fs::path mountpoint = root_ / "volumes" / "myvol" / "_data";
  EXPECT_EQ(j[0]["Mountpoint"], mountpoint.string());
  struct stat st;
  ASSERT_EQ(::stat(mountpoint.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  int64_t created = 0;
  EXPECT_TRUE(ParseRfc3339(j[0]["CreatedAt"].get<std::string>(), &created));

  auto labelled = nlohmann::json::parse(Ok({"volume", "inspect", anon}));
  EXPECT_EQ(labelled[0]["Labels"], (nlohmann::json{{"app", "db"}, {"tier", ""}}));
  EXPECT_EQ(labelled[0]["Anonymous"], true);
  EXPECT_EQ(Ok({"volume", "inspect", "--format", "{{.Mountpoint}}", "my"}),
            mountpoint.string() + "\n");  // a unique prefix names a volume
  EXPECT_EQ(Ok({"volume", "inspect", "-f", "{{.Name}} {{.Labels}}", anon}),
            anon + " map[app:db tier:]\n");
  EXPECT_EQ(nlohmann::json::parse(Ok({"volume", "inspect", "--all"})).size(), 2u);
  EXPECT_TRUE(ListDir(root_ / "tmp")->empty());
}

TEST_F(VolumeCliTest, CreateErrorsAndIgnore) {
  Ok({"volume", "create", "data"});
  EXPECT_EQ(OneLine(Berth({"volume", "create", "data"}), 125),
            "berth: create volume 'data': volume with name 'data' already exists");
  EXPECT_EQ(Ok({"volume", "create", "--ignore", "data"}), "data\n");
  EXPECT_EQ(OneLine(Berth({"volume", "create", "no/slash"}), 125),
            "berth: create volume 'no/slash': names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*");
  EXPECT_EQ(OneLine(Berth({"volume", "create", "-d", "nfs", "x"}), 125),
            "berth: volume create: volume driver 'nfs' is not supported (only 'local')");
  EXPECT_EQ(OneLine(Berth({"volume", "create", "-o", "type=tmpfs", "x"}), 125),
            "berth: volume create: volume driver options (-o) are not supported");
  EXPECT_EQ(Ok({"volume", "create", "-d", "local", "x"}), "x\n");
  EXPECT_EQ(Ok({"volume", "ls", "-q"}), "data\nx\n");
}

TEST_F(VolumeCliTest, InspectErrors) {
  Ok({"volume", "create", "alpha"});
  Ok({"volume", "create", "alpine"});
  EXPECT_EQ(OneLine(Berth({"volume", "inspect", "nope"}), 125),
            "berth: volume inspect: no such volume 'nope'");
  EXPECT_EQ(OneLine(Berth({"volume", "inspect", "al"}), 125),
            "berth: volume inspect: more than one volume matches 'al'");
  auto some = Berth({"volume", "inspect", "alpha", "nope"});
  EXPECT_EQ(OneLine(some, 125), "berth: volume inspect: no such volume 'nope'");
  EXPECT_EQ(nlohmann::json::parse(some.out).size(), 1u) << "the volumes found are printed";
  EXPECT_EQ(OneLine(Berth({"volume", "inspect"}), 125),
            "berth: volume inspect: give volume names or --all, not both or neither");
}

TEST_F(VolumeCliTest, RemovePrintsNamesAndUsesPodmansStatuses) {
  for (const char* n : {"a1", "b1", "c1", "d1"}) Ok({"volume", "create", n});
  ASSERT_TRUE(WriteFileAtomic(root_ / "volumes" / "a1" / "_data" / "f", "data"));
  EXPECT_EQ(Ok({"volume", "rm", "a1", "b"}), "a1\nb1\n");
  EXPECT_FALSE(fs::exists(root_ / "volumes" / "a1"));
  auto missing = Berth({"volume", "rm", "nope", "c1"});
  EXPECT_EQ(OneLine(missing, 1), "berth: volume rm: no such volume 'nope'");
  EXPECT_EQ(missing.out, "c1\n") << "the other volumes are still removed";
  EXPECT_EQ(OneLine(Berth({"volume", "rm"}), 125),
            "berth: volume rm: give volume names or --all, not both or neither");
  EXPECT_EQ(Ok({"volume", "remove", "-f", "d1"}), "d1\n");
  EXPECT_EQ(Ok({"volume", "ls"}), "");
  for (const char* n : {"x", "y"}) Ok({"volume", "create", n});
  EXPECT_EQ(Ok({"volume", "rm", "--all"}), "x\ny\n");
  EXPECT_TRUE(ListDir(root_ / "volumes")->empty());
  EXPECT_TRUE(ListDir(root_ / "tmp")->empty());
}

TEST_F(VolumeCliTest, PruneRemovesEveryUnusedVolume) {
  Ok({"volume", "create", "named"});
  std::string anon = TrimTrailing(Ok({"volume", "create"}));
  std::string want = anon < "named" ? anon + "\nnamed\n" : "named\n" + anon + "\n";
  // stdin is not a terminal: no question, as with image prune.
  EXPECT_EQ(Ok({"volume", "prune"}), want);
  EXPECT_EQ(Ok({"volume", "ls", "-q"}), "");
  EXPECT_EQ(Ok({"volume", "prune", "-f"}), "");
}

TEST_F(VolumeCliTest, Exists) {
  Ok({"volume", "create", "here"});
  EXPECT_EQ(Berth({"volume", "exists", "here"}).status, 0);
  auto no = Berth({"volume", "exists", "her"});  // no prefix matching here
  EXPECT_EQ(no.status, 1);
  EXPECT_EQ(no.out + no.err, "");
}

}  // namespace
}  // namespace berth::testing
