// libidn2 for fblctl, loaded at the first IDNA conversion (a domain that is not plain ASCII)
// instead of at every start with libunistring (lazy_lib.h). The functions parsers/address.cpp
// calls.
#include <idn2.h>

#include "fbl/cli/lazy/lazy_lib.h"

namespace {
constexpr const char* kLibidn2 = "libidn2.so.0";
}  // namespace

#define FBL_LAZY(name) static auto* const real = fbl::lazy::Resolve<kLibidn2>(&::name, #name)

extern "C" {

int idn2_to_ascii_8z(const char* input, char** output, int flags) {
  FBL_LAZY(idn2_to_ascii_8z);
  return real(input, output, flags);
}

int idn2_to_unicode_8z8z(const char* input, char** output, int flags) {
  FBL_LAZY(idn2_to_unicode_8z8z);
  return real(input, output, flags);
}

const char* idn2_strerror(int rc) {
  FBL_LAZY(idn2_strerror);
  return real(rc);
}

}  // extern "C"
