// Store benchmark: 1,000,000 suppressions imported from an SES CSV (parse + normalise + one
// transaction), point lookups through Store::LookupSuppressions, bytes per row; and, as the
// comparison, the same rows added one transaction each (AddSuppression) for a sample.
//   bench_store_suppressions [ROWS] [full|normal]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "bench/store_bench_util.h"
#include "parsers/address.h"
#include "store/sqlite_store.h"
#include "store/suppression_csv.h"

using fbl::bench::Clock;

namespace {

std::string Address(long i) { return "user" + std::to_string(i) + "@example" + std::to_string(i % 997) + ".com"; }

std::string MakeCsv(long rows) {
  std::string csv;
  csv.reserve(static_cast<std::size_t>(rows) * 40);
  for (long i = 0; i < rows; ++i) csv += Address(i) + (i % 3 == 0 ? ",COMPLAINT\n" : ",BOUNCE\n");
  return csv;
}

}  // namespace

int main(int argc, char** argv) {
  const long rows = argc > 1 ? std::atol(argv[1]) : 1'000'000;
  const std::string sync = argc > 2 ? argv[2] : "full";
  fbl::bench::PrintMachine();
  fbl::bench::ScratchDir dir;
  fbl::StoreOptions options;
  options.path = dir.File("bench.db");
  options.synchronous = sync;
  options.one_thread_at_a_time = true;  // one thread uses the connection, as each API thread does
  auto store = fbl::SqliteStore::Open(options);
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.error().ToString().c_str()), 1;
  std::printf("rows %ld, synchronous=%s\n", rows, sync.c_str());

  const std::string csv = MakeCsv(rows);
  Clock t0 = Clock::Now();
  fbl::CsvImport parsed = fbl::ParseSuppressionCsv(csv, fbl::CsvFormat::kSes);
  std::vector<fbl::ManualSuppression> batch;
  batch.reserve(parsed.rows.size());
  for (const auto& r : parsed.rows) batch.push_back({"*", r.address, r.reason, {}, ""});
  auto result = (*store)->ImportSuppressions(batch, false, {"bench", "", "", ""});
  Clock import_time = Clock::Now() - t0;
  if (!result.ok() || result->added != rows) return std::fprintf(stderr, "import failed\n"), 1;
  fbl::bench::PrintRate("CSV import (parse+normalise+insert, 1 txn)", rows, import_time, "rows");

  (*store)->database().exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const auto bytes = std::filesystem::file_size(options.path);
  std::printf("%-44s %10.1f bytes/row (%.1f MiB file)\n", "database size", double(bytes) / rows, bytes / 1048576.0);

  std::mt19937_64 rng(1);
  const long lookups = 1'000'000;
  long hits = 0;
  t0 = Clock::Now();
  for (long i = 0; i < lookups; ++i) {
    // Three in four look up a suppressed address, one in four a clean one.
    long n = static_cast<long>(rng() % (rows + rows / 3));
    auto r = (*store)->LookupSuppressions(Address(n));
    if (!r.ok()) return std::fprintf(stderr, "lookup failed\n"), 1;
    hits += r->empty() ? 0 : 1;
  }
  fbl::bench::PrintRate("point lookups (normalise + indexed select)", lookups, Clock::Now() - t0, "lookups");
  std::printf("%-44s %10ld of %ld\n", "lookup hits", hits, lookups);

  // The same point lookups, 1,000 at a time inside one read snapshot (Store::BeginReadSnapshot,
  // what the API does for each request): the per-transaction WAL read lock is paid once per
  // 1,000 lookups instead of once per lookup.
  t0 = Clock::Now();
  long snapshot_hits = 0;
  for (long i = 0; i < lookups; i += 1000) {
    auto snapshot = (*store)->BeginReadSnapshot();
    for (long k = 0; k < 1000; ++k) {
      auto r = (*store)->LookupSuppressions(Address(static_cast<long>(rng() % (rows + rows / 3))));
      if (!r.ok()) return std::fprintf(stderr, "lookup failed\n"), 1;
      snapshot_hits += r->empty() ? 0 : 1;
    }
  }
  fbl::bench::PrintRate("point lookups, 1,000 per read snapshot", lookups, Clock::Now() - t0, "lookups");
  std::printf("%-44s %10ld of %ld\n", "lookup hits", snapshot_hits, lookups);

  // The bulk mailer's path: 100 keys per read transaction (Store::CheckSuppressions), which
  // pays SQLite's per-transaction WAL read lock (two fcntl calls) once per batch.
  t0 = Clock::Now();
  long batch_hits = 0;
  for (long i = 0; i < lookups; i += 100) {
    std::vector<std::string> keys;
    for (int k = 0; k < 100; ++k) {
      auto n = fbl::NormalizeAddress(Address(static_cast<long>(rng() % (rows + rows / 3))), {});
      keys.push_back(n->key);
    }
    auto r = (*store)->CheckSuppressions(keys);
    if (!r.ok()) return std::fprintf(stderr, "batch lookup failed\n"), 1;
    for (std::size_t k = 0; k < r->size(); ++k) batch_hits += (*r)[k].empty() ? 0 : 1;
  }
  fbl::bench::PrintRate("lookups in batches of 100 (1 read txn each)", lookups, Clock::Now() - t0, "lookups");

  // The comparison: one transaction (and, with full, one fsync) per row.
  const long sample = 2000;
  t0 = Clock::Now();
  for (long i = 0; i < sample; ++i) {
    auto r = (*store)->AddSuppression({"acme", Address(i), fbl::SuppressionReason::kManual, {}, ""}, {"bench", "", "", ""});
    if (!r.ok()) return std::fprintf(stderr, "add failed\n"), 1;
  }
  Clock single = Clock::Now() - t0;
  fbl::bench::PrintRate("AddSuppression, 1 txn per row (sample)", sample, single, "rows");
  std::printf("%-44s %10.1fx\n", "batched import vs per-row txn (wall)",
              (rows / import_time.wall) / (sample / single.wall));
  return 0;
}
