// ImapSource against a real Dovecot on loopback, in-process: the source, the real Pipeline and
// a real SQLite store on one io_context driven by the test.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <optional>

#include "fbl/config/config.h"
#include "fbl/metrics/metrics.h"
#include "fbl/pipeline/pipeline.h"
#include "fbl/sources/imap_source.h"
#include "store/sqlite_store.h"
#include "tests/testing/dovecot.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

using testing::Dovecot;
using testing::MakeArfReport;
using testing::MakePersonalMail;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

std::string PipelineToml(const std::string& dir) {
  return "[store]\npath = \"" + dir + "/fbl.db\"\n"
         "[trust]\nauthserv_id = \"mx.fbl.test\"\n"
         "[[provider]]\nname = \"yahoo\"\ndomains = [\"yahoo.com\"]\ntrust = \"none\"\n"
         "[[client]]\nid = \"demo\"\nnotify_email = \"postmaster@example.com\"\n"
         "domains = [\"example.com\"]\ndkim_domains = [\"example.com\"]\n";
}

// Dovecot + store + pipeline + an ImapSource on a test-driven io_context.
class ImapRig {
 public:
  explicit ImapRig(std::string cert_names = "DNS:localhost,IP:127.0.0.1") : dovecot(cert_names) {
    auto config = ParseConfig(PipelineToml(dir.str()), "test.toml");
    EXPECT_TRUE(config.ok()) << (config.ok() ? "" : config.error().ToString());
    config_ = std::move(config).value();
    auto store = OpenSqliteStore(config_.store);
    EXPECT_TRUE(store.ok());
    store_ = std::move(store).value();
    pipeline_ = std::make_unique<Pipeline>(store_.get(), config_, &metrics);
  }

  ImapSourceOptions Options(bool implicit_tls) const {
    ImapSourceOptions o;
    o.name = "test";
    o.host = "localhost";
    o.port = implicit_tls ? dovecot.tls_port() : dovecot.port();
    o.tls = implicit_tls ? "implicit" : "starttls";
    o.ca_file = dovecot.ca_file();
    o.user = dovecot.user();
    o.password = dovecot.password();
    o.reconnect_min_ms = 50;
    o.reconnect_max_ms = 500;
    o.connect_timeout_ms = 5000;
    o.command_timeout_ms = 5000;
    o.fetch_timeout_ms = 10000;
    o.poll_interval_s = 1;
    return o;
  }

  void Start(const ImapSourceOptions& options) {
    source_ = std::make_unique<ImapSource>(io, options, pipeline_.get(), store_.get(), &metrics);
    source_->Start();
  }

  // Runs the io_context until `condition` holds or `timeout` passes.
  bool RunUntil(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (condition()) return true;
      io.restart();
      io.run_for(std::chrono::milliseconds(10));
    }
    return condition();
  }

  void StopSource() {
    if (!source_) return;
    source_->Stop();
    RunUntil([&] { return source_->running() == 0; }, std::chrono::seconds(10));
  }

  int Suppressed(int n) {
    int count = 0;
    for (int i = 0; i < n; ++i) {
      auto rows = store_->LookupSuppressions("reader" + std::to_string(i) + "@example.net");
      if (rows.ok() && !rows->empty()) ++count;
    }
    return count;
  }
  // Complained addresses reader<0..n-1> with exactly one suppression row of count 1.
  int SuppressedExactlyOnce(int n) {
    int count = 0;
    for (int i = 0; i < n; ++i) {
      auto rows = store_->LookupSuppressions("reader" + std::to_string(i) + "@example.net");
      if (rows.ok() && rows->size() == 1 && (*rows)[0].count == 1) ++count;
    }
    return count;
  }
  std::optional<MailboxState> State(const ImapSourceOptions& o, const std::string& mailbox) {
    auto state = store_->GetMailboxState(ImapStateKey(o, mailbox));
    if (!state.ok()) return std::nullopt;
    return *state;
  }
  int OutboxRows() {
    auto rows = store_->DueOutbox(4102444800, 1000000);
    return rows.ok() ? static_cast<int>(rows->size()) : -1;
  }
  double Errors(const std::string& mailbox = "INBOX") {
    return metrics.mailbox_errors.Add({{"mailbox", "test/" + mailbox}}).Value();
  }
  double Connected(const std::string& mailbox = "INBOX") {
    return metrics.mailbox_connected.Add({{"mailbox", "test/" + mailbox}}).Value();
  }
  Store* store() { return store_.get(); }

  TempDir dir;
  Dovecot dovecot;
  Metrics metrics;
  boost::asio::io_context io;

 private:
  Config config_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<ImapSource> source_;
};

TEST(ImapDovecot, StartTlsReportsAreProcessedAndMovedAndPersonalMailIgnored) {
  ImapRig rig;
  ASSERT_TRUE(rig.dovecot.Start()) << rig.dovecot.error();
  const int n = 25;
  for (int i = 0; i < n; ++i) rig.dovecot.Deliver("r" + std::to_string(i), MakeArfReport(i));
  rig.dovecot.Deliver("p0", MakePersonalMail(0));
  ImapSourceOptions o = rig.Options(false);
  o.batch_size = 10;
  rig.Start(o);
  ASSERT_TRUE(rig.RunUntil([&] { return rig.dovecot.Count("Processed") == n; }))
      << rig.dovecot.Log();
  EXPECT_TRUE(rig.RunUntil([&] { return rig.dovecot.Count("Ignored") == 1; }));
  // The state is saved after the last move's answer.
  auto last_uid = [&]() -> std::uint32_t {
    auto state = rig.store()->GetMailboxState(ImapStateKey(o, "INBOX"));
    return state.ok() && state->has_value() ? (*state)->last_uid : 0;
  };
  EXPECT_TRUE(rig.RunUntil([&] { return last_uid() == static_cast<std::uint32_t>(n + 1); }))
      << last_uid();
  EXPECT_TRUE(rig.RunUntil([&] { return rig.dovecot.Count() == 0; }));
  EXPECT_EQ(rig.dovecot.Count("Quarantine"), 0);
  EXPECT_EQ(rig.Suppressed(n), n);
  EXPECT_EQ(rig.Connected(), 1);
  rig.StopSource();
  EXPECT_EQ(rig.Errors(), 0);
}

TEST(ImapDovecot, ImplicitTlsAndCopyExpungeWhenMoveIsNotUsed) {
  ImapRig rig;
  ASSERT_TRUE(rig.dovecot.Start()) << rig.dovecot.error();
  for (int i = 0; i < 5; ++i) rig.dovecot.Deliver("r" + std::to_string(i), MakeArfReport(i));
  ImapSourceOptions o = rig.Options(true);
  o.use_move = false;
  rig.Start(o);
  ASSERT_TRUE(rig.RunUntil([&] { return rig.dovecot.Count("Processed") == 5; }))
      << rig.dovecot.Log();
  EXPECT_TRUE(rig.RunUntil([&] { return rig.dovecot.Count() == 0; }));
  EXPECT_EQ(rig.Suppressed(5), 5);
  rig.StopSource();
}

TEST(ImapDovecot, UntrustedCertificateIsRefusedAndNothingIsTouched) {
  ImapRig rig;
  ASSERT_TRUE(rig.dovecot.Start()) << rig.dovecot.error();
  rig.dovecot.Deliver("r0", MakeArfReport(0));
  ImapSourceOptions o = rig.Options(true);
  o.ca_file = "";  // the system store does not know our self-signed certificate
  rig.Start(o);
  EXPECT_TRUE(rig.RunUntil([&] { return rig.Errors() >= 2; })) << "refused, then retried";
  EXPECT_EQ(rig.Connected(), 0);
  EXPECT_EQ(rig.dovecot.Count(), 1);
  EXPECT_EQ(rig.Suppressed(1), 0);
  rig.StopSource();
}

TEST(ImapDovecot, CertificateForAnotherHostNameIsRefused) {
  ImapRig rig("DNS:mail.example.org");
  ASSERT_TRUE(rig.dovecot.Start()) << rig.dovecot.error();
  rig.dovecot.Deliver("r0", MakeArfReport(0));
  ImapSourceOptions o = rig.Options(false);  // STARTTLS: refused before any credentials
  rig.Start(o);
  EXPECT_TRUE(rig.RunUntil([&] { return rig.Errors() >= 2; }));
  EXPECT_EQ(rig.Connected(), 0);
  EXPECT_EQ(rig.dovecot.Count(), 1);
  EXPECT_EQ(rig.dovecot.Log().find("Login: user=<fbl@example.test>"), std::string::npos)
      << "no login may happen over an unverified connection";
  rig.StopSource();
}

TEST(ImapDovecot, IdlePicksUpANewReportWithinTwoSeconds) {
  ImapRig rig;
  ASSERT_TRUE(rig.dovecot.Start()) << rig.dovecot.error();
  ImapSourceOptions o = rig.Options(true);
  o.poll_interval_s = 3600;  // only IDLE can notice the new mail in time
  rig.Start(o);
  ASSERT_TRUE(rig.RunUntil([&] { return rig.Connected() == 1; }));
  // Let the session reach IDLE (the folders exist, the first drain is done).
  ASSERT_TRUE(rig.RunUntil([&] { return rig.dovecot.Count("Processed") == 0; }));
  rig.RunUntil([] { return false; }, std::chrono::milliseconds(300));
  auto delivered = Clock::now();
  rig.dovecot.Deliver("r0", MakeArfReport(0));
  ASSERT_TRUE(rig.RunUntil([&] { return rig.dovecot.Count("Processed") == 1; },
                           std::chrono::seconds(5)));
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - delivered);
  EXPECT_LT(took.count(), 2000);
  rig.StopSource();
}

TEST(ImapDovecot, IdleIsRenewedAndMailAfterTheRenewalIsSeen) {
  ImapRig rig;
  ASSERT_TRUE(rig.dovecot.Start()) << rig.dovecot.error();
  ImapSourceOptions o = rig.Options(false);
  o.idle_renew_s = 1;  // below the config minimum, to see renewals in a test
  o.poll_interval_s = 3600;
  rig.Start(o);
  ASSERT_TRUE(rig.RunUntil([&] { return rig.Connected() == 1; }));
  rig.RunUntil([] { return false; }, std::chrono::milliseconds(2500));  // two renewals
  rig.dovecot.Deliver("r0", MakeArfReport(0));
  ASSERT_TRUE(rig.RunUntil([&] { return rig.dovecot.Count("Processed") == 1; }));
  EXPECT_EQ(rig.Errors(), 0);
  rig.StopSource();
}

TEST(ImapDovecot, DovecotRestartedMidBatchRecoversByItselfAndProcessesEachOnce) {
  ImapRig rig;
  ASSERT_TRUE(rig.dovecot.Start()) << rig.dovecot.error();
  const int n = 300;
  for (int i = 0; i < n; ++i) rig.dovecot.Deliver("r" + std::to_string(i), MakeArfReport(i));
  ImapSourceOptions o = rig.Options(true);
  o.batch_size = 20;
  rig.Start(o);
  ASSERT_TRUE(rig.RunUntil([&] { return rig.dovecot.Count("Processed") > 0; }));
  rig.dovecot.Stop();
  EXPECT_LT(rig.dovecot.Count("Processed"), n) << "the restart should land mid-batch";
  rig.RunUntil([] { return false; }, std::chrono::milliseconds(200));
  ASSERT_TRUE(rig.dovecot.Start()) << rig.dovecot.error();
  ASSERT_TRUE(rig.RunUntil([&] { return rig.dovecot.Count("Processed") == n; },
                           std::chrono::seconds(60)))
      << rig.dovecot.Count("Processed");
  EXPECT_TRUE(rig.RunUntil([&] { return rig.dovecot.Count() == 0; }));
  EXPECT_GE(rig.Errors(), 1);
  EXPECT_EQ(rig.Suppressed(n), n);
  rig.StopSource();
}

// While the source is stopped, new reports arrive, one report that was committed but never
// moved (a crash between commit and move) is back in INBOX, and the mailbox is rebuilt: its
// UIDs start again at 1 under a new UIDVALIDITY, below the last UID the store remembers.
TEST(ImapDovecot, ChangedUidValidityReprocessesNothingAndSkipsNothing) {
  ImapRig rig;
  ASSERT_TRUE(rig.dovecot.Start()) << rig.dovecot.error();
  const int first = 10;
  const int second = 10;
  for (int i = 0; i < first; ++i) rig.dovecot.Deliver("r" + std::to_string(i), MakeArfReport(i));
  ImapSourceOptions o = rig.Options(true);
  o.batch_size = 4;
  rig.Start(o);
  ASSERT_TRUE(rig.RunUntil([&] {
    auto s = rig.State(o, "INBOX");
    return s && s->last_uid == static_cast<std::uint32_t>(first);
  })) << rig.dovecot.Log();
  rig.StopSource();
  ASSERT_EQ(rig.dovecot.Count("Processed"), first);
  const int outbox_after_first = rig.OutboxRows();
  const std::uint32_t old_validity = rig.State(o, "INBOX")->uidvalidity;
  ASSERT_EQ(old_validity, rig.dovecot.UidValidity("INBOX"));

  rig.dovecot.Stop();
  std::filesystem::path done;
  for (const char* sub : {"new", "cur"}) {
    for (const auto& e : std::filesystem::directory_iterator(rig.dovecot.FolderPath("Processed") / sub)) {
      if (e.is_regular_file()) done = e.path();
    }
  }
  ASSERT_FALSE(done.empty());
  rig.dovecot.Deliver("unmoved", testing::ReadFile(done));
  for (int i = first; i < first + second; ++i) {
    rig.dovecot.Deliver("r" + std::to_string(i), MakeArfReport(i));
  }
  for (const auto& e : std::filesystem::directory_iterator(rig.dovecot.FolderPath(""))) {
    std::string name = e.path().filename().string();
    if (name == "dovecot-uidlist" || name.rfind("dovecot.index", 0) == 0) {
      std::filesystem::remove(e.path());
    }
  }
  const std::uint32_t new_validity = old_validity + 1000;
  std::string out;
  ASSERT_EQ(rig.dovecot.Doveadm({"mailbox", "update", "--uid-validity",
                                 std::to_string(new_validity), "INBOX"}, &out), 0) << out;
  ASSERT_EQ(rig.dovecot.Doveadm({"mailbox", "status", "uidvalidity uidnext messages", "INBOX"},
                                &out), 0) << out;
  ASSERT_NE(out.find("uidvalidity=" + std::to_string(new_validity)), std::string::npos) << out;
  ASSERT_NE(out.find("uidnext=" + std::to_string(second + 2)), std::string::npos)
      << "UIDs must restart at 1, below the stored last UID: " << out;

  ASSERT_TRUE(rig.dovecot.Start()) << rig.dovecot.error();
  rig.Start(o);
  ASSERT_TRUE(rig.RunUntil([&] {
    return rig.dovecot.Count("Processed") == first + second + 1 && rig.dovecot.Count() == 0;
  })) << rig.dovecot.Count("Processed") << " processed\n" << rig.dovecot.Log();
  EXPECT_TRUE(rig.RunUntil([&] {
    auto s = rig.State(o, "INBOX");
    return s && s->uidvalidity == new_validity &&
           s->last_uid == static_cast<std::uint32_t>(second + 1);
  }));
  rig.StopSource();
  EXPECT_EQ(rig.SuppressedExactlyOnce(first + second), first + second);
  EXPECT_EQ(rig.OutboxRows(), outbox_after_first * (first + second) / first);
  EXPECT_EQ(rig.dovecot.Count("Quarantine"), 0);
  EXPECT_EQ(rig.dovecot.Count("Ignored"), 0);

  // A change on an empty mailbox is remembered too, though no batch runs to store it.
  rig.dovecot.Stop();
  ASSERT_EQ(rig.dovecot.Doveadm({"mailbox", "update", "--uid-validity",
                                 std::to_string(new_validity + 1), "INBOX"}, &out), 0) << out;
  ASSERT_TRUE(rig.dovecot.Start()) << rig.dovecot.error();
  rig.Start(o);
  EXPECT_TRUE(rig.RunUntil([&] {
    auto s = rig.State(o, "INBOX");
    return s && s->uidvalidity == new_validity + 1 && s->last_uid == 0;
  }));
  rig.StopSource();
  EXPECT_EQ(rig.Errors(), 0);
}

TEST(ImapDovecot, OverSizeMessageIsQuarantinedWithoutDownload) {
  ImapRig rig;
  ASSERT_TRUE(rig.dovecot.Start()) << rig.dovecot.error();
  rig.dovecot.Deliver("big", "Subject: big\r\n\r\n" + std::string(200 * 1024, 'x'));
  rig.dovecot.Deliver("r0", MakeArfReport(0));
  ImapSourceOptions o = rig.Options(true);
  o.max_message_bytes = 100 * 1024;
  rig.Start(o);
  ASSERT_TRUE(rig.RunUntil([&] { return rig.dovecot.Count("Quarantine") == 1; }));
  EXPECT_TRUE(rig.RunUntil([&] { return rig.dovecot.Count("Processed") == 1; }));
  EXPECT_TRUE(rig.RunUntil([&] { return rig.dovecot.Count() == 0; }));
  rig.StopSource();
}

TEST(ImapDovecot, SeveralMailboxesOfOneAccountAreAllDrained) {
  ImapRig rig;
  ASSERT_TRUE(rig.dovecot.Start()) << rig.dovecot.error();
  std::filesystem::create_directories(rig.dovecot.maildir() / ".abuse" / "cur");
  std::filesystem::create_directories(rig.dovecot.maildir() / ".abuse" / "new");
  std::filesystem::create_directories(rig.dovecot.maildir() / ".abuse" / "tmp");
  testing::RunCommand({"chown", "-R", "nobody:nogroup", rig.dovecot.maildir().string()});
  rig.dovecot.Deliver("r0", MakeArfReport(0));
  rig.dovecot.Deliver("r1", MakeArfReport(1), "abuse");
  ImapSourceOptions o = rig.Options(true);
  o.mailboxes = {"INBOX", "abuse"};
  rig.Start(o);
  ASSERT_TRUE(rig.RunUntil([&] { return rig.dovecot.Count("Processed") == 2; }))
      << rig.dovecot.Log();
  EXPECT_TRUE(rig.RunUntil([&] { return rig.dovecot.Count("abuse") == 0; }));
  EXPECT_EQ(rig.Suppressed(2), 2);
  rig.StopSource();
}

}  // namespace
}  // namespace fbl
