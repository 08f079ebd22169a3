// Store benchmark: 100,000 parsed reports committed through Store::Ingest in batches, each
// report with its raw message (~2.5 KB, compressed), one complaint, the client suppression
// and one outbox row.
//   bench_store_ingest [REPORTS] [BATCH] [full|normal]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/store_bench_util.h"
#include "store/sqlite_store.h"

using fbl::bench::Clock;

using fbl::bench::Item;
using fbl::bench::RawReport;

int main(int argc, char** argv) {
  const long reports = argc > 1 ? std::atol(argv[1]) : 100'000;
  const long batch = argc > 2 ? std::atol(argv[2]) : 500;
  const std::string sync = argc > 3 ? argv[3] : "full";
  fbl::bench::PrintMachine();
  fbl::bench::ScratchDir dir;
  fbl::StoreOptions options;
  options.path = dir.File("bench.db");
  options.synchronous = sync;
  auto store = fbl::SqliteStore::Open(options);
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.error().ToString().c_str()), 1;
  std::printf("reports %ld, batch %ld, synchronous=%s\n", reports, batch, sync.c_str());

  std::vector<std::string> raws;
  raws.reserve(reports);
  for (long i = 0; i < reports; ++i) raws.push_back(RawReport(i));
  std::vector<std::vector<fbl::IngestItem>> batches;
  for (long i = 0; i < reports; i += batch) {
    std::vector<fbl::IngestItem> b;
    for (long j = i; j < std::min(reports, i + batch); ++j) b.push_back(Item(j, raws[j]));
    batches.push_back(std::move(b));
  }
  long added = 0;
  Clock t0 = Clock::Now();
  for (const auto& b : batches) {
    auto r = (*store)->Ingest(b);
    if (!r.ok()) return std::fprintf(stderr, "%s\n", r.error().ToString().c_str()), 1;
    for (const auto& o : *r) added += o.suppressions_added;
  }
  Clock t = Clock::Now() - t0;
  fbl::bench::PrintRate("Ingest (report+raw+complaint+suppr.+outbox)", reports, t, "reports");
  std::printf("%-44s %10ld\n", "suppressions added", added);

  // The same items again: every one is a duplicate (the reprocessing path).
  t0 = Clock::Now();
  for (const auto& b : batches) {
    auto r = (*store)->Ingest(b);
    if (!r.ok() || !r->front().duplicate) return std::fprintf(stderr, "duplicate pass failed\n"), 1;
  }
  fbl::bench::PrintRate("Ingest of the same reports (duplicates)", reports, Clock::Now() - t0, "reports");
  (*store)->database().exec("PRAGMA wal_checkpoint(TRUNCATE)");
  std::printf("%-44s %10.1f bytes/report\n", "database size",
              double(std::filesystem::file_size(options.path)) / reports);
  return 0;
}
