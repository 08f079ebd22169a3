// kill -9 of the real fbld at random points while it drains 1,000 reports from a real Dovecot;
// restarted each time, every report must end up processed exactly once: one suppression per
// complained address with count 1, and exactly the outbox rows of an uninterrupted run.
// How many kills left committed reports in INBOX (the crash between commit and move) is
// printed, not asserted: it depends on timing; imap_dovecot_test covers that case exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <random>
#include <thread>

#include "fbl/config/config.h"
#include "fbl/pipeline/pipeline.h"
#include "store/sqlite_store.h"
#include "tests/testing/dovecot.h"
#include "tests/testing/fbld.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

using testing::Dovecot;
using testing::Fbld;
using testing::FbldSettings;

constexpr int kReports = 1000;

FbldSettings Settings(const Dovecot& dovecot) {
  FbldSettings s;
  s.log_level = "warn";  // 1,000 "message stored" lines per run would dominate
  s.notify_transport = "off";  // outbox rows stay queued: the test counts them
  s.extra_toml = "[[imap]]\nname = \"kill9\"\nhost = \"localhost\"\n"
                 "port = " + std::to_string(dovecot.tls_port()) + "\n"
                 "ca_file = \"" + dovecot.ca_file() + "\"\n"
                 "user = \"" + dovecot.user() + "\"\n"
                 "password = \"" + dovecot.password() + "\"\n"
                 "batch_size = 50\nreconnect_min_ms = 50\nreconnect_max_ms = 300\n";
  return s;
}

Result<std::unique_ptr<Store>> OpenStoreOf(const Fbld& fbld) {
  auto config = ParseConfig(fbld.ConfigText(), fbld.config_path().string());
  if (!config.ok()) return config.error();
  return OpenSqliteStore(config->store);
}

int OutboxRows(Store* store) {
  auto rows = store->DueOutbox(4102444800, 1000000);
  return rows.ok() ? static_cast<int>(rows->size()) : -1;
}

// The outbox rows that one uninterrupted pass over the same reports, with the same
// configuration, writes.
int ReferenceOutboxRows(const std::filesystem::path& dir, const FbldSettings& settings) {
  std::filesystem::create_directories(dir);
  Fbld reference(dir, settings);  // never started: only its configuration is used
  auto config = ParseConfig(reference.ConfigText(), "reference.toml");
  EXPECT_TRUE(config.ok());
  if (!config.ok()) return -1;
  auto store = OpenSqliteStore(config->store);
  EXPECT_TRUE(store.ok());
  if (!store.ok()) return -1;
  Pipeline pipeline(store->get(), *config, nullptr);
  std::vector<std::string> raws;
  for (int i = 0; i < kReports; ++i) raws.push_back(testing::MakeArfReport(i));
  std::vector<IncomingMessage> batch;
  for (const auto& r : raws) batch.push_back({r, "reference"});
  EXPECT_TRUE(pipeline.ProcessBatch(batch, 1764320000).ok());
  return OutboxRows(store->get());
}

// Reports whose complaint is committed (one queued outbox row each; notify is off).
int Committed(Store* store) {
  auto stats = store->GetOutboxStats();
  return stats.ok() ? static_cast<int>(stats->pending) : -1;
}

int Committed(const Fbld& fbld) {
  auto store = OpenStoreOf(fbld);
  return store.ok() ? Committed(store->get()) : -1;
}

// Freezes fbld (SIGSTOP) at random instants a few milliseconds apart until it is caught with
// a batch committed in this run whose UID MOVE has not reached Dovecot: frozen, with fewer
// messages in Processed than committed, and Dovecot not moving any (the count stays put while
// fbld is frozen). Returns true with fbld still frozen; false (fbld running) when none was
// caught within the next ~150 moves.
bool FreezeBetweenCommitAndMove(Fbld& fbld, const Dovecot& dovecot, std::mt19937& rng) {
  auto store = OpenStoreOf(fbld);  // opened while fbld runs; WAL lets it read during a write
  if (!store.ok()) return false;
  auto moved = [&] { return std::max(dovecot.Count("Processed"), 0); };
  // A previous kill may have left committed reports in INBOX: only a new commit counts.
  const int committed_at_start = Committed(store->get());
  const int give_up_at = std::min(moved() + 150, kReports);
  std::uniform_int_distribution<int> gap_us(0, 3000);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline && moved() < give_up_at) {
    std::this_thread::sleep_for(std::chrono::microseconds(gap_us(rng)));
    fbld.Signal(SIGSTOP);
    int before = moved();
    int committed = Committed(store->get());
    if (committed > committed_at_start && committed > before) {
      // A MOVE in flight would go on without fbld; give it time to show.
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      if (moved() == before) return true;
    }
    fbld.Signal(SIGCONT);
  }
  return false;
}

// Dovecot finishes a MOVE that was in flight when fbld died: waits until every message is
// in exactly one of INBOX and Processed, and stays so over 5 polls.
bool MailboxSettled(const Dovecot& dovecot) {
  int stable = 0;
  return testing::WaitUntil([&] {
    bool whole = std::max(dovecot.Count("Processed"), 0) + dovecot.Count() == kReports;
    stable = whole ? stable + 1 : 0;
    return stable >= 5;
  });
}

// Where each round's kill lands: while fbld connects and prepares its folders; after a random
// number of further moves plus a random delay up to about one batch cycle (anywhere in
// fetch → commit → move → state); or frozen at a moment when a batch is committed and not yet
// moved, the crash that makes the next run meet its own reports again.
enum class KillAt { kStartup, kRandom, kAfterCommit };

TEST(ImapKill9, EveryReportIsProcessedExactlyOnceAcrossRandomKillsOfFbld) {
  testing::TempDir dir;
  Dovecot dovecot;
  ASSERT_TRUE(dovecot.Start()) << dovecot.error();
  for (int i = 0; i < kReports; ++i) {
    dovecot.Deliver("r" + std::to_string(i), testing::MakeArfReport(i));
  }
  FbldSettings settings = Settings(dovecot);
  Fbld fbld(dir.path(), settings);
  auto moved = [&] { return std::max(dovecot.Count("Processed"), 0); };

  std::mt19937 rng(20261128);
  std::uniform_int_distribution<int> step(1, 120);
  std::uniform_int_distribution<int> jitter_ms(0, 150);
  int kills = 0;
  int committed_not_moved = 0;  // kills that landed between a commit and its move
  for (KillAt at : {KillAt::kStartup, KillAt::kRandom, KillAt::kAfterCommit, KillAt::kRandom,
                    KillAt::kAfterCommit, KillAt::kRandom, KillAt::kAfterCommit}) {
    ASSERT_TRUE(fbld.Start()) << fbld.Log();
    if (at == KillAt::kAfterCommit) {
      FreezeBetweenCommitAndMove(fbld, dovecot, rng);
    } else {
      int target = at == KillAt::kStartup ? 0 : std::min(moved() + step(rng), kReports);
      ASSERT_TRUE(testing::WaitUntil([&] { return moved() >= target; }, std::chrono::seconds(60)))
          << moved() << " moved, waiting for " << target << "\n" << fbld.Log();
      // Not a wait for anything: the jitter picks where in the batch cycle the kill lands.
      std::this_thread::sleep_for(std::chrono::milliseconds(jitter_ms(rng)));
    }
    bool mid_batch = moved() < kReports;
    fbld.Kill9();
    if (mid_batch) ++kills;
    ASSERT_TRUE(MailboxSettled(dovecot)) << moved() << " moved, " << dovecot.Count() << " in INBOX";
    int committed = Committed(fbld);
    if (committed + dovecot.Count() > kReports) ++committed_not_moved;
    std::printf("kill -9: %d committed, %d moved, %d in INBOX\n", committed, moved(),
                dovecot.Count());
  }

  ASSERT_TRUE(fbld.Start()) << fbld.Log();
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return moved() == kReports && dovecot.Count() == 0; }, std::chrono::seconds(90)))
      << moved() << " moved, " << dovecot.Count() << " left\n" << fbld.Log();
  EXPECT_EQ(fbld.Stop(SIGTERM), 0) << fbld.Log();

  EXPECT_GE(kills, 3);
  EXPECT_EQ(dovecot.Count(), 0);
  EXPECT_EQ(dovecot.Count("Ignored"), 0);
  EXPECT_EQ(dovecot.Count("Quarantine"), 0);

  auto store = OpenStoreOf(fbld);
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  int exactly_once = 0;
  for (int i = 0; i < kReports; ++i) {
    auto rows = (*store)->LookupSuppressions("reader" + std::to_string(i) + "@example.net");
    ASSERT_TRUE(rows.ok());
    if (rows->size() == 1 && (*rows)[0].count == 1) ++exactly_once;
  }
  EXPECT_EQ(exactly_once, kReports);
  int reference = ReferenceOutboxRows(dir.path() / "reference", settings);
  EXPECT_GT(reference, 0);
  EXPECT_EQ(OutboxRows(store->get()), reference);
  std::printf("kill -9 rounds mid-batch: %d, of which between commit and move: %d\n", kills,
              committed_not_moved);
}

}  // namespace
}  // namespace fbl
