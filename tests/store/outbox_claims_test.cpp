// Outbox claims (Store::ClaimOutbox): several fbld instances drain one outbox on one database
// file, each row sent by exactly one of them; a lease that runs out (the instance died) lets
// another take the row over; a settled row is never taken again.
#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/store/store_test_util.h"

namespace fbl {
namespace {

using testing::TempDir;

constexpr UnixTime kNow = 1'800'000'000;
constexpr int kLease = 60;

// Every test runs on SQLite and on PostgreSQL (tests/store/store_test_util.h).
class OutboxClaimsTest : public ::testing::TestWithParam<testing::Backend> {
 protected:
  void SetUp() override {
    options_ = testing::FreshStoreOptions(GetParam(), dir_);
    a_ = testing::OpenAnyStore(options_);
    b_ = testing::OpenAnyStore(options_);  // a second store: another instance
    ASSERT_NE(a_, nullptr);
    ASSERT_NE(b_, nullptr);
  }

  void Enqueue(int n, UnixTime due_at = kNow) {
    for (int i = 0; i < n; ++i) {
      NewOutboxItem item{"acme", "email", "complaint", "{}",
                         "m" + std::to_string(next_++) + "@fbl.test", due_at};
      ASSERT_TRUE(a_->EnqueueOutbox(item, due_at).ok());
    }
  }

  static std::set<std::int64_t> Ids(const std::vector<OutboxItem>& rows) {
    std::set<std::int64_t> ids;
    for (const OutboxItem& r : rows) ids.insert(r.id);
    return ids;
  }

  TempDir dir_;
  StoreOptions options_;
  std::unique_ptr<Store> a_;
  std::unique_ptr<Store> b_;
  int next_ = 0;
};

FBL_INSTANTIATE_FOR_EVERY_BACKEND(OutboxClaimsTest);

TEST_P(OutboxClaimsTest, ClaimedRowsComeOldestFirstAndAreNotGivenToAnotherInstance) {
  Enqueue(3, kNow - 10);
  Enqueue(2, kNow);
  Enqueue(1, kNow + 10);  // not due yet
  auto first = a_->ClaimOutbox("a", kNow, kLease, 4);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  ASSERT_EQ(first->size(), 4u);
  EXPECT_TRUE(std::is_sorted(first->begin(), first->end(), [](const OutboxItem& x, const OutboxItem& y) {
    return std::pair(x.due_at, x.id) < std::pair(y.due_at, y.id);
  }));
  auto second = b_->ClaimOutbox("b", kNow, kLease, 100);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 1u);  // the fifth due row; the first four are a's
  EXPECT_EQ(Ids(*first).count((*second)[0].id), 0u);
  // Just before a's lease runs out: b's own row again and the sixth (due now), none of a's.
  auto later = b_->ClaimOutbox("b", kNow + kLease - 1, kLease, 100);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 2u);
  for (const OutboxItem& r : *later) EXPECT_EQ(Ids(*first).count(r.id), 0u);
}

TEST_P(OutboxClaimsTest, TwoConnectionsClaimingConcurrentlyGetDisjointRows) {
  constexpr int kRows = 2000;
  Enqueue(kRows);
  std::vector<std::int64_t> got[2];
  std::atomic<int> errors{0};
  auto drain = [&](Store* store, const char* id, std::vector<std::int64_t>* out) {
    for (;;) {
      auto rows = store->ClaimOutbox(id, kNow, kLease, 7);
      if (!rows.ok()) {
        ++errors;
        continue;  // busy beyond the timeout would be a failure, counted above
      }
      if (rows->empty()) return;
      for (const OutboxItem& r : *rows) {
        out->push_back(r.id);
        if (!store->MarkOutboxSent(r.id, kNow).ok()) ++errors;
      }
    }
  };
  std::thread ta(drain, a_.get(), "a", &got[0]);
  std::thread tb(drain, b_.get(), "b", &got[1]);
  ta.join();
  tb.join();
  EXPECT_EQ(errors.load(), 0);
  std::set<std::int64_t> all(got[0].begin(), got[0].end());
  std::size_t overlap = 0;
  for (std::int64_t id : got[1]) overlap += all.insert(id).second ? 0 : 1;
  EXPECT_EQ(overlap, 0u);
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kRows));
  EXPECT_EQ(got[0].size() + got[1].size(), static_cast<std::size_t>(kRows));
  EXPECT_GT(got[0].size(), 0u);  // both took part
  EXPECT_GT(got[1].size(), 0u);
}

TEST_P(OutboxClaimsTest, AnExpiredLeaseIsTakenOverByAnotherInstance) {
  Enqueue(3);
  auto dead = a_->ClaimOutbox("a", kNow, kLease, 10);  // instance a dies holding these
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 3u);
  auto early = b_->ClaimOutbox("b", kNow + kLease - 1, kLease, 10);
  ASSERT_TRUE(early.ok());
  EXPECT_TRUE(early->empty());
  auto taken = b_->ClaimOutbox("b", kNow + kLease, kLease, 10);
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(Ids(*taken), Ids(*dead));
}

TEST_P(OutboxClaimsTest, ASentOrFailedRowIsNeverClaimedAgain) {
  Enqueue(3);
  auto rows = a_->ClaimOutbox("a", kNow, kLease, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  ASSERT_TRUE(a_->MarkOutboxSent((*rows)[0].id, kNow).ok());
  ASSERT_TRUE(a_->MarkOutboxFailed((*rows)[1].id, "550 no").ok());
  auto later = b_->ClaimOutbox("b", kNow + 10 * kLease, kLease, 10);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].id, (*rows)[2].id);
  auto own = a_->ClaimOutbox("a", kNow + 10 * kLease + 1, kLease, 10);
  ASSERT_TRUE(own.ok());
  EXPECT_TRUE(own->empty());  // b holds the last one, and the other two are settled
}

TEST_P(OutboxClaimsTest, ARetriedOrDeferredRowIsFreeForAnyInstanceWhenDueAgain) {
  Enqueue(2);
  auto rows = a_->ClaimOutbox("a", kNow, kLease, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  ASSERT_TRUE(a_->MarkOutboxRetry((*rows)[0].id, kNow + 5, "450 later").ok());
  ASSERT_TRUE(a_->DeferOutbox((*rows)[1].id, kNow + 5).ok());
  // Due again before a's lease would have run out: the claim was cleared with the retry.
  auto again = b_->ClaimOutbox("b", kNow + 5, kLease, 10);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Ids(*again), Ids(*rows));
  EXPECT_EQ((*again)[0].attempts + (*again)[1].attempts, 1);
}

TEST_P(OutboxClaimsTest, BadArgumentsAreRefused) {
  EXPECT_EQ(a_->ClaimOutbox("", kNow, kLease, 1).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(a_->ClaimOutbox("a", kNow, 0, 1).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(a_->ClaimOutbox("a", kNow, kLease, 0).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace fbl
