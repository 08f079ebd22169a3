// bench_imap_drain [N] [BATCH]: drains N ARF reports (default 10,000) from a private Dovecot
// on loopback (IMAPS, certificate verified) into a fresh SQLite store through the real
// Pipeline, and moves them to Processed. Prints reports/s. Needs root or a user that can run
// Dovecot; see BENCHMARKS.md "## IMAP".
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "fbl/config/config.h"
#include "fbl/log/log.h"
#include "fbl/metrics/metrics.h"
#include "fbl/pipeline/pipeline.h"
#include "fbl/sources/imap_source.h"
#include "store/sqlite_store.h"
// The test harness's Dovecot wrapper, compiled in (bench/ links the library stack only).
#define FBL_SOURCE_DIR "."
#define FBL_CORPUS_DIR "."
#define FBL_BINARY_DIR "."
#include "tests/testing/dovecot.cpp"
#include "tests/testing/process.cpp"
#include "tests/testing/test_util.cpp"

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  const int n = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int batch = argc > 2 ? std::atoi(argv[2]) : 100;
  fbl::SetLogLevel(fbl::LogLevel::kWarn);
  fbl::testing::TempDir dir;
  fbl::testing::Dovecot dovecot;
  if (!dovecot.Start()) {
    std::fprintf(stderr, "dovecot: %s\n", dovecot.error().c_str());
    return 1;
  }
  for (int i = 0; i < n; ++i) dovecot.Deliver("r" + std::to_string(i), fbl::testing::MakeArfReport(i));
  auto config = fbl::ParseConfig(
      "[store]\npath = \"" + dir.str() + "/fbl.db\"\n"
      "[trust]\nauthserv_id = \"mx.fbl.test\"\n"
      "[[provider]]\nname = \"yahoo\"\ndomains = [\"yahoo.com\"]\ntrust = \"none\"\n"
      "[[client]]\nid = \"demo\"\nnotify_email = \"postmaster@example.com\"\n"
      "domains = [\"example.com\"]\ndkim_domains = [\"example.com\"]\n",
      "bench.toml");
  if (!config.ok()) return std::fprintf(stderr, "%s\n", config.error().ToString().c_str()), 1;
  auto store = fbl::OpenSqliteStore(config->store);
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.error().ToString().c_str()), 1;
  fbl::Metrics metrics;
  fbl::Pipeline pipeline(store->get(), *config, &metrics);

  fbl::ImapSourceOptions o;
  o.name = "bench";
  o.host = "localhost";
  o.port = dovecot.tls_port();
  o.ca_file = dovecot.ca_file();
  o.user = dovecot.user();
  o.password = dovecot.password();
  o.batch_size = batch;
  boost::asio::io_context io;
  fbl::ImapSource source(io, o, &pipeline, store->get(), &metrics);
  std::string key = fbl::ImapStateKey(o, "INBOX");
  auto drained = [&] {
    auto s = (*store)->GetMailboxState(key);
    return s.ok() && s->has_value() && (*s)->last_uid >= static_cast<std::uint32_t>(n);
  };
  auto start = Clock::now();
  source.Start();
  while (!drained() && Clock::now() - start < std::chrono::minutes(10)) {
    io.restart();
    io.run_for(std::chrono::milliseconds(20));
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  source.Stop();
  for (int i = 0; i < 100 && source.running() > 0; ++i) {
    io.restart();
    io.run_for(std::chrono::milliseconds(20));
  }
  int processed = dovecot.Count("Processed");
  std::printf("imap_drain: %d reports (batch %d) in %.2f s = %.0f reports/s; Processed=%d INBOX=%d\n",
              n, batch, seconds, n / seconds, processed, dovecot.Count());
  return processed == n ? 0 : 1;
}
