// Shared libraries that fblctl loads at the first call of one of their functions instead of at
// every start (cmake/FblStaticDeps.cmake: fbl::crypto, fbl::idn2, fbl::zlib): on the benchmark
// VM each library loaded at start costs page faults (~20 us each) for its relocations, and most
// fblctl commands (parse among them) never call libcrypto, nor libidn2 unless a domain is not
// ASCII, nor zlib unless a report is compressed.
//
// Each file of this folder defines, with C linkage and the library's own signature (checked
// against its header), the functions fbl calls; each forwards to the same function of the
// library, dlopen()ed once. The program does not export these names, so a library that brings
// its own copy (libpq brings libcrypto) binds to the real one, and dlopen returns that copy.
#pragma once

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

namespace fbl::lazy {

// The handle of `soname`, loaded at the first call. An installation without the library
// cannot do what was asked: the message names it and the program exits 72 (EX_OSFILE).
template <const char* const& kSoname>
void* Library() {
  static void* const handle = [] {
    void* h = dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) {
      const char* why = dlerror();
      std::fprintf(stderr, "fblctl: cannot load %s: %s\n", kSoname, why != nullptr ? why : "not found");
      std::fflush(stderr);
      std::_Exit(72);
    }
    return h;
  }();
  return handle;
}

// The address of the library's `name`, with the type of our declaration of it (`self`).
template <const char* const& kSoname, typename Fn>
Fn* Resolve(Fn* /*self*/, const char* name) {
  void* symbol = dlsym(Library<kSoname>(), name);
  if (symbol == nullptr) {
    std::fprintf(stderr, "fblctl: %s has no function %s\n", kSoname, name);
    std::fflush(stderr);
    std::_Exit(72);
  }
  return reinterpret_cast<Fn*>(symbol);
}

}  // namespace fbl::lazy
