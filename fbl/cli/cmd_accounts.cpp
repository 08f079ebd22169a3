// fblctl accounts list               held submission accounts, one JSON object per line
// fblctl accounts release USER       releases a held account (the policy server notices within
//                                     seconds); exit 1 when the account is not held
// Both take --db PATH or --config FILE.
#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "fbl/cli/commands.h"
#include "fbl/cli/store_args.h"

namespace fbl::cli {

namespace {

void Usage() {
  std::fprintf(stderr,
               "usage: fblctl accounts list             (--db PATH | --config FILE)\n"
               "       fblctl accounts release USER     (--db PATH | --config FILE)\n");
}

UnixTime Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int List(Store& store) {
  auto held = store.ListHeldAccounts();
  if (!held.ok()) return Fail("listing held accounts", held.error());
  for (const auto& a : *held) {
    nlohmann::ordered_json j;
    j["username"] = a.username;
    j["held"] = a.held;
    j["held_at"] = a.held_at ? nlohmann::ordered_json(FormatRfc3339(*a.held_at)) : nlohmann::ordered_json();
    j["held_reason"] = a.held_reason;
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }
  return kExitOk;
}

int Release(Store& store, const std::string& user) {
  AuditEntry audit{CliActor(), "account.release", user, ""};
  Status s = store.ReleaseAccount(user, audit, Now());
  if (!s.ok() && s.error().code == ErrorCode::kNotFound) {
    std::fprintf(stderr, "fblctl: %s is not held\n", user.c_str());
    return kExitNo;
  }
  if (!s.ok()) return Fail("releasing " + user, s.error());
  std::printf("released %s\n", user.c_str());
  return kExitOk;
}

}  // namespace

int CmdAccounts(const Args& args) {
  ParsedArgs a;
  if (!ParseVerbArgs(args, {}, {}, Usage, &a)) return kExitUsage;
  const std::string& verb = a.positional[0];
  bool list = verb == "list" && a.positional.size() == 1;
  bool release = verb == "release" && a.positional.size() == 2;
  if (!list && !release) return Usage(), kExitUsage;
  StoreOptions options;
  int code = kExitOk;
  if (!ResolveStoreOptions(a, &options, &code)) return code;
  auto store = OpenStoreOrPrint(options, list, &code);
  if (!store) return code;
  return list ? List(*store) : Release(*store, a.positional[1]);
}

}  // namespace fbl::cli
