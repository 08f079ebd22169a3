// fblctl: the admin CLI. Thin: dispatch to cmd_<name>.cpp.
#include <cstdio>
#include <cstring>
#include <string>

#include "fbl/cli/commands.h"

namespace {

struct Command {
  const char* name;
  int (*run)(const fbl::cli::Args&);
  const char* usage;
};

const Command kCommands[] = {
    {"parse", fbl::cli::CmdParse, "parse [--header NAME]... PATH...    print reports as JSON lines"},
    {"suppressions", fbl::cli::CmdSuppressions,
     "suppressions get|list|add|remove|import|export ...   the suppression list"},
    {"allowlist", fbl::cli::CmdAllowlist, "allowlist add|remove|list ...     never-suppress list"},
    {"db", fbl::cli::CmdDb, "db backup FILE | db check            database operations"},
    {"ingest", fbl::cli::CmdIngest, "ingest [-|FILE]                      one message from an MTA pipe"},
    {"backtest", fbl::cli::CmdBacktest, "backtest --maillog FILE [--config FILE]   replay a maillog"},
    {"fbl-id", fbl::cli::CmdFblId, "fbl-id issue|verify ...              feedback identifiers"},
    {"tokens", fbl::cli::CmdTokens, "tokens issue|revoke|list ...         API bearer tokens"},
    {"accounts", fbl::cli::CmdAccounts, "accounts list|release ...            held submission accounts"},
};

void Usage(std::FILE* out) {
  std::fprintf(out, "usage: fblctl COMMAND [ARGS]   (data commands take --db PATH or --config FILE)\n");
  for (const auto& c : kCommands) std::fprintf(out, "  %s\n", c.usage);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    Usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? fbl::cli::kExitUsage : 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::printf("fblctl %s\n", FBL_VERSION);
    return 0;
  }
  fbl::cli::Args args(argv + 2, argv + argc);
  for (const auto& c : kCommands) {
    if (std::strcmp(argv[1], c.name) == 0) return c.run(args);
  }
  std::fprintf(stderr, "fblctl: unknown command '%s'\n", argv[1]);
  Usage(stderr);
  return fbl::cli::kExitUsage;
}
