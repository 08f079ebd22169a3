#include "fbl/config/config.h"

#include <toml++/toml.h>

#include <fstream>
#include <sstream>

#include "fbl/config/sections.h"

namespace fbl {

namespace {

// The root reader: sections are tables (or arrays of tables) of the document root; each
// section reader asks the root for what it needs so unknown top-level keys are caught too.
Result<Config> ReadDocument(const toml::table& doc, const std::string& path) {
  Config config;
  config.path = path;
  std::vector<std::string> errors;
  ConfigReader root(&doc, "", &errors);
  ReadLogOptions(root, &config.log);
  ReadStoreOptions(root, &config.store);
  ReadParseOptions(root, &config.parse);
  ReadSourcesOptions(root, &config.sources);
  ReadPipelineOptions(root, &config.pipeline);
  ReadApiOptions(root, &config.api);
  ReadNotifyOptions(root, &config.notify);
  ReadAlertsOptions(root, &config.alerts);
  ReadDaemonOptions(root, &config.daemon);
  root.RejectUnknownKeys();
  if (!errors.empty()) {
    std::string detail;
    for (const auto& e : errors) detail += (detail.empty() ? "" : "\n") + path + ": " + e;
    return MakeError(ErrorCode::kInvalidArgument, detail);
  }
  return config;
}

}  // namespace

Result<Config> ParseConfig(std::string_view toml_text, const std::string& path) {
  try {
    toml::table doc = toml::parse(toml_text, path);
    return ReadDocument(doc, path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    return MakeError(ErrorCode::kInvalidArgument, msg.str());
  }
}

Result<Config> LoadConfig(const std::string& path) {
  constexpr std::size_t kMaxConfigBytes = 4 * 1024 * 1024;
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kInvalidArgument, path + ": cannot open");
  std::string text(kMaxConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  // A directory opens fine and reads nothing: without this check it would load as defaults.
  if (in.bad()) return MakeError(ErrorCode::kInvalidArgument, path + ": cannot read");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxConfigBytes) {
    return MakeError(ErrorCode::kLimitExceeded, path + ": larger than 4 MiB");
  }
  return ParseConfig(text, path);
}

}  // namespace fbl
