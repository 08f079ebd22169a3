#include "fbl/api/auth.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>

namespace fbl::api {
namespace {

constexpr std::string_view kClientPrefix = "client:";

bool IsIdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

Result<std::string> RandomHex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    return MakeError(ErrorCode::kInternal, "RAND_bytes failed");
  }
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

}  // namespace

std::string Principal::Actor() const { return token_id.empty() ? "anonymous" : "token:" + token_id; }

bool Principal::CanSee(std::string_view scope) const {
  return admin || scope == kGlobalScope || scope == client_id;
}

std::optional<BearerToken> ParseBearer(std::string_view header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return std::nullopt;
  }
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  std::size_t dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == token.size()) return std::nullopt;
  std::string_view id = token.substr(0, dot);
  std::string_view secret = token.substr(dot + 1);
  if (id.size() > 64 || secret.size() > 256 || !IsHex(id) || !IsHex(secret)) return std::nullopt;
  return BearerToken{std::string(id), std::string(secret)};
}

Sha256 HashSecret(std::string_view secret) {
  Sha256 out{};
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), out.data());
  return out;
}

bool SecretMatches(const Sha256& stored_hash, std::string_view secret) {
  Sha256 given = HashSecret(secret);
  return CRYPTO_memcmp(given.data(), stored_hash.data(), given.size()) == 0;
}

Status ValidateScope(std::string_view scope) {
  if (scope == "admin") return OkStatus();
  if (scope.substr(0, kClientPrefix.size()) == kClientPrefix) {
    std::string_view id = scope.substr(kClientPrefix.size());
    if (!id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), IsIdChar)) return OkStatus();
  }
  return MakeError(ErrorCode::kInvalidArgument, "scope must be 'admin' or 'client:<id>'");
}

Principal PrincipalFor(const ApiToken& token) {
  Principal p;
  p.token_id = token.id;
  p.writable = token.writable;
  p.admin = token.scope == "admin";
  if (!p.admin) p.client_id = token.scope.substr(kClientPrefix.size());
  return p;
}

Result<IssuedToken> GenerateToken(std::string_view scope, bool writable, std::string_view note,
                                  UnixTime now) {
  Status valid = ValidateScope(scope);
  if (!valid.ok()) return valid.error();
  auto id = RandomHex(12);
  if (!id.ok()) return id.error();
  auto secret = RandomHex(32);
  if (!secret.ok()) return secret.error();
  IssuedToken out;
  out.record.id = *id;
  out.record.secret_hash = HashSecret(*secret);
  out.record.scope = std::string(scope);
  out.record.writable = writable;
  out.record.note = std::string(note);
  out.record.created_at = now;
  out.token = *id + "." + *secret;
  return out;
}

RateLimiter::RateLimiter(double rate_per_second, double burst)
    : rate_(rate_per_second), burst_(std::max(1.0, burst)) {}

RateLimiter::Bucket& RateLimiter::Refill(std::string_view key, double now) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxKeys) buckets_.clear();  // ids are few; a flood of ids resets
    it = buckets_.emplace(std::string(key), Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  if (now > b.updated) {
    b.tokens = std::min(burst_, b.tokens + (now - b.updated) * rate_);
    b.updated = now;
  }
  return b;
}

bool RateLimiter::Allow(std::string_view key, double now) {
  if (rate_ <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& b = Refill(key, now);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

int RateLimiter::RetryAfter(std::string_view key, double now) {
  if (rate_ <= 0) return 1;
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& b = Refill(key, now);
  double wait = (1 - b.tokens) / rate_;
  return std::max(1, static_cast<int>(wait + 0.999));
}

}  // namespace fbl::api
