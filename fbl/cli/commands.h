// fblctl sub-commands. Each is defined in cmd_<name>.cpp next to this file and takes the
// arguments after its name. Exit codes follow sysexits: 0 ok, 1 "no" answers (e.g. not
// suppressed), 64 usage, 65 bad data, 69 unavailable, 70 internal, 74 I/O, 75 temporary
// failure (the MTA retries), 78 configuration.
#pragma once

#include <string>
#include <vector>

namespace fbl::cli {

using Args = std::vector<std::string>;

inline constexpr int kExitOk = 0;
inline constexpr int kExitNo = 1;
inline constexpr int kExitUsage = 64;
inline constexpr int kExitDataErr = 65;
inline constexpr int kExitUnavailable = 69;
inline constexpr int kExitSoftware = 70;
inline constexpr int kExitIoErr = 74;
inline constexpr int kExitTempFail = 75;
inline constexpr int kExitConfig = 78;

int CmdParse(const Args& args);         // fblctl parse [--header NAME]... PATH...
int CmdSuppressions(const Args& args);  // fblctl suppressions get|list|add|remove|import|export
int CmdAllowlist(const Args& args);     // fblctl allowlist add|remove|list
int CmdDb(const Args& args);            // fblctl db backup|check|migrate
int CmdIngest(const Args& args);        // fblctl ingest - | FILE   (MTA pipe delivery)
int CmdBacktest(const Args& args);      // fblctl backtest --maillog FILE [--config FILE]
int CmdFblId(const Args& args);         // fblctl fbl-id issue|verify
int CmdTokens(const Args& args);        // fblctl tokens issue|revoke|list
int CmdAccounts(const Args& args);      // fblctl accounts list|release

}  // namespace fbl::cli
