// libcrypto for fblctl, loaded at the first call instead of at every start.
//
// fbl calls six libcrypto functions (SHA-256, HMAC-SHA256, RAND_bytes, CRYPTO_memcmp: FBL-ID,
// report hashes, API tokens, the PostgreSQL copy), and only a few fblctl commands reach them.
// Linked into the program, libcrypto's provider tables (~350 KB of pointers) had to be
// relocated at every start: ~90 copy-on-write page faults, ~2 ms per `fblctl parse` on the
// benchmark VM (BENCHMARKS.md ## Parsing, sixth session). So executables with FBL_STATIC_DEPS
// (cmake/FblStaticDeps.cmake) link this file instead of libcrypto: each function below has the
// libcrypto signature (checked against the OpenSSL headers) and forwards to the same function
// of libcrypto.so.3, dlopen()ed once, at the first call. The program does not export these
// names, so a library that brings its own libcrypto (libpq, loaded by store/pg_lib.cpp) binds
// to the real one: dlopen returns that same copy.
#include <dlfcn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>

namespace {

constexpr const char* kLibcrypto = "libcrypto.so.3";  // CMakeLists.txt requires OpenSSL 3
constexpr int kExitOsFile = 72;                        // sysexits.h EX_OSFILE

// An installation without libcrypto cannot hash or sign: say so and stop (the callers cannot
// continue without the result).
[[noreturn]] void Unavailable(const char* what) {
  const char* why = dlerror();
  std::fprintf(stderr, "fblctl: %s %s: %s\n", what, kLibcrypto, why != nullptr ? why : "not found");
  std::fflush(stderr);
  std::_Exit(kExitOsFile);
}

void* Libcrypto() {
  static void* const handle = [] {
    void* h = dlopen(kLibcrypto, RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) Unavailable("cannot load");
    return h;
  }();
  return handle;
}

// The address of libcrypto's `name`, of the type of our declaration of it.
template <typename Fn>
Fn* Resolve(Fn*, const char* name) {
  void* symbol = dlsym(Libcrypto(), name);
  if (symbol == nullptr) Unavailable(name);
  return reinterpret_cast<Fn*>(symbol);
}

}  // namespace

#define FBL_LIBCRYPTO(name) static auto* const real = Resolve(&::name, #name)

extern "C" {

const EVP_MD* EVP_sha256(void) {
  FBL_LIBCRYPTO(EVP_sha256);
  return real();
}

int EVP_Digest(const void* data, size_t count, unsigned char* md, unsigned int* size, const EVP_MD* type,
               ENGINE* impl) {
  FBL_LIBCRYPTO(EVP_Digest);
  return real(data, count, md, size, type, impl);
}

unsigned char* HMAC(const EVP_MD* evp_md, const void* key, int key_len, const unsigned char* data, size_t data_len,
                    unsigned char* md, unsigned int* md_len) {
  FBL_LIBCRYPTO(HMAC);
  return real(evp_md, key, key_len, data, data_len, md, md_len);
}

unsigned char* SHA256(const unsigned char* d, size_t n, unsigned char* md) {
  FBL_LIBCRYPTO(SHA256);
  return real(d, n, md);
}

int RAND_bytes(unsigned char* buf, int num) {
  FBL_LIBCRYPTO(RAND_bytes);
  return real(buf, num);
}

int CRYPTO_memcmp(const void* a, const void* b, size_t len) {
  FBL_LIBCRYPTO(CRYPTO_memcmp);
  return real(a, b, len);
}

}  // extern "C"
