// bench_imap_instances [N] [INSTANCES] [sqlite|sqlite-normal|postgresql]: N ARF reports
// (default 6,000) in a private Dovecot; INSTANCES real fbld processes (default 3; the fbld of
// this build tree, $FBL_BINARY_DIR/fbl/fbld) poll that one mailbox and share one database
// (a SQLite file with synchronous full or normal, or a private PostgreSQL cluster). Times
// from the start of the instances until INBOX is empty and every outbox row is sent (each
// report stored, moved, and its notification written to a Maildir), and prints reports/s.
// Needs root (Dovecot and PostgreSQL run as other users); see BENCHMARKS.md "## Multi-instance".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "fbl/config/config.h"
#include "store/open_store.h"
// The test harness, compiled in (bench/ links the library stack only).
#define FBL_SOURCE_DIR "."
#define FBL_CORPUS_DIR "."
#define FBL_BINARY_DIR "."
#include "tests/testing/dovecot.cpp"
#include "tests/testing/fbld.cpp"
#include "tests/testing/postgres_server.cpp"
#include "tests/testing/process.cpp"
#include "tests/testing/test_util.cpp"

namespace {

using fbl::testing::Dovecot;
using fbl::testing::Fbld;
using fbl::testing::FbldSettings;

FbldSettings Settings(const Dovecot& dovecot, const std::string& store_path,
                      const std::string& store_toml, int instance) {
  FbldSettings s;
  s.log_level = "warn";
  s.store_path = store_path;
  s.store_toml = store_toml;
  s.extra_toml = "poll_interval_ms = 200\n"
                 "[daemon]\ninstance_id = \"bench-" + std::to_string(instance) + "\"\n"
                 "[[imap]]\nname = \"bench\"\nhost = \"localhost\"\n"
                 "port = " + std::to_string(dovecot.tls_port()) + "\n"
                 "ca_file = \"" + dovecot.ca_file() + "\"\n"
                 "user = \"" + dovecot.user() + "\"\npassword = \"" + dovecot.password() + "\"\n"
                 "batch_size = 100\n";
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  const int n = argc > 1 ? std::atoi(argv[1]) : 6000;
  const int instances = argc > 2 ? std::atoi(argv[2]) : 3;
  const std::string backend = argc > 3 ? argv[3] : "sqlite";
  fbl::testing::TempDir dir;
  Dovecot dovecot;
  if (!dovecot.Start()) return std::fprintf(stderr, "dovecot: %s\n", dovecot.error().c_str()), 1;
  for (int i = 0; i < n; ++i) dovecot.Deliver("r" + std::to_string(i), fbl::testing::MakeArfReport(i));

  std::string store_path = (dir / "shared.db").string();
  std::string store_toml;
  std::unique_ptr<fbl::testing::PostgresServer> pg;
  if (backend == "sqlite-normal") store_toml = "synchronous = \"normal\"\n";
  if (backend == "postgresql") {
    pg = std::make_unique<fbl::testing::PostgresServer>();
    if (!pg->Start() || !pg->CreateDatabase("bench")) return std::fprintf(stderr, "postgresql: %s\n", pg->error().c_str()), 1;
    store_toml = "backend = \"postgresql\"\ndsn = \"" + pg->Dsn("bench") + "\"\npassword = \"" + pg->password() + "\"\n";
  }
  std::vector<std::unique_ptr<Fbld>> fblds;
  for (int i = 0; i < instances; ++i) {
    std::filesystem::path home = dir / ("instance-" + std::to_string(i));
    std::filesystem::create_directories(home);
    fblds.push_back(std::make_unique<Fbld>(home, Settings(dovecot, store_path, store_toml, i)));
    fblds.back()->WriteConfig();
  }
  auto config = fbl::LoadConfig(fblds[0]->config_path().string());
  if (!config.ok()) return std::fprintf(stderr, "%s\n", config.error().ToString().c_str()), 1;

  auto start = Clock::now();
  for (auto& f : fblds) {
    if (!f->Start()) return std::fprintf(stderr, "fbld did not start:\n%s\n", f->Log().c_str()), 1;
  }
  std::unique_ptr<fbl::Store> store;
  auto done = [&] {
    if (dovecot.Count() != 0) return false;
    if (!store) {
      auto opened = fbl::OpenStore(config->store);
      if (!opened.ok()) return false;
      store = std::move(opened.value());
    }
    auto stats = store->GetOutboxStats();
    return stats.ok() && stats->pending == 0;
  };
  while (!done() && Clock::now() - start < std::chrono::minutes(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a real server
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& f : fblds) f->Stop(SIGTERM);
  int processed = dovecot.Count("Processed");
  std::printf("imap_instances: %d reports, %d instance(s), %s: %.2f s = %.0f reports/s "
              "(stored, moved, notified); Processed=%d INBOX=%d\n",
              n, instances, backend.c_str(), seconds, n / seconds, processed, dovecot.Count());
  return dovecot.Count() == 0 ? 0 : 1;
}
