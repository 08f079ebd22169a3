// TEMPORARY placeholder until this command's owner lands it.
#include <cstdio>

#include "fbl/cli/commands.h"

namespace fbl::cli {

int CmdAccounts(const Args&) {
  std::fprintf(stderr, "fblctl: not implemented yet\n");
  return kExitUnavailable;
}

}  // namespace fbl::cli
