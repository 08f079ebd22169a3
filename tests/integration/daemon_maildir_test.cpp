// fbld end to end: a complaint dropped into the Maildir becomes a suppression visible through
// the HTTP API and fblctl; bad input is moved aside while the daemon keeps running; SIGHUP
// reloads; SIGTERM exits 0; config errors exit 78.
#include <signal.h>

#include <gtest/gtest.h>

#include "tests/testing/fbld.h"
#include "tests/testing/process.h"
#include "tests/testing/test_util.h"

namespace fbl::testing {
namespace {

namespace fs = std::filesystem;

bool Suppressed(const Fbld& fbld, const std::string& address) {
  std::string body;
  return fbld.HttpGet("/v1/suppressions/" + address, &body) == 200 &&
         body.find("\"complaint\"") != std::string::npos;
}

TEST(DaemonMaildir, FixtureComplaintBecomesSuppressionInApiAndFblctl) {
  TempDir dir;
  Fbld fbld(dir.path());
  ASSERT_TRUE(fbld.Start()) << fbld.Log();
  fbld.Deliver("1.fixture", ReadFixture("daemon/complaint-yahoo.eml"));

  ASSERT_TRUE(WaitUntil([&] { return Suppressed(fbld, "reader@example.net"); })) << fbld.Log();
  EXPECT_TRUE(WaitUntil([&] { return CountFiles(fbld.maildir() / "new") == 0; }));
  EXPECT_EQ(CountFiles(fbld.maildir() / "cur"), 1);
  EXPECT_TRUE(fs::exists(fbld.maildir() / "cur" / "1.fixture:2,S"));

  std::string out;
  EXPECT_EQ(fbld.Fblctl({"suppressions", "get", "reader@example.net"}, &out), 0) << out;
  EXPECT_NE(out.find("reader@example.net"), std::string::npos) << out;
  EXPECT_EQ(fbld.Fblctl({"suppressions", "get", "nobody@example.net"}, &out), 1) << out;

  std::string metrics;
  EXPECT_EQ(fbld.HttpGet("/metrics", &metrics), 200);
  EXPECT_NE(metrics.find("fbl_reports_total{feedback_type=\"abuse\",kind=\"feedback\",provider=\"yahoo\",status=\"processed\"} 1"),
            std::string::npos) << metrics;
  EXPECT_NE(metrics.find("fbl_suppressions_added_total{reason=\"complaint\"} 1"), std::string::npos);
  // The client notification reaches the notifier's Maildir outbox ([notify] transport = maildir).
  EXPECT_TRUE(WaitUntil([&] { return CountFiles(dir.path() / "outbox" / "new") == 1; }))
      << fbld.Log();
  EXPECT_EQ(fbld.Stop(SIGTERM), 0) << fbld.Log();
}

TEST(DaemonMaildir, CorpusYahooArfBecomesSuppression) {
  FBL_REQUIRE_CORPUS();
  TempDir dir;
  Fbld fbld(dir.path());
  ASSERT_TRUE(fbld.Start()) << fbld.Log();
  fbld.Deliver("1.arf-02", ReadFile(CorpusPath("maildir/bsd/arf-02.eml")));
  EXPECT_TRUE(WaitUntil(
      [&] { return Suppressed(fbld, "this-local-part-does-not-exist-on-yahoo@yahoo.com"); }))
      << fbld.Log();
  EXPECT_EQ(fbld.Stop(SIGTERM), 0);
}

TEST(DaemonMaildir, BadInputIsMovedAsideAndTheDaemonKeepsRunning) {
  TempDir dir;
  Fbld fbld(dir.path());
  ASSERT_TRUE(fbld.Start()) << fbld.Log();
  fbld.Deliver("1.empty", "");
  fbld.Deliver("2.not-mime", std::string("\x01\x02 binary junk without headers\n", 32));
  fbld.Deliver("3.huge", "Subject: big\r\n\r\n" + std::string(20 * 1024 * 1024, 'x'));
  fbld.Deliver("4.person",
               "From: Alice <alice@example.org>\r\nTo: postmaster@fbl.test\r\n"
               "Subject: hello\r\nMessage-ID: <a1@example.org>\r\n\r\nAre you the admin?\r\n");

  ASSERT_TRUE(WaitUntil([&] { return CountFiles(fbld.maildir() / "new") == 0; })) << fbld.Log();
  EXPECT_TRUE(fs::exists(fbld.maildir() / ".Quarantine" / "new" / "1.empty"));
  EXPECT_TRUE(fs::exists(fbld.maildir() / ".Quarantine" / "new" / "2.not-mime"));
  EXPECT_TRUE(fs::exists(fbld.maildir() / ".Quarantine" / "new" / "3.huge"));
  EXPECT_TRUE(fs::exists(fbld.maildir() / ".Ignored" / "new" / "4.person"));
  std::string log = fbld.Log();
  EXPECT_NE(log.find("reason="), std::string::npos);

  // Still working afterwards.
  EXPECT_TRUE(fbld.running());
  fbld.Deliver("5.fixture", ReadFixture("daemon/complaint-yahoo.eml"));
  EXPECT_TRUE(WaitUntil([&] { return Suppressed(fbld, "reader@example.net"); })) << fbld.Log();
  std::string health;
  EXPECT_EQ(fbld.HttpGet("/healthz", &health), 200);
  EXPECT_EQ(fbld.Stop(SIGTERM), 0) << fbld.Log();
}

TEST(DaemonMaildir, SighupReloadsProvidersAndLogsSectionsNeedingRestart) {
  TempDir dir;
  FbldSettings settings;
  settings.provider_trust = "authentication-results";
  settings.authserv_id = "mx.other.test";  // the fixture's A-R is from mx.fbl.test
  Fbld fbld(dir.path(), settings);
  ASSERT_TRUE(fbld.Start()) << fbld.Log();
  fbld.Deliver("1.fixture", ReadFixture("daemon/complaint-yahoo.eml"));
  ASSERT_TRUE(WaitUntil([&] { return CountFiles(fbld.maildir() / "cur") == 1; })) << fbld.Log();
  EXPECT_FALSE(Suppressed(fbld, "reader@example.net"));
  EXPECT_NE(fbld.Log().find("status=untrusted"), std::string::npos);

  // Trust our real authserv-id and change a restart-only key; reload.
  FbldSettings fixed = settings;
  fixed.authserv_id = "mx.fbl.test";
  Fbld rewritten(dir.path(), fixed);
  std::string text = rewritten.ConfigText();
  std::string old_listen = "127.0.0.1:" + std::to_string(rewritten.port());
  text.replace(text.find(old_listen), old_listen.size(), "127.0.0.1:" + std::to_string(fbld.port()));
  text.replace(text.find("poll_interval_ms = 100"), 22, "poll_interval_ms = 101");
  WriteFile(fbld.config_path(), text);
  fbld.Signal(SIGHUP);
  ASSERT_TRUE(WaitUntil([&] { return fbld.Log().find("configuration reloaded") != std::string::npos; }))
      << fbld.Log();
  EXPECT_NE(fbld.Log().find("section=[[maildir]]"), std::string::npos) << fbld.Log();

  // A fresh copy of the report (different bytes) is now trusted.
  std::string again = ReadFixture("daemon/complaint-yahoo.eml");
  again.insert(0, "X-Resent: 2\r\n");
  again.insert(0, "Authentication-Results: mx.fbl.test; dkim=pass header.d=yahoo.com\n");
  fbld.Deliver("2.fixture", again);
  EXPECT_TRUE(WaitUntil([&] { return Suppressed(fbld, "reader@example.net"); })) << fbld.Log();

  // A broken config is rejected on reload and the daemon keeps running.
  WriteFile(fbld.config_path(), text + "\n[bogus]\nkey = 1\n");
  fbld.Signal(SIGHUP);
  EXPECT_TRUE(WaitUntil([&] { return fbld.Log().find("reload rejected") != std::string::npos; }));
  EXPECT_TRUE(fbld.running());
  EXPECT_EQ(fbld.Stop(SIGINT), 0) << fbld.Log();
}

TEST(DaemonMaildir, CheckConfigExits78NamingTheKey) {
  TempDir dir;
  WriteFile(dir / "bad.toml", "[api]\nmax_connections = 0\n[store]\ncolour = \"blue\"\n");
  std::string out;
  int rc = RunCommand({BinaryPath("fbld").string(), "--check-config", "--config",
                       (dir / "bad.toml").string()},
                      &out);
  EXPECT_EQ(rc, 78) << out;
  EXPECT_NE(out.find("api.max_connections"), std::string::npos) << out;
  EXPECT_NE(out.find("store.colour: unknown key"), std::string::npos) << out;

  Fbld fbld(dir.path());
  fbld.WriteConfig();
  EXPECT_EQ(RunCommand({BinaryPath("fbld").string(), "--check-config", "--config",
                        fbld.config_path().string()},
                       &out),
            0)
      << out;
}

TEST(DaemonMaildir, ExampleConfigPassesCheckConfig) {
  std::string out;
  fs::path example = fs::path(FBL_SOURCE_DIR) / "examples" / "fbld.toml";
  EXPECT_EQ(RunCommand({BinaryPath("fbld").string(), "--check-config", "--config", example.string()},
                       &out),
            0)
      << out;
}

}  // namespace
}  // namespace fbl::testing
