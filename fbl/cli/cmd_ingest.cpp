// fblctl ingest [-|FILE] [--config FILE] [--db PATH] [--source NAME]
// For MTAs that deliver to a program (Postfix pipe(8), procmail, .forward "|..."): one message
// on stdin (or from FILE) goes through the same Pipeline as the daemon's sources. Exit codes
// (sysexits), chosen so that nothing is ever lost:
//   0   committed (also when the same bytes were already stored: duplicate);
//       malformed or over-size mail is committed as quarantined and acknowledged — never 65
//   75  EX_TEMPFAIL: the store is unavailable (locked, missing disk, read error): the MTA
//       keeps the message and retries
//   78  configuration error; 64 usage
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>

#include "fbl/cli/commands.h"
#include "fbl/cli/store_args.h"
#include "fbl/config/config.h"
#include "fbl/pipeline/pipeline.h"
#include "store/open_store.h"

namespace fbl::cli {
namespace {

constexpr const char* kDefaultConfig = "/etc/fbl/fbld.toml";
constexpr std::size_t kReadMarginBytes = 1 << 20;

void Usage() {
  std::fprintf(stderr, "usage: fblctl ingest [-|FILE] [--config FILE] [--db PATH] [--source NAME]\n");
}

// Reads at most `cap` bytes and drains the rest (a pipe writer must not see EPIPE: the
// pipeline truncates over-size mail itself and records it). False on a read error.
bool ReadCapped(std::istream& in, std::size_t cap, std::string* out) {
  char buf[65536];
  while (in) {
    in.read(buf, sizeof buf);
    std::size_t n = static_cast<std::size_t>(in.gcount());
    if (out->size() < cap) out->append(buf, std::min(n, cap - out->size()));
  }
  return in.eof() && !in.bad();
}

std::string Hex(const Sha256& h) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : h) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

bool ReadMessage(const std::string& path, std::size_t cap, std::string* raw) {
  if (path == "-") return ReadCapped(std::cin, cap, raw);
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  return ReadCapped(file, cap, raw);
}

}  // namespace

int CmdIngest(const Args& args) {
  ParsedArgs a;
  std::string error;
  if (!ParseArgs(args, {"config", "db", "source"}, {}, &a, &error) || a.positional.size() > 1) {
    if (!error.empty()) std::fprintf(stderr, "fblctl: %s\n", error.c_str());
    return Usage(), kExitUsage;
  }
  std::string path = a.positional.empty() ? "-" : a.positional[0];
  auto config = LoadConfig(a.Get("config", kDefaultConfig));
  if (!config.ok()) {
    std::fprintf(stderr, "fblctl: config: %s\n", config.error().detail.c_str());
    return kExitConfig;
  }
  if (a.Has("db")) {  // an explicit SQLite file, whatever the config names
    config->store.backend = "sqlite";
    config->store.path = a.Get("db");
  }
  std::string raw;
  if (!ReadMessage(path, config->parse.limits.max_message_bytes + kReadMarginBytes, &raw)) {
    std::fprintf(stderr, "fblctl: cannot read the message from %s\n", path.c_str());
    return path == "-" ? kExitTempFail : kExitIoErr;
  }
  auto store = OpenStore(config->store);
  if (!store.ok()) {
    std::fprintf(stderr, "fblctl: store unavailable: %s\n", store.error().ToString().c_str());
    return kExitTempFail;
  }
  Pipeline pipeline(store->get(), *config, nullptr);
  auto result = pipeline.Process({raw, a.Get("source", "pipe")}, std::time(nullptr));
  if (!result.ok()) {
    // Whatever went wrong, nothing was committed: let the MTA keep the message and retry.
    std::fprintf(stderr, "fblctl: not stored, retry later: %s\n", result.error().ToString().c_str());
    return kExitTempFail;
  }
  std::printf("{\"sha256\":\"%s\",\"duplicate\":%s,\"status\":\"%s\",\"disposition\":\"%s\"}\n",
              Hex(result->sha256).c_str(), result->duplicate ? "true" : "false",
              ReportStatusName(result->status), DispositionName(result->disposition));
  return kExitOk;
}

}  // namespace fbl::cli
