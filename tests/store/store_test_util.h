// Helpers for the store tests: a fresh SQLite store in a temp dir, ingest items built in memory.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "tests/testing/test_util.h"

namespace fbl::testing {

inline StoreOptions TestStoreOptions(const TempDir& dir) {
  StoreOptions o;
  o.path = (dir / "fbl.db").string();
  o.synchronous = "normal";  // tests do not need power-loss durability
  return o;
}

inline std::unique_ptr<SqliteStore> OpenTestStore(const StoreOptions& options) {
  auto s = SqliteStore::Open(options);
  if (!s.ok()) {
    ADD_FAILURE() << s.error().ToString();
    return nullptr;
  }
  return std::move(s.value());
}

// A distinct hash per n.
inline Sha256 HashOf(std::uint64_t n) {
  Sha256 h{};
  for (int i = 0; i < 8; ++i) h[i] = static_cast<std::uint8_t>(n >> (8 * i));
  h[31] = 0x5a;
  return h;
}

inline IngestItem ComplaintItem(std::uint64_t n, std::string client, std::string address,
                                UnixTime at = 1'700'000'000) {
  IngestItem item;
  item.sha256 = HashOf(n);
  item.source = "test";
  item.raw = "From: fbl@aol.example\r\n\r\nreport";
  item.received_at = at;
  item.kind = ReportKind::kFeedback;
  item.provider = "aol";
  item.feedback_type = FeedbackType::kAbuse;
  if (!client.empty()) item.client_id = client;
  item.status = ReportStatus::kProcessed;
  item.events.push_back({RecipientEvent::Type::kComplaint, std::move(address), "", ""});
  return item;
}

inline IngestItem BounceItem(std::uint64_t n, std::string client, std::string address, bool hard,
                             UnixTime at = 1'700'000'000) {
  IngestItem item = ComplaintItem(n, std::move(client), "", at);
  item.kind = ReportKind::kBounce;
  item.feedback_type.reset();
  item.events.clear();
  item.events.push_back({hard ? RecipientEvent::Type::kHardBounce : RecipientEvent::Type::kSoftBounce,
                         std::move(address), hard ? "5.1.1" : "4.2.2", "test"});
  return item;
}

}  // namespace fbl::testing
