// libcrypto for fblctl, loaded at the first call instead of at every start (lazy_lib.h).
//
// fbl calls six libcrypto functions (SHA-256, HMAC-SHA256, RAND_bytes, CRYPTO_memcmp: FBL-ID,
// report hashes, API tokens, the PostgreSQL copy), and only a few fblctl commands reach them.
// Linked into the program, libcrypto's provider tables (~350 KB of pointers) had to be
// relocated at every start: ~90 copy-on-write page faults, ~2 ms per `fblctl parse` on the
// benchmark VM (BENCHMARKS.md ## Parsing, sixth session).
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "fbl/cli/lazy/lazy_lib.h"

namespace {
constexpr const char* kLibcrypto = "libcrypto.so.3";  // CMakeLists.txt requires OpenSSL 3
}  // namespace

#define FBL_LAZY(name) static auto* const real = fbl::lazy::Resolve<kLibcrypto>(&::name, #name)

extern "C" {

const EVP_MD* EVP_sha256(void) {
  FBL_LAZY(EVP_sha256);
  return real();
}

int EVP_Digest(const void* data, size_t count, unsigned char* md, unsigned int* size, const EVP_MD* type,
               ENGINE* impl) {
  FBL_LAZY(EVP_Digest);
  return real(data, count, md, size, type, impl);
}

unsigned char* HMAC(const EVP_MD* evp_md, const void* key, int key_len, const unsigned char* data, size_t data_len,
                    unsigned char* md, unsigned int* md_len) {
  FBL_LAZY(HMAC);
  return real(evp_md, key, key_len, data, data_len, md, md_len);
}

unsigned char* SHA256(const unsigned char* d, size_t n, unsigned char* md) {
  FBL_LAZY(SHA256);
  return real(d, n, md);
}

int RAND_bytes(unsigned char* buf, int num) {
  FBL_LAZY(RAND_bytes);
  return real(buf, num);
}

int CRYPTO_memcmp(const void* a, const void* b, size_t len) {
  FBL_LAZY(CRYPTO_memcmp);
  return real(a, b, len);
}

}  // extern "C"
