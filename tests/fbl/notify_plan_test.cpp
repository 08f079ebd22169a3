#include "fbl/notify/delivery_plan.h"

#include <gtest/gtest.h>

namespace fbl::notify {
namespace {

using Type = PlannedDelivery::Type;
constexpr UnixTime kT0 = 1795000000;
constexpr std::int64_t kHour = 3600;

OutboxItem Row(std::int64_t id, std::optional<std::string> client, std::string kind = "complaint",
               std::string channel = "email") {
  OutboxItem r;
  r.id = id;
  r.client_id = std::move(client);
  r.kind = std::move(kind);
  r.channel = std::move(channel);
  r.message_id = "m" + std::to_string(id);
  return r;
}

PolicyLookup Policies() {
  return [](const std::string& id) -> std::optional<ClientPolicy> {
    if (id == "digest") return ClientPolicy{"digest", kHour};
    if (id == "each") return ClientPolicy{"immediate", 0};
    if (id == "quiet") return ClientPolicy{"off", 0};
    if (id == "hook") return ClientPolicy{"webhook", 0};
    return std::nullopt;
  };
}

TEST(NotifyPlanTest, FirstComplaintOfADigestClientIsSentAtOnce) {
  auto plan = PlanDeliveries({Row(1, "digest")}, Policies(), {}, kT0);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].type, Type::kSend);
}

TEST(NotifyPlanTest, ComplaintsInsideTheWindowAreHeldUntilItCloses) {
  std::map<std::string, UnixTime> last{{"digest", kT0}};
  auto plan = PlanDeliveries({Row(2, "digest"), Row(3, "digest")}, Policies(), last, kT0 + 600);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].type, Type::kHold);
  EXPECT_EQ(plan[0].hold_until, kT0 + kHour);
  EXPECT_EQ(plan[0].rows.size(), 2u);
}

TEST(NotifyPlanTest, HeldComplaintsGoOutAsOneDigestWhenTheWindowCloses) {
  std::map<std::string, UnixTime> last{{"digest", kT0}};
  auto plan = PlanDeliveries({Row(2, "digest"), Row(3, "digest"), Row(4, "digest")}, Policies(),
                             last, kT0 + kHour);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].type, Type::kDigest);
  EXPECT_EQ(plan[0].rows.size(), 3u);
}

TEST(NotifyPlanTest, ImmediateClientsGetOneMessagePerComplaint) {
  std::map<std::string, UnixTime> last{{"each", kT0}};
  auto plan = PlanDeliveries({Row(1, "each"), Row(2, "each")}, Policies(), last, kT0 + 1);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].type, Type::kSend);
  EXPECT_EQ(plan[1].type, Type::kSend);
}

TEST(NotifyPlanTest, OffAndUnknownClientsAreDroppedWithAReason) {
  auto plan = PlanDeliveries({Row(1, "quiet"), Row(2, "nobody")}, Policies(), {}, kT0);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].type, Type::kDrop);
  EXPECT_NE(plan[0].reason.find("off"), std::string::npos);
  EXPECT_EQ(plan[1].type, Type::kDrop);
}

TEST(NotifyPlanTest, AdminRowsAndWebhooksAreNeverHeld) {
  std::map<std::string, UnixTime> last{{"digest", kT0}};
  auto plan = PlanDeliveries({Row(1, std::nullopt, "admin-untrusted"), Row(2, "hook", "complaint", "webhook")},
                             Policies(), last, kT0 + 1);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].type, Type::kSend);
  EXPECT_EQ(plan[1].type, Type::kWebhook);
}

TEST(NotifyPlanTest, ClientsAreWindowedIndependently) {
  std::map<std::string, UnixTime> last{{"digest", kT0}};
  auto plan = PlanDeliveries({Row(1, "digest"), Row(2, "each")}, Policies(), last, kT0 + 60);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].type, Type::kSend);  // "each" is decided in the first pass
  EXPECT_EQ(plan[1].type, Type::kHold);
}

}  // namespace
}  // namespace fbl::notify
