// Schema versions: forward-only migrations from the first version to the current one, and a
// database newer than the binary is refused untouched.
#include "store/migrations.h"

#include <gtest/gtest.h>

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
