// The whole daemon configuration: one struct per component, each with its defaults, read from
// TOML and validated once at start. `examples/fbld.toml` documents every key.
#pragma once

#include <string>
#include <vector>

#include "alerts/alerts_options.h"
#include "fbl/api/api_options.h"
#include "fbl/daemon/daemon_options.h"
#include "fbl/log/log.h"
#include "fbl/notify/notify_options.h"
#include "fbl/pipeline/pipeline_options.h"
#include "fbl/sources/source_options.h"
#include "parsers/parse.h"
#include "parsers/result.h"
#include "store/store_options.h"

namespace fbl {

struct Config {
  std::string path;  // the file it was read from
  LogOptions log;
  StoreOptions store;
  ParseOptions parse;
  SourcesOptions sources;
  PipelineOptions pipeline;  // providers, trust, clients, attribution, fbl-id keys
  ApiOptions api;
  NotifyOptions notify;
  AlertsOptions alerts;      // detectors, policy service, maillog follower
  DaemonOptions daemon;      // the process: instance id among several on one database
};

// Exit code for a configuration error (sysexits EX_CONFIG).
inline constexpr int kExitConfig = 78;

// Reads and validates `path`. The error's detail lists every problem, one per line, each
// naming its key. Relative paths inside the file are kept as written (relative to the cwd).
Result<Config> LoadConfig(const std::string& path);
// Same, from TOML text (tests).
Result<Config> ParseConfig(std::string_view toml_text, const std::string& path);

}  // namespace fbl
