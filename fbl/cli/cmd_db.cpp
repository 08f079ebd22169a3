// fblctl db backup FILE | db check | db migrate [--to postgresql:DSN]  (docs/cli.md)
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "fbl/cli/commands.h"
#include "fbl/cli/store_args.h"
#include "store/migrations.h"
#include "store/sqlite_store.h"
#include "store/sqlite_to_pg.h"

namespace fbl::cli {
namespace {

void Usage() {
  std::fprintf(stderr,
               "usage: fblctl db backup FILE     (--db PATH | --config FILE)  online, consistent copy\n"
               "       fblctl db check           integrity, foreign keys, schema version (exit 0/1)\n"
               "       fblctl db migrate         bring the schema to this binary's version\n"
               "       fblctl db migrate --to postgresql:DSN [--from sqlite:PATH] [--resume] [--batch N]\n"
               "                                 copy the SQLite database into PostgreSQL and verify\n"
               "                                 it (password: FBL_PG_PASSWORD, or passfile= in DSN)\n");
}

int Check(const StoreOptions& options) {
  auto report = CheckSqliteDatabase(options.path, options.busy_timeout_ms);
  if (!report.ok()) return Fail("check " + options.path, report.error());
  for (const std::string& p : report->problems) std::fprintf(stderr, "%s: %s\n", options.path.c_str(), p.c_str());
  std::printf("{\"ok\":%s,\"schema_version\":%d,\"expected_version\":%d,\"problems\":%zu}\n",
              report->ok ? "true" : "false", report->schema_version, report->expected_version,
              report->problems.size());
  return report->ok ? kExitOk : kExitNo;
}

int Backup(const StoreOptions& options, const std::string& dest) {
  Status s = BackupSqliteDatabase(options.path, dest, options.busy_timeout_ms);
  if (!s.ok()) return Fail("backup " + options.path, s.error());
  return kExitOk;
}

int Migrate(const StoreOptions& options) {
  int code = kExitOk;
  auto store = OpenStoreOrPrint(options, false, &code);
  if (!store) return code;
  std::printf("{\"schema_version\":%d}\n", CurrentSchemaVersion());
  return kExitOk;
}

void PrintTable(const TableMigration& t) {
  nlohmann::ordered_json j = {{"table", t.table},           {"source_rows", t.source_rows},
                      {"copied_rows", t.copied_rows}, {"dest_rows", t.dest_rows},
                      {"adjusted_texts", t.adjusted_texts}, {"verified", t.verified()}};
  std::printf("%s\n", j.dump().c_str());
  std::fflush(stdout);
}

// --to postgresql:DSN [--from sqlite:PATH | --db PATH | --config FILE]: exit 0 when every
// table is copied and verified, 1 when a table differs, a sysexits code on errors.
int MigrateToPostgres(const ParsedArgs& a) {
  const std::string to = a.Get("to");
  const std::string from = a.Get("from");
  if (to.rfind("postgresql:", 0) != 0 || (!from.empty() && from.rfind("sqlite:", 0) != 0)) {
    std::fprintf(stderr, "fblctl: db migrate goes --from sqlite:PATH --to postgresql:DSN\n");
    return kExitUsage;
  }
  StoreOptions source;
  int code = kExitOk;
  if (!from.empty()) {
    source.path = from.substr(7);
  } else if (!ResolveStoreOptions(a, &source, &code)) {
    return code;
  }
  source.backend = "sqlite";
  StoreOptions dest = source;
  dest.backend = "postgresql";
  dest.dsn = to.substr(11);
  if (const char* pw = std::getenv("FBL_PG_PASSWORD")) dest.password = pw;
  SqliteToPgOptions options;
  options.resume = a.Has("resume");
  options.batch_rows = std::atoi(a.Get("batch", "500").c_str());
  options.on_table = PrintTable;
  auto report = MigrateSqliteToPg(source, dest, options);
  if (!report.ok()) return Fail("migrate " + source.path + " to PostgreSQL", report.error());
  const bool ok = report->verified();
  std::printf("{\"complete\":%s,\"verified\":%s,\"tables\":%zu}\n", report->complete ? "true" : "false",
              ok ? "true" : "false", report->tables.size());
  if (!ok) std::fprintf(stderr, "fblctl: the copy differs from the source: see the tables with \"verified\":false\n");
  return ok ? kExitOk : kExitNo;
}

}  // namespace

int CmdDb(const Args& args) {
  ParsedArgs a;
  if (!ParseVerbArgs(args, {"from", "to", "batch"}, {"resume"}, Usage, &a)) return kExitUsage;
  const std::string& verb = a.positional[0];
  if (verb == "migrate" && a.Has("to") && a.positional.size() == 1) return MigrateToPostgres(a);
  const std::size_t want = verb == "backup" ? 2 : 1;
  if ((verb != "backup" && verb != "check" && verb != "migrate") || a.positional.size() != want) {
    Usage();
    return kExitUsage;
  }
  StoreOptions options;
  int code = kExitOk;
  if (!ResolveStoreOptions(a, &options, &code)) return code;
  if (verb == "check") return Check(options);
  if (verb == "backup") return Backup(options, a.positional[1]);
  return Migrate(options);
}

}  // namespace fbl::cli
