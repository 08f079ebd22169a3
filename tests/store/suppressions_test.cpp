// Suppressions and the allowlist through the Store interface: manual changes are audited,
// listing pages by id and stays stable under concurrent inserts, bad input is refused.
#include <set>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "tests/store/store_test_util.h"

namespace fbl {
namespace {

// Every test runs on SQLite and on PostgreSQL (tests/store/store_test_util.h).
class SuppressionsTest : public testing::StoreTest {
 protected:
  Result<Suppression> Add(const std::string& address, const std::string& scope = "*") {
    return store_->AddSuppression({scope, address, SuppressionReason::kManual, std::nullopt, "note"},
                                  {"cli:test", "", "", ""});
  }

};

FBL_INSTANTIATE_FOR_EVERY_BACKEND(SuppressionsTest);

TEST_P(SuppressionsTest, ManualAddIsFoundByAnySpellingAndAudited) {
  auto row = Add("Someone@Example.com", "acme");
  ASSERT_TRUE(row.ok()) << row.error().ToString();
  EXPECT_EQ(row->address, "someone@example.com");
  EXPECT_EQ(row->address_original, "Someone@Example.com");
  auto found = store_->LookupSuppressions("<SOMEONE@example.COM>");
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].scope, "acme");
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE actor = 'cli:test' AND action = 'suppression.add'"), 1);
}

TEST_P(SuppressionsTest, RemoveDeletesTheRowAndIsAuditedAndReportsNotFoundTheSecondTime) {
  ASSERT_TRUE(Add("a@example.com").ok());
  ASSERT_TRUE(store_->RemoveSuppression("*", "A@example.com", {"cli:test", "", "", ""}).ok());
  EXPECT_TRUE(store_->LookupSuppressions("a@example.com")->empty());
  Status again = store_->RemoveSuppression("*", "a@example.com", {"cli:test", "", "", ""});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE action = 'suppression.remove'"), 1);
}

TEST_P(SuppressionsTest, ExpiredRowsAreInvisibleToLookupsAndPurged) {
  ASSERT_TRUE(store_->AddSuppression({"*", "old@example.com", SuppressionReason::kManual, 1000, ""},
                                     {"t", "", "", ""}).ok());
  ASSERT_TRUE(store_->AddSuppression({"*", "new@example.com", SuppressionReason::kManual, 4'000'000'000, ""},
                                     {"t", "", "", ""}).ok());
  EXPECT_TRUE(store_->LookupSuppressions("old@example.com")->empty());
  EXPECT_EQ(store_->LookupSuppressions("new@example.com")->size(), 1u);
  auto purged = store_->PurgeExpiredSuppressions(2000);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(purged.value(), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions"), 1);
}

TEST_P(SuppressionsTest, ListingFiltersByScopeReasonAndQuery) {
  ASSERT_TRUE(Add("a@one.example", "acme").ok());
  ASSERT_TRUE(Add("b@two.example", "beta").ok());
  ASSERT_TRUE(store_->AddSuppression({"acme", "c@two.example", SuppressionReason::kUnsubscribe, std::nullopt, ""},
                                     {"t", "", "", ""}).ok());
  SuppressionFilter f;
  f.scope = "acme";
  EXPECT_EQ(store_->ListSuppressions(f)->size(), 2u);
  f.reason = SuppressionReason::kUnsubscribe;
  EXPECT_EQ(store_->ListSuppressions(f)->size(), 1u);
  SuppressionFilter q;
  q.query = "two.example";
  EXPECT_EQ(store_->ListSuppressions(q)->size(), 2u);
  q.query = "%";  // a LIKE wildcard is only a character here
  EXPECT_EQ(store_->ListSuppressions(q)->size(), 0u);
  q.limit = 0;
  EXPECT_FALSE(store_->ListSuppressions(q).ok());
}

TEST_P(SuppressionsTest, CursorPagesNeitherRepeatNorSkipRowsWhileAnotherConnectionInserts) {
  std::vector<ManualSuppression> rows;
  for (int i = 0; i < 250; ++i) rows.push_back({"*", "p" + std::to_string(i) + "@example.com", SuppressionReason::kManual, {}, ""});
  ASSERT_TRUE(store_->ImportSuppressions(rows, false, {"t", "", "", ""}).ok());
  auto other = testing::OpenAnyStore(options_);  // a second connection, as the daemon would be
  ASSERT_NE(other, nullptr);
  SuppressionFilter f;
  f.limit = 40;
  std::set<std::string> seen;
  std::int64_t last_id = 0;
  for (int page = 0; page < 100; ++page) {
    auto got = store_->ListSuppressions(f);
    ASSERT_TRUE(got.ok());
    for (const Suppression& s : *got) {
      EXPECT_GT(s.id, last_id);
      last_id = s.id;
      EXPECT_TRUE(seen.insert(s.address).second) << "repeated " << s.address;
    }
    if (got->size() < static_cast<std::size_t>(f.limit)) break;
    f.after_id = got->back().id;
    ASSERT_TRUE(other->AddSuppression({"*", "late" + std::to_string(page) + "@example.com",
                                       SuppressionReason::kManual, {}, ""}, {"t", "", "", ""}).ok());
  }
  for (int i = 0; i < 250; ++i) EXPECT_TRUE(seen.count("p" + std::to_string(i) + "@example.com")) << i;
  // Rows inserted during the walk have higher ids, so they come after: every one is seen once.
  EXPECT_EQ(static_cast<std::int64_t>(seen.size()), Count("SELECT count(*) FROM suppressions"));
}

TEST_P(SuppressionsTest, BadAddressesAreRefusedWithAClearErrorAndNothingIsStored) {
  const std::string cases[] = {
      "not-an-address",
      std::string(10 * 1024, 'x') + "@example.com",
      std::string("nul\0byte@example.com", 20),
      "x';DROP TABLE suppressions;--@example.com",
      "user@p\xD0\xB0ypal.example",  // Latin and Cyrillic in one label
      "",
  };
  for (const std::string& address : cases) {
    auto r = Add(address);
    ASSERT_FALSE(r.ok()) << address.substr(0, 40);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_FALSE(r.error().detail.empty());
    auto lookup = store_->LookupSuppressions(address);
    EXPECT_FALSE(lookup.ok());
  }
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log"), 0);
}

TEST_P(SuppressionsTest, SqlMetacharactersInAValidAddressAreStoredVerbatim) {
  ASSERT_TRUE(Add("o'brien+%_@example.com").ok());
  auto rows = store_->LookupSuppressions("O'Brien+%_@example.com");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].address, "o'brien+%_@example.com");
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions"), 1);
}

TEST_P(SuppressionsTest, BadScopeOrNoteIsRefused) {
  EXPECT_FALSE(Add("a@example.com", "").ok());
  EXPECT_FALSE(Add("a@example.com", "has space").ok());
  EXPECT_FALSE(store_->AddSuppression({"*", "a@example.com", SuppressionReason::kManual, {}, std::string(2000, 'n')},
                                      {"t", "", "", ""}).ok());
}

TEST_P(SuppressionsTest, ImportIsAllOrNothingUnlessSkippingInvalidRows) {
  std::vector<ManualSuppression> rows = {{"*", "ok1@example.com", SuppressionReason::kHardBounce, {}, ""},
                                         {"*", "broken", SuppressionReason::kHardBounce, {}, ""},
                                         {"*", "ok2@example.com", SuppressionReason::kComplaint, {}, ""}};
  auto strict = store_->ImportSuppressions(rows, false, {"t", "", "", ""});
  ASSERT_TRUE(strict.ok());
  EXPECT_FALSE(strict->committed);
  ASSERT_EQ(strict->invalid.size(), 1u);
  EXPECT_EQ(strict->invalid[0].index, 1u);
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions"), 0);
  auto lenient = store_->ImportSuppressions(rows, true, {"t", "", "", ""});
  ASSERT_TRUE(lenient.ok());
  EXPECT_TRUE(lenient->committed);
  EXPECT_EQ(lenient->added, 2);
  auto again = store_->ImportSuppressions(rows, true, {"t", "", "", ""});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->added, 0);
  EXPECT_EQ(again->existing, 2);
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions"), 2);
}

TEST_P(SuppressionsTest, ALargeUnorderedImportCountsNewExistingAndRepeatedRowsAndKeepsTheFirstSpelling) {
  // More rows than one insert statement takes, in reverse order, two scopes (even numbers
  // global, odd ones for acme), two already stored, two given a second time in the file.
  ASSERT_TRUE(Add("user8@example.com").ok());
  ASSERT_TRUE(Add("user151@example.com", "acme").ok());
  std::vector<ManualSuppression> rows;
  for (int i = 299; i >= 0; --i) {
    rows.push_back({i % 2 == 0 ? "*" : "acme", "user" + std::to_string(i) + "@example.com",
                    SuppressionReason::kHardBounce, {}, ""});
  }
  rows.push_back({"*", "USER4@Example.com", SuppressionReason::kHardBounce, {}, ""});
  rows.push_back({"acme", "user5@example.com", SuppressionReason::kHardBounce, {}, ""});
  auto r = store_->ImportSuppressions(rows, false, {"t", "", "", ""});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->committed);
  EXPECT_EQ(r->added, 298);
  EXPECT_EQ(r->existing, 4);
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions WHERE scope = '*'"), 150);
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions WHERE scope = 'acme'"), 150);
  auto four = store_->LookupSuppressions("user4@example.com");
  ASSERT_TRUE(four.ok());
  ASSERT_EQ(four->size(), 1u);
  EXPECT_EQ((*four)[0].address_original, "user4@example.com");
  EXPECT_EQ((*four)[0].reason, SuppressionReason::kHardBounce);
  auto eight = store_->LookupSuppressions("user8@example.com");
  ASSERT_TRUE(eight.ok());
  ASSERT_EQ(eight->size(), 1u);
  EXPECT_EQ((*eight)[0].reason, SuppressionReason::kManual);  // the stored row is left as it was
}

TEST_P(SuppressionsTest, LookupsReturnEveryScopeOfAnAddressInIdOrder) {
  // Ids in the order zeta, '*', acme: neither the scopes' order nor the reverse of it.
  ASSERT_TRUE(Add("both@example.com", "zeta").ok());
  ASSERT_TRUE(Add("both@example.com", "*").ok());
  ASSERT_TRUE(Add("both@example.com", "acme").ok());
  auto rows = store_->LookupSuppressions("Both@Example.com");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].scope, "zeta");
  EXPECT_EQ((*rows)[1].scope, "*");
  EXPECT_EQ((*rows)[2].scope, "acme");
  EXPECT_LT((*rows)[0].id, (*rows)[1].id);
  EXPECT_LT((*rows)[1].id, (*rows)[2].id);
  auto checked = store_->CheckSuppressions({"nobody@example.com", "both@example.com"});
  ASSERT_TRUE(checked.ok());
  ASSERT_EQ(checked->size(), 2u);
  EXPECT_TRUE((*checked)[0].empty());
  ASSERT_EQ((*checked)[1].size(), 3u);
  EXPECT_EQ((*checked)[1][0].scope, "zeta");
  EXPECT_EQ((*checked)[1][1].scope, "*");
  EXPECT_EQ((*checked)[1][2].scope, "acme");
}

TEST_P(SuppressionsTest, ChecksAnswerEachKeyWhateverTheOrderAndRepeatsOfTheKeys) {
  ASSERT_TRUE(Add("b@example.com", "zeta").ok());
  ASSERT_TRUE(Add("a@example.com").ok());
  ASSERT_TRUE(Add("b@example.com").ok());
  auto checked = store_->CheckSuppressions(
      {"b@example.com", "none@example.com", "a@example.com", "b@example.com", "none@example.com"});
  ASSERT_TRUE(checked.ok());
  ASSERT_EQ(checked->size(), 5u);
  for (std::size_t i : {0u, 3u}) {
    ASSERT_EQ((*checked)[i].size(), 2u) << i;
    EXPECT_EQ((*checked)[i][0].scope, "zeta");
    EXPECT_EQ((*checked)[i][1].scope, "*");
    EXPECT_LT((*checked)[i][0].id, (*checked)[i][1].id);
  }
  EXPECT_TRUE((*checked)[1].empty());
  EXPECT_TRUE((*checked)[4].empty());
  ASSERT_EQ((*checked)[2].size(), 1u);
  EXPECT_EQ((*checked)[2][0].scope, "*");
  EXPECT_EQ((*checked)[2][0].reason, SuppressionReason::kManual);
  EXPECT_GT((*checked)[2][0].last_seen, 0);
  EXPECT_FALSE((*checked)[2][0].expires_at.has_value());
  auto none = store_->CheckSuppressions({});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->size(), 0u);
}

// A check reads every key exactly: quotes, backslashes, brackets, SQL and UTF-8 in a key are
// found as they are, and keys that differ from a stored one only in such bytes (an escape
// dropped, a byte not UTF-8, U+FFFD, a control byte, a NUL) are not. On SQLite a check is one
// statement over a JSON array of the keys, so this is also the test of that array's escaping;
// a key with a control byte is looked up by itself (JSON cannot carry it as it is).
TEST_P(SuppressionsTest, ChecksFindHostileKeysExactlyAndNothingNearThem) {
  std::vector<std::string> stored;
  for (const char* address : {R"("john \"q\" doe"@example.com)", R"("back\\slash"@example.com)",
                              R"("[1,2]"@example.com)", R"("x');drop table suppressions;--"@example.com)",
                              "o'brien@example.com", "a%b@example.com", "x/y@example.com",
                              "\xC3\xBCser@b\xC3\xBC" "cher.example"}) {
    auto row = Add(address);
    ASSERT_TRUE(row.ok()) << address << ": " << row.error().ToString();
    stored.push_back(row->address);
  }
  std::vector<std::string> near = {R"("john "q" doe"@example.com)", R"("back\slash"@example.com)",
                                   "\xFCser@xn--bcher-kva.example", "\xEF\xBF\xBDser@xn--bcher-kva.example",
                                   std::string("o'brien@example.com\x01"), std::string("a%b@example.com\0", 16)};
  if (!postgres()) {  // a stored key with a control byte, as no normalised address has one
    SQLite::Database db(options_.path, SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO suppressions(scope, address, address_original, reason, first_seen, last_seen)"
            " VALUES ('*', 'ctl' || char(1) || '@example.com', 'x', 'manual', 1, 1)");
    stored.push_back(std::string("ctl\x01@example.com"));
  }
  std::vector<std::string> keys = near;
  keys.insert(keys.end(), stored.begin(), stored.end());
  auto checked = store_->CheckSuppressions(keys);
  ASSERT_TRUE(checked.ok()) << checked.error().ToString();
  ASSERT_EQ(checked->size(), keys.size());
  for (std::size_t i = 0; i < near.size(); ++i) EXPECT_TRUE((*checked)[i].empty()) << near[i];
  for (std::size_t i = near.size(); i < keys.size(); ++i) {
    ASSERT_EQ((*checked)[i].size(), 1u) << keys[i];
    EXPECT_EQ((*checked)[i][0].scope, "*");
  }
  for (const std::string& key : stored) {  // each key checked alone finds the same row
    auto one = store_->CheckSuppressions({key});
    ASSERT_TRUE(one.ok());
    ASSERT_EQ((*one)[0].size(), 1u) << key;
  }
}

TEST_P(SuppressionsTest, AllowlistAddCheckRemove) {
  ASSERT_TRUE(store_->AddAllowlist("acme", "VIP@example.com", "board", {"cli:test", "", "", ""}).ok());
  EXPECT_TRUE(store_->IsAllowlisted("acme", "vip@example.com").value());
  EXPECT_FALSE(store_->IsAllowlisted("beta", "vip@example.com").value());
  ASSERT_TRUE(store_->AddAllowlist("*", "all@example.com", "", {"cli:test", "", "", ""}).ok());
  EXPECT_TRUE(store_->IsAllowlisted("beta", "all@example.com").value());
  ASSERT_TRUE(store_->RemoveAllowlist("acme", "vip@example.com", {"cli:test", "", "", ""}).ok());
  EXPECT_FALSE(store_->IsAllowlisted("acme", "vip@example.com").value());
  EXPECT_EQ(store_->RemoveAllowlist("acme", "vip@example.com", {"cli:test", "", "", ""}).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE action LIKE 'allowlist.%'"), 3);
}

}  // namespace
}  // namespace fbl
