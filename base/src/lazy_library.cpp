#include "berth/base/lazy_library.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace berth {

namespace {

[[noreturn]] void Die(const char* what, const char* detail) {
  std::fprintf(stderr, "berth: %s: %s\n", what, detail ? detail : "unknown error");
  std::fflush(stderr);
  ::_exit(125);
}

}  // namespace

void* LoadLibraryOrDie(const char* soname) {
  void* handle = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    char what[256];
    std::snprintf(what, sizeof what, "load %s", soname);
    Die(what, ::dlerror());
  }
  return handle;
}

void* LoadSymbolOrDie(void* handle, const char* soname, const char* name) {
  ::dlerror();
  void* sym = ::dlsym(handle, name);
  if (!sym) {
    char what[256];
    std::snprintf(what, sizeof what, "load %s from %s", name, soname);
    Die(what, ::dlerror());
  }
  return sym;
}

}  // namespace berth
