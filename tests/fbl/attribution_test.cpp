#include "fbl/pipeline/attribution.h"

#include <gtest/gtest.h>

namespace fbl {
namespace {

PipelineOptions Options() {
  PipelineOptions o;
  ClientOptions acme;
  acme.id = "acme";
  acme.domains = {"acme.example"};
  acme.dkim_domains = {"mail.acme.example"};
  acme.identifiers = {"ACME-42"};
  ClientOptions beta;
  beta.id = "beta";
  beta.domains = {"beta.example"};
  o.clients = {acme, beta};
  o.identifier_header = "X-Client";
  o.verp_prefix = "bounce+";
  return o;
}

Report Complaint() {
  Report r;
  r.kind = ReportKind::kFeedback;
  r.feedback_type = FeedbackType::kAbuse;
  r.recipients = {"user@example.net"};
  return r;
}


Attribution AttributeWith(const Report& r, const AttributionLookups& l = {},
                const PipelineOptions& o = Options()) {
  auto a = Attribute(r, o, l);
  EXPECT_TRUE(a.ok());
  return a.ok() ? a.value() : Attribution{};
}

TEST(Attribution, DkimDomainOfTheOriginalNamesTheClient) {
  Report r = Complaint();
  r.original.dkim_domains = {"mail.acme.example"};
  r.original.from = "news@beta.example";
  Attribution a = AttributeWith(r);
  EXPECT_EQ(a.client_id, "acme");
  EXPECT_EQ(a.client_method, "dkim");
  EXPECT_EQ(a.recipients, std::vector<std::string>{"user@example.net"});
  EXPECT_EQ(a.recipient_method, "report");
  EXPECT_EQ(a.MissingReason(), "");
}

TEST(Attribution, FromDomainNamesTheClient) {
  Report r = Complaint();
  r.original.from = "\"Beta News\" <News@Beta.Example>";
  EXPECT_EQ(AttributeWith(r).client_method, "from");
  EXPECT_EQ(AttributeWith(r).client_id, "beta");
}

TEST(Attribution, ReportedDomainNamesTheClient) {
  Report r = Complaint();
  r.reported_domains = {"news.acme.example"};
  Attribution a = AttributeWith(r);
  EXPECT_EQ(a.client_id, "acme");
  EXPECT_EQ(a.client_method, "reported-domain");
}

TEST(Attribution, OriginalMailFromAndReturnPathNameTheClient) {
  Report r = Complaint();
  r.original_mail_from = "<bounces@beta.example>";
  EXPECT_EQ(AttributeWith(r).client_method, "original-mail-from");
  Report p = Complaint();
  p.original.return_path = "<bounces@acme.example>";
  EXPECT_EQ(AttributeWith(p).client_method, "return-path");
  EXPECT_EQ(AttributeWith(p).client_id, "acme");
}

TEST(Attribution, ListIdNamesTheClient) {
  Report r = Complaint();
  r.original.list_id = "Acme weekly <weekly.acme.example>";
  Attribution a = AttributeWith(r);
  EXPECT_EQ(a.client_id, "acme");
  EXPECT_EQ(a.client_method, "list-id");
}

TEST(Attribution, ConfiguredIdentifierHeaderNamesTheClient) {
  Report r = Complaint();
  r.original.headers = {{"x-client", " ACME-42 "}};
  Attribution a = AttributeWith(r);
  EXPECT_EQ(a.client_id, "acme");
  EXPECT_EQ(a.client_method, "identifier-header");
}

TEST(Attribution, NothingMatchingLeavesTheClientUnknown) {
  Report r = Complaint();
  r.original.from = "someone@elsewhere.example";
  Attribution a = AttributeWith(r);
  EXPECT_FALSE(a.client_id.has_value());
  EXPECT_NE(a.MissingReason().find("no configured client"), std::string::npos);
}

TEST(Attribution, RedactedReportWithAVerifiedTokenGetsItsRecipientAndClient) {
  Report r = Complaint();
  r.recipients.clear();
  r.redacted = true;
  r.original.from = "news@beta.example";
  r.original.headers = {{"X-FBL-ID", "good-token"}};
  AttributionLookups l;
  l.verify_fbl_id = [](std::string_view token) -> Result<FblIdClaims> {
    if (token != "good-token") return MakeError(ErrorCode::kInvalidArgument, "bad mac");
    return FblIdClaims{"acme", "hidden@example.net", "", 0};
  };
  PipelineOptions o = Options();
  o.fbl_id_header = "X-FBL-ID";
  Attribution a = AttributeWith(r, l, o);
  EXPECT_EQ(a.client_id, "acme");
  EXPECT_EQ(a.client_method, "fbl-id");
  EXPECT_EQ(a.recipients, std::vector<std::string>{"hidden@example.net"});
  EXPECT_EQ(a.recipient_method, "fbl-id");
}

TEST(Attribution, RedactedReportWithATamperedTokenIsUnattributed) {
  Report r = Complaint();
  r.recipients.clear();
  r.redacted = true;
  r.original.from = "news@beta.example";
  r.original.headers = {{"X-FBL-ID", "tampered"}};
  AttributionLookups l;
  l.verify_fbl_id = [](std::string_view) -> Result<FblIdClaims> {
    return MakeError(ErrorCode::kInvalidArgument, "bad mac");
  };
  Attribution a = AttributeWith(r, l);
  EXPECT_EQ(a.client_id, "beta");  // from the From domain, not the token
  EXPECT_FALSE(a.has_recipients());
  EXPECT_NE(a.MissingReason().find("recipient redacted"), std::string::npos);
  ASSERT_EQ(a.notes.size(), 1u);
  EXPECT_NE(a.notes[0].find("fbl-id rejected"), std::string::npos);
}

TEST(Attribution, RedactedReportWithoutTokenIsUnattributed) {
  Report r = Complaint();
  r.recipients.clear();
  r.redacted = true;
  r.original.from = "news@acme.example";
  Attribution a = AttributeWith(r);
  EXPECT_FALSE(a.has_recipients());
  EXPECT_FALSE(a.MissingReason().empty());
}

TEST(Attribution, RedactedReportResolvedThroughTheOutboundLog) {
  Report r = Complaint();
  r.recipients.clear();
  r.original.from = "news@acme.example";
  r.original.message_id = "m1@acme.example";
  AttributionLookups l;
  l.outbound = [](std::string_view id) -> Result<std::vector<std::string>> {
    if (id == "m1@acme.example") return std::vector<std::string>{"one@example.net"};
    return std::vector<std::string>{};
  };
  Attribution a = AttributeWith(r, l);
  EXPECT_EQ(a.recipients, std::vector<std::string>{"one@example.net"});
  EXPECT_EQ(a.recipient_method, "outbound");
}

TEST(Attribution, OutboundLookupFailureIsAnErrorToRetry) {
  Report r = Complaint();
  r.recipients.clear();
  r.original.message_id = "m1@acme.example";
  AttributionLookups l;
  l.outbound = [](std::string_view) -> Result<std::vector<std::string>> {
    return MakeError(ErrorCode::kUnavailable, "database is locked");
  };
  auto a = Attribute(r, Options(), l);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, ErrorCode::kUnavailable);
}

TEST(Attribution, VerpEnvelopeSenderCarriesTheRecipient) {
  Report r = Complaint();
  r.recipients.clear();
  r.original_mail_from = "<bounce+jane.doe=example.net@acme.example>";
  Attribution a = AttributeWith(r);
  EXPECT_EQ(a.client_id, "acme");
  EXPECT_EQ(a.recipients, std::vector<std::string>{"jane.doe@example.net"});
  EXPECT_EQ(a.recipient_method, "verp");
}

TEST(Attribution, DecodeVerpRejectsOtherShapes) {
  EXPECT_EQ(DecodeVerp("bounce+a=b.example@x", "bounce+"), "a@b.example");
  EXPECT_EQ(DecodeVerp("bounce+ab.example@x", "bounce+"), "");
  EXPECT_EQ(DecodeVerp("other+a=b.example@x", "bounce+"), "");
  EXPECT_EQ(DecodeVerp("bounce+a=b.example@x", ""), "");
}

}  // namespace
}  // namespace fbl
