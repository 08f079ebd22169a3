// fblctl ingest: the pipe source for MTAs (sysexits so that the MTA retries, never bounces).
#include <gtest/gtest.h>

#include "tests/testing/dovecot.h"
#include "tests/testing/process.h"
#include "tests/testing/test_util.h"

namespace fbl::testing {
namespace {

std::string Config(const TempDir& dir, const std::string& db) {
  std::string path = (dir / "fbld.toml").string();
  WriteFile(path, "[store]\npath = \"" + db + "\"\n[trust]\nauthserv_id = \"mx.fbl.test\"\n"
                  "[[provider]]\nname = \"yahoo\"\ndomains = [\"yahoo.com\"]\ntrust = \"none\"\n");
  return path;
}

int Ingest(const std::vector<std::string>& args, const std::string& stdin_data, std::string* out) {
  std::vector<std::string> argv = {BinaryPath("fblctl").string(), "ingest"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, out, false, stdin_data);
}

TEST(ImapIngest, ReportOnStdinIsCommittedAndASecondDeliveryIsADuplicate) {
  TempDir dir;
  std::string config = Config(dir, (dir / "fbl.db").string());
  std::string out;
  EXPECT_EQ(Ingest({"-", "--config", config}, MakeArfReport(1), &out), 0) << out;
  EXPECT_NE(out.find("\"duplicate\":false"), std::string::npos) << out;
  EXPECT_NE(out.find("\"disposition\":\"processed\""), std::string::npos) << out;
  EXPECT_EQ(Ingest({"--config", config}, MakeArfReport(1), &out), 0) << out;
  EXPECT_NE(out.find("\"duplicate\":true"), std::string::npos) << out;
  EXPECT_EQ(RunCommand({BinaryPath("fblctl").string(), "suppressions", "get",
                        "reader1@example.net", "--config", config},
                       &out),
            0)
      << out;
}

TEST(ImapIngest, ReportFromAFileIsCommitted) {
  TempDir dir;
  std::string config = Config(dir, (dir / "fbl.db").string());
  WriteFile(dir / "r.eml", MakeArfReport(2));
  std::string out;
  EXPECT_EQ(Ingest({(dir / "r.eml").string(), "--config", config}, "", &out), 0) << out;
}

TEST(ImapIngest, BadMailIsQuarantinedAndAcknowledgedNeverBounced) {
  TempDir dir;
  std::string config = Config(dir, (dir / "fbl.db").string());
  std::string out;
  EXPECT_EQ(Ingest({"-", "--config", config}, std::string("\x01\x02 junk", 7), &out), 0) << out;
  EXPECT_NE(out.find("\"disposition\":\"quarantine\""), std::string::npos) << out;
  EXPECT_EQ(Ingest({"-", "--config", config}, "", &out), 0) << out;
}

TEST(ImapIngest, UnavailableStoreExitsTempfailSoTheMtaRetries) {
  TempDir dir;
  std::string config = Config(dir, "/proc/no-such-dir/fbl.db");
  std::string out;
  EXPECT_EQ(Ingest({"-", "--config", config}, MakeArfReport(3), &out), 75) << out;
}

TEST(ImapIngest, ConfigErrorExits78AndUsageErrorExits64) {
  TempDir dir;
  WriteFile(dir / "bad.toml", "[store]\ncolour = 1\n");
  std::string out;
  EXPECT_EQ(Ingest({"-", "--config", (dir / "bad.toml").string()}, MakeArfReport(4), &out), 78)
      << out;
  EXPECT_EQ(Ingest({"a", "b", "--config", (dir / "bad.toml").string()}, "", &out), 64) << out;
}

}  // namespace
}  // namespace fbl::testing
