// `fblctl parse` as other tools call it (DESIGN.md contract 1): one JSON line per message, in
// walk order whatever the number of threads, and the documented exit codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/process.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

using testing::BinaryPath;
using testing::ReadFixture;
using testing::TempDir;
using testing::WriteFile;

struct ParseRun {
  int code;
  std::vector<nlohmann::json> lines;
  std::string stdout_text;
};

ParseRun Parse(std::vector<std::string> args, const std::string& stdin_data = "") {
  args.insert(args.begin(), {BinaryPath("fblctl").string(), "parse"});
  ParseRun run;
  run.code = testing::RunCommand(args, &run.stdout_text, /*merge_stderr=*/false, stdin_data);
  std::istringstream in(run.stdout_text);
  for (std::string line; std::getline(in, line);) run.lines.push_back(nlohmann::json::parse(line));
  return run;
}

std::vector<std::string> Sources(const ParseRun& run) {
  std::vector<std::string> out;
  for (const auto& j : run.lines) out.push_back(j["source"]);
  return out;
}

// A tree of 40 reports in nested directories, names chosen so sorted order differs from
// creation order.
void MakeTree(const TempDir& dir) {
  const char* kinds[] = {"parsers/aol.eml", "parsers/bounce_hard.eml", "parsers/junk.eml", "parsers/yahoo_cfl.eml"};
  for (int i = 0; i < 40; ++i) {
    std::string sub = i % 2 ? "b" : "a";
    WriteFile(dir / sub / ("m" + std::to_string(39 - i) + ".eml"), ReadFixture(kinds[i % 4]));
  }
}

TEST(CliParse, ADirectoryGivesOneLinePerMessageInSortedWalkOrder) {
  TempDir dir;
  MakeTree(dir);
  ParseRun run = Parse({dir.path().string()});
  ASSERT_EQ(run.code, 0);
  ASSERT_EQ(run.lines.size(), 40u);
  std::vector<std::string> sources = Sources(run);
  EXPECT_EQ(sources.front(), (dir / "a" / "m1.eml").string());
  EXPECT_TRUE(std::is_sorted(sources.begin(), sources.end()));
}

TEST(CliParse, OutputIsTheSameWithOneThreadOrMany) {
  TempDir dir;
  MakeTree(dir);
  ParseRun one = Parse({"--jobs", "1", dir.path().string()});
  ParseRun many = Parse({"--jobs", "7", dir.path().string()});
  ASSERT_EQ(one.code, 0);
  EXPECT_EQ(one.stdout_text, many.stdout_text);
  EXPECT_EQ(one.lines.size(), 40u);
}

TEST(CliParse, MaildirIsReadCurThenNewWithoutDotFiles) {
  TempDir dir;
  WriteFile(dir / "md" / "new" / "1.a", ReadFixture("parsers/aol.eml"));
  WriteFile(dir / "md" / "cur" / "2.b:2,S", ReadFixture("parsers/bounce_hard.eml"));
  WriteFile(dir / "md" / "cur" / ".hidden", "junk");
  std::filesystem::create_directories(dir / "md" / "tmp");
  ParseRun run = Parse({(dir / "md").string()});
  ASSERT_EQ(run.code, 0);
  ASSERT_EQ(run.lines.size(), 2u);
  EXPECT_EQ(run.lines[0]["kind"], "bounce");
  EXPECT_EQ(run.lines[1]["kind"], "feedback");
}

TEST(CliParse, StandardInputIsNamedDash) {
  ParseRun run = Parse({"-"}, ReadFixture("parsers/yahoo_cfl.eml"));
  ASSERT_EQ(run.code, 0);
  ASSERT_EQ(run.lines.size(), 1u);
  EXPECT_EQ(run.lines[0]["source"], "-");
  EXPECT_EQ(run.lines[0]["kind"], "feedback");
}

TEST(CliParse, AMissingPathExits66AndTheOthersAreStillParsed) {
  TempDir dir;
  WriteFile(dir / "ok.eml", ReadFixture("parsers/aol.eml"));
  ParseRun run = Parse({(dir / "absent.eml").string(), (dir / "ok.eml").string()});
  EXPECT_EQ(run.code, 66);
  ASSERT_EQ(run.lines.size(), 1u);
  EXPECT_EQ(run.lines[0]["source"], (dir / "ok.eml").string());
}

TEST(CliParse, UsageErrorsExit64) {
  EXPECT_EQ(Parse({}).code, 64);
  EXPECT_EQ(Parse({"--jobs", "0", "x"}).code, 64);
  EXPECT_EQ(Parse({"--jobs", "two", "x"}).code, 64);
  EXPECT_EQ(Parse({"--header"}).code, 64);
  EXPECT_EQ(Parse({"--no-such-option", "x"}).code, 64);
}

TEST(CliParse, AHugeFileIsReadOnlyUpToTheLimitAndSaidToBeCut) {
  TempDir dir;
  std::string big = ReadFixture("parsers/junk.eml");
  big.append(12 * 1024 * 1024, 'x');
  WriteFile(dir / "big.eml", big);
  ParseRun run = Parse({(dir / "big.eml").string()});
  ASSERT_EQ(run.code, 0);
  ASSERT_EQ(run.lines.size(), 1u);
  std::string errors = run.lines[0]["errors"].dump();
  EXPECT_NE(errors.find("truncated"), std::string::npos) << errors;
}

TEST(CliParse, RequestedHeadersOfTheOriginalAreReported) {
  ParseRun run = Parse({"--header", "Message-ID", "-"}, ReadFixture("parsers/yahoo_cfl.eml"));
  ASSERT_EQ(run.code, 0);
  ASSERT_EQ(run.lines.size(), 1u);
  EXPECT_TRUE(run.lines[0]["original"]["headers"].contains("Message-ID")) << run.lines[0]["original"].dump();
}

}  // namespace
}  // namespace fbl
