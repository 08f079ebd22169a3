// Helpers shared by the tests: temporary directories, files, the corpus, free ports.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace fbl::testing {

// A fresh directory under /tmp, removed (recursively) by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::filesystem::path operator/(std::string_view rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

std::string ReadFile(const std::filesystem::path& path);
void WriteFile(const std::filesystem::path& path, std::string_view content);

// tests/fixtures/<rel>
std::filesystem::path FixturePath(std::string_view rel);
std::string ReadFixture(std::string_view rel);

// ../shared/corpus/set-of-emails/<rel>; empty path when the corpus is absent.
std::filesystem::path CorpusPath(std::string_view rel = "");
bool HaveCorpus();

// Path of a built executable (fbld, fblctl) in the build tree.
std::filesystem::path BinaryPath(std::string_view name);

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

// Skips the current test (with a message) when the shared corpus is not there.
#define FBL_REQUIRE_CORPUS()                                                   \
  do {                                                                         \
    if (!::fbl::testing::HaveCorpus()) GTEST_SKIP() << "shared corpus absent"; \
  } while (0)

}  // namespace fbl::testing
