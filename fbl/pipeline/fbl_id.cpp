#include "fbl/pipeline/fbl_id.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cassert>

namespace fbl {

namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kMacBytes = 16;  // 128 bits of HMAC-SHA256
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(std::string_view in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(in[k])); };
  for (; i + 3 <= in.size(); i += 3) {
    std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  std::size_t rest = in.size() - i;
  if (rest == 1) {
    std::uint32_t v = byte(i) << 16;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
  } else if (rest == 2) {
    std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
  }
  return out;
}

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Strict: no padding, no foreign characters, unused trailing bits must be zero (so every
// token has exactly one spelling).
Result<std::string> Base64UrlDecode(std::string_view in) {
  if (in.size() % 4 == 1) return MakeError(ErrorCode::kMalformed, "bad token length");
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = Base64UrlValue(c);
    if (v < 0) return MakeError(ErrorCode::kMalformed, "bad character in token");
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return MakeError(ErrorCode::kMalformed, "bad token padding");
  return out;
}

std::array<unsigned char, 32> HmacSha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, 32> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &len);
  return mac;
}

void PutField(std::string* out, std::string_view field) {
  out->push_back(static_cast<char>(field.size()));
  out->append(field);
}

// Reads the fields of a decoded token, in order.
class FieldReader {
 public:
  explicit FieldReader(std::string_view data) : data_(data) {}
  bool Byte(std::uint8_t* out) {
    if (pos_ >= data_.size()) return false;
    *out = static_cast<std::uint8_t>(data_[pos_++]);
    return true;
  }
  bool Field(std::string* out, std::size_t max) {
    std::uint8_t len = 0;
    if (!Byte(&len) || len > max || data_.size() - pos_ < len) return false;
    out->assign(data_.substr(pos_, len));
    pos_ += len;
    return true;
  }
  bool Int64(std::int64_t* out) {
    if (data_.size() - pos_ < 8) return false;
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(data_[pos_++]);
    *out = static_cast<std::int64_t>(v);
    return true;
  }
  std::size_t pos() const { return pos_; }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

}  // namespace

FblIdCodec::FblIdCodec(std::vector<FblIdKey> keys) : keys_(std::move(keys)) {
  assert(!keys_.empty());
}

Result<std::string> FblIdCodec::TryIssue(const FblIdClaims& claims) const {
  if (claims.client_id.empty()) return MakeError(ErrorCode::kInvalidArgument, "client id is empty");
  if (claims.client_id.size() > kFblIdMaxClient || claims.recipient.size() > kFblIdMaxRecipient ||
      claims.campaign.size() > kFblIdMaxCampaign) {
    return MakeError(ErrorCode::kInvalidArgument, "a claim is over its length limit");
  }
  const FblIdKey& key = keys_.front();
  if (key.id.empty() || key.id.size() > 255) {
    return MakeError(ErrorCode::kInvalidArgument, "bad key id");
  }
  std::string body;
  body.push_back(static_cast<char>(kVersion));
  PutField(&body, key.id);
  auto issued = static_cast<std::uint64_t>(claims.issued_at);
  for (int s = 56; s >= 0; s -= 8) body.push_back(static_cast<char>((issued >> s) & 0xff));
  PutField(&body, claims.client_id);
  PutField(&body, claims.recipient);
  PutField(&body, claims.campaign);
  auto mac = HmacSha256(key.secret, body);
  body.append(reinterpret_cast<const char*>(mac.data()), kMacBytes);
  return Base64UrlEncode(body);
}

std::string FblIdCodec::Issue(const FblIdClaims& claims) const {
  Result<std::string> token = TryIssue(claims);
  return token.ok() ? std::move(token).value() : std::string();
}

Result<FblIdClaims> FblIdCodec::Verify(std::string_view token) const {
  if (token.size() > kFblIdMaxTokenChars) return MakeError(ErrorCode::kMalformed, "token too long");
  Result<std::string> decoded = Base64UrlDecode(token);
  if (!decoded.ok()) return decoded.error();
  const std::string& data = decoded.value();
  if (data.size() < kMacBytes + 1) return MakeError(ErrorCode::kMalformed, "token too short");
  std::string_view body(data.data(), data.size() - kMacBytes);
  FieldReader in(body);
  std::uint8_t version = 0;
  std::string key_id;
  FblIdClaims claims;
  bool ok = in.Byte(&version) && in.Field(&key_id, 255) && in.Int64(&claims.issued_at) &&
            in.Field(&claims.client_id, kFblIdMaxClient) &&
            in.Field(&claims.recipient, kFblIdMaxRecipient) &&
            in.Field(&claims.campaign, kFblIdMaxCampaign) && in.pos() == body.size();
  if (!ok) return MakeError(ErrorCode::kMalformed, "token does not decode");
  if (version != kVersion) return MakeError(ErrorCode::kMalformed, "unknown token version");
  for (const FblIdKey& key : keys_) {
    if (key.id != key_id) continue;
    auto mac = HmacSha256(key.secret, body);
    if (CRYPTO_memcmp(mac.data(), data.data() + body.size(), kMacBytes) != 0) {
      return MakeError(ErrorCode::kInvalidArgument, "token MAC does not verify");
    }
    return claims;
  }
  return MakeError(ErrorCode::kInvalidArgument, "unknown key id");
}

}  // namespace fbl
