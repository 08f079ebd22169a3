// Feedback identifiers (RFC 6449 section 3.2 advice): a compact token the bulk mailer puts in a
// header (X-FBL-ID) so that a redacted complaint can still be tied to its client and
// recipient. HMAC-SHA256 with a configured key; several keys for rotation (the newest issues,
// all verify). A forged or tampered token is rejected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/result.h"

namespace fbl {

struct FblIdKey {
  std::string id;      // short key id, carried in the token ("k1")
  std::string secret;  // at least 16 bytes
};

struct FblIdClaims {
  std::string client_id;
  std::string recipient;
  std::string campaign;          // may be empty
  std::int64_t issued_at = 0;    // Unix seconds
};

inline constexpr std::size_t kFblIdMaxClient = 64;
inline constexpr std::size_t kFblIdMaxRecipient = 254;
inline constexpr std::size_t kFblIdMaxCampaign = 64;
inline constexpr std::size_t kFblIdMaxTokenChars = 1024;  // longer input is rejected unread

class FblIdCodec {
 public:
  // keys[0] issues new tokens; every key verifies. REQUIRES: !keys.empty()
  explicit FblIdCodec(std::vector<FblIdKey> keys);

  // The token: base64url (no padding) of
  //   version (1) | key id length (1) | key id | issued_at (8, big-endian) |
  //   client length (1) | client | recipient length (1) | recipient |
  //   campaign length (1) | campaign | HMAC-SHA256 over all of the above, first 16 bytes,
  // so it is safe in a header value and at most ~580 characters long.
  // kInvalidArgument when a field is over its limit (client and campaign 64 bytes, recipient
  // 254 bytes) or the client id is empty.
  Result<std::string> TryIssue(const FblIdClaims& claims) const;
  // REQUIRES: the claims are within the limits above (else returns "").
  std::string Issue(const FblIdClaims& claims) const;
  // kMalformed for a token that does not decode, kInvalidArgument for an unknown key or a
  // wrong MAC (constant-time comparison).
  Result<FblIdClaims> Verify(std::string_view token) const;

 private:
  std::vector<FblIdKey> keys_;
};

}  // namespace fbl
