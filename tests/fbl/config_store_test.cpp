// [store]: the backend choice and the PostgreSQL keys (dsn, password sources, pool size).
#include <cstdlib>

#include <gtest/gtest.h>

#include "fbl/config/config.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

Result<Config> Parse(const std::string& store_section) {
  return ParseConfig("[store]\n" + store_section, "test.toml");
}

TEST(ConfigStoreTest, SqliteIsTheDefaultBackend) {
  auto c = ParseConfig("", "test.toml");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->store.backend, "sqlite");
  EXPECT_EQ(c->store.pool_size, 4);
}

TEST(ConfigStoreTest, PostgresqlWithADsnAndAPasswordFileIsRead) {
  testing::TempDir dir;
  testing::WriteFile(dir / "pw", "s3cret\n");
  auto c = Parse("backend = \"postgresql\"\ndsn = \"host=db1 dbname=fbl user=fbl sslmode=verify-full\"\n"
                 "password_file = \"" + (dir / "pw").string() + "\"\npool_size = 8\n");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->store.backend, "postgresql");
  EXPECT_EQ(c->store.dsn, "host=db1 dbname=fbl user=fbl sslmode=verify-full");
  EXPECT_EQ(c->store.password, "s3cret");
  EXPECT_EQ(c->store.pool_size, 8);
}

TEST(ConfigStoreTest, PostgresqlWithoutADsnIsRefused) {
  auto c = Parse("backend = \"postgresql\"\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().detail.find("store.dsn"), std::string::npos) << c.error().detail;
}

TEST(ConfigStoreTest, ADsnThatLibpqCannotParseIsRefused) {
  auto c = Parse("backend = \"postgresql\"\ndsn = \"host=db1 nonsense\"\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().detail.find("not a libpq connection string"), std::string::npos) << c.error().detail;
}

TEST(ConfigStoreTest, APasswordInsideTheDsnIsRefusedWithoutEchoingIt) {
  auto c = Parse("backend = \"postgresql\"\ndsn = \"host=db1 password=hunter2\"\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().detail.find("holds a password"), std::string::npos) << c.error().detail;
  EXPECT_EQ(c.error().detail.find("hunter2"), std::string::npos);
}

TEST(ConfigStoreTest, ThePasswordDefaultsToTheEnvironment) {
  setenv("FBL_PG_PASSWORD", "from-env", 1);
  auto c = Parse("backend = \"postgresql\"\ndsn = \"postgresql://fbl@db1/fbl\"\n");
  unsetenv("FBL_PG_PASSWORD");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->store.password, "from-env");
}

TEST(ConfigStoreTest, PoolSizeOutOfBoundsAndUnknownBackendsAreRefused) {
  EXPECT_FALSE(Parse("backend = \"postgresql\"\ndsn = \"host=db1\"\npool_size = 0\n").ok());
  EXPECT_FALSE(Parse("backend = \"postgresql\"\ndsn = \"host=db1\"\npool_size = 65\n").ok());
  EXPECT_FALSE(Parse("backend = \"mysql\"\n").ok());
}

}  // namespace
}  // namespace fbl
