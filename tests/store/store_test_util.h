// Helpers for the store tests: a fresh SQLite store in a temp dir, ingest items built in memory,
// and StoreTest, the fixture that runs one test body against every backend (SQLite and
// PostgreSQL), so that the backends cannot drift apart.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "store/pg_store.h"
#include "store/sqlite_store.h"
#include "tests/testing/postgres_server.h"
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

// ---- Every backend ---------------------------------------------------------------------------

enum class Backend { kSqlite, kPostgresql };

// Instantiation names: ".../sqlite" and ".../postgresql". CTest runs the PostgreSQL ones as a
// separate test (`<binary>_postgres`, labels integration;postgres) with --gtest_filter
// '*postgresql*:*Postgres*', and the rest as `<binary>` (labels unit;store).
inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "sqlite" : "postgresql";
}

// One private PostgreSQL cluster per test binary, started on first use, stopped at exit;
// each test gets a fresh database in it. nullptr (with the reason) if it cannot start.
inline PostgresServer* SharedPostgres(std::string* error) {
  static PostgresServer* server = nullptr;
  static std::string failure;
  static bool tried = false;
  static std::unique_ptr<PostgresServer> owner;
  if (!tried) {
    tried = true;
    owner = std::make_unique<PostgresServer>();
    if (owner->Start()) {
      server = owner.get();
    } else {
      failure = owner->error();
    }
  }
  if (server == nullptr) *error = "PostgreSQL test server did not start: " + failure;
  return server;
}

// Options of a fresh, empty store of `backend` (for PostgreSQL a new database).
inline StoreOptions FreshStoreOptions(Backend backend, const TempDir& dir) {
  StoreOptions o = TestStoreOptions(dir);
  if (backend == Backend::kSqlite) return o;
  std::string error;
  PostgresServer* pg = SharedPostgres(&error);
  if (pg == nullptr) {
    ADD_FAILURE() << error;
    return o;
  }
  static std::atomic<int> counter{0};
  const std::string db = "t" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  if (!pg->CreateDatabase(db)) ADD_FAILURE() << pg->error();
  o.backend = "postgresql";
  o.dsn = pg->Dsn(db);
  o.password = pg->password();
  o.pool_size = 4;
  return o;
}

inline std::unique_ptr<Store> OpenAnyStore(const StoreOptions& options) {
  auto s = OpenStore(options);
  if (!s.ok()) {
    ADD_FAILURE() << s.error().ToString();
    return nullptr;
  }
  return std::move(s.value());
}

// The database name in a dsn made by FreshStoreOptions.
inline std::string DbNameOf(const StoreOptions& o) {
  auto at = o.dsn.find("dbname=");
  if (at == std::string::npos) return "";
  auto end = o.dsn.find(' ', at);
  return o.dsn.substr(at + 7, end == std::string::npos ? std::string::npos : end - at - 7);
}

// The first column of the first row of `sql` (portable SQL), read around the Store.
inline std::int64_t QueryInt(const StoreOptions& o, const std::string& sql) {
  if (o.backend == "postgresql") {
    std::string error;
    PostgresServer* pg = SharedPostgres(&error);
    if (pg == nullptr) return -1;
    std::int64_t v = pg->QueryInt(DbNameOf(o), sql);
    if (v < 0) ADD_FAILURE() << pg->error();
    return v;
  }
  SQLite::Database db(o.path, SQLite::OPEN_READONLY);
  return db.execAndGet(sql).getInt64();
}

// A fresh store of the test's backend in SetUp; Count() reads tables directly.
class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    options_ = FreshStoreOptions(GetParam(), dir_);
    store_ = OpenAnyStore(options_);
    ASSERT_NE(store_, nullptr);
  }
  // Reopens the store (after a change of options_): the same database.
  void Reopen() {
    store_.reset();
    store_ = OpenAnyStore(options_);
    ASSERT_NE(store_, nullptr);
  }
  std::int64_t Count(const std::string& sql) { return QueryInt(options_, sql); }
  bool postgres() const { return GetParam() == Backend::kPostgresql; }

  TempDir dir_;
  StoreOptions options_;
  std::unique_ptr<Store> store_;
};

#define FBL_INSTANTIATE_FOR_EVERY_BACKEND(suite)                                                    \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                                         \
                           ::testing::Values(::fbl::testing::Backend::kSqlite,                      \
                                             ::fbl::testing::Backend::kPostgresql),                 \
                           ::fbl::testing::BackendName)

}  // namespace fbl::testing
