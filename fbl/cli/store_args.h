// What every fblctl command that touches data shares: `--db PATH` / `--config FILE` (DESIGN.md
// item 5), opening the store, exit codes for store errors, the audit actor, option parsing.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fbl/cli/commands.h"
#include "parsers/result.h"
#include "store/store.h"
#include "store/store_options.h"

namespace fbl::cli {

// "--name value" options and positional arguments. Flags (options without a value) must be
// listed in `flags`. Returns false (with *error) on a dangling option or an unknown one.
struct ParsedArgs {
  std::map<std::string, std::string> options;
  std::vector<std::string> positional;
  bool Has(const std::string& name) const { return options.count(name) != 0; }
  std::string Get(const std::string& name, const std::string& fallback = "") const {
    auto it = options.find(name);
    return it == options.end() ? fallback : it->second;
  }
};
bool ParseArgs(const Args& args, const std::vector<std::string>& value_options,
               const std::vector<std::string>& flags, ParsedArgs* out, std::string* error);

// ParseArgs for "fblctl COMMAND VERB ...": also requires a verb (the first positional).
// On failure prints the problem and `usage()` to stderr and returns false: exit kExitUsage.
bool ParseVerbArgs(const Args& args, const std::vector<std::string>& value_options,
                   const std::vector<std::string>& flags, void (*usage)(), ParsedArgs* out);

// The store options from --db PATH and/or --config FILE (--db overrides the config's path).
// Prints the problem to stderr and returns false with *exit_code set when neither is given
// (kExitUsage) or the config does not load (kExitConfig).
bool ResolveStoreOptions(const ParsedArgs& args, StoreOptions* out, int* exit_code);

// Opens the store (read_only: nothing is created or migrated). Prints the error on failure.
std::unique_ptr<Store> OpenStoreOrPrint(StoreOptions options, bool read_only, int* exit_code);

// sysexits code for a store error.
int ExitCodeFor(const Error& error);
// Prints "fblctl: <context>: <error>" to stderr and returns ExitCodeFor(error).
int Fail(const std::string& context, const Error& error);

// "cli:<user>" from the login name (LOGNAME/USER, else the uid).
std::string CliActor();

// RFC 3339 UTC ("2026-11-28T19:00:00Z").
std::string FormatRfc3339(UnixTime t);
// Unix seconds from "1767225600", "2027-01-01", "2027-01-01T00:00:00Z" or "+30d" (relative
// to now). nullopt when the text is none of these.
std::optional<UnixTime> ParseTimeArg(const std::string& text, UnixTime now);

}  // namespace fbl::cli
