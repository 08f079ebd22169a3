// Typed, bounded reading of one TOML table. Every error names the full key ("api.listen: ...")
// and is collected, so one start reports every mistake at once. Keys that no reader asked for
// are reported too (a typo must not silently fall back to a default).
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace fbl {

class ConfigReader {
 public:
  // `table` may be null (the section is absent: every getter leaves its default).
  // REQUIRES: errors outlives the reader.
  ConfigReader(const toml::table* table, std::string path, std::vector<std::string>* errors);
  ~ConfigReader();
  ConfigReader(ConfigReader&&) noexcept;

  bool Has(std::string_view key) const;
  void Bool(std::string_view key, bool* out);
  void Int(std::string_view key, std::int64_t* out, std::int64_t min, std::int64_t max);
  void Int(std::string_view key, int* out, int min, int max);
  void Size(std::string_view key, std::size_t* out, std::size_t min, std::size_t max);
  void Double(std::string_view key, double* out, double min, double max);
  void String(std::string_view key, std::string* out, std::size_t max_bytes = 4096);
  // Like String, but the value must be one of `allowed`.
  void Enum(std::string_view key, std::string* out, const std::vector<std::string>& allowed);
  void StringList(std::string_view key, std::vector<std::string>* out, std::size_t max_items = 10000);
  // A secret may be given as `key = "..."`, `key_env = "VAR"` or `key_file = "/path"` (first
  // line, trailing newline removed). Secrets are never echoed in errors.
  void Secret(std::string_view key, std::string* out);

  // A sub-table (absent → a reader over nothing).
  ConfigReader Table(std::string_view key);
  // An array of tables ([[key]]).
  std::vector<ConfigReader> TableArray(std::string_view key);

  // Records an error about `key` (for cross-field checks).
  void Fail(std::string_view key, std::string_view message);
  // Reports every key of this table that no getter asked for. Call after reading.
  void RejectUnknownKeys();

  const std::string& path() const { return path_; }

 private:
  std::string FullKey(std::string_view key) const;
  const void* Node(std::string_view key);  // marks the key as known

  const toml::table* table_;
  std::string path_;
  std::vector<std::string>* errors_;
  std::set<std::string, std::less<>> known_;
};

}  // namespace fbl
