#include "fbl/daemon/instance_id.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace fbl {
namespace {

TEST(InstanceIdTest, DefaultIsStableForOneConfigAndDiffersForAnother) {
  const std::string a = DefaultInstanceId("/etc/fbl/fbld.toml");
  EXPECT_EQ(a, DefaultInstanceId("/etc/fbl/../fbl/fbld.toml"));
  EXPECT_NE(a, DefaultInstanceId("/etc/fbl/fbld-2.toml"));
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof(host) - 1), 0);
  EXPECT_EQ(a.rfind(std::string(host) + ":", 0), 0u) << a;
  EXPECT_EQ(a.size(), std::string(host).size() + 9);
}

TEST(InstanceIdTest, ASecondClaimOfOneIdIsRefusedUntilTheFirstEnds) {
  const std::string id = "test-" + std::to_string(getpid());
  auto first = ClaimInstanceId(id);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  auto second = ClaimInstanceId(id);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  EXPECT_NE(second.error().detail.find(id), std::string::npos);
  auto other = ClaimInstanceId(id + "-b");
  ASSERT_TRUE(other.ok());
  ::close(*other);
  ::close(*first);
  auto again = ClaimInstanceId(id);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  ::close(*again);
}

}  // namespace
}  // namespace fbl
