// fblctl fbl-id issue --client C --recipient R [--campaign X] [--config FILE]
// fblctl fbl-id verify TOKEN [--config FILE]
#include <cstdio>
#include <ctime>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "fbl/cli/commands.h"
#include "fbl/config/config.h"
#include "fbl/pipeline/fbl_id.h"

namespace fbl::cli {

namespace {

constexpr const char* kDefaultConfig = "/etc/fbl/fbld.toml";

void Usage() {
  std::fprintf(stderr,
               "usage: fblctl fbl-id issue --client ID --recipient ADDRESS [--campaign X] "
               "[--config FILE]\n"
               "       fblctl fbl-id verify TOKEN [--config FILE]\n");
}

// Splits "--name value" pairs from positional arguments. Returns false on a dangling option.
bool SplitArgs(const Args& args, std::map<std::string, std::string>* options,
               std::vector<std::string>* positional) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i].rfind("--", 0) == 0) {
      if (i + 1 >= args.size()) return false;
      (*options)[args[i].substr(2)] = args[i + 1];
      ++i;
    } else {
      positional->push_back(args[i]);
    }
  }
  return true;
}

// Loads the keys of [fbl_id]; prints the problem and returns an exit code on failure.
int LoadCodecKeys(const std::string& path, std::vector<FblIdKey>* keys) {
  Result<Config> config = LoadConfig(path);
  if (!config.ok()) {
    std::fprintf(stderr, "fblctl: %s\n", config.error().detail.c_str());
    return kExitConfig;
  }
  for (const FblIdKeyOptions& k : config->pipeline.fbl_id_keys) keys->push_back({k.id, k.secret});
  if (keys->empty()) {
    std::fprintf(stderr, "fblctl: %s has no [[fbl_id.key]]\n", path.c_str());
    return kExitConfig;
  }
  return kExitOk;
}

int Issue(const std::map<std::string, std::string>& options, const FblIdCodec& codec) {
  FblIdClaims claims;
  auto get = [&](const char* name) {
    auto it = options.find(name);
    return it == options.end() ? std::string() : it->second;
  };
  claims.client_id = get("client");
  claims.recipient = get("recipient");
  claims.campaign = get("campaign");
  claims.issued_at = static_cast<std::int64_t>(std::time(nullptr));
  if (claims.client_id.empty() || claims.recipient.empty()) {
    Usage();
    return kExitUsage;
  }
  Result<std::string> token = codec.TryIssue(claims);
  if (!token.ok()) {
    std::fprintf(stderr, "fblctl: %s\n", token.error().detail.c_str());
    return kExitDataErr;
  }
  std::printf("%s\n", token->c_str());
  return kExitOk;
}

int Verify(const std::string& token, const FblIdCodec& codec) {
  Result<FblIdClaims> claims = codec.Verify(token);
  if (!claims.ok()) {
    std::fprintf(stderr, "fblctl: invalid token: %s\n", claims.error().detail.c_str());
    return kExitNo;
  }
  nlohmann::json out = {{"client_id", claims->client_id},
                        {"recipient", claims->recipient},
                        {"campaign", claims->campaign},
                        {"issued_at", claims->issued_at}};
  std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return kExitOk;
}

}  // namespace

int CmdFblId(const Args& args) {
  std::map<std::string, std::string> options;
  std::vector<std::string> positional;
  if (!SplitArgs(args, &options, &positional) || positional.empty()) {
    Usage();
    return kExitUsage;
  }
  std::string config_path = options.count("config") ? options["config"] : kDefaultConfig;
  const std::string& verb = positional[0];
  bool is_issue = verb == "issue" && positional.size() == 1;
  bool is_verify = verb == "verify" && positional.size() == 2;
  if (!is_issue && !is_verify) {
    Usage();
    return kExitUsage;
  }
  std::vector<FblIdKey> keys;
  if (int rc = LoadCodecKeys(config_path, &keys); rc != kExitOk) return rc;
  FblIdCodec codec(std::move(keys));
  return is_issue ? Issue(options, codec) : Verify(positional[1], codec);
}

}  // namespace fbl::cli
