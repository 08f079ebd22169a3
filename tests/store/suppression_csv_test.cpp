// CSV layouts of SES, SendGrid, Mailgun and Postmark: parsing, per-line errors, round trips.
#include "store/suppression_csv.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/store/store_test_util.h"

namespace fbl {
namespace {

TEST(SuppressionCsvTest, SesWithAndWithoutHeaderRow) {
  for (std::string text : {"a@example.com,BOUNCE\nb@example.com,complaint\n",
                           "EmailAddress,Reason\na@example.com,BOUNCE\nb@example.com,COMPLAINT\n"}) {
    CsvImport r = ParseSuppressionCsv(text, CsvFormat::kSes);
    EXPECT_TRUE(r.errors.empty());
    ASSERT_EQ(r.rows.size(), 2u);
    EXPECT_EQ(r.rows[0].address, "a@example.com");
    EXPECT_EQ(r.rows[0].reason, SuppressionReason::kHardBounce);
    EXPECT_EQ(r.rows[1].reason, SuppressionReason::kComplaint);
  }
}

TEST(SuppressionCsvTest, ErrorsNameTheirLine) {
  CsvImport r = ParseSuppressionCsv("a@example.com,BOUNCE\nb@example.com,MAYBE\n\nc@example.com\n\"open,BOUNCE\n",
                                    CsvFormat::kSes);
  ASSERT_EQ(r.rows.size(), 1u);
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].line, 2u);
  EXPECT_NE(r.errors[0].reason.find("BOUNCE or COMPLAINT"), std::string::npos);
  EXPECT_EQ(r.errors[1].line, 4u);
  EXPECT_EQ(r.errors[2].line, 5u);
}

TEST(SuppressionCsvTest, QuotedFieldsCrlfAndBomAreRead) {
  CsvImport r = ParseSuppressionCsv("\xEF\xBB\xBF" "email,created,reason,status\r\n"
                                    "\"\"\"x,y\"\"@example.com\",1,\"550 5.1.1 user unknown, sorry\",5.1.1\r\n",
                                    CsvFormat::kSendgrid);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].reason;
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].address, "\"x,y\"@example.com");
  EXPECT_EQ(r.rows[0].reason, SuppressionReason::kHardBounce);
}

TEST(SuppressionCsvTest, KindOfListIsReadFromTheHeader) {
  EXPECT_EQ(ParseSuppressionCsv("email,created,ip\na@example.com,1,192.0.2.1\n", CsvFormat::kSendgrid).rows[0].reason,
            SuppressionReason::kComplaint);
  EXPECT_EQ(ParseSuppressionCsv("email,created\na@example.com,1\n", CsvFormat::kSendgrid).rows[0].reason,
            SuppressionReason::kUnsubscribe);
  EXPECT_EQ(ParseSuppressionCsv("address,code,error,created_at\na@example.com,550,No such user,\n",
                                CsvFormat::kMailgun).rows[0].reason,
            SuppressionReason::kHardBounce);
  EXPECT_EQ(ParseSuppressionCsv("address,created_at\na@example.com,x\n", CsvFormat::kMailgun).rows[0].reason,
            SuppressionReason::kComplaint);
  EXPECT_EQ(ParseSuppressionCsv("address,tags,created_at\na@example.com,*,x\n", CsvFormat::kMailgun).rows[0].reason,
            SuppressionReason::kUnsubscribe);
  CsvImport pm = ParseSuppressionCsv(
      "EmailAddress,SuppressionReason,Origin,CreatedAt\n"
      "a@example.com,SpamComplaint,Recipient,2020-01-01T00:00:00Z\n"
      "b@example.com,ManualSuppression,Customer,2020-01-01T00:00:00Z\n"
      "c@example.com,Sideways,Customer,2020-01-01T00:00:00Z\n",
      CsvFormat::kPostmark);
  ASSERT_EQ(pm.rows.size(), 2u);
  EXPECT_EQ(pm.rows[0].reason, SuppressionReason::kComplaint);
  EXPECT_EQ(pm.rows[1].reason, SuppressionReason::kManual);
  ASSERT_EQ(pm.errors.size(), 1u);
  EXPECT_EQ(pm.errors[0].line, 4u);
}

TEST(SuppressionCsvTest, AHeaderWithoutTheAddressColumnIsOneErrorAndNoRows) {
  CsvImport r = ParseSuppressionCsv("mail,when\na@example.com,1\n", CsvFormat::kSendgrid);
  EXPECT_TRUE(r.rows.empty());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 1u);
  EXPECT_FALSE(ParseSuppressionCsv("", CsvFormat::kPostmark).errors.empty());
}

TEST(SuppressionCsvTest, NulBytesAndHugeRecordsAreErrorsNotCrashes) {
  std::string text = std::string("a@exa\0mple.com,BOUNCE\n", 22) + std::string(70000, 'x') + ",BOUNCE\nb@example.com,BOUNCE\n";
  CsvImport r = ParseSuppressionCsv(text, CsvFormat::kSes);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].line, 1u);
  EXPECT_EQ(r.errors[1].line, 2u);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].address, "b@example.com");
}

// Export from one store, import into another: the same addresses with the reasons each layout
// can carry.
class CsvRoundTripTest : public ::testing::TestWithParam<CsvFormat> {};

TEST_P(CsvRoundTripTest, ExportThenImportGivesTheSameList) {
  testing::TempDir a_dir, b_dir;
  auto a = testing::OpenTestStore(testing::TestStoreOptions(a_dir));
  auto b = testing::OpenTestStore(testing::TestStoreOptions(b_dir));
  ASSERT_TRUE(a && b);
  std::vector<ManualSuppression> rows = {
      {"acme", "Bounce@Example.com", SuppressionReason::kHardBounce, {}, ""},
      {"acme", "complainer@example.com", SuppressionReason::kComplaint, {}, ""},
      {"acme", "\"quoted,comma\"@example.com", SuppressionReason::kComplaint, {}, ""},
      {"acme", "user@xn--bcher-kva.example", SuppressionReason::kHardBounce, {}, ""},
  };
  ASSERT_TRUE(a->ImportSuppressions(rows, false, {"t", "", "", ""})->committed);
  SuppressionFilter f;
  f.scope = "acme";
  auto listed = a->ListSuppressions(f);
  ASSERT_TRUE(listed.ok());
  std::string csv = CsvHeader(GetParam());
  for (const Suppression& s : *listed) csv += CsvRow(GetParam(), s);
  CsvImport parsed = ParseSuppressionCsv(csv, GetParam());
  ASSERT_TRUE(parsed.errors.empty()) << parsed.errors[0].line << ": " << parsed.errors[0].reason << "\n" << csv;
  std::vector<ManualSuppression> again;
  for (const CsvImportRow& r : parsed.rows) again.push_back({"acme", r.address, r.reason, {}, ""});
  auto imported = b->ImportSuppressions(again, false, {"t", "", "", ""});
  ASSERT_TRUE(imported.ok());
  ASSERT_TRUE(imported->committed);
  EXPECT_EQ(imported->added, 4);
  auto back = b->ListSuppressions(f);
  ASSERT_EQ(back->size(), listed->size());
  for (std::size_t i = 0; i < back->size(); ++i) {
    EXPECT_EQ((*back)[i].address, (*listed)[i].address);
    EXPECT_EQ((*back)[i].address_original, (*listed)[i].address_original);
    EXPECT_EQ((*back)[i].reason, (*listed)[i].reason) << (*back)[i].address;
  }
  // Importing the export again changes nothing.
  auto twice = b->ImportSuppressions(again, false, {"t", "", "", ""});
  EXPECT_EQ(twice->added, 0);
  EXPECT_EQ(twice->existing, 4);
}

INSTANTIATE_TEST_SUITE_P(EveryFormat, CsvRoundTripTest,
                         ::testing::Values(CsvFormat::kSes, CsvFormat::kSendgrid, CsvFormat::kMailgun,
                                           CsvFormat::kPostmark));

}  // namespace
}  // namespace fbl
