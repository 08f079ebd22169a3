// bench_api_server --seed DB_PATH [SUPPRESSIONS]
//   Seeds DB_PATH with SUPPRESSIONS (default 1,000,000) global suppressions user<N>@bench.example
//   unless the last one is already there, then exits.
// bench_api_server DB_PATH [THREADS [WORKERS [MMAP_BYTES]]]
//   Issues an admin read token, starts ApiServer (default options, THREADS I/O threads,
//   WORKERS workers and [api] db_mmap_bytes when given, no rate limit) on 127.0.0.1:0, prints "port=<p> token=<bearer>"
//   and serves until SIGINT/SIGTERM. Seeding runs in its own process so that the server's RSS is
//   the server's alone. bench/api_wrk.sh drives it.
// bench_api_server --handle DB_PATH [CHECKS]
//   No sockets: answers CHECKS (default 2,000) checks of the 1,000 addresses of api_check.lua
//   through api::HandleRequest on this thread, as one worker of the server would, and prints the
//   thread's CPU time per check. That cost, not the network, decides the check's p99 under wrk;
//   CPU time of one thread is also steadier than wrk's latency on a busy machine.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "fbl/api/api_server.h"
#include "fbl/api/auth.h"
#include "fbl/api/handlers.h"
#include "fbl/daemon/allocator.h"
#include "store/sqlite_store.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

bool Seed(fbl::Store& store, long target) {
  auto existing = store.CheckSuppressions({"user" + std::to_string(target - 1) + "@bench.example"});
  if (existing.ok() && !(*existing)[0].empty()) return true;
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

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The body of bench/api_check.lua (COUNT = 1,000,000): about two addresses in three exist.
std::string CheckBody() {
  std::string body = "{\"addresses\":[";
  for (long i = 1; i <= 1000; ++i) {
    if (i > 1) body += ',';
    body += "\"user" + std::to_string((i * 104729) % 1500000) + "@bench.example\"";
  }
  return body + "]}";
}

int HandleChecks(const fbl::StoreOptions& store_options, long checks) {
  auto store = fbl::OpenSqliteStore(store_options);
  if (!store.ok()) return 1;
  auto issued = fbl::api::GenerateToken("admin", false, "bench", std::time(nullptr));
  if (!issued.ok() || !(*store)->CreateApiToken(issued->record, {"bench", "token.issue", "", ""}).ok()) return 1;
  fbl::ApiOptions options;
  options.rate_limit_per_second = 0;
  fbl::api::ApiContext context;
  context.store = store->get();
  context.options = &options;
  context.address = &store_options.address;
  context.now = [] { return static_cast<fbl::UnixTime>(std::time(nullptr)); };
  fbl::api::Request request{"POST", "/v1/suppressions/check", "Bearer " + issued->token, CheckBody(), true};
  std::size_t bytes = 0;
  for (int i = 0; i < 50; ++i) bytes += fbl::api::HandleRequest(request, context).body.size();  // warm-up
  const double t0 = ThreadCpuSeconds();
  for (long i = 0; i < checks; ++i) {
    fbl::api::Response r = fbl::api::HandleRequest(request, context);
    if (r.status != 200) {
      std::fprintf(stderr, "check answered %d: %s\n", r.status, r.body.c_str());
      return 1;
    }
    bytes += r.body.size();
  }
  const double cpu = ThreadCpuSeconds() - t0;
  std::printf("checks of 1,000 addresses: %ld, CPU %.1f us per check (%.0f checks/s of one core), %zu bytes answered\n",
              checks, cpu * 1e6 / static_cast<double>(checks), static_cast<double>(checks) / cpu, bytes);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  fbl::TuneAllocatorForServing();  // as fbld does
  const bool seed = argc >= 3 && std::string(argv[1]) == "--seed";
  if (argc >= 3 && std::string(argv[1]) == "--handle") {
    fbl::StoreOptions store_options;
    store_options.path = argv[2];
    store_options.one_thread_at_a_time = true;  // as each of the server's connections is
    return HandleChecks(store_options, argc > 3 ? std::atol(argv[3]) : 2000);
  }
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
  options.db_mmap_bytes = argc > 4 ? std::atoll(argv[4]) : options.db_mmap_bytes;
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
