#include "fbl/pipeline/trust.h"

#include <gtest/gtest.h>

namespace fbl {
namespace {

PipelineOptions YahooOptions(std::string trust = "authentication-results") {
  PipelineOptions o;
  o.authserv_id = "mx.fbl.test";
  o.providers.push_back({"yahoo", {"yahoo.com"}, std::move(trust)});
  return o;
}

Report YahooReport(std::vector<std::string> ar) {
  Report r;
  r.kind = ReportKind::kFeedback;
  r.reporter = "feedback@arf.mail.yahoo.com";
  r.outer_authentication_results = std::move(ar);
  return r;
}

TEST(AuthenticationResults, ParsesMethodsResultsAndProperties) {
  auto ar = ParseAuthenticationResults(
      "MX.fbl.test; dkim=pass header.d=yahoo.com header.s=s1; spf=fail smtp.mailfrom=a@b.example");
  ASSERT_TRUE(ar.ok());
  EXPECT_EQ(ar->authserv_id, "mx.fbl.test");
  ASSERT_EQ(ar->results.size(), 2u);
  EXPECT_EQ(ar->results[0].method, "dkim");
  EXPECT_EQ(ar->results[0].result, "pass");
  EXPECT_EQ(ar->results[0].properties.at("header.d"), "yahoo.com");
  EXPECT_EQ(ar->results[1].result, "fail");
  EXPECT_EQ(ar->results[1].properties.at("smtp.mailfrom"), "a@b.example");
}

TEST(AuthenticationResults, IgnoresCommentsQuotingAndVersions) {
  auto ar = ParseAuthenticationResults(
      "Authentication-Results: mx.fbl.test (our (nested \\) comment) mta) 1; "
      "dkim/1 (good sig) = pass reason=\"key ok; really\" header.d=\"yahoo.com\" "
      "header.b=AbC+/d==; spf=none");
  ASSERT_TRUE(ar.ok());
  EXPECT_EQ(ar->authserv_id, "mx.fbl.test");
  ASSERT_EQ(ar->results.size(), 2u);
  EXPECT_EQ(ar->results[0].method, "dkim");
  EXPECT_EQ(ar->results[0].reason, "key ok; really");
  EXPECT_EQ(ar->results[0].properties.at("header.d"), "yahoo.com");
  EXPECT_EQ(ar->results[1].method, "spf");
}

TEST(AuthenticationResults, SkipsAMalformedResinfoButKeepsTheRest) {
  auto ar = ParseAuthenticationResults("mx.fbl.test; garbage; dkim=pass header.d=yahoo.com");
  ASSERT_TRUE(ar.ok());
  ASSERT_EQ(ar->results.size(), 1u);
  EXPECT_EQ(ar->results[0].method, "dkim");
}

TEST(AuthenticationResults, EmptyHeaderIsMalformed) {
  EXPECT_FALSE(ParseAuthenticationResults("  (just a comment) ").ok());
  EXPECT_FALSE(ParseAuthenticationResults("").ok());
}

TEST(Trust, DkimPassForTheProviderDomainIsTrusted) {
  auto d = EvaluateTrust(YahooReport({"mx.fbl.test; dkim=pass header.d=yahoo.com"}), YahooOptions());
  EXPECT_TRUE(d.trusted) << d.reason;
  EXPECT_EQ(d.provider, "yahoo");
}

TEST(Trust, SpfPassForTheProviderDomainIsTrusted) {
  auto d = EvaluateTrust(
      YahooReport({"mx.fbl.test; dkim=none; spf=pass smtp.mailfrom=feedback@arf.mail.yahoo.com"}),
      YahooOptions());
  EXPECT_TRUE(d.trusted) << d.reason;
}

TEST(Trust, ReporterThatIsNoProviderIsUntrusted) {
  Report r = YahooReport({"mx.fbl.test; dkim=pass header.d=yahoo.com"});
  r.reporter = "feedback@yahoo.com.evil.example";
  auto d = EvaluateTrust(r, YahooOptions());
  EXPECT_FALSE(d.trusted);
  EXPECT_EQ(d.provider, "");
  EXPECT_NE(d.reason.find("not a configured provider"), std::string::npos);
}

TEST(Trust, MissingAuthenticationResultsIsUntrusted) {
  auto d = EvaluateTrust(YahooReport({}), YahooOptions());
  EXPECT_FALSE(d.trusted);
  EXPECT_EQ(d.provider, "yahoo");
  EXPECT_NE(d.reason.find("no Authentication-Results"), std::string::npos);
}

TEST(Trust, FailingAuthenticationResultsIsUntrusted) {
  auto d = EvaluateTrust(
      YahooReport({"mx.fbl.test; dkim=fail header.d=yahoo.com; spf=softfail smtp.mailfrom=yahoo.com"}),
      YahooOptions());
  EXPECT_FALSE(d.trusted);
}

TEST(Trust, PassForAnotherDomainIsUntrusted) {
  auto d = EvaluateTrust(
      YahooReport({"mx.fbl.test; dkim=pass header.d=evil.example; spf=pass smtp.mailfrom=x@evil.example"}),
      YahooOptions());
  EXPECT_FALSE(d.trusted);
}

TEST(Trust, ForeignAuthservIdIsUntrusted) {
  auto d = EvaluateTrust(YahooReport({"mx.evil.example; dkim=pass header.d=yahoo.com"}),
                         YahooOptions());
  EXPECT_FALSE(d.trusted);
}

TEST(Trust, OurIdBelowAForeignHeaderIsForgeableAndIgnored) {
  // Topmost is ours and says fail; a "pass" with our id further down came from the sender.
  auto d = EvaluateTrust(YahooReport({"mx.fbl.test; dkim=fail header.d=yahoo.com",
                                      "relay.example; spf=pass smtp.mailfrom=yahoo.com",
                                      "mx.fbl.test; dkim=pass header.d=yahoo.com"}),
                         YahooOptions());
  EXPECT_FALSE(d.trusted);
}

TEST(Trust, ConsecutiveHeadersOfOurMtaAllCount) {
  auto d = EvaluateTrust(YahooReport({"mx.fbl.test; spf=fail smtp.mailfrom=yahoo.com",
                                      "mx.fbl.test; dkim=pass header.d=yahoo.com"}),
                         YahooOptions());
  EXPECT_TRUE(d.trusted) << d.reason;
}

TEST(Trust, ProviderWithTrustNoneNeedsNoAuthentication) {
  auto d = EvaluateTrust(YahooReport({}), YahooOptions("none"));
  EXPECT_TRUE(d.trusted);
}

TEST(Trust, DomainMatchesSubdomainsOnlyAtALabelBoundary) {
  EXPECT_TRUE(DomainMatches("arf.mail.yahoo.com", "yahoo.com"));
  EXPECT_TRUE(DomainMatches("YAHOO.com.", "yahoo.com"));
  EXPECT_FALSE(DomainMatches("notyahoo.com", "yahoo.com"));
  EXPECT_FALSE(DomainMatches("", "yahoo.com"));
}

}  // namespace
}  // namespace fbl
