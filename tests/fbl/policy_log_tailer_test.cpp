#include "fbl/policy/log_tailer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/testing/test_util.h"

namespace fbl {
namespace {

void Append(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::app);
  out << text;
}

std::vector<std::string> Poll(LogTailer& t) {
  std::vector<std::string> lines;
  EXPECT_TRUE(t.Poll(&lines).ok());
  return lines;
}

TEST(LogTailerTest, OnlyCompleteLinesAreReturnedAndPartialOnesWait) {
  testing::TempDir dir;
  auto log = dir / "maillog";
  Append(log, "one\ntw");
  LogTailer t(log.string(), false);
  EXPECT_EQ(Poll(t), (std::vector<std::string>{"one"}));
  Append(log, "o\nthree\n");
  EXPECT_EQ(Poll(t), (std::vector<std::string>{"two", "three"}));
  EXPECT_TRUE(Poll(t).empty());
}

TEST(LogTailerTest, StartAtEndSkipsWhatWasAlreadyThere) {
  testing::TempDir dir;
  auto log = dir / "maillog";
  Append(log, "old\n");
  LogTailer t(log.string(), true);
  EXPECT_TRUE(Poll(t).empty());
  Append(log, "new\n");
  EXPECT_EQ(Poll(t), (std::vector<std::string>{"new"}));
}

TEST(LogTailerTest, RotationByRenameReadsTheOldFileToItsEndThenTheNewOne) {
  testing::TempDir dir;
  auto log = dir / "maillog";
  Append(log, "a\n");
  LogTailer t(log.string(), false);
  EXPECT_EQ(Poll(t), (std::vector<std::string>{"a"}));
  Append(log, "b\n");
  std::filesystem::rename(log, dir / "maillog.1");
  Append(log, "c\n");
  EXPECT_EQ(Poll(t), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(t.rotations(), 1);
}

TEST(LogTailerTest, TruncationStartsAgainAtTheBeginning) {
  testing::TempDir dir;
  auto log = dir / "maillog";
  Append(log, "first line\nsecond line\n");
  LogTailer t(log.string(), false);
  EXPECT_EQ(Poll(t).size(), 2u);
  std::filesystem::resize_file(log, 0);
  Append(log, "x\n");
  EXPECT_EQ(Poll(t), (std::vector<std::string>{"x"}));
}

TEST(LogTailerTest, MissingFileIsNotAnError) {
  testing::TempDir dir;
  LogTailer t((dir / "absent").string(), false);
  EXPECT_TRUE(Poll(t).empty());
  Append(dir / "absent", "late\n");
  EXPECT_EQ(Poll(t), (std::vector<std::string>{"late"}));
}

TEST(LogTailerTest, AnOpenThatFailsIsToldOncePerReasonAndClearedBySuccess) {
  testing::TempDir dir;
  LogTailer t((dir / "absent").string(), false);
  EXPECT_TRUE(Poll(t).empty());
  auto problem = t.TakeOpenProblem();
  ASSERT_TRUE(problem.has_value());
  EXPECT_NE(problem->find("absent"), std::string::npos);
  EXPECT_NE(problem->find("No such file"), std::string::npos);
  EXPECT_TRUE(Poll(t).empty());
  EXPECT_FALSE(t.TakeOpenProblem().has_value());  // the same reason is not repeated
  Append(dir / "absent", "late\n");
  EXPECT_EQ(Poll(t), (std::vector<std::string>{"late"}));
  EXPECT_FALSE(t.TakeOpenProblem().has_value());

  // A path through a regular file fails with another reason (as root, a permission problem
  // cannot be staged: root opens everything).
  Append(dir / "file", "x");
  LogTailer u((dir / "file" / "maillog").string(), false);
  EXPECT_TRUE(Poll(u).empty());
  problem = u.TakeOpenProblem();
  ASSERT_TRUE(problem.has_value());
  EXPECT_NE(problem->find("Not a directory"), std::string::npos);
}

}  // namespace
}  // namespace fbl
