// Three real fbld processes on one real Dovecot mailbox and one SQLite database file (WAL:
// several processes on one file), 3,000 reports, one instance killed with SIGKILL mid-run and
// not restarted: every report processed once, every notification sent once, INBOX empty
// (the scenario and what it checks: tests/integration/multi_instance_scenario.h).
#include <SQLiteCpp/SQLiteCpp.h>

#include "tests/integration/multi_instance_scenario.h"

namespace fbl {
namespace {

TEST(ImapMultiInstance, ThreeInstancesOnOneMailboxAndDatabaseProcessAndNotifyEachReportOnce) {
  testing::TempDir db_dir;
  const std::string db = (db_dir / "shared.db").string();
  testing::SharedDatabase shared;
  shared.store_path = db;
  // WAL commits survive a SIGKILL with "normal" (only power loss could lose the last ones):
  // what this test kills is a process, and the run is shorter without an fsync per commit.
  shared.store_toml = "synchronous = \"normal\"\n";
  shared.count = [db](const std::string& sql) -> std::int64_t {
    try {
      SQLite::Database d(db, SQLite::OPEN_READONLY);
      d.setBusyTimeout(5000);
      return d.execAndGet(sql).getInt64();
    } catch (const SQLite::Exception& e) {
      ADD_FAILURE() << sql << ": " << e.what();
      return -1;
    }
  };
  testing::RunThreeInstancesOnOneMailbox(shared);
}

}  // namespace
}  // namespace fbl
