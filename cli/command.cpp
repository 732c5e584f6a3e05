#include "command.hpp"

#include <cstdio>

namespace berth::cli {

namespace fs = std::filesystem;

namespace {

int PrintFailure(std::string line) {
  // One line, whatever the cause contained.
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::fprintf(stderr, "%s\n", line.c_str());
  return kExitBerthFailed;
}

}  // namespace

int Fail(std::string_view what, const Error& error) {
  return PrintFailure("berth: " + std::string(what) + ": " + error.ToString());
}

int Fail(const Error& error) { return PrintFailure("berth: " + error.ToString()); }

fs::path StoreRoot(const GlobalOptions& global) {
  return global.root.empty() ? store::DefaultRoot() : fs::path(global.root);
}

Result<store::Store> OpenStore(const GlobalOptions& global) {
  return store::Store::Open(StoreRoot(global));
}

}  // namespace berth::cli
