// berth tag IMAGE TARGET...: give an image more names.
#include "berth/store/reference.hpp"
#include "command.hpp"

namespace berth::cli {

namespace {

struct TagOptions {
  std::string image;
  std::vector<std::string> targets;
};

int Run(const GlobalOptions& g, const TagOptions& o) {
  auto store = OpenStore(g);
  if (!store) return Fail("tag", store.error());
  auto rec = store->FindImage(o.image);
  if (!rec) return Fail("tag " + o.image, rec.error());
  for (const auto& t : o.targets) {
    auto ref = store::Reference::Parse(t);
    if (!ref) return Fail("tag " + t, ref.error());
    if (ref->digest) {
      return Fail("tag " + t,
                  MakeError(ErrorCode::kInvalidArgument, "a tag cannot contain a digest"));
    }
    auto r = store->Tag(*rec, ref->String());
    if (!r) return Fail("tag " + t, r.error());
  }
  return 0;
}

}  // namespace

void RegisterTag(CLI::App& parent, Invocation& inv, const std::string& name) {
  auto opts = std::make_shared<TagOptions>();
  CLI::App* cmd = parent.add_subcommand(name, "Add names to an image");
  cmd->add_option("IMAGE", opts->image, "Image name or id")->required();
  cmd->add_option("TARGET", opts->targets, "New names")->required();
  cmd->callback([&inv, opts] { inv.action = [&inv, opts] { return Run(inv.global, *opts); }; });
}

}  // namespace berth::cli
