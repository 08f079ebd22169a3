// fblctl tokens issue|revoke|list: bearer tokens of the HTTP API. Only SHA-256 of a secret is
// stored; `issue` prints the whole token once, on stdout, and it cannot be shown again.
#include <cstdio>
#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

#include "fbl/api/auth.h"
#include "fbl/cli/commands.h"
#include "fbl/cli/store_args.h"

namespace fbl::cli {
namespace {

void Usage() {
  std::fprintf(stderr,
               "usage: fblctl tokens issue --scope admin|client:ID [--write] [--note TEXT]"
               "   (--db PATH | --config FILE)\n"
               "       fblctl tokens revoke ID\n"
               "       fblctl tokens list\n");
}

int Issue(const ParsedArgs& a, Store& store) {
  const UnixTime now = std::time(nullptr);
  auto issued = api::GenerateToken(a.Get("scope"), a.Has("write"), a.Get("note"), now);
  if (!issued.ok()) return Fail("issue", issued.error());
  const ApiToken& t = issued->record;
  std::string detail = t.scope + (t.writable ? " read-write" : " read-only");
  Status s = store.CreateApiToken(t, {CliActor(), "token.issue", t.id, detail});
  if (!s.ok()) return Fail("issue", s.error());
  std::printf("%s\n", issued->token.c_str());
  std::fprintf(stderr, "fblctl: token %s issued (%s); this is the only time it is shown\n", t.id.c_str(),
               detail.c_str());
  return kExitOk;
}

int Revoke(const std::string& id, Store& store) {
  Status s = store.RevokeApiToken(id, std::time(nullptr), {CliActor(), "token.revoke", id, ""});
  if (!s.ok() && s.error().code == ErrorCode::kNotFound) {
    std::fprintf(stderr, "fblctl: no active token %s\n", id.c_str());
    return kExitNo;
  }
  if (!s.ok()) return Fail("revoke", s.error());
  return kExitOk;
}

int List(Store& store) {
  auto tokens = store.ListApiTokens();
  if (!tokens.ok()) return Fail("list", tokens.error());
  for (const ApiToken& t : *tokens) {
    nlohmann::json j{{"id", t.id},
                     {"scope", t.scope},
                     {"writable", t.writable},
                     {"note", t.note},
                     {"created_at", FormatRfc3339(t.created_at)},
                     {"revoked_at", t.revoked_at ? nlohmann::json(FormatRfc3339(*t.revoked_at)) : nullptr}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }
  return kExitOk;
}

}  // namespace

int CmdTokens(const Args& args) {
  ParsedArgs a;
  if (!ParseVerbArgs(args, {"scope", "note"}, {"write"}, Usage, &a)) return kExitUsage;
  const std::string& verb = a.positional[0];
  const std::size_t want = verb == "revoke" ? 2u : 1u;
  if (!(verb == "issue" || verb == "revoke" || verb == "list") || a.positional.size() != want ||
      (verb == "issue" && !a.Has("scope"))) {
    Usage();
    return kExitUsage;
  }
  if (verb == "issue") {
    if (Status v = api::ValidateScope(a.Get("scope")); !v.ok()) {
      std::fprintf(stderr, "fblctl: --scope: %s\n", v.error().detail.c_str());
      return kExitUsage;
    }
  }
  StoreOptions options;
  int code = kExitOk;
  if (!ResolveStoreOptions(a, &options, &code)) return code;
  auto store = OpenStoreOrPrint(options, verb == "list", &code);
  if (!store) return code;
  if (verb == "issue") return Issue(a, *store);
  if (verb == "revoke") return Revoke(a.positional[1], *store);
  return List(*store);
}

}  // namespace fbl::cli
