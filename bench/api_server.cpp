// bench_api_server --seed DB_PATH [SUPPRESSIONS]
//   Seeds DB_PATH with SUPPRESSIONS (default 1,000,000) global suppressions user<N>@bench.example
//   unless the last one is already there, then exits.
// bench_api_server DB_PATH [THREADS [WORKERS]]
//   Issues an admin read token, starts ApiServer (default options, THREADS I/O threads and
//   WORKERS workers when given, no rate limit) on 127.0.0.1:0, prints "port=<p> token=<bearer>"
//   and serves until SIGINT/SIGTERM. Seeding runs in its own process so that the server's RSS is
//   the server's alone. bench/api_wrk.sh drives it.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "fbl/api/api_server.h"
#include "fbl/api/auth.h"
#include "store/sqlite_store.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

bool Seed(fbl::Store& store, long target) {
  auto existing = store.CheckSuppressions({"user" + std::to_string(target - 1) + "@bench.example"});
  if (existing.ok() && !existing->front().empty()) return true;
  const long kBatch = 50000;
  for (long start = 0; start < target; start += kBatch) {
    std::vector<fbl::ManualSuppression> rows;
    for (long i = start; i < std::min(target, start + kBatch); ++i) {
      rows.push_back({"*", "user" + std::to_string(i) + "@bench.example",
                      i % 3 == 0 ? fbl::SuppressionReason::kHardBounce : fbl::SuppressionReason::kComplaint,
                      std::nullopt, ""});
    }
    auto r = store.ImportSuppressions(rows, false, {"bench", "suppression.import", "", ""});
    if (!r.ok()) {
      std::fprintf(stderr, "seed: %s\n", r.error().ToString().c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const bool seed = argc >= 3 && std::string(argv[1]) == "--seed";
  if (argc < 2 || (argc < 3 && seed)) {
    std::fprintf(stderr, "usage: bench_api_server --seed DB_PATH [N] | bench_api_server DB_PATH [THREADS]\n");
    return 64;
  }
  fbl::StoreOptions store_options;
  store_options.path = argv[seed ? 2 : 1];
  store_options.synchronous = "normal";
  if (seed) {
    auto store = fbl::OpenSqliteStore(store_options);
    long count = argc > 3 ? std::atol(argv[3]) : 1000000;
    return store.ok() && Seed(**store, count) ? 0 : 1;
  }
  fbl::ApiOptions options;
  options.listen = "127.0.0.1:0";
  options.threads = argc > 2 ? std::atoi(argv[2]) : options.threads;
  options.workers = argc > 3 ? std::atoi(argv[3]) : options.workers;
  options.rate_limit_per_second = 0;  // one token drives all the load
  options.max_connections = 1024;
  std::string token;
  {
    auto store = fbl::OpenSqliteStore(store_options);
    if (!store.ok()) return 1;
    auto issued = fbl::api::GenerateToken("admin", false, "bench", std::time(nullptr));
    if (!issued.ok() || !(*store)->CreateApiToken(issued->record, {"bench", "token.issue", "", ""}).ok()) return 1;
    token = "Bearer " + issued->token;
  }
  fbl::Metrics metrics;
  fbl::ApiServer server(options, store_options, &metrics);
  fbl::Status s = server.Start();
  if (!s.ok()) {
    std::fprintf(stderr, "start: %s\n", s.error().ToString().c_str());
    return 1;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::printf("port=%d token=%s\n", server.port(), token.c_str());
  std::fflush(stdout);
  while (!g_stop) pause();
  server.Stop();
  return 0;
}
