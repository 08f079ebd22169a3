#pragma once
// The multi-instance scenario, shared by imap_multi_instance_test (SQLite) and
// postgres_multi_instance_test (PostgreSQL): three real fbld processes on one real Dovecot
// mailbox and one database, 3,000 reports (distinct complained addresses). One instance is
// killed with SIGKILL mid-run and NOT restarted; the two others finish the work:
//   - every report processed exactly once: each address suppressed once, count 1, and one
//     stored report per message;
//   - every notification sent once: each outbox row is sent, and the Maildir outboxes of the
//     instances hold one message per row (Store::ClaimOutbox), except at most one message the
//     killed instance may have written in the instant between its delivery and recording it
//     (at-least-once by design: nothing can make an external delivery and a database commit
//     atomic; the live instances never duplicate);
//   - INBOX empty at the end, nothing quarantined or ignored;
//   - the survivors never failed a session (no error loop from messages another instance had
//     already moved) and logged the concurrent moves at info level.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/testing/dovecot.h"
#include "tests/testing/fbld.h"
#include "tests/testing/test_util.h"

namespace fbl::testing {

// The database the instances share: [store] lines for their config, and a way for the test
// to count rows (SQL valid on SQLite and PostgreSQL).
struct SharedDatabase {
  std::string store_path;  // SQLite: the file ("" for PostgreSQL)
  std::string store_toml;  // more [store] lines (PostgreSQL: backend, dsn, password)
  std::function<std::int64_t(const std::string& sql)> count;
};

namespace multi_instance {

namespace fs = std::filesystem;

constexpr int kReports = 3000;
constexpr int kInstances = 3;
constexpr int kKilled = 1;  // the index of the instance killed mid-run

inline FbldSettings Settings(const Dovecot& dovecot, const SharedDatabase& db, int instance) {
  FbldSettings s;
  s.log_level = "info";
  s.store_path = db.store_path;
  s.store_toml = db.store_toml;
  // Keys before the first table belong to [notify]. A short lease so that the rows claimed
  // by the killed instance are taken over within the test.
  s.extra_toml = "poll_interval_ms = 200\nclaim_lease_seconds = 5\n"
                 "[daemon]\ninstance_id = \"instance-" + std::to_string(instance) + "\"\n"
                 "[[imap]]\nname = \"multi\"\nhost = \"localhost\"\n"
                 "port = " + std::to_string(dovecot.tls_port()) + "\n"
                 "ca_file = \"" + dovecot.ca_file() + "\"\n"
                 "user = \"" + dovecot.user() + "\"\n"
                 "password = \"" + dovecot.password() + "\"\n"
                 "batch_size = 50\nrescan_interval_s = 2\n"
                 "reconnect_min_ms = 50\nreconnect_max_ms = 300\n";
  return s;
}

// Message-IDs of the notifications delivered into one instance's Maildir outbox.
inline std::vector<std::string> DeliveredMessageIds(const fs::path& outbox) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (fs::directory_iterator it(outbox / "new", ec), end; !ec && it != end; it.increment(ec)) {
    std::string text = ReadFile(it->path());
    std::size_t at = text.find("\nMessage-ID:");
    if (at == std::string::npos) at = text.find("\nMessage-Id:");
    std::size_t eol = at == std::string::npos ? at : text.find('\n', at + 1);
    ids.push_back(at == std::string::npos ? "(none)" : text.substr(at + 12, eol - at - 12));
  }
  return ids;
}

inline int CountLines(const std::string& log, const std::string& needle) {
  int n = 0;
  for (std::size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace multi_instance

// The whole scenario (file comment above); gtest assertions report every failure.
inline void RunThreeInstancesOnOneMailbox(const SharedDatabase& shared) {
  using namespace multi_instance;
  TempDir dir;

  Dovecot dovecot;
  ASSERT_TRUE(dovecot.Start()) << dovecot.error();
  for (int i = 0; i < kReports; ++i) dovecot.Deliver("r" + std::to_string(i), MakeArfReport(i));

  auto t0 = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  std::vector<std::unique_ptr<Fbld>> fblds;
  for (int i = 0; i < kInstances; ++i) {
    fs::path home = dir / ("instance-" + std::to_string(i));
    fs::create_directories(home);
    fblds.push_back(std::make_unique<Fbld>(home, Settings(dovecot, shared, i)));
  }
  for (auto& f : fblds) ASSERT_TRUE(f->Start()) << f->Log();
  std::printf("%.1f s: %d instances started\n", seconds(), kInstances);
  auto moved = [&] { return std::max(dovecot.Count("Processed"), 0); };

  // Kill one instance a third of the way through, while all three are busy.
  ASSERT_TRUE(WaitUntil([&] { return moved() >= kReports / 3; }, std::chrono::seconds(120)))
      << moved() << " moved\n" << fblds[0]->Log();
  fblds[kKilled]->Kill9();
  std::printf("%.1f s: killed instance-%d with %d of %d moved\n", seconds(), kKilled, moved(), kReports);

  auto done = [&] {
    return dovecot.Count() == 0 &&
           shared.count("SELECT COUNT(*) FROM outbox WHERE state = 'sent'") == kReports;
  };
  ASSERT_TRUE(WaitUntil(done, std::chrono::seconds(120)))
      << dovecot.Count() << " left in INBOX, "
      << shared.count("SELECT COUNT(*) FROM outbox WHERE state = 'sent'") << " sent\n"
      << fblds[0]->Log();
  std::printf("%.1f s: INBOX empty and every notification sent\n", seconds());
  for (int i = 0; i < kInstances; ++i) {
    if (i != kKilled) {
      EXPECT_EQ(fblds[i]->Stop(SIGTERM), 0) << fblds[i]->Log();
    }
  }

  // The mailbox: everything moved to Processed.
  EXPECT_EQ(dovecot.Count(), 0);
  EXPECT_EQ(dovecot.Count("Quarantine"), 0);
  EXPECT_EQ(dovecot.Count("Ignored"), 0);
  EXPECT_GE(moved(), kReports);

  // Each report processed once.
  EXPECT_EQ(shared.count("SELECT COUNT(*) FROM reports"), kReports);
  EXPECT_EQ(shared.count("SELECT COUNT(*) FROM suppressions"), kReports);
  EXPECT_EQ(shared.count("SELECT COUNT(DISTINCT address) FROM suppressions WHERE address LIKE 'reader%@example.net' AND count = 1"),
            kReports);

  // Each notification sent once.
  EXPECT_EQ(shared.count("SELECT COUNT(*) FROM outbox"), kReports);
  EXPECT_EQ(shared.count("SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND attempts = 1"), kReports);
  EXPECT_EQ(shared.count("SELECT COUNT(*) FROM outbox WHERE claimed_by IS NOT NULL"), 0);
  std::map<std::string, int> copies;
  int killed_duplicates = 0;
  int delivered = 0;
  for (int i = 0; i < kInstances; ++i) {
    std::vector<std::string> ids = DeliveredMessageIds(dir / ("instance-" + std::to_string(i)) / "outbox");
    std::printf("instance-%d delivered %zu notifications\n", i, ids.size());
    delivered += static_cast<int>(ids.size());
    if (i != kKilled) {
      EXPECT_GT(ids.size(), 0u) << "instance-" << i << " took no part";
    }
    for (const std::string& id : ids) ++copies[id];
  }
  for (const std::string& id : DeliveredMessageIds(dir / ("instance-" + std::to_string(kKilled)) / "outbox")) {
    if (copies[id] > 1) ++killed_duplicates;
  }
  EXPECT_EQ(copies.size(), static_cast<std::size_t>(kReports));
  EXPECT_LE(delivered - kReports, killed_duplicates);
  EXPECT_LE(killed_duplicates, 1);  // the one delivery in flight when the process died
  std::printf("%d notifications for %d rows; %d repeated after the kill\n", delivered, kReports,
              killed_duplicates);

  // The survivors: no failed session, no error at all.
  int concurrent = 0;
  int duplicates = 0;
  for (int i = 0; i < kInstances; ++i) {
    if (i == kKilled) continue;
    std::string log = fblds[i]->Log();
    EXPECT_EQ(CountLines(log, "mailbox session failed"), 0) << log;
    EXPECT_EQ(CountLines(log, " error "), 0) << log;
    concurrent += CountLines(log, "already expunged by another session");
    duplicates += CountLines(log, "duplicate message");
  }
  std::printf("survivors: %d commands on messages another instance had moved, %d duplicate "
              "messages (fetched by two instances at once; stored once)\n", concurrent, duplicates);
}

}  // namespace fbl::testing
