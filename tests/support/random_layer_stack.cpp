#include "support/random_layer_stack.hpp"

#include <sys/types.h>

#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>

namespace berth::testing {

namespace {

constexpr int64_t kBaseTime = 1600000000;

struct Node {
  char type = '0';  // TarEntry types: '0' file, '5' dir, '2' symlink, '3' char, '6' fifo
  mode_t mode = 0644;
  uid_t uid = 0;
  gid_t gid = 0;
};

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  std::vector<TarBuilder> Run(int layers, int ops_per_layer) {
    std::vector<TarBuilder> out;
    for (int i = 0; i < layers; ++i) {
      StartLayer();
      for (int op = 0; op < ops_per_layer; ++op) Step();
      for (auto& e : deferred_) layer_.Add(std::move(e));
      out.push_back(std::move(layer_));
    }
    return out;
  }

 private:
  using Filter = std::function<bool(const std::string&, const Node&)>;

  uint32_t Pick(size_t n) { return n == 0 ? 0 : static_cast<uint32_t>(rng_() % n); }
  bool Chance(unsigned percent) { return Pick(100) < percent; }
  template <typename T>
  const T& OneOf(const std::vector<T>& v) {
    return v[Pick(v.size())];
  }

  void StartLayer() {
    layer_ = TarBuilder();
    deferred_.clear();
    emitted_.clear();
    killed_.clear();
    layer_files_.clear();
    lower_ = state_;
  }

  void Step() {
    unsigned roll = Pick(100);
    bool done = true;
    if (roll < 30)
      AddFile();
    else if (roll < 40)
      AddDir();
    else if (roll < 48)
      AddSymlink();
    else if (roll < 52)
      AddSpecial();
    else if (roll < 62)
      done = Modify();
    else if (roll < 68)
      done = Chattr();
    else if (roll < 80)
      done = WhiteoutOne();
    else if (roll < 86)
      done = OpaqueOne();
    else if (roll < 90)
      done = DirToFile();
    else if (roll < 94)
      done = FileToDir();
    else
      done = AddHardlink();
    if (!done) AddFile();
  }

  // ---- candidate selection ----

  bool EmittedBelow(const std::string& p) const {
    std::string prefix = p + "/";
    auto it = emitted_.lower_bound(prefix);
    return it != emitted_.end() && it->compare(0, prefix.size(), prefix) == 0;
  }

  std::vector<std::string> Paths(const Filter& keep) const {
    std::vector<std::string> out;
    for (const auto& [p, n] : state_) {
      if (keep(p, n)) out.push_back(p);
    }
    return out;
  }

  // A path present before this layer, untouched by it so far, of type `type` (0: any).
  std::vector<std::string> LowerPaths(char type, bool untouched_below) const {
    return Paths([&](const std::string& p, const Node& n) {
      auto low = lower_.find(p);
      return low != lower_.end() && low->second.type == n.type && (type == 0 || n.type == type) &&
             emitted_.count(p) == 0 && (!untouched_below || !EmittedBelow(p));
    });
  }

  std::string NewName() {
    static const std::string kChars = "abcdefghijklmnopqrstuvwxyz0123456789_-.";
    size_t len = Chance(4) ? 100 + Pick(100) : 1 + Pick(10);
    std::string name(1, kChars[Pick(26)]);
    while (name.size() < len) name += kChars[Pick(kChars.size())];
    return name;
  }

  // A fresh path in some existing directory: not present, not emitted or killed here.
  std::string NewPath() {
    auto dirs =
        Paths([](const std::string& p, const Node& n) { return n.type == '5' && p.size() < 1200; });
    for (;;) {
      std::string parent = dirs.empty() || Chance(15) ? "" : OneOf(dirs);
      std::string path = (parent.empty() ? "" : parent + "/") + NewName();
      if (state_.count(path) == 0 && emitted_.count(path) == 0 && killed_.count(path) == 0) {
        return path;
      }
    }
  }

  // ---- emitting ----

  static std::string Parent(const std::string& p) {
    size_t slash = p.rfind('/');
    return slash == std::string::npos ? "" : p.substr(0, slash);
  }

  TarEntry Entry(const std::string& path, const Node& n) {
    TarEntry e;
    e.name = path;
    e.type = n.type;
    e.mode = n.mode;
    e.uid = n.uid;
    e.gid = n.gid;
    e.mtime = kBaseTime + Pick(100000000);
    return e;
  }

  // Docker and buildah write every ancestor of a changed path into the layer; without that
  // the layer's implicit directories would override the lower ones' attributes.
  void EnsureParents(const std::string& path) {
    std::string parent = Parent(path);
    if (parent.empty() || emitted_.count(parent) != 0) return;
    EnsureParents(parent);
    layer_.Add(Entry(parent, state_.at(parent)));
    emitted_.insert(parent);
  }

  void Emit(const std::string& path, const Node& n, TarEntry e) {
    EnsureParents(path);
    layer_.Add(std::move(e));
    emitted_.insert(path);
    state_[path] = n;
  }

  void RemoveBelow(const std::string& p) {
    std::string prefix = p + "/";
    auto it = state_.lower_bound(prefix);
    while (it != state_.end() && it->first.compare(0, prefix.size(), prefix) == 0) {
      it = state_.erase(it);
    }
  }

  Node RandomNode(char type) {
    static const std::vector<mode_t> kFileModes = {0644, 0644,  0600,  0755, 0444,
                                                   0640, 04755, 02755, 0700, 0};
    static const std::vector<mode_t> kDirModes = {0755, 0755, 0700, 0775, 01777, 02755, 0555, 0750};
    static const std::vector<uid_t> kIds = {0, 0, 0, 1, 1000, 65534, 123456};
    Node n;
    n.type = type;
    n.mode = type == '5' ? OneOf(kDirModes) : type == '2' ? 0777 : OneOf(kFileModes);
    n.uid = OneOf(kIds);
    n.gid = OneOf(kIds);
    return n;
  }

  std::string Content() {
    size_t size = Chance(30) ? Pick(17) : Chance(85) ? Pick(2048) : Pick(65536);
    std::string s(size, '\0');
    bool text = Chance(70);
    for (auto& c : s) c = static_cast<char>(text ? 'a' + Pick(26) : Pick(256));
    return s;
  }

  // ---- operations ----

  void AddFile() {
    std::string path = NewPath();
    Node n = RandomNode('0');
    TarEntry e = Entry(path, n);
    e.data = Content();
    Emit(path, n, std::move(e));
    layer_files_.push_back(path);
  }

  void AddDir() {
    std::string path = NewPath();
    Node n = RandomNode('5');
    Emit(path, n, Entry(path, n));
  }

  void AddSymlink() {
    std::string path = NewPath();
    Node n = RandomNode('2');
    TarEntry e = Entry(path, n);
    auto existing = Paths([](const std::string&, const Node&) { return true; });
    unsigned kind = Pick(3);
    if (kind == 0 && !existing.empty())
      e.linkname = "/" + OneOf(existing);
    else if (kind == 1)
      e.linkname = "../" + NewName();
    else
      e.linkname = "dangling/" + NewName();
    Emit(path, n, std::move(e));
  }

  void AddSpecial() {
    std::string path = NewPath();
    Node n = RandomNode(Chance(50) ? '6' : '3');
    TarEntry e = Entry(path, n);
    if (n.type == '3') {
      e.devmajor = 1;
      e.devminor = OneOf(std::vector<unsigned>{3, 5, 7, 8, 9});
    }
    Emit(path, n, std::move(e));
  }

  bool AddHardlink() {
    std::vector<std::string> targets;
    for (const auto& f : layer_files_) {
      if (state_.count(f) != 0 && state_.at(f).type == '0') targets.push_back(f);
    }
    if (targets.empty()) return false;
    const std::string target = OneOf(targets);
    std::string path = NewPath();
    Node n = state_.at(target);
    TarEntry e = Entry(path, n);
    e.type = '1';
    e.linkname = target;
    Emit(path, n, std::move(e));
    return true;
  }

  bool Modify() {
    auto files = LowerPaths('0', false);
    if (files.empty()) return false;
    const std::string path = OneOf(files);
    Node n = Chance(50) ? state_.at(path) : RandomNode('0');
    TarEntry e = Entry(path, n);
    e.data = Content();
    Emit(path, n, std::move(e));
    layer_files_.push_back(path);
    return true;
  }

  bool Chattr() {
    auto dirs = LowerPaths('5', false);
    if (dirs.empty()) return false;
    const std::string path = OneOf(dirs);
    Node n = RandomNode('5');
    Emit(path, n, Entry(path, n));
    return true;
  }

  bool WhiteoutOne() {
    auto paths = LowerPaths(0, true);
    if (paths.empty()) return false;
    const std::string path = OneOf(paths);
    EnsureParents(path);
    layer_.Whiteout(path);
    killed_.insert(path);
    RemoveBelow(path);
    state_.erase(path);
    return true;
  }

  bool OpaqueOne() {
    auto dirs = LowerPaths('5', true);
    if (dirs.empty()) return false;
    const std::string path = OneOf(dirs);
    Node n = Chance(70) ? state_.at(path) : RandomNode('5');
    RemoveBelow(path);
    Emit(path, n, Entry(path, n));
    TarBuilder marker;
    marker.Opaque(path);
    if (Chance(25))
      deferred_.push_back(marker.entries()[0]);
    else
      layer_.Add(marker.entries()[0]);
    for (unsigned i = Pick(4); i > 0; --i) {
      std::string child = path + "/" + NewName();
      if (state_.count(child) != 0 || emitted_.count(child) != 0) continue;
      Node c = RandomNode('0');
      TarEntry e = Entry(child, c);
      e.data = Content();
      Emit(child, c, std::move(e));
    }
    return true;
  }

  bool DirToFile() {
    auto dirs = LowerPaths('5', true);
    if (dirs.empty()) return false;
    const std::string path = OneOf(dirs);
    RemoveBelow(path);
    Node n = RandomNode('0');
    TarEntry e = Entry(path, n);
    e.data = Content();
    Emit(path, n, std::move(e));
    return true;
  }

  bool FileToDir() {
    auto files = LowerPaths('0', false);
    if (files.empty()) return false;
    const std::string path = OneOf(files);
    Node n = RandomNode('5');
    Emit(path, n, Entry(path, n));
    return true;
  }

  std::mt19937 rng_;
  std::map<std::string, Node> state_;
  std::map<std::string, Node> lower_;
  TarBuilder layer_;
  std::vector<TarEntry> deferred_;
  std::set<std::string> emitted_;
  std::set<std::string> killed_;
  std::vector<std::string> layer_files_;
};

}  // namespace

std::vector<TarBuilder> RandomLayerStack(uint32_t seed, int layers, int ops_per_layer) {
  return Generator(seed).Run(layers, ops_per_layer);
}

}  // namespace berth::testing
