// Suppressions and the allowlist: lookups, listing with a cursor, manual changes (audited),
// bulk import.
#include <algorithm>
#include <cstdint>
#include <ctime>
#include <string>

#include "parsers/address.h"
#include "store/store_rules.h"
#include "store/sqlite_store.h"
#include "store/sqlite_util.h"
#include "store/suppression_row.h"

namespace fbl {
namespace {

using sqlite::kSuppressionColumns;
using sqlite::ReadSuppression;
using store_rules::CheckNote;
using store_rules::CheckScope;
using store_rules::kMaxListLimit;

// One row of an import that passed the checks: the caller's row and its normalised address.
struct ImportRow {
  const ManualSuppression* row;
  NormalizedAddress address;
};

constexpr std::size_t kImportChunk = 64;

// "INSERT ... VALUES (...), ... (...)" for `rows` rows of 8 parameters each (at most
// kImportChunk, far below SQLite's limit of 32,766); existing (scope, address) rows untouched.
std::string ImportSql(std::size_t rows) {
  std::string sql =
      "INSERT INTO suppressions(scope, address, address_original, reason, first_seen, last_seen,"
      " count, expires_at, note) VALUES";
  for (std::size_t i = 0; i < rows; ++i) sql += i == 0 ? "(?,?,?,?,?,?,1,?,?)" : ",(?,?,?,?,?,?,1,?,?)";
  return sql + " ON CONFLICT(scope, address) DO NOTHING";
}

// Bytes [from, from + 8) of `key`, big-endian, zero-padded: comparing two of these compares
// those bytes as memcmp does (keys hold no NUL bytes, so the padding sorts first).
std::uint64_t KeyBytes(const std::string& key, std::size_t from) {
  std::uint64_t p = 0;
  for (std::size_t i = from; i < from + 8; ++i) {
    p = (p << 8) | (i < key.size() ? static_cast<unsigned char>(key[i]) : 0u);
  }
  return p;
}

// Positions of `rows` in the order of the UNIQUE (address, scope) index. Inserting in that
// order keeps B-tree writes sequential (much faster on large files, and the pages end up full;
// random order leaves them about two thirds full). Positions are sorted, not the rows, with
// each key's first 16 bytes beside them (few comparisons need to reach the strings), and a
// list already in order (most exports) is not sorted again.
std::vector<std::uint32_t> InsertionOrder(const std::vector<ImportRow>& rows) {
  struct Entry {
    std::uint64_t head, next;
    std::uint32_t index;
  };
  std::vector<Entry> entries(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string& key = rows[i].address.key;
    entries[i] = {KeyBytes(key, 0), KeyBytes(key, 8), static_cast<std::uint32_t>(i)};
  }
  auto before = [&rows](const Entry& a, const Entry& b) {
    if (a.head != b.head) return a.head < b.head;
    if (a.next != b.next) return a.next < b.next;
    const ImportRow& x = rows[a.index];
    const ImportRow& y = rows[b.index];
    if (const int c = x.address.key.compare(y.address.key); c != 0) return c < 0;
    if (const int c = x.row->scope.compare(y.row->scope); c != 0) return c < 0;
    return a.index < b.index;  // a key given twice: the first spelling in the list is kept
  };
  if (!std::is_sorted(entries.begin(), entries.end(), before)) {
    std::sort(entries.begin(), entries.end(), before);
  }
  std::vector<std::uint32_t> order(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) order[i] = entries[i].index;
  return order;
}

std::string ListSql(const SuppressionFilter& f) {
  std::string sql = std::string("SELECT ") + kSuppressionColumns + " FROM suppressions WHERE id > ?";
  if (f.scope) sql += " AND scope = ?";
  if (f.reason) sql += " AND reason = ?";
  if (f.since) sql += " AND last_seen >= ?";
  if (f.until) sql += " AND last_seen < ?";
  if (!f.query.empty()) sql += " AND instr(address, ?) > 0";
  sql += " ORDER BY id LIMIT ?";
  return sql;
}

}  // namespace

Result<std::vector<Suppression>> SqliteStore::LookupSuppressions(std::string_view address) {
  auto addr = NormalizeAddress(address, options_.address);
  if (!addr.ok()) return addr.error();
  return sqlite::Guard("looking up suppressions", [&]() -> Result<std::vector<Suppression>> {
    std::vector<Suppression> out;
    SelectActiveSuppressions(addr->key, std::time(nullptr), &out);
    return out;
  });
}

namespace {

// Expired rows are invisible (SCHEMA.md gives the mailer the same query). The rows come in the
// order of the (address, scope) index and are put in id order by the callers, which costs less
// than a temporary B-tree for ORDER BY id.
constexpr const char* kActiveRowsOfAddress =
    " FROM suppressions WHERE address = ? AND (expires_at IS NULL OR expires_at > ?)";

// Puts (*rows)[first..] in id order (Suppression or SuppressionMatch).
template <typename Row>
void SortById(std::vector<Row>* rows, std::size_t first) {
  if (rows->size() - first > 1) {
    std::sort(rows->begin() + static_cast<std::ptrdiff_t>(first), rows->end(),
              [](const Row& a, const Row& b) { return a.id < b.id; });
  }
}

// The active rows of every address of the JSON array ?1: the columns of kMatchColumns, in its
// order (qualified: json_each has an id column too), then the address's position in the array.
// One statement for a whole check: its cursors are opened once, not once per address (a
// quarter less server CPU for a check of 1,000: BENCHMARKS.md, "API", seventh session). CROSS
// JOIN keeps the array as the outer loop, so the rows of one address come together and the
// addresses in the array's order (sorted: neighbours share index pages).
constexpr const char* kActiveRowsOfAddresses =
    "SELECT s.id, s.scope, s.reason, s.last_seen, s.expires_at, j.key"
    " FROM json_each(?1) AS j CROSS JOIN suppressions AS s ON s.address = j.value"
    " WHERE s.expires_at IS NULL OR s.expires_at > ?2";

// Appends `key` to *array as a JSON string that json_each gives back byte for byte: only '"'
// and '\\' are escaped, every other byte (UTF-8 or not) is copied. False, with nothing
// appended, when `key` holds a control byte: JSON has no unescaped form for it.
bool AppendArrayKey(std::string* array, std::string_view key) {
  if (std::any_of(key.begin(), key.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) return false;
  array->push_back('"');
  for (char c : key) {
    if (c == '"' || c == '\\') array->push_back('\\');
    array->push_back(c);
  }
  array->push_back('"');
  return true;
}

}  // namespace

void SqliteStore::SelectActiveMatchesOf(std::span<const std::string_view> keys, std::int64_t now,
                                        std::span<CheckResult::Range> ranges, std::vector<SuppressionMatch>* rows) {
  std::string array = "[";
  std::vector<std::uint32_t> of_element;  // of_element[n]: the index in keys of the array's n-th element
  std::vector<std::uint32_t> alone;       // keys not in the array
  of_element.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::size_t mark = array.size();
    if (!of_element.empty()) array.push_back(',');
    if (AppendArrayKey(&array, keys[i])) {
      of_element.push_back(static_cast<std::uint32_t>(i));
    } else {
      array.resize(mark);
      alone.push_back(static_cast<std::uint32_t>(i));
    }
  }
  array.push_back(']');
  if (!of_element.empty()) {
    if (matches_ == nullptr) matches_ = std::make_unique<sqlite::RawStatement>(db_.getHandle(), kActiveRowsOfAddresses);
    sqlite::RawUse st(*matches_);
    st->BindRef(1, array);
    st->Bind(2, now);
    std::int64_t element = -1;  // the array element whose rows are being read
    auto begin = static_cast<std::uint32_t>(rows->size());
    auto close = [&] {
      if (element < 0) return;
      SortById(rows, begin);
      ranges[of_element[static_cast<std::size_t>(element)]] = {begin, static_cast<std::uint32_t>(rows->size())};
    };
    while (st->Step()) {
      const std::int64_t n = sqlite3_column_int64(st.get(), 5);
      if (n != element) {
        // The plan gives each element's rows together and in order; anything else would
        // scatter one address's rows, so it is an error rather than a wrong answer.
        if (n < element || n >= static_cast<std::int64_t>(of_element.size())) {
          throw SQLite::Exception("suppression check: rows out of the addresses' order", SQLITE_INTERNAL);
        }
        close();
        element = n;
        begin = static_cast<std::uint32_t>(rows->size());
      }
      rows->push_back(sqlite::ReadMatch(st.get()));
    }
    close();
  }
  for (std::uint32_t i : alone) {
    const auto begin = static_cast<std::uint32_t>(rows->size());
    SelectActiveMatches(keys[i], now, rows);
    ranges[i] = {begin, static_cast<std::uint32_t>(rows->size())};
  }
}

// The statements are found once per connection, not hashed per call.
void SqliteStore::SelectActiveSuppressions(const std::string& key, std::int64_t now, std::vector<Suppression>* out) {
  if (lookup_ == nullptr) lookup_ = &Cached(std::string("SELECT ") + kSuppressionColumns + kActiveRowsOfAddress);
  sqlite::Use st(*lookup_);
  sqlite::BindRef(*st, 1, key);
  st->bind(2, static_cast<int64_t>(now));
  const std::size_t first = out->size();
  while (st->executeStep()) out->push_back(ReadSuppression(*st));
  SortById(out, first);
}

void SqliteStore::SelectActiveMatches(std::string_view key, std::int64_t now, std::vector<SuppressionMatch>* out) {
  if (match_ == nullptr) {
    match_ = std::make_unique<sqlite::RawStatement>(
        db_.getHandle(), std::string("SELECT ") + sqlite::kMatchColumns + kActiveRowsOfAddress);
  }
  sqlite::RawUse st(*match_);
  st->BindRef(1, key);
  st->Bind(2, now);
  const std::size_t first = out->size();
  while (st->Step()) out->push_back(sqlite::ReadMatch(st.get()));
  SortById(out, first);
}

Result<std::vector<Suppression>> SqliteStore::ListSuppressions(const SuppressionFilter& f) {
  if (f.limit < 1 || f.limit > kMaxListLimit) {
    return MakeError(ErrorCode::kInvalidArgument, "limit must be in [1, 10000]");
  }
  return sqlite::Guard("listing suppressions", [&]() -> Result<std::vector<Suppression>> {
    sqlite::Use st(Cached(ListSql(f)));
    int i = 1;
    st->bind(i++, static_cast<int64_t>(f.after_id));
    if (f.scope) sqlite::BindText(*st, i++, *f.scope);
    if (f.reason) st->bind(i++, SuppressionReasonName(*f.reason));
    if (f.since) st->bind(i++, static_cast<int64_t>(*f.since));
    if (f.until) st->bind(i++, static_cast<int64_t>(*f.until));
    if (!f.query.empty()) sqlite::BindText(*st, i++, f.query);
    st->bind(i++, f.limit);
    std::vector<Suppression> out;
    while (st->executeStep()) out.push_back(ReadSuppression(*st));
    return out;
  });
}

Result<Suppression> SqliteStore::AddSuppression(const ManualSuppression& s, const AuditEntry& audit) {
  if (Status c = CheckScope(s.scope); !c.ok()) return c.error();
  if (Status c = CheckNote(s.note); !c.ok()) return c.error();
  auto addr = NormalizeAddress(s.address, options_.address);
  if (!addr.ok()) return addr.error();
  const std::int64_t now = std::time(nullptr);
  return sqlite::Guard("adding suppression", [&]() -> Result<Suppression> {
    sqlite::WriteTxn txn(db_);
    {
      // A manual add of an existing row restates it: reason, expiry and note as given now.
      sqlite::Use st(Cached(
          "INSERT INTO suppressions(scope, address, address_original, reason, first_seen, last_seen,"
          " count, expires_at, note) VALUES(?,?,?,?,?,?,1,?,?) ON CONFLICT(scope, address) DO UPDATE"
          " SET reason = excluded.reason, last_seen = excluded.last_seen, count = count + 1,"
          " expires_at = excluded.expires_at, note = excluded.note"));
      sqlite::BindText(*st, 1, s.scope);
      sqlite::BindText(*st, 2, addr->key);
      sqlite::BindText(*st, 3, addr->original);
      st->bind(4, SuppressionReasonName(s.reason));
      st->bind(5, static_cast<int64_t>(now));
      st->bind(6, static_cast<int64_t>(now));
      sqlite::BindOptInt(*st, 7, s.expires_at);
      sqlite::BindText(*st, 8, s.note);
      st->exec();
    }
    AuditEntry a = audit;
    if (a.action.empty()) a.action = "suppression.add";
    if (a.target.empty()) a.target = s.scope + " " + addr->key;
    WriteAudit(a, now);
    Suppression row;
    {
      sqlite::Use st(Cached(std::string("SELECT ") + kSuppressionColumns +
                            " FROM suppressions WHERE scope = ? AND address = ?"));
      sqlite::BindText(*st, 1, s.scope);
      sqlite::BindText(*st, 2, addr->key);
      st->executeStep();
      row = ReadSuppression(*st);
    }
    txn.Commit();
    return row;
  });
}

Status SqliteStore::RemoveSuppression(std::string_view scope, std::string_view address,
                                      const AuditEntry& audit) {
  auto addr = NormalizeAddress(address, options_.address);
  if (!addr.ok()) return addr.error();
  return sqlite::Guard("removing suppression", [&]() -> Status {
    sqlite::WriteTxn txn(db_);
    int changed = 0;
    {
      sqlite::Use st(Cached("DELETE FROM suppressions WHERE scope = ? AND address = ?"));
      sqlite::BindText(*st, 1, scope);
      sqlite::BindText(*st, 2, addr->key);
      changed = st->exec();
    }
    if (changed == 0) {
      return MakeError(ErrorCode::kNotFound, addr->key + " is not suppressed in scope " + std::string(scope));
    }
    AuditEntry a = audit;
    if (a.action.empty()) a.action = "suppression.remove";
    if (a.target.empty()) a.target = std::string(scope) + " " + addr->key;
    WriteAudit(a, std::time(nullptr));
    txn.Commit();
    return OkStatus();
  });
}

Result<ImportResult> SqliteStore::ImportSuppressions(const std::vector<ManualSuppression>& rows,
                                                     bool skip_invalid, const AuditEntry& audit) {
  ImportResult result;
  std::vector<ImportRow> valid;
  valid.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    Status c = CheckScope(rows[i].scope);
    if (c.ok()) c = CheckNote(rows[i].note);
    auto addr = c.ok() ? NormalizeAddress(rows[i].address, options_.address) : Result<NormalizedAddress>(c.error());
    if (!addr.ok()) {
      result.invalid.push_back({i, addr.error().detail});
      continue;
    }
    valid.push_back({&rows[i], std::move(addr.value())});
  }
  if (!result.invalid.empty() && !skip_invalid) return result;
  const std::vector<std::uint32_t> order = InsertionOrder(valid);
  const std::int64_t now = std::time(nullptr);
  return sqlite::Guard("importing suppressions", [&]() -> Result<ImportResult> {
    sqlite::WriteTxn txn(db_);
    // kImportChunk rows per INSERT statement (the rest one by one: two cached statements): the
    // per-statement work (statement journal, VDBE start and halt) is paid once per chunk; the
    // rows go in exactly as they would one by one.
    static const std::string kChunkSql = ImportSql(kImportChunk);
    static const std::string kRowSql = ImportSql(1);
    std::size_t done = 0;
    while (done < order.size()) {
      const std::size_t n = order.size() - done >= kImportChunk ? kImportChunk : 1;
      sqlite::Use st(Cached(n == 1 ? kRowSql : kChunkSql));
      for (std::size_t k = 0; k < n; ++k) {
        const ImportRow& r = valid[order[done + k]];
        const int p = static_cast<int>(k) * 8;
        sqlite::BindRef(*st, p + 1, r.row->scope);
        sqlite::BindRef(*st, p + 2, r.address.key);
        sqlite::BindRef(*st, p + 3, r.address.original);
        sqlite::BindRef(*st, p + 4, SuppressionReasonName(r.row->reason));
        st->bind(p + 5, static_cast<int64_t>(now));
        st->bind(p + 6, static_cast<int64_t>(now));
        sqlite::BindOptInt(*st, p + 7, r.row->expires_at);
        sqlite::BindRef(*st, p + 8, r.row->note);
      }
      // ON CONFLICT DO NOTHING: changes() counts the rows that were new, including a key that
      // appears twice in the file (its second row conflicts with the first, as it would alone).
      const std::size_t added = static_cast<std::size_t>(st->exec());
      result.added += static_cast<std::int64_t>(added);
      result.existing += static_cast<std::int64_t>(n - added);
      done += n;
    }
    AuditEntry a = audit;
    if (a.action.empty()) a.action = "suppression.import";
    a.detail += (a.detail.empty() ? "" : " ") + std::string("added=") + std::to_string(result.added) +
                " existing=" + std::to_string(result.existing) +
                " invalid=" + std::to_string(result.invalid.size());
    WriteAudit(a, now);
    txn.Commit();
    result.committed = true;
    return result;
  });
}

Result<std::int64_t> SqliteStore::PurgeExpiredSuppressions(UnixTime now) {
  return sqlite::Guard("purging expired suppressions", [&]() -> Result<std::int64_t> {
    sqlite::WriteTxn txn(db_);
    sqlite::Use st(Cached("DELETE FROM suppressions WHERE expires_at IS NOT NULL AND expires_at <= ?"));
    st->bind(1, static_cast<int64_t>(now));
    std::int64_t n = st->exec();
    txn.Commit();
    return n;
  });
}

Status SqliteStore::AddAllowlist(std::string_view scope, std::string_view address, std::string_view note,
                                 const AuditEntry& audit) {
  if (Status c = CheckScope(scope); !c.ok()) return c;
  if (Status c = CheckNote(note); !c.ok()) return c;
  auto addr = NormalizeAddress(address, options_.address);
  if (!addr.ok()) return addr.error();
  const std::int64_t now = std::time(nullptr);
  return sqlite::Guard("adding to the allowlist", [&]() -> Status {
    sqlite::WriteTxn txn(db_);
    {
      sqlite::Use st(Cached(
          "INSERT INTO allowlist(scope, address, note, created_at) VALUES(?,?,?,?)"
          " ON CONFLICT(scope, address) DO UPDATE SET note = excluded.note"));
      sqlite::BindText(*st, 1, scope);
      sqlite::BindText(*st, 2, addr->key);
      sqlite::BindText(*st, 3, note);
      st->bind(4, static_cast<int64_t>(now));
      st->exec();
    }
    AuditEntry a = audit;
    if (a.action.empty()) a.action = "allowlist.add";
    if (a.target.empty()) a.target = std::string(scope) + " " + addr->key;
    WriteAudit(a, now);
    txn.Commit();
    return OkStatus();
  });
}

Status SqliteStore::RemoveAllowlist(std::string_view scope, std::string_view address,
                                    const AuditEntry& audit) {
  auto addr = NormalizeAddress(address, options_.address);
  if (!addr.ok()) return addr.error();
  return sqlite::Guard("removing from the allowlist", [&]() -> Status {
    sqlite::WriteTxn txn(db_);
    int changed = 0;
    {
      sqlite::Use st(Cached("DELETE FROM allowlist WHERE scope = ? AND address = ?"));
      sqlite::BindText(*st, 1, scope);
      sqlite::BindText(*st, 2, addr->key);
      changed = st->exec();
    }
    if (changed == 0) {
      return MakeError(ErrorCode::kNotFound, addr->key + " is not allowlisted in scope " + std::string(scope));
    }
    AuditEntry a = audit;
    if (a.action.empty()) a.action = "allowlist.remove";
    if (a.target.empty()) a.target = std::string(scope) + " " + addr->key;
    WriteAudit(a, std::time(nullptr));
    txn.Commit();
    return OkStatus();
  });
}

Result<bool> SqliteStore::IsAllowlisted(std::string_view scope, std::string_view address) {
  auto addr = NormalizeAddress(address, options_.address);
  if (!addr.ok()) return addr.error();
  return sqlite::Guard("reading the allowlist", [&]() -> Result<bool> {
    sqlite::Use st(Cached("SELECT 1 FROM allowlist WHERE address = ? AND scope IN (?, '*') LIMIT 1"));
    sqlite::BindText(*st, 1, addr->key);
    sqlite::BindText(*st, 2, scope);
    return st->executeStep();
  });
}

}  // namespace fbl
