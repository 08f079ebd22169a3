#include "fbl/pipeline/fbl_id.h"

#include <gtest/gtest.h>

namespace fbl {
namespace {

const FblIdKey kKey1{"k1", "0123456789abcdef-secret-one"};
const FblIdKey kKey2{"k2", "fedcba9876543210-secret-two"};

FblIdClaims SampleClaims() {
  return FblIdClaims{"acme", "alice@example.net", "spring-sale", 1795000000};
}

TEST(FblIdTest, IssuedTokenVerifiesToTheSameClaims) {
  FblIdCodec codec({kKey1});
  std::string token = codec.Issue(SampleClaims());
  Result<FblIdClaims> claims = codec.Verify(token);
  ASSERT_TRUE(claims.ok()) << claims.error().ToString();
  EXPECT_EQ(claims->client_id, "acme");
  EXPECT_EQ(claims->recipient, "alice@example.net");
  EXPECT_EQ(claims->campaign, "spring-sale");
  EXPECT_EQ(claims->issued_at, 1795000000);
}

TEST(FblIdTest, TokenIsCompactAndHeaderSafe) {
  FblIdCodec codec({kKey1});
  std::string token = codec.Issue(SampleClaims());
  EXPECT_LT(token.size(), 120u);
  for (char c : token) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
}

TEST(FblIdTest, EmptyCampaignRoundTrips) {
  FblIdCodec codec({kKey1});
  Result<FblIdClaims> claims = codec.Verify(codec.Issue({"acme", "bob@example.org", "", 5}));
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->campaign, "");
  EXPECT_EQ(claims->recipient, "bob@example.org");
}

TEST(FblIdTest, EveryFlippedCharacterIsRejected) {
  FblIdCodec codec({kKey1});
  std::string token = codec.Issue(SampleClaims());
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(codec.Verify(tampered).ok()) << "position " << i;
  }
}

TEST(FblIdTest, ChangedRecipientWithOriginalMacIsRejected) {
  FblIdCodec codec({kKey1});
  std::string good = codec.Issue(SampleClaims());
  FblIdClaims other = SampleClaims();
  other.recipient = "mallory@example.net";
  // Same lengths, so splicing the old MAC onto the new body yields a well-formed token.
  other.recipient.resize(SampleClaims().recipient.size(), 'x');
  FblIdCodec forger(std::vector<FblIdKey>{{"k1", "attacker-guessed-secret!"}});
  std::string forged = forger.Issue(other);
  Result<FblIdClaims> claims = codec.Verify(forged);
  ASSERT_FALSE(claims.ok());
  EXPECT_EQ(claims.error().code, ErrorCode::kInvalidArgument);
}

TEST(FblIdTest, TokenFromAnotherKeyWithSameIdIsRejected) {
  FblIdCodec ours({kKey1});
  FblIdCodec theirs(std::vector<FblIdKey>{{"k1", "a-completely-different-key"}});
  EXPECT_FALSE(ours.Verify(theirs.Issue(SampleClaims())).ok());
}

TEST(FblIdTest, UnknownKeyIdIsRejected) {
  FblIdCodec ours({kKey1});
  FblIdCodec other({kKey2});
  Result<FblIdClaims> claims = ours.Verify(other.Issue(SampleClaims()));
  ASSERT_FALSE(claims.ok());
  EXPECT_EQ(claims.error().code, ErrorCode::kInvalidArgument);
}

TEST(FblIdTest, RotatedKeysStillVerifyOldTokensAndIssueWithTheNewest) {
  FblIdCodec before({kKey1});
  FblIdCodec after({kKey2, kKey1});
  std::string old_token = before.Issue(SampleClaims());
  EXPECT_TRUE(after.Verify(old_token).ok());
  std::string new_token = after.Issue(SampleClaims());
  EXPECT_TRUE(after.Verify(new_token).ok());
  EXPECT_FALSE(before.Verify(new_token).ok()) << "k2 is unknown to the old codec";
}

TEST(FblIdTest, MalformedBase64IsMalformed) {
  FblIdCodec codec({kKey1});
  for (const std::string& bad : std::vector<std::string>{"", "A", "!!!!", "abc=", "a b c", "AAAAA", "ab+/", std::string(2000, 'A')}) {
    Result<FblIdClaims> claims = codec.Verify(bad);
    ASSERT_FALSE(claims.ok()) << bad;
    EXPECT_EQ(claims.error().code, ErrorCode::kMalformed) << bad;
  }
}

TEST(FblIdTest, TruncatedTokensAreRejected) {
  FblIdCodec codec({kKey1});
  std::string token = codec.Issue(SampleClaims());
  for (std::size_t n = 0; n < token.size(); ++n) {
    EXPECT_FALSE(codec.Verify(token.substr(0, n)).ok()) << n;
  }
}

TEST(FblIdTest, OverlongClaimsAreRefusedAtIssue) {
  FblIdCodec codec({kKey1});
  FblIdClaims claims = SampleClaims();
  claims.recipient = std::string(300, 'a') + "@example.net";
  EXPECT_FALSE(codec.TryIssue(claims).ok());
  EXPECT_EQ(codec.Issue(claims), "");
  claims = SampleClaims();
  claims.client_id = "";
  EXPECT_FALSE(codec.TryIssue(claims).ok());
}

}  // namespace
}  // namespace fbl
