// Moving a SQLite fbl database to PostgreSQL (`fblctl db migrate --from sqlite:PATH --to
// postgresql:DSN`, docs/operations.md "Moving to PostgreSQL").
//
// What it does, table by table in foreign-key order (clients and reports before the rows that
// refer to them): reads the SQLite rows in primary-key order from ONE read snapshot, inserts
// them into PostgreSQL in batches (each batch its own transaction, `ON CONFLICT DO NOTHING`),
// moves the identity sequences past the copied ids, and then verifies every table: the row
// count and an order-independent checksum of every row's values must be equal on both sides.
//
// Resumable: an interrupted copy (killed, connection lost) is continued by running it again
// with `resume`: each table restarts after the greatest primary key already in PostgreSQL, and
// rows already there are skipped. Without `resume` the destination must be empty, so that a
// migration never merges into a database an fbld is already using.
//
// Values: integers and blobs are copied exactly; text is copied exactly when it is valid UTF-8
// without NUL (PostgreSQL's text cannot hold anything else: other bytes become U+FFFD, counted
// in `adjusted_texts` and applied to both sides of the checksum). The source must be at this
// binary's schema version (run `fblctl db migrate --db PATH` first), and fbld must be stopped
// (rows written to SQLite after the snapshot are not copied).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "parsers/result.h"
#include "store/store_options.h"

namespace fbl {

struct TableMigration {
  std::string table;
  std::int64_t source_rows = 0;
  std::int64_t copied_rows = 0;      // inserted by this run (resumed rows not counted)
  std::int64_t dest_rows = 0;
  std::int64_t adjusted_texts = 0;   // text values that were not valid UTF-8 (see above)
  std::string source_checksum;       // hex; order-independent sum of per-row SHA-256
  std::string dest_checksum;
  bool verified() const { return source_rows == dest_rows && source_checksum == dest_checksum; }
};

struct SqliteToPgOptions {
  bool resume = false;
  int batch_rows = 500;              // [1, 5000] rows per INSERT (one transaction)
  // Stops after inserting this many rows in total (0: no limit), leaving the copy unfinished
  // as an interruption would: for tests of `resume`.
  std::int64_t stop_after_rows = 0;
  // Called after each table is copied and verified (progress output); may be empty.
  std::function<void(const TableMigration&)> on_table;
};

struct SqliteToPgReport {
  std::vector<TableMigration> tables;
  bool complete = false;             // every table copied (false after stop_after_rows)
  bool verified() const;             // complete and every table verified
};

// Copies `from` (backend "sqlite") into `to` (backend "postgresql"; its schema is created or
// migrated first). Errors: kInvalidArgument (wrong backends, bad batch size), kConflict (the
// destination holds data and `resume` is off; a schema version differs; a table or column is
// missing on one side), kUnavailable / kIo (either database cannot be reached or read).
Result<SqliteToPgReport> MigrateSqliteToPg(const StoreOptions& from, const StoreOptions& to,
                                           const SqliteToPgOptions& options);

}  // namespace fbl
