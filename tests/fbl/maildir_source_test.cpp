// The Maildir source with a real pipeline and SQLite store: files move only after the commit.
#include "fbl/sources/maildir_source.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "tests/testing/fbld.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

namespace fs = std::filesystem;
using testing::CountFiles;
using testing::ReadFixture;
using testing::TempDir;
using testing::WriteFile;

class MaildirSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = ParseConfig(
        "[store]\npath = \"" + dir_.str() + "/fbl.db\"\nbusy_timeout_ms = 0\n"
        "[[provider]]\nname = \"yahoo\"\ndomains = [\"yahoo.com\"]\ntrust = \"none\"\n"
        "[[client]]\nid = \"demo\"\ndomains = [\"example.com\"]\n",
        "t.toml");
    ASSERT_TRUE(config.ok()) << config.error().detail;
    config_ = config.value();
    auto store = OpenSqliteStore(config_.store);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(store.value());
    pipeline_ = std::make_unique<Pipeline>(store_.get(), config_, nullptr);
    MaildirSourceOptions o;
    o.path = (dir_ / "Maildir").string();
    o.batch_size = 10;
    source_ = std::make_unique<MaildirSource>(io_, pipeline_.get(), o, 4096 + 1024, nullptr,
                                              [] { return UnixTime{1795000000}; });
    ASSERT_TRUE(source_->Start().ok());
  }

  fs::path Md(const std::string& rel) const { return dir_ / "Maildir" / rel; }

  TempDir dir_;
  Config config_;
  boost::asio::io_context io_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<MaildirSource> source_;
  const std::string fixture_ = ReadFixture("daemon/complaint-yahoo.eml");
};

TEST_F(MaildirSourceTest, CommittedReportMovesToCurWithTheSeenFlag) {
  WriteFile(Md("new/100.a"), fixture_);
  auto handled = source_->PollOnce();
  ASSERT_TRUE(handled.ok());
  EXPECT_EQ(*handled, 1);
  EXPECT_TRUE(fs::exists(Md("cur/100.a:2,S")));
  EXPECT_EQ(CountFiles(Md("new")), 0);
  auto rows = store_->LookupSuppressions("reader@example.net");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 1u);
}

TEST_F(MaildirSourceTest, StoreFailureLeavesEveryFileInNew) {
  WriteFile(Md("new/100.a"), fixture_);
  WriteFile(Md("new/101.b"), "From: a@example.org\r\n\r\nhi\r\n");
  {
    SQLite::Database locker(dir_.str() + "/fbl.db", SQLite::OPEN_READWRITE);
    locker.exec("BEGIN EXCLUSIVE");
    auto handled = source_->PollOnce();
    EXPECT_FALSE(handled.ok());
    EXPECT_EQ(CountFiles(Md("new")), 2);
    EXPECT_EQ(CountFiles(Md("cur")), 0);
    locker.exec("ROLLBACK");
  }
  auto retried = source_->PollOnce();
  ASSERT_TRUE(retried.ok()) << retried.error().ToString();
  EXPECT_EQ(*retried, 2);
  EXPECT_TRUE(fs::exists(Md("cur/100.a:2,S")));
  EXPECT_TRUE(fs::exists(Md(".Ignored/new/101.b")));
  EXPECT_TRUE(fs::exists(Md(".Ignored/maildirfolder")));
}

TEST_F(MaildirSourceTest, UnseenMessageInCurLeftByACrashIsProcessedOnce) {
  WriteFile(Md("cur/99.crash:2,"), fixture_);
  WriteFile(Md("cur/98.done:2,S"), "not looked at");
  auto handled = source_->PollOnce();
  ASSERT_TRUE(handled.ok());
  EXPECT_EQ(*handled, 1);
  EXPECT_TRUE(fs::exists(Md("cur/99.crash:2,S")));
  EXPECT_TRUE(fs::exists(Md("cur/98.done:2,S")));
}

TEST_F(MaildirSourceTest, OversizedFileIsQuarantinedWithoutBeingStored) {
  WriteFile(Md("new/100.big"), "Subject: x\r\n\r\n" + std::string(8000, 'x'));
  auto handled = source_->PollOnce();
  ASSERT_TRUE(handled.ok());
  EXPECT_TRUE(fs::exists(Md(".Quarantine/new/100.big")));
}

TEST_F(MaildirSourceTest, EmptyAndNonMimeFilesAreQuarantined) {
  WriteFile(Md("new/1.empty"), "");
  WriteFile(Md("new/2.junk"), std::string("\x00\x01\x02garbage", 10));
  ASSERT_TRUE(source_->PollOnce().ok());
  EXPECT_TRUE(fs::exists(Md(".Quarantine/new/1.empty")));
  EXPECT_TRUE(fs::exists(Md(".Quarantine/new/2.junk")));
}

TEST_F(MaildirSourceTest, DuplicateDeliveryIsMovedWithoutNewEffects) {
  WriteFile(Md("new/1.a"), fixture_);
  WriteFile(Md("new/2.a"), fixture_);
  auto handled = source_->PollOnce();
  ASSERT_TRUE(handled.ok());
  EXPECT_EQ(*handled, 2);
  EXPECT_EQ(CountFiles(Md("cur")), 2);
  auto rows = store_->LookupSuppressions("reader@example.net");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].count, 1);
}

}  // namespace
}  // namespace fbl
