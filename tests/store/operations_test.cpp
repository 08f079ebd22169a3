// Outbox, accounts, mailbox state, outbound Message-IDs, clients, backup and check.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/store/store_test_util.h"

namespace fbl {
namespace {

using testing::TempDir;

// The Store operations run on SQLite and on PostgreSQL (tests/store/store_test_util.h).
class OperationsTest : public testing::StoreTest {};

FBL_INSTANTIATE_FOR_EVERY_BACKEND(OperationsTest);

// Backup and check are SQLite's (fblctl db backup / db check).
class SqliteOperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = testing::TestStoreOptions(dir_);
    store_ = testing::OpenTestStore(options_);
    ASSERT_NE(store_, nullptr);
  }

  TempDir dir_;
  StoreOptions options_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_P(OperationsTest, OutboxItemsComeDueInOrderAndLeaveWhenSentOrFailed) {
  IngestItem item = testing::ComplaintItem(1, "acme", "x@example.com");
  item.outbox.push_back({"acme", "email", "complaint", "{}", "a@fbl", 200});
  item.outbox.push_back({"acme", "webhook", "complaint", "{}", "b@fbl", 100});
  item.outbox.push_back({std::nullopt, "email", "admin-untrusted", "{}", "c@fbl", 300});
  ASSERT_TRUE(store_->Ingest({item}).ok());
  auto due = store_->DueOutbox(250, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].message_id, "b@fbl");
  EXPECT_EQ((*due)[1].message_id, "a@fbl");
  ASSERT_TRUE(store_->MarkOutboxSent((*due)[0].id, 260).ok());
  ASSERT_TRUE(store_->MarkOutboxRetry((*due)[1].id, 1000, "450 try later").ok());
  due = store_->DueOutbox(400, 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].message_id, "c@fbl");
  EXPECT_FALSE((*due)[0].client_id.has_value());
  ASSERT_TRUE(store_->MarkOutboxFailed((*due)[0].id, "550 no such user").ok());
  due = store_->DueOutbox(1000, 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].attempts, 1);
  EXPECT_EQ(store_->MarkOutboxSent(999999, 1).error().code, ErrorCode::kNotFound);
}

TEST_P(OperationsTest, HoldAndReleaseAnAccountAreAudited) {
  ASSERT_TRUE(store_->HoldAccount("bob@client.example", "250/min", 100).ok());
  ASSERT_TRUE(store_->HoldAccount("bob@client.example", "again", 200).ok());
  auto a = store_->GetAccount("bob@client.example");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(a->has_value());
  EXPECT_TRUE((*a)->held);
  EXPECT_EQ((*a)->held_at, 100);  // the first hold is kept
  EXPECT_EQ((*a)->held_reason, "250/min");
  EXPECT_EQ(store_->ListHeldAccounts()->size(), 1u);
  ASSERT_TRUE(store_->ReleaseAccount("bob@client.example", {"cli:root", "", "", ""}, 300).ok());
  EXPECT_FALSE((*store_->GetAccount("bob@client.example"))->held);
  EXPECT_EQ(store_->ReleaseAccount("bob@client.example", {"cli:root", "", "", ""}, 301).error().code,
            ErrorCode::kNotFound);
  EXPECT_FALSE(store_->GetAccount("nobody")->has_value());
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE action IN ('account.hold','account.release')"), 3);
  ASSERT_TRUE(store_->RecordAlert({100, "bob@client.example", "rate", "hold", "250/min", 250}).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM alerts"), 1);
}

TEST_P(OperationsTest, MailboxStateRoundTrips) {
  EXPECT_FALSE(store_->GetMailboxState("imap://u@h/INBOX")->has_value());
  ASSERT_TRUE(store_->SetMailboxState("imap://u@h/INBOX", {7, 42}).ok());
  ASSERT_TRUE(store_->SetMailboxState("imap://u@h/INBOX", {7, 43}).ok());
  auto m = store_->GetMailboxState("imap://u@h/INBOX");
  ASSERT_TRUE(m->has_value());
  EXPECT_EQ((*m)->uidvalidity, 7u);
  EXPECT_EQ((*m)->last_uid, 43u);
}

TEST_P(OperationsTest, OutboundMessageIdsMapToRecipientsWithOrWithoutAngles) {
  ASSERT_TRUE(store_->RecordOutbound("<abc@mta>", {"r1@example.com", "r2@example.com"}, "bob", 10).ok());
  ASSERT_TRUE(store_->RecordOutbound("abc@mta", {"r1@example.com"}, "bob", 11).ok());
  auto r = store_->LookupOutbound("abc@mta");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (std::vector<std::string>{"r1@example.com", "r2@example.com"}));
  EXPECT_EQ(store_->LookupOutbound("<abc@mta>")->size(), 2u);
  EXPECT_FALSE(store_->RecordOutbound("<>", {"x@example.com"}, "", 1).ok());
}

TEST_P(OperationsTest, SyncClientsReplacesClientsAndTheirDomains) {
  ClientRecord acme{"acme", "Acme", "ops@acme.example", {"acme.example"}, {"mail.acme.example"}};
  ClientRecord beta{"beta", "Beta", "", {"beta.example"}, {}};
  ASSERT_TRUE(store_->SyncClients({acme, beta}).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM clients"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM client_domains"), 3);
  ASSERT_TRUE(store_->SyncClients({beta}).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM clients"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM client_domains"), 1);
  ClientRecord thief{"thief", "", "", {"beta.example"}, {}};
  Status s = store_->SyncClients({beta, thief});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Count("SELECT count(*) FROM clients"), 1);  // all or nothing
}

TEST_F(SqliteOperationsTest, BackupWhileAnotherProcessWritesIsConsistent) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto s = SqliteStore::Open(options_);
    if (!s.ok()) _exit(1);
    for (int b = 0; b < 1'000'000; ++b) {
      std::vector<ManualSuppression> rows;
      for (int i = 0; i < 100; ++i) {
        rows.push_back({"*", "w" + std::to_string(b) + "-" + std::to_string(i) + "@example.com",
                        SuppressionReason::kManual, {}, ""});
      }
      if (!(*s)->ImportSuppressions(rows, false, {"t", "", "", ""}).ok()) _exit(2);
      if (b == 5 && write(fds[1], &b, sizeof b) != sizeof b) _exit(3);
    }
    _exit(0);
  }
  close(fds[1]);
  int b = 0;
  ASSERT_EQ(read(fds[0], &b, sizeof b), static_cast<ssize_t>(sizeof b));
  const std::string dest = (dir_ / "backup.db").string();
  Status s = BackupSqliteDatabase(options_.path, dest, 5000);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  close(fds[0]);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  auto check = CheckSqliteDatabase(dest, 1000);
  ASSERT_TRUE(check.ok()) << check.error().ToString();
  EXPECT_TRUE(check->ok);
  SQLite::Database copy(dest, SQLite::OPEN_READONLY);
  const std::int64_t rows = copy.execAndGet("SELECT count(*) FROM suppressions").getInt64();
  EXPECT_GE(rows, 600);
  EXPECT_EQ(rows % 100, 0) << "the backup caught half a batch";
}

TEST_F(SqliteOperationsTest, CheckReportsAForeignKeyViolation) {
  store_->database().exec("PRAGMA foreign_keys = OFF");
  store_->database().exec(
      "INSERT INTO complaints(report_id, address, feedback_type, created_at) VALUES(4242, 'x@example.com', 'abuse', 1)");
  auto check = CheckSqliteDatabase(options_.path, 1000);
  ASSERT_TRUE(check.ok());
  EXPECT_FALSE(check->ok);
  ASSERT_FALSE(check->problems.empty());
  EXPECT_NE(check->problems[0].find("complaints"), std::string::npos);
}

TEST_F(SqliteOperationsTest, CheckOfAFileThatIsNotADatabaseFailsClearly) {
  testing::WriteFile(dir_ / "junk.db", std::string(8192, 'j'));
  auto check = CheckSqliteDatabase((dir_ / "junk.db").string(), 1000);
  ASSERT_FALSE(check.ok());
  EXPECT_EQ(check.error().code, ErrorCode::kIo);
}

}  // namespace
}  // namespace fbl
