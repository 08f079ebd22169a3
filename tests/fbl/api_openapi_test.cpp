// docs/openapi.yaml describes exactly the router's table: every documented path+method is
// routed, and every route is documented. A tiny line reader is enough: the file keeps paths at
// two spaces and methods at four under "paths:".
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>
#include <string>

#include "fbl/api/router.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

using Operation = std::pair<std::string, std::string>;  // (path, METHOD)

std::set<Operation> DocumentedOperations(const std::string& yaml) {
  std::set<Operation> out;
  std::istringstream in(yaml);
  std::string line;
  bool in_paths = false;
  std::string path;
  while (std::getline(in, line)) {
    if (line == "paths:") {
      in_paths = true;
      continue;
    }
    if (!in_paths || line.empty() || line[0] == '#') continue;
    if (line[0] != ' ') break;  // the next top-level key
    if (line.rfind("  /", 0) == 0 && line.back() == ':') {
      path = line.substr(2, line.size() - 3);
    } else if (line.size() > 5 && line.rfind("    ", 0) == 0 && line[4] != ' ' && line.back() == ':') {
      std::string method = line.substr(4, line.size() - 5);
      std::transform(method.begin(), method.end(), method.begin(), ::toupper);
      out.emplace(path, method);
    }
  }
  return out;
}

std::set<Operation> RoutedOperations() {
  std::set<Operation> out;
  for (const auto& r : api::RouteTable()) out.emplace(std::string(r.path), std::string(r.method));
  return out;
}

TEST(ApiOpenApiTest, EveryDocumentedOperationIsRouted) {
  auto documented = DocumentedOperations(testing::ReadFile(std::string(FBL_SOURCE_DIR) + "/docs/openapi.yaml"));
  ASSERT_GT(documented.size(), 10u);
  auto routed = RoutedOperations();
  for (const auto& op : documented) EXPECT_TRUE(routed.count(op)) << op.second << " " << op.first << " is not routed";
}

TEST(ApiOpenApiTest, EveryRouteIsDocumented) {
  auto documented = DocumentedOperations(testing::ReadFile(std::string(FBL_SOURCE_DIR) + "/docs/openapi.yaml"));
  for (const auto& op : RoutedOperations()) {
    EXPECT_TRUE(documented.count(op)) << op.second << " " << op.first << " is missing from docs/openapi.yaml";
  }
}

TEST(ApiOpenApiTest, TheLineReaderSeesPathsAndMethodsOnly) {
  auto ops = DocumentedOperations(
      "info:\n  x: 1\npaths:\n  /a/{b}:\n    get:\n      summary: s\n    put:\n      responses:\n"
      "  /c:\n    post:\ncomponents:\n  /notapath:\n    get:\n");
  EXPECT_EQ(ops, (std::set<Operation>{{"/a/{b}", "GET"}, {"/a/{b}", "PUT"}, {"/c", "POST"}}));
}

}  // namespace
}  // namespace fbl
