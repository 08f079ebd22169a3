// fblctl suppressions get|list|add|remove|import|export  (docs/cli.md)
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "fbl/cli/commands.h"
#include "fbl/cli/store_args.h"
#include "store/suppression_csv.h"

namespace fbl::cli {
namespace {

constexpr std::size_t kMaxImportBytes = std::size_t{2} << 30;  // 2 GiB

void Usage() {
  std::fprintf(stderr,
               "usage: fblctl suppressions get ADDRESS                  (--db PATH | --config FILE)\n"
               "       fblctl suppressions list [--scope S] [--reason R] [--query TEXT] [--after ID] [--limit N]\n"
               "       fblctl suppressions add ADDRESS [--scope S] [--reason R] [--expires T] [--note TEXT]\n"
               "       fblctl suppressions remove ADDRESS [--scope S]\n"
               "       fblctl suppressions import --format ses|sendgrid|mailgun|postmark [--client ID]\n"
               "                                  [--reason R] [--skip-invalid] FILE|-\n"
               "       fblctl suppressions export --format ses|sendgrid|mailgun|postmark [--client ID] [FILE|-]\n");
}

nlohmann::json OptTime(const std::optional<UnixTime>& t) {
  return t ? nlohmann::json(FormatRfc3339(*t)) : nlohmann::json(nullptr);
}

nlohmann::json RowJson(const Suppression& s) {
  nlohmann::json j;
  j["id"] = s.id;
  j["scope"] = s.scope;
  j["address"] = s.address;
  j["address_original"] = s.address_original;
  j["reason"] = SuppressionReasonName(s.reason);
  j["first_seen"] = FormatRfc3339(s.first_seen);
  j["last_seen"] = FormatRfc3339(s.last_seen);
  j["count"] = s.count;
  j["source_report_id"] = s.source_report_id ? nlohmann::json(*s.source_report_id) : nlohmann::json(nullptr);
  j["expires_at"] = OptTime(s.expires_at);
  j["note"] = s.note;
  return j;
}

std::string Dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// The first (oldest) row's fields at the top level, and every row (one per scope) in
// "suppressions": one object whatever the number of scopes (docs/cli.md).
nlohmann::json GetJson(const std::vector<Suppression>& rows) {
  nlohmann::json j = RowJson(rows.front());
  j["suppressions"] = nlohmann::json::array();
  for (const Suppression& s : rows) j["suppressions"].push_back(RowJson(s));
  return j;
}

int Get(const ParsedArgs& a, Store& store) {
  if (a.positional.size() != 2) return Usage(), kExitUsage;
  auto rows = store.LookupSuppressions(a.positional[1]);
  if (!rows.ok()) return Fail("lookup", rows.error());
  if (rows->empty()) {
    std::fprintf(stderr, "fblctl: %s is not suppressed\n", a.positional[1].c_str());
    return kExitNo;
  }
  std::printf("%s\n", Dump(GetJson(*rows)).c_str());
  return kExitOk;
}

bool ReasonOption(const ParsedArgs& a, std::optional<SuppressionReason>* out) {
  if (!a.Has("reason")) return true;
  *out = ParseSuppressionReason(a.Get("reason"));
  if (!*out) {
    std::fprintf(stderr, "fblctl: --reason must be complaint, hard-bounce, soft-bounce, manual or unsubscribe\n");
    return false;
  }
  return true;
}

bool LimitOption(const ParsedArgs& a, long long* out) {
  if (!a.Has("limit")) return true;
  char* end = nullptr;
  std::string v = a.Get("limit");
  *out = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || *out < 1) {
    std::fprintf(stderr, "fblctl: --limit must be a positive integer\n");
    return false;
  }
  return true;
}

int List(const ParsedArgs& a, Store& store) {
  SuppressionFilter f;
  if (a.Has("scope")) f.scope = a.Get("scope");
  if (!ReasonOption(a, &f.reason)) return kExitUsage;
  f.query = a.Get("query");
  f.after_id = std::strtoll(a.Get("after", "0").c_str(), nullptr, 10);
  long long limit = -1;  // all
  if (!LimitOption(a, &limit)) return kExitUsage;
  for (long long printed = 0; limit < 0 || printed < limit;) {
    f.limit = static_cast<int>(limit < 0 ? 1000 : std::min<long long>(1000, limit - printed));
    auto page = store.ListSuppressions(f);
    if (!page.ok()) return Fail("list", page.error());
    for (const Suppression& s : *page) std::printf("%s\n", Dump(RowJson(s)).c_str());
    printed += static_cast<long long>(page->size());
    if (page->size() < static_cast<std::size_t>(f.limit)) break;
    f.after_id = page->back().id;
  }
  return kExitOk;
}

int Add(const ParsedArgs& a, Store& store) {
  if (a.positional.size() != 2) return Usage(), kExitUsage;
  ManualSuppression m;
  m.address = a.positional[1];
  m.scope = a.Get("scope", "*");
  m.note = a.Get("note");
  std::optional<SuppressionReason> reason;
  if (!ReasonOption(a, &reason)) return kExitUsage;
  m.reason = reason.value_or(SuppressionReason::kManual);
  if (a.Has("expires")) {
    m.expires_at = ParseTimeArg(a.Get("expires"), std::time(nullptr));
    if (!m.expires_at) {
      std::fprintf(stderr, "fblctl: --expires takes Unix seconds, YYYY-MM-DD[THH:MM:SSZ] or +Nd\n");
      return kExitUsage;
    }
  }
  auto row = store.AddSuppression(m, {CliActor(), "suppression.add", "", m.note});
  if (!row.ok()) return Fail("add", row.error());
  std::printf("%s\n", Dump(RowJson(*row)).c_str());
  return kExitOk;
}

int Remove(const ParsedArgs& a, Store& store) {
  if (a.positional.size() != 2) return Usage(), kExitUsage;
  Status s = store.RemoveSuppression(a.Get("scope", "*"), a.positional[1], {CliActor(), "suppression.remove", "", ""});
  if (!s.ok()) return Fail("remove", s.error());
  return kExitOk;
}

bool ReadInput(const std::string& path, std::string* out) {
  if (path == "-") {
    out->assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return out->size() <= kMaxImportBytes;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return out->size() <= kMaxImportBytes;
}

std::optional<CsvFormat> FormatOption(const ParsedArgs& a) {
  auto f = ParseCsvFormat(a.Get("format"));
  if (!f) std::fprintf(stderr, "fblctl: --format must be ses, sendgrid, mailgun or postmark\n");
  return f;
}

int Import(const ParsedArgs& a, Store& store) {
  if (a.positional.size() != 2) return Usage(), kExitUsage;
  auto format = FormatOption(a);
  std::optional<SuppressionReason> reason;
  if (!format || !ReasonOption(a, &reason)) return kExitUsage;
  const std::string& path = a.positional[1];
  std::string text;
  if (!ReadInput(path, &text)) {
    std::fprintf(stderr, "fblctl: cannot read %s (or it is larger than 2 GiB)\n", path.c_str());
    return kExitIoErr;
  }
  CsvImport parsed = ParseSuppressionCsv(text, *format);
  text.clear();
  std::vector<ManualSuppression> rows;
  rows.reserve(parsed.rows.size());
  const std::string scope = a.Get("client", "*");
  const std::string note = "imported from " + a.Get("format");
  for (const CsvImportRow& r : parsed.rows) rows.push_back({scope, r.address, reason.value_or(r.reason), {}, note});
  const bool skip = a.Has("skip-invalid");
  for (const CsvLineError& e : parsed.errors) std::fprintf(stderr, "%s:%zu: %s\n", path.c_str(), e.line, e.reason.c_str());
  if (!parsed.errors.empty() && !skip) {
    std::fprintf(stderr, "fblctl: %zu bad rows; nothing imported (--skip-invalid imports the rest)\n",
                 parsed.errors.size());
    return kExitDataErr;
  }
  auto result = store.ImportSuppressions(rows, skip, {CliActor(), "suppression.import", path, note});
  if (!result.ok()) return Fail("import", result.error());
  for (const ImportRowError& e : result->invalid) {
    std::fprintf(stderr, "%s:%zu: %s\n", path.c_str(), parsed.rows[e.index].line, e.reason.c_str());
  }
  if (!result->committed) {
    std::fprintf(stderr, "fblctl: %zu bad rows; nothing imported (--skip-invalid imports the rest)\n",
                 result->invalid.size());
    return kExitDataErr;
  }
  nlohmann::json j{{"added", result->added},
                   {"existing", result->existing},
                   {"skipped", parsed.errors.size() + result->invalid.size()}};
  std::printf("%s\n", j.dump().c_str());
  return kExitOk;
}

// Writes every row of `scope` not written yet; returns false on a store error.
bool ExportScope(Store& store, const std::string& scope, CsvFormat format, std::set<std::string>* seen,
                 std::FILE* out, int* exit_code) {
  SuppressionFilter f;
  f.scope = scope;
  f.limit = 10000;
  for (;;) {
    auto page = store.ListSuppressions(f);
    if (!page.ok()) {
      *exit_code = Fail("export", page.error());
      return false;
    }
    for (const Suppression& s : *page) {
      if (!seen->insert(s.address).second) continue;
      std::string row = CsvRow(format, s);
      std::fwrite(row.data(), 1, row.size(), out);
    }
    if (page->size() < static_cast<std::size_t>(f.limit)) return true;
    f.after_id = page->back().id;
  }
}

int Export(const ParsedArgs& a, Store& store) {
  if (a.positional.size() > 2) return Usage(), kExitUsage;
  auto format = FormatOption(a);
  if (!format) return kExitUsage;
  const std::string path = a.positional.size() == 2 ? a.positional[1] : "-";
  std::FILE* out = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
  if (out == nullptr) {
    std::fprintf(stderr, "fblctl: cannot write %s\n", path.c_str());
    return kExitIoErr;
  }
  std::string header = CsvHeader(*format);
  std::fwrite(header.data(), 1, header.size(), out);
  std::set<std::string> seen;
  int code = kExitOk;
  // --client ID: what stops mail of that client (its scope, then the global rows).
  bool ok = !a.Has("client") || ExportScope(store, a.Get("client"), *format, &seen, out, &code);
  ok = ok && ExportScope(store, std::string(kGlobalScope), *format, &seen, out, &code);
  bool write_error = std::ferror(out) != 0;
  if (out != stdout) write_error = (std::fclose(out) != 0) || write_error;
  else std::fflush(stdout);
  if (write_error) {
    std::fprintf(stderr, "fblctl: writing %s failed\n", path.c_str());
    return kExitIoErr;
  }
  return ok ? kExitOk : code;
}

}  // namespace

int CmdSuppressions(const Args& args) {
  ParsedArgs a;
  if (!ParseVerbArgs(args, {"scope", "reason", "limit", "after", "query", "expires", "note", "format", "client"},
                 {"skip-invalid"}, Usage, &a)) return kExitUsage;
  const std::string& verb = a.positional[0];
  StoreOptions options;
  int code = kExitOk;
  if (!ResolveStoreOptions(a, &options, &code)) return code;
  const bool read_only = verb == "get" || verb == "list" || verb == "export";
  if (verb != "get" && verb != "list" && verb != "add" && verb != "remove" && verb != "import" && verb != "export") {
    std::fprintf(stderr, "fblctl: unknown suppressions command '%s'\n", verb.c_str());
    Usage();
    return kExitUsage;
  }
  auto store = OpenStoreOrPrint(options, read_only, &code);
  if (!store) return code;
  if (verb == "get") return Get(a, *store);
  if (verb == "list") return List(a, *store);
  if (verb == "add") return Add(a, *store);
  if (verb == "remove") return Remove(a, *store);
  if (verb == "import") return Import(a, *store);
  return Export(a, *store);
}

}  // namespace fbl::cli
