#include "fbl/config/config_reader.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>

namespace fbl {

ConfigReader::ConfigReader(const toml::table* table, std::string path,
                           std::vector<std::string>* errors)
    : table_(table), path_(std::move(path)), errors_(errors) {}
ConfigReader::~ConfigReader() = default;
ConfigReader::ConfigReader(ConfigReader&&) noexcept = default;

std::string ConfigReader::FullKey(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void ConfigReader::Fail(std::string_view key, std::string_view message) {
  errors_->push_back(FullKey(key) + ": " + std::string(message));
}

bool ConfigReader::Has(std::string_view key) const {
  return table_ != nullptr && table_->contains(key);
}

const void* ConfigReader::Node(std::string_view key) {
  known_.emplace(key);
  if (table_ == nullptr) return nullptr;
  return table_->get(key);
}

void ConfigReader::Bool(std::string_view key, bool* out) {
  auto* node = static_cast<const toml::node*>(Node(key));
  if (node == nullptr) return;
  if (auto v = node->value<bool>()) {
    *out = *v;
  } else {
    Fail(key, "expected true or false");
  }
}

void ConfigReader::Int(std::string_view key, std::int64_t* out, std::int64_t min,
                       std::int64_t max) {
  auto* node = static_cast<const toml::node*>(Node(key));
  if (node == nullptr) return;
  if (!node->is_integer()) {
    Fail(key, "expected an integer");
    return;
  }
  std::int64_t v = *node->value<std::int64_t>();
  if (v < min || v > max) {
    Fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                  ", got " + std::to_string(v));
    return;
  }
  *out = v;
}

void ConfigReader::Int(std::string_view key, int* out, int min, int max) {
  std::int64_t v = *out;
  Int(key, &v, min, max);
  *out = static_cast<int>(v);
}

void ConfigReader::Size(std::string_view key, std::size_t* out, std::size_t min,
                        std::size_t max) {
  std::int64_t v = static_cast<std::int64_t>(*out);
  Int(key, &v, static_cast<std::int64_t>(min), static_cast<std::int64_t>(max));
  *out = static_cast<std::size_t>(v);
}

void ConfigReader::Double(std::string_view key, double* out, double min, double max) {
  auto* node = static_cast<const toml::node*>(Node(key));
  if (node == nullptr) return;
  std::optional<double> v;
  if (node->is_floating_point()) v = *node->value<double>();
  if (node->is_integer()) v = static_cast<double>(*node->value<std::int64_t>());
  if (!v) {
    Fail(key, "expected a number");
  } else if (*v < min || *v > max) {
    Fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  } else {
    *out = *v;
  }
}

void ConfigReader::String(std::string_view key, std::string* out, std::size_t max_bytes) {
  auto* node = static_cast<const toml::node*>(Node(key));
  if (node == nullptr) return;
  auto v = node->value<std::string>();
  if (!v || !node->is_string()) {
    Fail(key, "expected a string");
  } else if (v->size() > max_bytes) {
    Fail(key, "longer than " + std::to_string(max_bytes) + " bytes");
  } else {
    *out = std::move(*v);
  }
}

void ConfigReader::Enum(std::string_view key, std::string* out,
                        const std::vector<std::string>& allowed) {
  std::string v = *out;
  String(key, &v);
  for (const auto& a : allowed) {
    if (a == v) {
      *out = v;
      return;
    }
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  Fail(key, "must be one of: " + list);
}

void ConfigReader::StringList(std::string_view key, std::vector<std::string>* out,
                              std::size_t max_items) {
  auto* node = static_cast<const toml::node*>(Node(key));
  if (node == nullptr) return;
  const toml::array* arr = node->as_array();
  if (arr == nullptr) {
    Fail(key, "expected an array of strings");
    return;
  }
  if (arr->size() > max_items) {
    Fail(key, "more than " + std::to_string(max_items) + " items");
    return;
  }
  std::vector<std::string> values;
  for (const auto& item : *arr) {
    auto v = item.value<std::string>();
    if (!v || !item.is_string()) {
      Fail(key, "expected an array of strings");
      return;
    }
    values.push_back(std::move(*v));
  }
  *out = std::move(values);
}

namespace {

constexpr std::size_t kMaxSecretLineBytes = 4096;

// The first line of `path` into *out; "" on success, else why not. Bounded: a secret file
// that is a device (/dev/zero) or a huge file without a newline must not be read whole, and
// a directory (which opens fine) must not pass as an empty secret.
std::string ReadFirstLine(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read " + path;
  std::string line;
  char c;
  while (in.get(c) && c != '\n') {
    if (line.size() >= kMaxSecretLineBytes) {
      return "the first line of " + path + " is longer than " + std::to_string(kMaxSecretLineBytes) + " bytes";
    }
    line.push_back(c);
  }
  if (in.bad()) return "cannot read " + path;
  while (!line.empty() && line.back() == '\r') line.pop_back();
  *out = std::move(line);
  return "";
}

}  // namespace

void ConfigReader::Secret(std::string_view key, std::string* out) {
  std::string k(key);
  std::string literal, env, file;
  String(k, &literal);
  String(k + "_env", &env, 256);
  String(k + "_file", &file);
  int given = !literal.empty() + !env.empty() + !file.empty();
  if (given > 1) {
    Fail(key, "give only one of " + k + ", " + k + "_env, " + k + "_file");
    return;
  }
  if (!literal.empty()) *out = literal;
  if (!env.empty()) {
    const char* v = std::getenv(env.c_str());
    if (v == nullptr) {
      Fail(k + "_env", "environment variable " + env + " is not set");
      return;
    }
    *out = v;
  }
  if (file.empty()) return;
  if (std::string problem = ReadFirstLine(file, out); !problem.empty()) Fail(k + "_file", problem);
}

ConfigReader ConfigReader::Table(std::string_view key) {
  auto* node = static_cast<const toml::node*>(Node(key));
  if (node != nullptr && !node->is_table()) Fail(key, "expected a table");
  return ConfigReader(node != nullptr ? node->as_table() : nullptr, FullKey(key), errors_);
}

std::vector<ConfigReader> ConfigReader::TableArray(std::string_view key) {
  std::vector<ConfigReader> readers;
  auto* node = static_cast<const toml::node*>(Node(key));
  if (node == nullptr) return readers;
  const toml::array* arr = node->as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    Fail(key, "expected an array of tables ([[" + std::string(key) + "]])");
    return readers;
  }
  for (std::size_t i = 0; i < arr->size(); ++i) {
    readers.emplace_back((*arr)[i].as_table(), FullKey(key) + "[" + std::to_string(i) + "]",
                         errors_);
  }
  return readers;
}

void ConfigReader::RejectUnknownKeys() {
  if (table_ == nullptr) return;
  for (const auto& [k, v] : *table_) {
    if (known_.find(k.str()) == known_.end()) Fail(k.str(), "unknown key");
  }
}

}  // namespace fbl
