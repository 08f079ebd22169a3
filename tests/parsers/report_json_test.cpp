#include "parsers/report_json.h"

#include <set>

#include <gtest/gtest.h>

namespace fbl {
namespace {

std::set<std::string> Keys(const nlohmann::json& j) {
  std::set<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
  return keys;
}

TEST(ReportJson, HasEveryContractKey) {
  nlohmann::json j = ReportToJson(Report{}, "path.eml");
  std::set<std::string> keys = Keys(j);
  for (const char* k : {"source", "kind", "feedback_type", "user_agent", "source_ip", "arrival_date",
                        "original_mail_from", "original_rcpt_to", "recipients", "redacted", "reported_domains",
                        "original", "deliveries", "errors"}) {
    EXPECT_TRUE(keys.count(k)) << k;
  }
  EXPECT_EQ(Keys(j["original"]),
            (std::set<std::string>{"from", "to", "subject", "message_id", "date", "dkim_domains", "list_id",
                                   "list_unsubscribe", "feedback_id", "return_path", "headers"}));
  EXPECT_TRUE(j["feedback_type"].is_null());
  EXPECT_TRUE(j["redacted"].is_boolean());
  EXPECT_TRUE(j["recipients"].is_array());
  EXPECT_TRUE(j["original"]["headers"].is_object());
  EXPECT_EQ(j["source"], "path.eml");
  EXPECT_EQ(j["kind"], "unknown");
}

TEST(ReportJson, DeliveriesHaveTheContractShape) {
  Report r;
  r.kind = ReportKind::kBounce;
  r.deliveries.push_back(Delivery{"a@b.example", "failed", "5.1.1", BounceClass::kHard, "550 unknown"});
  nlohmann::json d = ReportToJson(r, "x")["deliveries"][0];
  EXPECT_EQ(Keys(d), (std::set<std::string>{"recipient", "action", "status", "class", "diagnostic"}));
  EXPECT_EQ(d["class"], "hard");
}

TEST(ReportJson, FeedbackTypeOnlyForFeedback) {
  Report r;
  r.kind = ReportKind::kFeedback;
  r.feedback_type = FeedbackType::kNotSpam;
  EXPECT_EQ(ReportToJson(r, "x")["feedback_type"], "not-spam");
  r.kind = ReportKind::kBounce;
  EXPECT_TRUE(ReportToJson(r, "x")["feedback_type"].is_null());
}

TEST(ReportJson, HeadersAreAnObjectByRequestedName) {
  Report r;
  r.original.headers.emplace_back("X-FBL-ID", "abc");
  EXPECT_EQ(ReportToJson(r, "x")["original"]["headers"]["X-FBL-ID"], "abc");
}

TEST(ReportJson, InvalidUtf8IsReplacedNotThrown) {
  Report r;
  r.user_agent = "\xff\xfe";
  std::string line;
  EXPECT_NO_THROW(line = ReportToJsonLine(r, "\xc3"));
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

// The line is written directly (not through nlohmann::json); it must be exactly what nlohmann
// would print for the same value: sorted keys, the same escapes, valid UTF-8.
Report FullyPopulated() {
  Report r;
  r.kind = ReportKind::kFeedback;
  r.feedback_type = FeedbackType::kAbuse;
  r.user_agent = "Yahoo!-Mail-Feedback/2.0";
  r.source_ip = "192.0.2.1";
  r.arrival_date = "Thu, 8 Mar 2005 14:00:00 EDT";
  r.original_mail_from = "<bounce@example.com>";
  r.original_rcpt_to = {"a@example.net", "b@example.net"};
  r.recipients = {"a@example.net"};
  r.redacted = true;
  r.reported_domains = {"example.com"};
  r.original.from = "News \"Daily\" <news@example.com>";
  r.original.subject = "tab\there, newline\nthere, bell\x07, del\x7f, caf\xc3\xa9, \xf0\x9f\x98\x80";
  r.original.dkim_domains = {"example.com"};
  r.original.headers = {{"X-B", "2"}, {"X-A", "1"}, {"X-B", "3"}};
  r.deliveries.push_back(Delivery{"a@example.net", "failed", "5.1.1", BounceClass::kHard, "550 \"no\" \\ user"});
  r.errors = {"one", "two\r\n"};
  r.version = "1";
  r.provider = "yahoo";
  r.reported_uris = {"http://example.com/?a=1&b=2"};
  r.authentication_results = {"mx; spf=pass"};
  return r;
}

TEST(ReportJson, LineIsExactlyWhatNlohmannWouldPrint) {
  std::string line = ReportToJsonLine(FullyPopulated(), "dir/\"quoted\".eml");
  nlohmann::json parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed.dump(), line);
  EXPECT_EQ(parsed["original"]["headers"]["X-B"], "3");  // the last value of a repeated name wins
  EXPECT_EQ(parsed["original"]["subject"], FullyPopulated().original.subject);
  EXPECT_NE(line.find("\\u0007"), std::string::npos);
}

TEST(ReportJson, InvalidUtf8BecomesReplacementCharacters) {
  Report r;
  r.user_agent = "a\xff" "b\xc3";
  nlohmann::json j = nlohmann::json::parse(ReportToJsonLine(r, "x"));
  EXPECT_EQ(j["user_agent"], "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
}

}  // namespace
}  // namespace fbl
