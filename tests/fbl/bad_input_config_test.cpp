// Bad-input catalogue (docs/bad-inputs.md), config files: each broken fbld.toml ends in one
// clear error naming the file and the key or position; fbld turns it into exit 78
// (tests/integration/daemon_bad_input_config_test.cpp). Nothing hangs, crashes or falls back
// to defaults silently.
#include <gtest/gtest.h>

#include <string>

#include "fbl/config/config.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

using namespace std::string_literals;

std::string Errors(std::string_view toml) {
  auto c = ParseConfig(toml, "t.toml");
  return c.ok() ? "" : c.error().detail;
}

std::string KeyFile(const std::string& path) {
  return "[fbl_id]\n[[fbl_id.key]]\nid = \"k1\"\nsecret_file = \"" + path + "\"\n";
}

TEST(BadInputConfig, SecretFileThatIsAnEndlessDeviceIsRefusedWithoutReadingItAll) {
  std::string e = Errors(KeyFile("/dev/zero"));
  EXPECT_NE(e.find("t.toml: fbl_id.key[0].secret_file: the first line of /dev/zero is longer than"),
            std::string::npos) << e;
}

TEST(BadInputConfig, SecretFileThatIsADirectoryIsAnErrorNotAnEmptySecret) {
  testing::TempDir dir;
  std::string e = Errors(KeyFile(dir.path().string()));
  EXPECT_NE(e.find("fbl_id.key[0].secret_file: cannot read " + dir.path().string()), std::string::npos) << e;
}

TEST(BadInputConfig, ConfigPathThatIsADirectoryIsAnErrorNotTheDefaults) {
  testing::TempDir dir;
  auto c = LoadConfig(dir.path().string());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(c.error().detail.find(dir.path().string() + ": cannot read"), std::string::npos)
      << c.error().detail;
}

TEST(BadInputConfig, ConfigFileOverFourMebibytesIsALimitError) {
  testing::TempDir dir;
  testing::WriteFile(dir / "big.toml", "# " + std::string(5 << 20, 'x') + "\n");
  auto c = LoadConfig((dir / "big.toml").string());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kLimitExceeded);
  EXPECT_NE(c.error().detail.find("larger than 4 MiB"), std::string::npos);
}

TEST(BadInputConfig, InvalidUtf8InAStringIsASyntaxErrorWithItsPosition) {
  std::string e = Errors("[store]\npath = \"var/\xff\xfe.db\"\n");
  EXPECT_EQ(e.rfind("t.toml:2:", 0), 0u) << e;
}

TEST(BadInputConfig, NulByteInTheFileIsASyntaxError) {
  std::string e = Errors("[store]\npath = \"a\0b\"\n"s);
  EXPECT_EQ(e.rfind("t.toml:2:", 0), 0u) << e;
}

TEST(BadInputConfig, DuplicateKeyIsASyntaxErrorNamingTheKey) {
  std::string e = Errors("[api]\nthreads = 2\nthreads = 3\n");
  EXPECT_EQ(e.rfind("t.toml:3:", 0), 0u) << e;
  EXPECT_NE(e.find("threads"), std::string::npos) << e;
}

TEST(BadInputConfig, ArrayNestedTenThousandDeepIsRefusedWithoutOverflowingTheStack) {
  std::string e = Errors("x = " + std::string(10000, '[') + std::string(10000, ']') + "\n");
  EXPECT_EQ(e.rfind("t.toml:1:", 0), 0u) << e;
}

TEST(BadInputConfig, IntegerBeyondSixtyFourBitsIsASyntaxError) {
  std::string e = Errors("[api]\nthreads = 99999999999999999999999\n");
  EXPECT_EQ(e.rfind("t.toml:2:", 0), 0u) << e;
}

TEST(BadInputConfig, FloatWhereAnIntegerBelongsNamesTheKey) {
  std::string e = Errors("[api]\nthreads = 1.5\n");
  EXPECT_NE(e.find("t.toml: api.threads"), std::string::npos) << e;
}

TEST(BadInputConfig, NegativeSizeNamesTheKeyAndItsBounds) {
  std::string e = Errors("[api]\nmax_body_bytes = -1\n");
  EXPECT_NE(e.find("t.toml: api.max_body_bytes: must be between 1024 and"), std::string::npos) << e;
}

TEST(BadInputConfig, ApiWorkersOutOfBoundsNamesTheKeyAndItsBounds) {
  std::string e = Errors("[api]\nworkers = 65\n");
  EXPECT_NE(e.find("t.toml: api.workers: must be between 0 and 64"), std::string::npos) << e;
  EXPECT_NE(Errors("[api]\nworkers = -1\n").find("api.workers"), std::string::npos);
}

TEST(BadInputConfig, SectionGivenAsAValueIsNamed) {
  std::string e = Errors("api = \"on\"\n");
  EXPECT_NE(e.find("t.toml: api: expected a table"), std::string::npos) << e;
}

TEST(BadInputConfig, ListenWithoutAPortIsNamed) {
  std::string e = Errors("[api]\nlisten = \"localhost\"\n");
  EXPECT_NE(e.find("t.toml: api.listen: expected host:port"), std::string::npos) << e;
}

TEST(BadInputConfig, SecretGivenTwoWaysIsRefusedWithoutEchoingIt) {
  std::string e = Errors("[fbl_id]\n[[fbl_id.key]]\nid = \"k1\"\nsecret = \"TOPSECRET-0123456789\"\n"
                         "secret_env = \"HOME\"\n");
  EXPECT_NE(e.find("fbl_id.key[0].secret: give only one of secret, secret_env, secret_file"),
            std::string::npos) << e;
  EXPECT_EQ(e.find("TOPSECRET"), std::string::npos) << e;
}

}  // namespace
}  // namespace fbl
