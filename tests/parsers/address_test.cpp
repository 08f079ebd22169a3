// NormalizeAddress: the one function every address comparison goes through.
#include "parsers/address.h"

#include <gtest/gtest.h>

namespace fbl {
namespace {

std::string Key(std::string_view address, const AddressOptions& options = {}) {
  auto r = NormalizeAddress(address, options);
  EXPECT_TRUE(r.ok()) << address << ": " << (r.ok() ? "" : r.error().detail);
  return r.ok() ? r->key : "";
}

void ExpectRejected(std::string_view address, std::string_view why_fragment) {
  auto r = NormalizeAddress(address, {});
  ASSERT_FALSE(r.ok()) << "accepted: " << address;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().detail.find(why_fragment), std::string::npos) << r.error().detail;
}

TEST(NormalizeAddressTest, DomainIsLowercasedAndLocalPartFoldedByDefault) {
  EXPECT_EQ(Key("John.Doe@Example.COM"), "john.doe@example.com");
}

TEST(NormalizeAddressTest, LocalPartCaseIsKeptWhenFoldingIsOff) {
  AddressOptions o;
  o.fold_local_case = false;
  EXPECT_EQ(Key("John.Doe@Example.COM", o), "John.Doe@example.com");
}

TEST(NormalizeAddressTest, OriginalSpellingIsKeptTrimmedOfBracketsAndSpace) {
  auto r = NormalizeAddress("  <John@Example.com> ", {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->original, "John@Example.com");
  EXPECT_EQ(r->key, "john@example.com");
  EXPECT_EQ(r->domain, "example.com");
}

TEST(NormalizeAddressTest, SubaddressTagIsFoldedOnlyForConfiguredDomains) {
  AddressOptions o;
  o.subaddress_domains = {"gmail.example"};
  EXPECT_EQ(Key("user+news@gmail.example", o), "user@gmail.example");
  EXPECT_EQ(Key("user+news@other.example", o), "user+news@other.example");
  EXPECT_EQ(Key("+only@gmail.example", o), "+only@gmail.example");  // nothing before the tag
}

TEST(NormalizeAddressTest, UnicodeDomainBecomesItsALabel) {
  EXPECT_EQ(Key("user@Bücher.example"), "user@xn--bcher-kva.example");
  EXPECT_EQ(Key("user@xn--bcher-kva.example"), "user@xn--bcher-kva.example");
}

TEST(NormalizeAddressTest, MixedScriptDomainLabelIsRejected) {
  // "pаypal" with a Cyrillic 'а' (U+0430) among Latin letters.
  ExpectRejected("user@p\xD0\xB0ypal.example", "mixes scripts");
  // The same label given as its A-label is caught too.
  ExpectRejected("user@xn--pypal-4ve.example", "mixes scripts");
}

TEST(NormalizeAddressTest, SingleScriptNonLatinDomainIsAccepted) {
  EXPECT_EQ(Key("user@пример.example"), "user@xn--e1afmkfd.example");
  EXPECT_EQ(Key("user@日本語.example"), "user@xn--wgv71a119e.example");
}

TEST(NormalizeAddressTest, NotAnAddressIsRejected) {
  ExpectRejected("", "empty");
  ExpectRejected("no-at-sign", "no '@'");
  ExpectRejected("@example.com", "empty local part");
  ExpectRejected("user@", "empty domain");
  ExpectRejected("a b@example.com", "not allowed in local part");
  ExpectRejected("user@exa mple.com", "not allowed in domain");
  ExpectRejected("user@-bad.example", "'-'");
  ExpectRejected("user@bad..example", "empty or over-long domain label");
  ExpectRejected(".user@example.com", "dot");
  ExpectRejected("user@[192.0.2.1]", "literals");
}

TEST(NormalizeAddressTest, OverLongPartsAreRejected) {
  ExpectRejected(std::string(65, 'a') + "@example.com", "64");
  ExpectRejected(std::string(10 * 1024, 'a') + "@example.com", "254");
  ExpectRejected("a@" + std::string(64, 'b') + ".example", "label");
  std::string long_domain;
  while (long_domain.size() < 250) long_domain += "abcdefghi.";
  ExpectRejected("a@" + long_domain + "example", "");
  EXPECT_EQ(Key(std::string(64, 'a') + "@example.com"), std::string(64, 'a') + "@example.com");
}

TEST(NormalizeAddressTest, NulAndControlBytesAreRejected) {
  ExpectRejected(std::string("us\0er@example.com", 17), "control or NUL");
  ExpectRejected("user\r\n@example.com", "control or NUL");
  ExpectRejected("user@exa\x01mple.com", "control or NUL");
}

TEST(NormalizeAddressTest, SqlMetacharactersAreJustCharacters) {
  // Legal atext: accepted and kept verbatim (the store binds parameters, never splices SQL).
  EXPECT_EQ(Key("o'brien@example.com"), "o'brien@example.com");
  EXPECT_EQ(Key("a%_*@example.com"), "a%_*@example.com");
  ExpectRejected("x';DROP TABLE suppressions;--@example.com", "not allowed in local part");
}

TEST(NormalizeAddressTest, InvalidUtf8IsRejected) {
  ExpectRejected("user@\xC3\x28.example", "UTF-8");
  ExpectRejected("us\xFF" "er@example.com", "UTF-8");
}

TEST(NormalizeAddressTest, QuotedLocalPartIsKeptAsIs) {
  EXPECT_EQ(Key("\"John Doe\"@example.com"), "\"John Doe\"@example.com");
}

TEST(NormalizeAddressTest, TrailingRootDotIsDropped) {
  EXPECT_EQ(Key("user@example.com."), "user@example.com");
}

}  // namespace
}  // namespace fbl
