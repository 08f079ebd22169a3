// fblctl allowlist add|remove|list  (docs/cli.md)
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "fbl/cli/commands.h"
#include "fbl/cli/store_args.h"

namespace fbl::cli {
namespace {

void Usage() {
  std::fprintf(stderr,
               "usage: fblctl allowlist add ADDRESS [--scope S] [--note TEXT]   (--db PATH | --config FILE)\n"
               "       fblctl allowlist remove ADDRESS [--scope S]\n"
               "       fblctl allowlist list [--scope S]\n");
}

int List(const ParsedArgs& a, Store& store) {
  AllowlistFilter f;
  if (a.Has("scope")) f.scope = a.Get("scope");
  f.limit = 1000;
  for (;;) {
    auto page = store.ListAllowlist(f);
    if (!page.ok()) return Fail("list", page.error());
    for (const AllowlistEntry& e : *page) {
      nlohmann::json j{{"scope", e.scope}, {"address", e.address}, {"note", e.note},
                       {"created_at", FormatRfc3339(e.created_at)}};
      std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    }
    if (page->size() < static_cast<std::size_t>(f.limit)) return kExitOk;
    f.after_scope = page->back().scope;
    f.after_address = page->back().address;
  }
}

}  // namespace

int CmdAllowlist(const Args& args) {
  ParsedArgs a;
  if (!ParseVerbArgs(args, {"scope", "note"}, {}, Usage, &a)) return kExitUsage;
  const std::string& verb = a.positional[0];
  const bool takes_address = verb == "add" || verb == "remove";
  if (!(takes_address || verb == "list") || a.positional.size() != (takes_address ? 2u : 1u)) {
    Usage();
    return kExitUsage;
  }
  StoreOptions options;
  int code = kExitOk;
  if (!ResolveStoreOptions(a, &options, &code)) return code;
  auto store = OpenStoreOrPrint(options, verb == "list", &code);
  if (!store) return code;
  if (verb == "list") return List(a, *store);
  const std::string scope = a.Get("scope", "*");
  const std::string& address = a.positional[1];
  Status s = verb == "add"
                 ? store->AddAllowlist(scope, address, a.Get("note"), {CliActor(), "allowlist.add", "", a.Get("note")})
                 : store->RemoveAllowlist(scope, address, {CliActor(), "allowlist.remove", "", ""});
  if (!s.ok()) return Fail(verb, s.error());
  return kExitOk;
}

}  // namespace fbl::cli
