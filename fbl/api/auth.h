// Bearer tokens of the HTTP API: "<id>.<secret>", the secret stored only as SHA-256, compared in
// constant time. A token's scope is "admin" or "client:<id>"; it is read-only or read-write.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "parsers/result.h"
#include "store/store.h"

namespace fbl::api {

// Who is asking, once the token was checked.
struct Principal {
  std::string token_id;   // "" for the anonymous (allow_anonymous_reads) principal
  bool admin = false;
  std::string client_id;  // set iff !admin
  bool writable = false;

  // "token:<id>", or "anonymous" (the audit log's actor).
  std::string Actor() const;
  // True iff rows of suppression/allowlist scope `scope` ("*" or a client id) are visible.
  bool CanSee(std::string_view scope) const;
};

struct BearerToken {
  std::string id;
  std::string secret;
};

// Parses "Bearer <id>.<secret>" (scheme case-insensitive). nullopt for anything else.
std::optional<BearerToken> ParseBearer(std::string_view authorization);

Sha256 HashSecret(std::string_view secret);
// Constant-time (CRYPTO_memcmp) comparison of SHA-256(secret) with the stored hash.
bool SecretMatches(const Sha256& stored_hash, std::string_view secret);

// kInvalidArgument unless `scope` is "admin" or "client:<id>" (id: 1-64 of [A-Za-z0-9._-]).
Status ValidateScope(std::string_view scope);

// The principal a stored token grants. REQUIRES: ValidateScope(token.scope).ok().
Principal PrincipalFor(const ApiToken& token);

struct IssuedToken {
  ApiToken record;    // what the store keeps
  std::string token;  // "<id>.<secret>": shown once, never stored
};

// A fresh token: 12-byte random id and 32-byte random secret (OpenSSL RAND_bytes), hex.
Result<IssuedToken> GenerateToken(std::string_view scope, bool writable, std::string_view note,
                                  UnixTime now);

// Per-key token buckets. Thread-safe. `now` is in seconds (any monotonic origin).
class RateLimiter {
 public:
  // rate <= 0 disables the limit (Allow is always true).
  RateLimiter(double rate_per_second, double burst);
  // Takes one token from `key`'s bucket. Returns true iff one was there.
  bool Allow(std::string_view key, double now);
  // Seconds until the next token for `key` (for Retry-After), at least 1.
  int RetryAfter(std::string_view key, double now);

 private:
  struct Bucket {
    double tokens;
    double updated;
  };
  Bucket& Refill(std::string_view key, double now);  // REQUIRES: mu_ held

  static constexpr std::size_t kMaxKeys = 100000;  // bounded: keys are token ids
  double rate_;
  double burst_;
  std::mutex mu_;
  std::map<std::string, Bucket, std::less<>> buckets_;
};

}  // namespace fbl::api
