// kill -9 at random points while 1,000 reports are drained from a real Dovecot; restarted
// each time, every report must end up processed exactly once: one suppression per complained
// address with count 1, and exactly the outbox rows of an uninterrupted run.
//
// The process that gets killed is this test binary itself in "driver" mode (the ImapSource on
// its own io_context with the real pipeline and SQLite store, configured by an fbld TOML
// file), so the test does not depend on how fbld wires its components.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <random>
#include <thread>

#include "fbl/config/config.h"
#include "fbl/metrics/metrics.h"
#include "fbl/pipeline/pipeline.h"
#include "fbl/sources/imap_source.h"
#include "store/sqlite_store.h"
#include "tests/testing/dovecot.h"
#include "tests/testing/fbld.h"
#include "tests/testing/process.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

using testing::Dovecot;
using Clock = std::chrono::steady_clock;
constexpr const char* kDriverEnv = "FBL_IMAP_DRIVER_CONFIG";

std::string PipelineToml(const std::string& db) {
  return "[log]\nlevel = \"warn\"\n"
         "[store]\npath = \"" + db + "\"\n"
         "[trust]\nauthserv_id = \"mx.fbl.test\"\n"
         "[[provider]]\nname = \"yahoo\"\ndomains = [\"yahoo.com\"]\ntrust = \"none\"\n"
         "[[client]]\nid = \"demo\"\nnotify_email = \"postmaster@example.com\"\n"
         "domains = [\"example.com\"]\ndkim_domains = [\"example.com\"]\n";
}

// Driver mode: what fbld does for [[imap]], until killed.
TEST(ImapKill9Driver, RunsTheImapSourcesUntilKilled) {
  const char* path = std::getenv(kDriverEnv);
  if (path == nullptr) GTEST_SKIP() << "driver mode only";
  auto config = LoadConfig(path);
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  auto store = OpenSqliteStore(config->store);
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  Metrics metrics;
  Pipeline pipeline(store->get(), *config, &metrics);
  boost::asio::io_context io;
  std::vector<std::unique_ptr<ImapSource>> sources;
  for (const auto& o : config->sources.imaps) {
    sources.push_back(std::make_unique<ImapSource>(io, o, &pipeline, store->get(), &metrics));
    sources.back()->Start();
  }
  io.run();
}

int ReferenceOutboxRows(const testing::TempDir& dir, int n) {
  auto config = ParseConfig(PipelineToml((dir / "reference.db").string()), "ref.toml");
  EXPECT_TRUE(config.ok());
  auto store = OpenSqliteStore(config->store);
  EXPECT_TRUE(store.ok());
  Pipeline pipeline(store->get(), *config, nullptr);
  std::vector<std::string> raws;
  for (int i = 0; i < n; ++i) raws.push_back(testing::MakeArfReport(i));
  std::vector<IncomingMessage> batch;
  for (const auto& r : raws) batch.push_back({r, "reference"});
  EXPECT_TRUE(pipeline.ProcessBatch(batch, 1764320000).ok());
  auto rows = (*store)->DueOutbox(4102444800, 1000000);
  return rows.ok() ? static_cast<int>(rows->size()) : -1;
}

TEST(ImapKill9, EveryReportIsProcessedExactlyOnceAcrossRandomKills) {
  if (std::getenv(kDriverEnv) != nullptr) GTEST_SKIP();
  const int n = 1000;
  testing::TempDir dir;
  Dovecot dovecot;
  ASSERT_TRUE(dovecot.Start()) << dovecot.error();
  for (int i = 0; i < n; ++i) dovecot.Deliver("r" + std::to_string(i), testing::MakeArfReport(i));
  std::string db = (dir / "fbl.db").string();
  testing::WriteFile(dir / "driver.toml",
                     PipelineToml(db) + "[[imap]]\nname = \"kill9\"\nhost = \"localhost\"\n"
                                        "port = " + std::to_string(dovecot.tls_port()) + "\n"
                                        "ca_file = \"" + dovecot.ca_file() + "\"\n"
                                        "user = \"" + dovecot.user() + "\"\n"
                                        "password = \"" + dovecot.password() + "\"\n"
                                        "batch_size = 50\nreconnect_min_ms = 50\n"
                                        "reconnect_max_ms = 300\n");
  std::vector<std::string> argv = {std::filesystem::read_symlink("/proc/self/exe").string(),
                                   "--gtest_filter=ImapKill9Driver.*"};
  std::vector<std::string> env = {std::string(kDriverEnv) + "=" + (dir / "driver.toml").string()};
  std::mt19937 rng(20261128);
  std::uniform_int_distribution<int> delay_ms(100, 900);
  int kills = 0;
  auto done = [&] { return dovecot.Count("Processed") == n; };
  for (int round = 0; round < 200 && !done(); ++round) {
    testing::Process driver;
    ASSERT_TRUE(driver.Start(argv, (dir / "driver.log").string(), env));
    // A random moment: connect, folder setup, mid-fetch, mid-commit or mid-move.
    testing::WaitUntil(done, std::chrono::milliseconds(delay_ms(rng)));
    driver.Kill9();
    ++kills;
  }
  {
    testing::Process driver;
    ASSERT_TRUE(driver.Start(argv, (dir / "driver.log").string(), env));
    ASSERT_TRUE(testing::WaitUntil(done, std::chrono::seconds(120)))
        << dovecot.Count("Processed") << " processed";
    driver.Kill9();
  }
  EXPECT_GE(kills, 3);
  EXPECT_EQ(dovecot.Count(), 0);
  EXPECT_EQ(dovecot.Count("Ignored"), 0);
  EXPECT_EQ(dovecot.Count("Quarantine"), 0);

  auto config = ParseConfig(PipelineToml(db), "check.toml");
  ASSERT_TRUE(config.ok());
  auto store = OpenSqliteStore(config->store);
  ASSERT_TRUE(store.ok());
  int exactly_once = 0;
  for (int i = 0; i < n; ++i) {
    auto rows = (*store)->LookupSuppressions("reader" + std::to_string(i) + "@example.net");
    ASSERT_TRUE(rows.ok());
    if (rows->size() == 1 && (*rows)[0].count == 1) ++exactly_once;
  }
  EXPECT_EQ(exactly_once, n);
  auto outbox = (*store)->DueOutbox(4102444800, 1000000);
  ASSERT_TRUE(outbox.ok());
  EXPECT_EQ(static_cast<int>(outbox->size()), ReferenceOutboxRows(dir, n));
  std::printf("kill -9 rounds: %d\n", kills);
}

}  // namespace
}  // namespace fbl
