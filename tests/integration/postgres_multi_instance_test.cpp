// Three real fbld processes on one real Dovecot mailbox and one PostgreSQL database (a private
// cluster started by the test), 3,000 reports, one instance killed with SIGKILL mid-run and
// not restarted: every report processed once, every notification sent once (outbox claims
// with FOR UPDATE SKIP LOCKED), INBOX empty (tests/integration/multi_instance_scenario.h).
#include "tests/integration/multi_instance_scenario.h"
#include "tests/testing/postgres_server.h"

namespace fbl {
namespace {

TEST(PostgresMultiInstance, ThreeInstancesOnOneMailboxAndDatabaseProcessAndNotifyEachReportOnce) {
  testing::PostgresServer pg;
  ASSERT_TRUE(pg.Start()) << pg.error();
  ASSERT_TRUE(pg.CreateDatabase("multi")) << pg.error();
  testing::SharedDatabase shared;
  shared.store_toml = "backend = \"postgresql\"\ndsn = \"" + pg.Dsn("multi") + "\"\n"
                      "password = \"" + pg.password() + "\"\n";
  shared.count = [&pg](const std::string& sql) -> std::int64_t {
    std::int64_t n = pg.QueryInt("multi", sql);
    if (n < 0) ADD_FAILURE() << sql << ": " << pg.error();
    return n;
  };
  testing::RunThreeInstancesOnOneMailbox(shared);
}

}  // namespace
}  // namespace fbl
