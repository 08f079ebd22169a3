#include "fbl/config/config.h"

#include <stdlib.h>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace fbl {
namespace {

std::string Errors(std::string_view toml) {
  auto c = ParseConfig(toml, "t.toml");
  return c.ok() ? "" : c.error().detail;
}

TEST(Config, EmptyFileGivesTheDefaults) {
  auto c = ParseConfig("", "t.toml");
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->store.path, "var/fbl.db");
  EXPECT_EQ(c->api.listen, "127.0.0.1:8025");
  EXPECT_EQ(c->log.level, "info");
  EXPECT_TRUE(c->sources.maildirs.empty());
}

TEST(Config, ExampleConfigIsValid) {
  auto c = LoadConfig(std::string(FBL_SOURCE_DIR) + "/examples/fbld.toml");
  ASSERT_TRUE(c.ok()) << c.error().detail;
  ASSERT_EQ(c->sources.maildirs.size(), 1u);
  EXPECT_EQ(c->sources.maildirs[0].path, "var/postmaster");
  EXPECT_EQ(c->notify.transport, "maildir");
}

TEST(Config, UnknownKeyIsNamed) {
  EXPECT_NE(Errors("[store]\ncolour = 1\n").find("t.toml: store.colour: unknown key"),
            std::string::npos);
  EXPECT_NE(Errors("[sotre]\n").find("sotre: unknown key"), std::string::npos);
  EXPECT_NE(Errors("[[maildir]]\npath = \"m\"\npoll = 3\n").find("maildir[0].poll: unknown key"),
            std::string::npos);
}

TEST(Config, OutOfBoundsValueNamesKeyAndBounds) {
  std::string e = Errors("[[maildir]]\npath = \"m\"\npoll_interval_ms = 1\nbatch_size = 5000\n");
  EXPECT_NE(e.find("maildir[0].poll_interval_ms: must be between 50 and 3600000, got 1"),
            std::string::npos) << e;
  EXPECT_NE(e.find("maildir[0].batch_size"), std::string::npos) << e;
}

TEST(Config, WrongTypeAndBadEnumAreNamed) {
  EXPECT_NE(Errors("[log]\nlevel = 3\n").find("log.level"), std::string::npos);
  EXPECT_NE(Errors("[log]\nlevel = \"loud\"\n").find("log.level: must be one of"), std::string::npos);
  EXPECT_NE(Errors("[[client]]\nid = \"a\"\nnotify = \"sms\"\n").find("client[0].notify"),
            std::string::npos);
}

TEST(Config, EveryErrorIsReportedAtOnce) {
  std::string e = Errors("[log]\nlevel = \"x\"\n[api]\nmax_connections = 0\n[[client]]\nname = \"n\"\n");
  EXPECT_NE(e.find("log.level"), std::string::npos);
  EXPECT_NE(e.find("api.max_connections"), std::string::npos);
  EXPECT_NE(e.find("client[0].id: must not be empty"), std::string::npos);
}

TEST(Config, ProviderCheckedTrustNeedsAuthservId) {
  std::string e = Errors("[[provider]]\nname = \"yahoo\"\ndomains = [\"yahoo.com\"]\n");
  EXPECT_NE(e.find("trust.authserv_id: must be set"), std::string::npos) << e;
  EXPECT_EQ(Errors("[[provider]]\nname = \"yahoo\"\ndomains = [\"yahoo.com\"]\ntrust = \"none\"\n"), "");
}

TEST(Config, DuplicateClientAndProviderAreRejected) {
  EXPECT_NE(Errors("[[client]]\nid = \"a\"\n[[client]]\nid = \"a\"\n").find("client[1].id: duplicate"),
            std::string::npos);
  EXPECT_NE(Errors("[[provider]]\nname = \"y\"\ndomains = [\"y.com\"]\ntrust = \"none\"\n"
                   "[[provider]]\nname = \"y\"\ndomains = [\"z.com\"]\ntrust = \"none\"\n")
                .find("provider[1].name: duplicate"),
            std::string::npos);
}

TEST(Config, DomainsAreLowercased) {
  auto c = ParseConfig("[[client]]\nid = \"a\"\ndomains = [\"Acme.EXAMPLE\"]\n", "t.toml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->pipeline.clients[0].domains[0], "acme.example");
}

TEST(Config, SecretComesFromTheEnvironment) {
  setenv("FBL_TEST_SECRET", "0123456789abcdef-from-env", 1);
  auto c = ParseConfig("[fbl_id]\n[[fbl_id.key]]\nid = \"k1\"\nsecret_env = \"FBL_TEST_SECRET\"\n", "t");
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->pipeline.fbl_id_keys[0].secret, "0123456789abcdef-from-env");
  std::string e = Errors("[fbl_id]\n[[fbl_id.key]]\nid = \"k1\"\nsecret_env = \"FBL_TEST_UNSET_VAR\"\n");
  EXPECT_NE(e.find("fbl_id.key[0].secret_env: environment variable FBL_TEST_UNSET_VAR is not set"),
            std::string::npos) << e;
}

TEST(Config, SecretComesFromAFileAndIsNeverEchoed) {
  testing::TempDir dir;
  testing::WriteFile(dir / "key", "0123456789abcdef-from-file\n");
  auto c = ParseConfig("[fbl_id]\n[[fbl_id.key]]\nid = \"k1\"\nsecret_file = \"" +
                           (dir / "key").string() + "\"\n", "t");
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->pipeline.fbl_id_keys[0].secret, "0123456789abcdef-from-file");
  std::string e = Errors("[fbl_id]\n[[fbl_id.key]]\nid = \"k1\"\nsecret = \"SECRETVALUE\"\n");
  EXPECT_NE(e.find("fbl_id.key[0].secret: must be at least 16 bytes"), std::string::npos) << e;
  EXPECT_EQ(e.find("SECRETVALUE"), std::string::npos);
}

TEST(Config, SyntaxErrorNamesLineAndColumn) {
  std::string e = Errors("[store\npath = 1\n");
  EXPECT_NE(e.find("t.toml:1:"), std::string::npos) << e;
}

TEST(Config, MissingFileIsAnError) {
  auto c = LoadConfig("/nonexistent/fbld.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().detail.find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace fbl
