// The same store work on either backend, so SQLite and PostgreSQL can be compared in one run
// (bench/store_backends.sh starts the PostgreSQL server and runs both):
//   suppressions imported (ImportSuppressions, one call), point lookups (LookupSuppressions,
//   one at a time), lookups in batches of 100 (CheckSuppressions), and report ingestion
//   (Store::Ingest in batches) by 1..K instances at once: K processes, each with its own
//   store, each ingesting its share of distinct reports.
//
//   bench_store_backends sqlite PATH | postgresql DSN  [ROWS] [LOOKUPS] [REPORTS] [MAX_INSTANCES]
// The PostgreSQL password comes from FBL_PG_PASSWORD. The database must be empty.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "bench/store_bench_util.h"
#include "parsers/address.h"
#include "store/pg_store.h"

using fbl::bench::Clock;

namespace {

std::string Address(long i) { return "user" + std::to_string(i) + "@example" + std::to_string(i % 997) + ".com"; }

std::unique_ptr<fbl::Store> Open(const fbl::StoreOptions& options) {
  auto s = fbl::OpenStore(options);
  if (!s.ok()) {
    std::fprintf(stderr, "open: %s\n", s.error().ToString().c_str());
    std::exit(1);
  }
  return std::move(s.value());
}

void Import(fbl::Store& store, long rows) {
  std::vector<fbl::ManualSuppression> batch;
  batch.reserve(rows);
  for (long i = 0; i < rows; ++i) {
    batch.push_back({"*", Address(i), i % 3 ? fbl::SuppressionReason::kHardBounce : fbl::SuppressionReason::kComplaint, {}, ""});
  }
  Clock t0 = Clock::Now();
  auto r = store.ImportSuppressions(batch, false, {"bench", "", "", ""});
  if (!r.ok() || r->added != rows) std::fprintf(stderr, "import failed\n"), std::exit(1);
  fbl::bench::PrintRate("suppressions imported (1 call)", rows, Clock::Now() - t0, "rows");
}

void Lookups(fbl::Store& store, long rows, long lookups) {
  std::mt19937_64 rng(1);
  long hits = 0;
  Clock t0 = Clock::Now();
  for (long i = 0; i < lookups; ++i) {
    auto r = store.LookupSuppressions(Address(static_cast<long>(rng() % (rows + rows / 3))));
    if (!r.ok()) std::fprintf(stderr, "lookup: %s\n", r.error().ToString().c_str()), std::exit(1);
    hits += r->empty() ? 0 : 1;
  }
  fbl::bench::PrintRate("point lookups (1 at a time)", lookups, Clock::Now() - t0, "lookups");
  t0 = Clock::Now();
  for (long i = 0; i < lookups; i += 100) {
    std::vector<std::string> keys;
    for (int k = 0; k < 100; ++k) {
      keys.push_back(fbl::NormalizeAddress(Address(static_cast<long>(rng() % (rows + rows / 3))), {})->key);
    }
    auto r = store.CheckSuppressions(keys);
    if (!r.ok()) std::fprintf(stderr, "check: %s\n", r.error().ToString().c_str()), std::exit(1);
  }
  fbl::bench::PrintRate("lookups in batches of 100", lookups, Clock::Now() - t0, "lookups");
  std::printf("%-44s %10ld of %ld\n", "lookup hits", hits, lookups);
}

// Instance `k` of `n` ingests reports first + k, first + k + n, ... in batches of 500.
int IngestShare(const fbl::StoreOptions& options, long first, long reports, int k, int n) {
  auto store = Open(options);
  std::vector<fbl::IngestItem> batch;
  for (long i = first + k; i < first + reports; i += n) {
    batch.push_back(fbl::bench::Item(i, fbl::bench::RawReport(i)));
    if (batch.size() == 500 || i + n >= first + reports) {
      auto r = store->Ingest(batch);
      if (!r.ok()) return std::fprintf(stderr, "ingest: %s\n", r.error().ToString().c_str()), 1;
      batch.clear();
    }
  }
  return 0;
}

// K processes at once; the rate is all reports over the wall time until the last one ends.
void Ingest(const fbl::StoreOptions& options, long first, long reports, int instances) {
  Clock t0 = Clock::Now();
  std::vector<pid_t> children;
  for (int k = 0; k < instances; ++k) {
    pid_t pid = fork();
    if (pid == 0) _exit(IngestShare(options, first, reports, k, instances));
    children.push_back(pid);
  }
  bool ok = true;
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  const double wall = (Clock::Now() - t0).wall;
  if (!ok) std::fprintf(stderr, "an ingest instance failed\n"), std::exit(1);
  std::printf("ingest, %d instance(s), batches of 500          %10.0f reports/s wall (%.2f s)\n", instances,
              reports / wall, wall);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_store_backends sqlite PATH | postgresql DSN [ROWS] [LOOKUPS] [REPORTS] [MAX_INSTANCES]\n");
    return 64;
  }
  fbl::StoreOptions options;
  options.backend = argv[1];
  (options.backend == "sqlite" ? options.path : options.dsn) = argv[2];
  if (const char* pw = std::getenv("FBL_PG_PASSWORD")) options.password = pw;
  const long rows = argc > 3 ? std::atol(argv[3]) : 100'000;
  const long lookups = argc > 4 ? std::atol(argv[4]) : 20'000;
  const long reports = argc > 5 ? std::atol(argv[5]) : 10'000;
  const int max_instances = argc > 6 ? std::atoi(argv[6]) : 3;
  fbl::bench::PrintMachine();
  std::printf("backend %s, %ld suppressions, %ld lookups, %ld reports per ingest run\n", options.backend.c_str(),
              rows, lookups, reports);
  {
    auto store = Open(options);
    Import(*store, rows);
    Lookups(*store, rows, lookups);
  }
  for (int n = 1; n <= max_instances; ++n) Ingest(options, 10'000'000L * n, reports, n);
  return 0;
}
