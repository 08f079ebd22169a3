// fbld and fblctl on the PostgreSQL backend, end to end: a complaint dropped into the Maildir
// becomes a suppression in PostgreSQL, visible through the HTTP API and fblctl, and the client
// notification leaves through the outbox (claimed in PostgreSQL). The password comes from a
// file, as an operator would give it.
#include <signal.h>

#include <gtest/gtest.h>

#include "tests/testing/fbld.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/process.h"
#include "tests/testing/test_util.h"

namespace fbl::testing {
namespace {

TEST(PostgresFbld, ComplaintBecomesASuppressionInPostgresqlSeenByApiAndFblctl) {
  PostgresServer pg;
  ASSERT_TRUE(pg.Start()) << pg.error();
  ASSERT_TRUE(pg.CreateDatabase("fbl")) << pg.error();
  TempDir dir;
  WriteFile(dir / "pg-password", pg.password() + "\n");
  FbldSettings settings;
  settings.store_toml = "backend = \"postgresql\"\ndsn = \"" + pg.Dsn("fbl") + "\"\npassword_file = \"" +
                        (dir / "pg-password").string() + "\"\npool_size = 3\n";
  Fbld fbld(dir.path(), settings);
  ASSERT_TRUE(fbld.Start()) << fbld.Log();
  fbld.Deliver("1.fixture", ReadFixture("daemon/complaint-yahoo.eml"));

  ASSERT_TRUE(WaitUntil([&] {
    std::string body;
    return fbld.HttpGet("/v1/suppressions/reader@example.net", &body) == 200 &&
           body.find("\"complaint\"") != std::string::npos;
  })) << fbld.Log();
  EXPECT_EQ(pg.QueryInt("fbl", "SELECT count(*) FROM reports"), 1) << pg.error();
  EXPECT_EQ(pg.QueryInt("fbl", "SELECT count(*) FROM suppressions WHERE address = 'reader@example.net'"), 1);
  EXPECT_FALSE(std::filesystem::exists(dir / "fbl.db")) << "nothing may go to SQLite";

  std::string out;
  EXPECT_EQ(fbld.Fblctl({"suppressions", "get", "reader@example.net"}, &out), 0) << out;
  EXPECT_NE(out.find("reader@example.net"), std::string::npos) << out;
  EXPECT_TRUE(WaitUntil([&] { return CountFiles(dir.path() / "outbox" / "new") == 1; })) << fbld.Log();
  EXPECT_TRUE(WaitUntil([&] { return pg.QueryInt("fbl", "SELECT count(*) FROM outbox WHERE state = 'sent'") == 1; }));
  EXPECT_EQ(fbld.Stop(SIGTERM), 0) << fbld.Log();
}

TEST(PostgresFbld, AnUnreachableDatabaseFailsTheStartWithAClearMessage) {
  TempDir dir;
  FbldSettings settings;
  settings.store_toml = "backend = \"postgresql\"\ndsn = \"host=127.0.0.1 port=" + std::to_string(FreePort()) +
                        " dbname=fbl user=fbl connect_timeout=2\"\n";
  Fbld fbld(dir.path(), settings);
  fbld.WriteConfig();
  std::string out;
  // fbld exits by itself (it does not wait for the API port to come up): nothing listens there.
  const int code = RunCommand({BinaryPath("fbld").string(), "--config", fbld.config_path().string()}, &out);
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("connecting to PostgreSQL"), std::string::npos) << out;
}

}  // namespace
}  // namespace fbl::testing
