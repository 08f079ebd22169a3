// Bad-input catalogue (docs/bad-inputs.md), config files through the real fbld binary: every
// broken configuration ends the start with exit 78 (EX_CONFIG) and the reason on stderr,
// before anything is opened or bound.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testing/process.h"
#include "tests/testing/test_util.h"

namespace fbl::testing {
namespace {

// Runs fbld (a real start, or --check-config) and returns its exit status; *out gets stderr+stdout.
int RunFbld(const std::vector<std::string>& args, std::string* out) {
  std::vector<std::string> argv{BinaryPath("fbld").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, out);
}

TEST(DaemonBadInputConfig, SyntaxErrorExits78NamingLineAndColumn) {
  TempDir dir;
  WriteFile(dir / "bad.toml", "[store\npath = 1\n");
  std::string out;
  EXPECT_EQ(RunFbld({"--config", (dir / "bad.toml").string()}, &out), 78) << out;
  EXPECT_NE(out.find((dir / "bad.toml").string() + ":1:"), std::string::npos) << out;
}

TEST(DaemonBadInputConfig, ConfigPathThatIsADirectoryExits78InsteadOfStartingWithDefaults) {
  TempDir dir;
  std::string out;
  EXPECT_EQ(RunFbld({"--config", dir.path().string()}, &out), 78) << out;
  EXPECT_NE(out.find("cannot read"), std::string::npos) << out;
}

TEST(DaemonBadInputConfig, SecretFromAnEndlessDeviceExits78) {
  TempDir dir;
  WriteFile(dir / "bad.toml",
            "[fbl_id]\n[[fbl_id.key]]\nid = \"k1\"\nsecret_file = \"/dev/zero\"\n");
  std::string out;
  EXPECT_EQ(RunFbld({"--check-config", "--config", (dir / "bad.toml").string()}, &out), 78) << out;
  EXPECT_NE(out.find("fbl_id.key[0].secret_file"), std::string::npos) << out;
}

TEST(DaemonBadInputConfig, BinaryGarbageExits78) {
  TempDir dir;
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  WriteFile(dir / "bad.toml", garbage);
  std::string out;
  EXPECT_EQ(RunFbld({"--check-config", "--config", (dir / "bad.toml").string()}, &out), 78) << out;
  EXPECT_NE(out.find("fbld: configuration error"), std::string::npos) << out;
}

}  // namespace
}  // namespace fbl::testing
