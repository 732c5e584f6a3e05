// LazyLibrary: a shared library opened at its first use instead of at program start.
//
// libcurl and libarchive bring some 40 more libraries with them (TLS, Kerberos, LDAP, ICU,
// ...). Linked normally, the dynamic loader maps and relocates all of them on every start
// of berth, which costs more than everything else `berth run` does before its container
// starts. Only the verbs that talk to a registry or read and write tar streams need them,
// so those libraries are dlopen'ed on first use (see puller/src/curl_api.hpp and
// store/src/archive_api.hpp, which route the calls through a table of function pointers).
//
// A library or symbol that cannot be loaded ends the process with one line naming it and
// exit status 125 — what the dynamic loader would have done at start-up had the library
// been linked. This is the one place outside cli/ that exits, for that reason. Thread-safe.
#pragma once

namespace berth {

// dlopen(`soname`, RTLD_NOW | RTLD_LOCAL) once; the handle is never closed.
void* LoadLibraryOrDie(const char* soname);

// dlsym(`handle`, `name`), or the process ends naming `soname` and `name`.
void* LoadSymbolOrDie(void* handle, const char* soname, const char* name);

}  // namespace berth
