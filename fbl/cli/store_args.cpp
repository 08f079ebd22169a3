#include "fbl/cli/store_args.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "fbl/config/config.h"
#include "store/open_store.h"

namespace fbl::cli {

bool ParseVerbArgs(const Args& args, const std::vector<std::string>& value_options,
                   const std::vector<std::string>& flags, void (*usage)(), ParsedArgs* out) {
  std::string error;
  if (!ParseArgs(args, value_options, flags, out, &error)) {
    std::fprintf(stderr, "fblctl: %s\n", error.c_str());
    usage();
    return false;
  }
  if (out->positional.empty()) {
    usage();
    return false;
  }
  return true;
}

bool ParseArgs(const Args& args, const std::vector<std::string>& value_options,
               const std::vector<std::string>& flags, ParsedArgs* out, std::string* error) {
  auto listed = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() < 3 || a.rfind("--", 0) != 0) {
      out->positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::string value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      inline_value = true;
    }
    if (listed(flags, name)) {
      out->options[name] = "1";
    } else if (listed(value_options, name) || name == "db" || name == "config") {
      if (!inline_value) {
        if (i + 1 >= args.size()) {
          *error = "--" + name + " needs a value";
          return false;
        }
        value = args[++i];
      }
      out->options[name] = value;
    } else {
      *error = "unknown option --" + name;
      return false;
    }
  }
  return true;
}

bool ResolveStoreOptions(const ParsedArgs& args, StoreOptions* out, int* exit_code) {
  if (!args.Has("db") && !args.Has("config")) {
    std::fprintf(stderr, "fblctl: give --db PATH or --config FILE\n");
    *exit_code = kExitUsage;
    return false;
  }
  if (args.Has("config")) {
    Result<Config> config = LoadConfig(args.Get("config"));
    if (!config.ok()) {
      std::fprintf(stderr, "fblctl: %s\n", config.error().detail.c_str());
      *exit_code = kExitConfig;
      return false;
    }
    *out = config->store;
  }
  if (args.Has("db")) {  // an explicit SQLite file, whatever the config names
    out->backend = "sqlite";
    out->path = args.Get("db");
  }
  // A CLI command waits a little longer for the daemon's write transactions than the default.
  out->busy_timeout_ms = std::max(out->busy_timeout_ms, 10000);
  return true;
}

std::unique_ptr<Store> OpenStoreOrPrint(StoreOptions options, bool read_only, int* exit_code) {
  options.read_only = read_only;
  auto store = OpenStore(options);
  if (!store.ok()) {
    *exit_code = Fail("opening " + (options.backend == "postgresql" ? "PostgreSQL " + options.dsn : options.path),
                      store.error());
    return nullptr;
  }
  return std::move(store.value());
}

int ExitCodeFor(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMalformed:
    case ErrorCode::kLimitExceeded:
      return kExitDataErr;
    case ErrorCode::kNotFound:
      return kExitNo;
    case ErrorCode::kUnavailable:
      return kExitTempFail;
    case ErrorCode::kConflict:
      return kExitUnavailable;
    case ErrorCode::kIo:
      return kExitIoErr;
    case ErrorCode::kInternal:
      return kExitSoftware;
  }
  return kExitSoftware;
}

int Fail(const std::string& context, const Error& error) {
  std::fprintf(stderr, "fblctl: %s: %s\n", context.c_str(), error.ToString().c_str());
  return ExitCodeFor(error);
}

std::string CliActor() {
  for (const char* var : {"LOGNAME", "USER"}) {
    const char* v = std::getenv(var);
    if (v != nullptr && *v != '\0') return std::string("cli:") + v;
  }
  return "cli:uid" + std::to_string(getuid());
}

std::string FormatRfc3339(UnixTime t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

std::optional<UnixTime> ParseTimeArg(const std::string& text, UnixTime now) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  if (text[0] == '+' && text.size() >= 3 && text.back() == 'd') {
    long long days = std::strtoll(text.c_str() + 1, &end, 10);
    if (end != text.c_str() + text.size() - 1 || days < 0 || days > 36500) return std::nullopt;
    return now + days * 86400;
  }
  long long secs = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() + text.size() && text.find('-') == std::string::npos) return secs;
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%d", &tm);
  if (rest == nullptr) return std::nullopt;
  if (*rest != '\0') {
    rest = strptime(rest, "T%H:%M:%SZ", &tm);
    if (rest == nullptr || *rest != '\0') return std::nullopt;
  }
  return static_cast<UnixTime>(timegm(&tm));
}

}  // namespace fbl::cli
