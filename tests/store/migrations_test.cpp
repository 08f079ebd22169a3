// Schema versions: forward-only migrations from the first version to the current one, and a
// database newer than the binary is refused untouched.
#include "store/migrations.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/sqlite_store.h"
#include "tests/store/store_test_util.h"

namespace fbl {
namespace {

using testing::TempDir;

int UserVersion(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet("PRAGMA user_version").getInt();
}

TEST(MigrationsTest, FreshDatabaseIsCreatedAtTheCurrentVersion) {
  TempDir dir;
  StoreOptions o = testing::TestStoreOptions(dir);
  ASSERT_NE(testing::OpenTestStore(o), nullptr);
  EXPECT_EQ(UserVersion(o.path), CurrentSchemaVersion());
  EXPECT_EQ(CurrentSchemaVersion(), static_cast<int>(AllMigrations().size()));
  EXPECT_STREQ(AllMigrations()[0].name, "0001_initial.sql");
}

TEST(MigrationsTest, DatabaseAtTheFirstVersionIsMigratedToTheCurrentOneKeepingItsRows) {
  TempDir dir;
  StoreOptions o = testing::TestStoreOptions(dir);
  {
    SQLite::Database db(o.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    ASSERT_TRUE(Migrate(db, AllMigrations().first(1)).ok());
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 1);
    db.exec("INSERT INTO suppressions(scope, address, address_original, reason, first_seen, last_seen)"
            " VALUES('*', 'old@example.com', 'Old@example.com', 'complaint', 1, 1)");
  }
  auto store = testing::OpenTestStore(o);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(UserVersion(o.path), CurrentSchemaVersion());
  auto rows = store->LookupSuppressions("old@example.com");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].address_original, "Old@example.com");
  auto check = CheckSqliteDatabase(o.path, 1000);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok);
}

// Every column of `table` as "name type notnull default pk", in order.
std::vector<std::string> Columns(SQLite::Database& db, const std::string& table) {
  std::vector<std::string> out;
  SQLite::Statement st(db, "SELECT name, type, \"notnull\", ifnull(dflt_value, 'NULL'), pk FROM pragma_table_info(?)");
  st.bind(1, table);
  while (st.executeStep()) {
    out.push_back(st.getColumn(0).getString() + " " + st.getColumn(1).getString() + " " +
                  st.getColumn(2).getString() + " " + st.getColumn(3).getString() + " " + st.getColumn(4).getString());
  }
  return out;
}

// Every row of suppressions, all columns, in id order.
std::vector<std::string> SuppressionRows(SQLite::Database& db) {
  std::vector<std::string> out;
  SQLite::Statement st(db, "SELECT * FROM suppressions ORDER BY id");
  while (st.executeStep()) {
    std::string row;
    for (int i = 0; i < st.getColumnCount(); ++i) row += (st.getColumn(i).isNull() ? "NULL" : st.getColumn(i).getString()) + "|";
    out.push_back(row);
  }
  return out;
}

TEST(MigrationsTest, TheSuppressionsRebuildOfVersion4KeepsEveryColumnRowAndId) {
  TempDir dir;
  StoreOptions o = testing::TestStoreOptions(dir);
  std::vector<std::string> columns, rows;
  {
    SQLite::Database db(o.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    ASSERT_TRUE(Migrate(db, AllMigrations().first(3)).ok());
    db.exec("INSERT INTO clients(id, name, notify_email, created_at) VALUES('acme', 'Acme', 'a@acme.example', 1)");
    db.exec("INSERT INTO suppressions(id, scope, address, address_original, reason, first_seen, last_seen, count,"
            " source_report_id, expires_at, note) VALUES"
            " (5, '*', 'b@example.com', 'B@example.com', 'complaint', 10, 20, 3, NULL, NULL, ''),"
            " (9, 'acme', 'b@example.com', 'b@Example.com', 'manual', 11, 11, 1, NULL, 99, 'by hand'),"
            " (42, 'acme', 'a@example.com', 'a@example.com', 'hard-bounce', 12, 13, 2, NULL, NULL, 'x')");
    columns = Columns(db, "suppressions");
    rows = SuppressionRows(db);
  }
  ASSERT_NE(testing::OpenTestStore(o), nullptr);  // migrates to the current version
  SQLite::Database db(o.path, SQLite::OPEN_READWRITE);
  ASSERT_GE(db.execAndGet("PRAGMA user_version").getInt(), 4);
  EXPECT_EQ(Columns(db, "suppressions"), columns);
  EXPECT_EQ(SuppressionRows(db), rows);
  // The unique key is (address, scope) now; the address-only index is gone, the others stay.
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'suppressions_address'").getInt(), 0);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sqlite_master WHERE name IN ('suppressions_address_scope',"
                          " 'suppressions_last_seen', 'suppressions_scope_id', 'suppressions_v3')").getInt(), 3);
  EXPECT_THROW(db.exec("INSERT INTO suppressions(scope, address, address_original, reason, first_seen, last_seen)"
                       " VALUES('acme', 'a@example.com', 'A@example.com', 'manual', 1, 1)"),
               SQLite::Exception);
  // New rows still get ids above every old one (the listing cursor stays monotonic).
  db.exec("INSERT INTO suppressions(scope, address, address_original, reason, first_seen, last_seen)"
          " VALUES('*', 'c@example.com', 'c@example.com', 'manual', 1, 1)");
  EXPECT_EQ(db.execAndGet("SELECT id FROM suppressions WHERE address = 'c@example.com'").getInt64(), 43);
  // The mailer's documented query (SCHEMA.md) is still one index probe, not a scan.
  SQLite::Statement plan(db, "EXPLAIN QUERY PLAN SELECT 1 FROM suppressions WHERE address = 'b@example.com'"
                             " AND scope IN ('*', 'acme') AND (expires_at IS NULL OR expires_at > 0) LIMIT 1");
  ASSERT_TRUE(plan.executeStep());
  EXPECT_NE(plan.getColumn(3).getString().find("USING INDEX"), std::string::npos) << plan.getColumn(3).getString();
  auto check = CheckSqliteDatabase(o.path, 1000);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok);
}

TEST(MigrationsTest, MigratingTwiceChangesNothing) {
  TempDir dir;
  StoreOptions o = testing::TestStoreOptions(dir);
  SQLite::Database db(o.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  ASSERT_TRUE(Migrate(db, AllMigrations()).ok());
  ASSERT_TRUE(Migrate(db, AllMigrations()).ok());
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), CurrentSchemaVersion());
}

TEST(MigrationsTest, DatabaseNewerThanTheBinaryIsRefusedAndLeftUntouched) {
  TempDir dir;
  StoreOptions o = testing::TestStoreOptions(dir);
  ASSERT_NE(testing::OpenTestStore(o), nullptr);
  {
    SQLite::Database db(o.path, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version = " + std::to_string(CurrentSchemaVersion() + 1));
  }
  auto store = SqliteStore::Open(o);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kConflict);
  EXPECT_NE(store.error().detail.find("newer"), std::string::npos) << store.error().detail;
  EXPECT_EQ(UserVersion(o.path), CurrentSchemaVersion() + 1);
  o.read_only = true;
  auto ro = SqliteStore::Open(o);
  ASSERT_FALSE(ro.ok());
  EXPECT_EQ(ro.error().code, ErrorCode::kConflict);
}

TEST(MigrationsTest, ReadOnlyOpenNeitherCreatesNorMigrates) {
  TempDir dir;
  StoreOptions o = testing::TestStoreOptions(dir);
  o.read_only = true;
  auto missing = SqliteStore::Open(o);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kIo);
  EXPECT_FALSE(std::filesystem::exists(o.path));
  {
    SQLite::Database db(o.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE t(x)");  // version 0: an unmigrated file
  }
  auto old = SqliteStore::Open(o);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, ErrorCode::kConflict);
  EXPECT_EQ(UserVersion(o.path), 0);
}

TEST(MigrationsTest, ABrokenMigrationLeavesThePreviousVersion) {
  TempDir dir;
  StoreOptions o = testing::TestStoreOptions(dir);
  SQLite::Database db(o.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  const Migration broken[] = {AllMigrations()[0], {"0002_broken.sql", "CREATE TABLE extra(x); SELECT nope FROM nowhere;"}};
  Status s = Migrate(db, broken);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 1);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'extra'").getInt(), 0);
}

}  // namespace
}  // namespace fbl
