#include "store/pg_lib.h"

#include <dlfcn.h>

#include <cstdlib>

namespace fbl::pg {
namespace {

Error LoadError(const std::string& what) {
  return MakeError(ErrorCode::kUnavailable, "the PostgreSQL backend needs libpq5: " + what);
}

std::string DlError() {
  const char* e = dlerror();
  return e != nullptr ? e : "unknown error";
}

// A function-local static is initialised exactly once, even with concurrent callers, and
// every caller sees it fully initialised.
const Result<const Lib*>& Loaded() {
  static const Result<const Lib*> result = LoadLibFrom(kLibpqSoname);
  return result;
}

}  // namespace

Result<const Lib*> LoadLibFrom(const std::string& soname) {
  // RTLD_LOCAL: libpq's symbols stay out of the global namespace; RTLD_NOW: a missing
  // function shows here, not as a crash on first use.
  void* handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return LoadError("dlopen " + soname + ": " + DlError());
  auto* lib = new Lib();
  std::string missing;
#define FBL_PG_LIBPQ_RESOLVE(name)                                                  \
  lib->name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name));            \
  if (lib->name == nullptr && missing.empty()) missing = #name;
  FBL_PG_LIBPQ_FUNCTIONS(FBL_PG_LIBPQ_RESOLVE)
#undef FBL_PG_LIBPQ_RESOLVE
  if (!missing.empty()) {
    delete lib;
    dlclose(handle);
    return LoadError(soname + " has no function " + missing + " (libpq too old?)");
  }
  return static_cast<const Lib*>(lib);
}

Result<const Lib*> LoadLib() { return Loaded(); }

const Lib& Libpq() {
  const Result<const Lib*>& lib = Loaded();
  if (!lib.ok()) std::abort();  // a broken REQUIRES: a programming error, never outside input
  return *lib.value();
}

}  // namespace fbl::pg
