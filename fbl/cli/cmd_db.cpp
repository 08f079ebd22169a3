// fblctl db backup FILE | db check | db migrate  (docs/cli.md)
#include <cstdio>
#include <string>

#include "fbl/cli/commands.h"
#include "fbl/cli/store_args.h"
#include "store/migrations.h"
#include "store/sqlite_store.h"

namespace fbl::cli {
namespace {

void Usage() {
  std::fprintf(stderr,
               "usage: fblctl db backup FILE     (--db PATH | --config FILE)  online, consistent copy\n"
               "       fblctl db check           integrity, foreign keys, schema version (exit 0/1)\n"
               "       fblctl db migrate         bring the schema to this binary's version\n");
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

}  // namespace

int CmdDb(const Args& args) {
  ParsedArgs a;
  if (!ParseVerbArgs(args, {}, {}, Usage, &a)) return kExitUsage;
  const std::string& verb = a.positional[0];
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
