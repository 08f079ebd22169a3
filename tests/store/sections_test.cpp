// The API, metrics, notify and detector sections of Store on every backend: the same answers
// from SQLite and PostgreSQL for listings with cursors, counts for the gauges, digest windows.
#include <gtest/gtest.h>

#include "tests/store/store_test_util.h"

namespace fbl {
namespace {

constexpr UnixTime kDay = 86400;
constexpr UnixTime kT = 1'700'000'000;

class SectionsTest : public testing::StoreTest {
 protected:
  void Complaint(std::uint64_t n, const std::string& client, const std::string& address, UnixTime at,
                 const std::string& provider = "aol") {
    IngestItem item = testing::ComplaintItem(n, client, address, at);
    item.provider = provider;
    auto r = store_->Ingest({item});
    ASSERT_TRUE(r.ok()) << r.error().ToString();
  }
};

FBL_INSTANTIATE_FOR_EVERY_BACKEND(SectionsTest);

TEST_P(SectionsTest, ComplaintListingFiltersAndPagesById) {
  Complaint(1, "acme", "a@example.com", kT, "aol");
  Complaint(2, "acme", "b@example.com", kT + 10, "yahoo");
  Complaint(3, "beta", "c@example.com", kT + 20, "aol");
  Complaint(4, "acme", "d@example.com", kT + 30, "aol");
  ComplaintFilter f;
  f.client_id = "acme";
  auto acme = store_->ListComplaints(f);
  ASSERT_TRUE(acme.ok()) << acme.error().ToString();
  ASSERT_EQ(acme->size(), 3u);
  EXPECT_EQ((*acme)[0].address, "a@example.com");
  EXPECT_EQ((*acme)[0].feedback_type, "abuse");
  f.provider = "aol";
  f.since = kT + 5;
  auto narrowed = store_->ListComplaints(f);
  ASSERT_TRUE(narrowed.ok());
  ASSERT_EQ(narrowed->size(), 1u);
  EXPECT_EQ((*narrowed)[0].address, "d@example.com");
  ComplaintFilter page;
  page.limit = 2;
  auto first = store_->ListComplaints(page);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  page.after_id = first->back().id;
  auto second = store_->ListComplaints(page);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 2u);
  EXPECT_GT((*second)[0].id, first->back().id);
  page.limit = 0;
  EXPECT_EQ(store_->ListComplaints(page).error().code, ErrorCode::kInvalidArgument);
}

TEST_P(SectionsTest, AllowlistListingPagesByScopeAndAddress) {
  for (const char* a : {"c@example.com", "a@example.com", "b@example.com"}) {
    ASSERT_TRUE(store_->AddAllowlist("acme", a, "n", {"t", "", "", ""}).ok());
  }
  ASSERT_TRUE(store_->AddAllowlist("*", "z@example.com", "", {"t", "", "", ""}).ok());
  AllowlistFilter f;
  f.limit = 2;
  auto first = store_->ListAllowlist(f);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].scope, "*");  // '*' sorts before letters, bytewise on both backends
  EXPECT_EQ((*first)[1].address, "a@example.com");
  f.after_scope = first->back().scope;
  f.after_address = first->back().address;
  auto rest = store_->ListAllowlist(f);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].address, "b@example.com");
  EXPECT_EQ((*rest)[1].address, "c@example.com");
  AllowlistFilter scoped;
  scoped.scope = "*";
  EXPECT_EQ(store_->ListAllowlist(scoped)->size(), 1u);
  auto one = store_->GetAllowlist("acme", "b@example.com");
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->note, "n");
  EXPECT_FALSE(store_->GetAllowlist("beta", "b@example.com")->has_value());
}

TEST_P(SectionsTest, GaugeCountsMatchWhatWasStored) {
  Complaint(1, "acme", "a@example.com", kT);
  ASSERT_TRUE(store_->AddSuppression({"*", "m@example.com", SuppressionReason::kManual, kT - 1, ""},
                                     {"t", "", "", ""}).ok());  // already expired at kT
  ASSERT_TRUE(store_->HoldAccount("bob", "rate", kT).ok());
  ASSERT_TRUE(store_->HoldAccount("eve", "rate", kT).ok());
  ASSERT_TRUE(store_->ReleaseAccount("eve", {"cli:root", "", "", ""}, kT + 1).ok());
  ASSERT_TRUE(store_->EnqueueOutbox({"acme", "email", "complaint", "{}", "p1@fbl", kT}, kT - 50).ok());
  ASSERT_TRUE(store_->EnqueueOutbox({"acme", "email", "complaint", "{}", "p2@fbl", kT}, kT - 20).ok());
  auto due = store_->DueOutbox(kT, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  ASSERT_TRUE(store_->MarkOutboxFailed((*due)[0].id, "550").ok());

  auto reasons = store_->CountSuppressionsByReason(kT);
  ASSERT_TRUE(reasons.ok()) << reasons.error().ToString();
  ASSERT_EQ(reasons->size(), 1u);
  EXPECT_EQ((*reasons)[0].reason, "complaint");
  EXPECT_EQ((*reasons)[0].count, 1);
  auto outbox = store_->GetOutboxStats();
  ASSERT_TRUE(outbox.ok());
  EXPECT_EQ(outbox->pending, 1);
  EXPECT_EQ(outbox->failed, 1);
  EXPECT_EQ(outbox->oldest_pending_created_at, kT - 20);
  EXPECT_EQ(store_->CountHeldAccounts().value(), 1);
  auto held = store_->ListHeldAccounts();
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ((*held)[0].username, "bob");
}

TEST_P(SectionsTest, TopSendingAccountsCountRecipientsSinceATime) {
  ASSERT_TRUE(store_->RecordOutbound("<m1@mta>", {"r1@x.example", "r2@x.example", "r3@x.example"}, "bob", kT).ok());
  ASSERT_TRUE(store_->RecordOutbound("<m2@mta>", {"r1@x.example"}, "eve", kT).ok());
  ASSERT_TRUE(store_->RecordOutbound("<m3@mta>", {"r9@x.example"}, "eve", kT - 100).ok());  // too old
  ASSERT_TRUE(store_->RecordOutbound("<m4@mta>", {"r8@x.example"}, "", kT).ok());           // no account
  auto top = store_->TopSendingAccounts(kT - 10, 10);
  ASSERT_TRUE(top.ok()) << top.error().ToString();
  ASSERT_EQ(top->size(), 2u);
  EXPECT_EQ((*top)[0].account, "bob");
  EXPECT_EQ((*top)[0].recipients, 3);
  EXPECT_EQ((*top)[1].account, "eve");
  EXPECT_EQ((*top)[1].recipients, 1);
  EXPECT_EQ(store_->TopSendingAccounts(kT - 10, 1)->size(), 1u);
}

TEST_P(SectionsTest, DigestWindowStartsAtTheLastSentEmailAndDeferMovesAPendingRow) {
  EXPECT_FALSE(store_->LastOutboxSent("acme")->has_value());
  ASSERT_TRUE(store_->EnqueueOutbox({"acme", "email", "digest", "{}", "d1@fbl", kT}, kT).ok());
  ASSERT_TRUE(store_->EnqueueOutbox({"acme", "webhook", "complaint", "{}", "w1@fbl", kT}, kT).ok());
  ASSERT_TRUE(store_->EnqueueOutbox({"acme", "email", "complaint", "{}", "c1@fbl", kT}, kT).ok());
  auto due = store_->DueOutbox(kT, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 3u);
  ASSERT_TRUE(store_->MarkOutboxSent((*due)[0].id, kT + 100).ok());  // email
  ASSERT_TRUE(store_->MarkOutboxSent((*due)[1].id, kT + 200).ok());  // webhook: not a digest window
  auto last = store_->LastOutboxSent("acme");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, kT + 100);
  ASSERT_TRUE(store_->DeferOutbox((*due)[2].id, kT + kDay).ok());
  EXPECT_TRUE(store_->DueOutbox(kT + kDay - 1, 10)->empty());
  auto later = store_->DueOutbox(kT + kDay, 10);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].attempts, 0);  // a deferral is not an attempt
  EXPECT_EQ(store_->DeferOutbox((*due)[0].id, kT).error().code, ErrorCode::kNotFound);  // already sent
}

TEST_P(SectionsTest, TokensAreListedInCreationOrderWithTheirRevocation) {
  ApiToken a;
  a.id = "a1";
  a.scope = "client:acme";
  a.created_at = kT + 5;
  ApiToken b = a;
  b.id = "b2";
  b.scope = "admin";
  b.writable = true;
  b.created_at = kT;
  ASSERT_TRUE(store_->CreateApiToken(a, {"cli:root", "token.issue", "a1", ""}).ok());
  ASSERT_TRUE(store_->CreateApiToken(b, {"cli:root", "token.issue", "b2", ""}).ok());
  ASSERT_TRUE(store_->RevokeApiToken("a1", kT + 9, {"cli:root", "token.revoke", "a1", ""}).ok());
  auto tokens = store_->ListApiTokens();
  ASSERT_TRUE(tokens.ok()) << tokens.error().ToString();
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_EQ((*tokens)[0].id, "b2");
  EXPECT_TRUE((*tokens)[0].writable);
  EXPECT_FALSE((*tokens)[0].revoked_at.has_value());
  EXPECT_EQ((*tokens)[1].revoked_at, kT + 9);
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE action LIKE 'token.%'"), 3);
}

TEST_P(SectionsTest, BatchChecksAnswerPerKeyAndHideExpiredRows) {
  ASSERT_TRUE(store_->AddSuppression({"acme", "a@example.com", SuppressionReason::kManual, {}, ""},
                                     {"t", "", "", ""}).ok());
  ASSERT_TRUE(store_->AddSuppression({"*", "a@example.com", SuppressionReason::kHardBounce, {}, ""},
                                     {"t", "", "", ""}).ok());
  ASSERT_TRUE(store_->AddSuppression({"*", "old@example.com", SuppressionReason::kManual, 1000, ""},
                                     {"t", "", "", ""}).ok());
  std::vector<std::string> keys = {"old@example.com", "a@example.com", "none@example.com"};
  for (int i = 0; i < 6000; ++i) keys.push_back("filler" + std::to_string(i) + "@example.com");
  keys.push_back("a@example.com");  // past the first 5,000 keys, asked a second time
  auto r = store_->CheckSuppressions(keys);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), keys.size());
  EXPECT_TRUE((*r)[0].empty());
  EXPECT_EQ((*r)[1].size(), 2u);
  EXPECT_TRUE((*r)[2].empty());
  EXPECT_EQ(r->back().size(), 2u);
}

TEST_P(SectionsTest, DetectorStateIsUpsertedAndSentCountsAddUp) {
  ASSERT_TRUE(store_->SaveDetectorState({{"bob", std::string("\x01\x00\x02", 3), kT}, {"amy", "x", kT}}).ok());
  ASSERT_TRUE(store_->SaveDetectorState({{"bob", "new", kT + 1}}).ok());
  auto rows = store_->LoadDetectorStates();
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].username, "amy");
  EXPECT_EQ((*rows)[1].state_blob, "new");
  EXPECT_EQ((*rows)[1].updated_at, kT + 1);
  ASSERT_TRUE(store_->AddClientSent("acme", 100, 5).ok());
  ASSERT_TRUE(store_->AddClientSent("acme", 100, 7).ok());
  ASSERT_TRUE(store_->AddClientSent("acme", 101, 1).ok());
  auto stats = store_->GetClientStats("acme", 100 * kDay, 102 * kDay);
  ASSERT_TRUE(stats.ok());
  ASSERT_EQ(stats->sent.size(), 2u);
  EXPECT_EQ(stats->sent[0].sent, 12);
  EXPECT_EQ(stats->sent[1].day, 101);
  EXPECT_TRUE(store_->Ping().ok());
}

}  // namespace
}  // namespace fbl
