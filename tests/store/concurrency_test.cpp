// Two processes on one database: a reader in a tight loop never sees an error or a partial
// batch while the writer commits 100,000 suppressions, and the writer never gets BUSY.
// A writer killed with SIGKILL mid-batch leaves every batch fully there or absent.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "tests/store/store_test_util.h"

namespace fbl {
namespace {

using testing::TempDir;

constexpr int kBatches = 100;
constexpr int kBatchSize = 1000;  // 100,000 rows in all

std::string BatchAddress(int batch, int i) {
  return "b" + std::to_string(batch) + "-" + std::to_string(i) + "@example.com";
}

std::vector<ManualSuppression> Batch(int batch, int size) {
  std::vector<ManualSuppression> rows;
  rows.reserve(size);
  for (int i = 0; i < size; ++i) {
    rows.push_back({"*", BatchAddress(batch, i), SuppressionReason::kManual, std::nullopt,
                    "batch " + std::to_string(batch)});
  }
  return rows;
}

// Reader exit codes.
enum ReaderExit { kReaderOk = 0, kReaderError = 10, kReaderPartial = 11, kReaderMissing = 12, kReaderOpen = 13 };

// The reader process: counts must always be whole batches, and every row of a batch that is
// counted must be found by a point lookup. Stops when it has seen every batch.
[[noreturn]] void RunReader(const StoreOptions& options, int ready_fd) {
  StoreOptions ro = options;
  ro.read_only = true;
  auto store = SqliteStore::Open(ro);
  if (!store.ok()) _exit(kReaderOpen);
  char byte = 'r';
  if (write(ready_fd, &byte, 1) != 1) _exit(kReaderError);
  close(ready_fd);
  std::minstd_rand rng(42);
  for (long iteration = 0; iteration < 50'000'000; ++iteration) {
    std::int64_t count = 0;
    try {
      count = (*store)->database().execAndGet("SELECT count(*) FROM suppressions").getInt64();
    } catch (const SQLite::Exception&) {
      _exit(kReaderError);
    }
    if (count % kBatchSize != 0) _exit(kReaderPartial);
    const int batches = static_cast<int>(count / kBatchSize);
    if (batches > 0) {
      auto rows = (*store)->LookupSuppressions(BatchAddress(static_cast<int>(rng() % batches),
                                                            static_cast<int>(rng() % kBatchSize)));
      if (!rows.ok()) _exit(kReaderError);
      if (rows->size() != 1) _exit(kReaderMissing);
    }
    if (batches == kBatches) _exit(kReaderOk);
  }
  _exit(kReaderError);
}

TEST(ConcurrencyTest, ReaderProcessNeverSeesAnErrorOrAPartialBatchWhileWriterCommits100000Rows) {
  TempDir dir;
  StoreOptions options = testing::TestStoreOptions(dir);
  auto writer = testing::OpenTestStore(options);  // creates and migrates
  ASSERT_NE(writer, nullptr);
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(ready[0]);
    RunReader(options, ready[1]);
  }
  close(ready[1]);
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1) << "reader did not start";
  close(ready[0]);
  for (int b = 0; b < kBatches; ++b) {
    auto r = writer->ImportSuppressions(Batch(b, kBatchSize), false, {"test", "", "", ""});
    ASSERT_TRUE(r.ok()) << "batch " << b << ": " << r.error().ToString();
    ASSERT_EQ(r->added, kBatchSize);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), kReaderOk)
      << "10 = error, 11 = partial batch seen, 12 = counted row not found, 13 = open failed";
}

// The writer child: ingests batches of reports (each with a complaint, a suppression and an
// outbox row) and reports every committed batch on `fd`, until it is killed.
[[noreturn]] void RunIngestWriter(const StoreOptions& options, int fd) {
  auto store = SqliteStore::Open(options);
  if (!store.ok()) _exit(1);
  constexpr int kPerBatch = 200;
  std::string raw = "From: fbl@aol.example\r\n\r\nreport body\r\n";
  for (int b = 0; b < 100000; ++b) {
    std::vector<IngestItem> items;
    for (int i = 0; i < kPerBatch; ++i) {
      IngestItem item = testing::ComplaintItem(static_cast<std::uint64_t>(b) * kPerBatch + i, "acme",
                                               BatchAddress(b, i));
      item.raw = raw;
      item.source = "batch-" + std::to_string(b);
      item.outbox.push_back({"acme", "email", "complaint", "{}", "m-" + std::to_string(b) + "-" + std::to_string(i), 0});
      items.push_back(std::move(item));
    }
    if (!(*store)->Ingest(items).ok()) _exit(2);
    if (write(fd, &b, sizeof b) != sizeof b) _exit(3);
  }
  _exit(0);
}

TEST(ConcurrencyTest, KillNineDuringABatchLeavesEveryBatchWholeOrAbsent) {
  TempDir dir;
  StoreOptions options = testing::TestStoreOptions(dir);
  std::random_device seed;
  const int kill_after = 3 + static_cast<int>(seed() % 15);  // batches committed before SIGKILL
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    RunIngestWriter(options, fds[1]);
  }
  close(fds[1]);
  int committed = 0;
  for (int b = 0; committed < kill_after; ++committed) {
    ASSERT_EQ(read(fds[0], &b, sizeof b), static_cast<ssize_t>(sizeof b)) << "writer died early";
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);  // the writer is inside its next batch by now
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto check = CheckSqliteDatabase(options.path, 5000);
  ASSERT_TRUE(check.ok()) << check.error().ToString();
  EXPECT_TRUE(check->ok) << (check->problems.empty() ? "" : check->problems[0]);
  auto store = testing::OpenTestStore(options);
  ASSERT_NE(store, nullptr);
  SQLite::Statement q(store->database(),
                      "SELECT r.source, count(*), count(DISTINCT c.id), count(DISTINCT s.id), count(DISTINCT o.id)"
                      " FROM reports r LEFT JOIN complaints c ON c.report_id = r.id"
                      " LEFT JOIN suppressions s ON s.source_report_id = r.id"
                      " LEFT JOIN outbox o ON o.report_id = r.id GROUP BY r.source");
  int batches = 0;
  while (q.executeStep()) {
    ++batches;
    EXPECT_EQ(q.getColumn(1).getInt(), 200) << q.getColumn(0).getString();
    EXPECT_EQ(q.getColumn(2).getInt(), 200) << q.getColumn(0).getString();
    EXPECT_EQ(q.getColumn(3).getInt(), 200) << q.getColumn(0).getString();
    EXPECT_EQ(q.getColumn(4).getInt(), 200) << q.getColumn(0).getString();
  }
  EXPECT_GE(batches, kill_after);
}

}  // namespace
}  // namespace fbl
