#include "command.hpp"

#include <cstdio>

namespace berth::cli {

namespace fs = std::filesystem;

int Fail(std::string_view what, const Error& error) {
  std::string line = "berth: ";
  line += what;
  line += ": ";
  line += error.ToString();
  // One line, whatever the cause contained.
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::fprintf(stderr, "%s\n", line.c_str());
  return kExitBerthFailed;
}

Result<store::Store> OpenStore(const GlobalOptions& global) {
  return store::Store::Open(global.root.empty() ? store::DefaultRoot() : fs::path(global.root));
}

}  // namespace berth::cli
