// store/pg_lib.h: libpq is loaded at run time, once, and a missing library is an error value.
#include "store/pg_lib.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace fbl::pg {
namespace {

TEST(LibpqLoader, LoadsLibpqAndResolvesEveryFunction) {
  auto lib = LoadLib();
  ASSERT_TRUE(lib.ok()) << lib.error().ToString();
#define FBL_EXPECT_RESOLVED(name) EXPECT_NE(lib.value()->name, nullptr) << #name;
  FBL_PG_LIBPQ_FUNCTIONS(FBL_EXPECT_RESOLVED)
#undef FBL_EXPECT_RESOLVED
  EXPECT_GE(lib.value()->PQlibVersion(), 100000);  // libpq 10 or later
}

TEST(LibpqLoader, GivesTheSameTableToEveryCallerAndThread) {
  auto first = LoadLib();
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  std::vector<const Lib*> seen(8, nullptr);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&seen, i] {
      auto lib = LoadLib();
      if (lib.ok()) seen[i] = lib.value();
    });
  }
  for (auto& t : threads) t.join();
  for (const Lib* lib : seen) EXPECT_EQ(lib, first.value());
  EXPECT_EQ(&Libpq(), first.value());
}

TEST(LibpqLoader, ParsesAConninfoThroughTheTable) {
  auto lib = LoadLib();
  ASSERT_TRUE(lib.ok()) << lib.error().ToString();
  char* error = nullptr;
  PQconninfoOption* options = lib.value()->PQconninfoParse("host=db.example dbname=fbl", &error);
  ASSERT_NE(options, nullptr) << (error != nullptr ? error : "");
  std::string dbname;
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string(o->keyword) == "dbname" && o->val != nullptr) dbname = o->val;
  }
  lib.value()->PQconninfoFree(options);
  EXPECT_EQ(dbname, "fbl");
}

TEST(LibpqLoader, ReportsAMissingLibraryAsUnavailableWithDlerror) {
  auto lib = LoadLibFrom("libpq-fbl-test-missing.so.5");
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(lib.error().detail.find("the PostgreSQL backend needs libpq5: dlopen libpq-fbl-test-missing.so.5: "),
            std::string::npos)
      << lib.error().detail;
  EXPECT_NE(lib.error().detail.find("No such file"), std::string::npos) << lib.error().detail;
}

TEST(LibpqLoader, ReportsALibraryWithoutTheFunctionsAsUnavailable) {
  auto lib = LoadLibFrom("libz.so.1");  // loads, but is not libpq
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(lib.error().detail.find("libz.so.1 has no function PQlibVersion"), std::string::npos)
      << lib.error().detail;
}

}  // namespace
}  // namespace fbl::pg
