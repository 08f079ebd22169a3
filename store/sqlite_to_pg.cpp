#include "store/sqlite_to_pg.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <variant>

#include "store/pg_store.h"
#include "store/pg_util.h"
#include "store/sqlite_store.h"
#include "store/sqlite_util.h"

namespace fbl {
namespace {

constexpr int kVerifyPage = 5000;

struct Column {
  std::string name;
  bool integer_key = false;   // part of the primary key, stored as INTEGER
  bool pg_bytea = false;
  bool pg_boolean = false;
};

struct Table {
  std::string name;
  std::vector<Column> columns;
  std::vector<int> key;       // indexes into columns, in primary-key order
  bool pg_identity_id = false;
};

// A primary-key value: integer or text (the only key types of the schema).
using KeyValue = std::variant<std::int64_t, std::string>;
using Key = std::vector<KeyValue>;

std::string Quote(const std::string& identifier) {
  std::string out = "\"";
  for (char c : identifier) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string Hex(const unsigned char* data, std::size_t size) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

// Order-independent multiset hash: the sum (mod 2^128, as two 64-bit halves) of every row's
// SHA-256 prefix. Equal for equal multisets of rows whatever order they are read in.
class RowChecksum {
 public:
  // One value of the current row: nullopt is SQL NULL.
  void Value(const std::optional<std::string>& v) {
    if (!v) {
      row_ += "N;";
      return;
    }
    row_ += "V" + std::to_string(v->size()) + ":";
    row_ += *v;
  }
  void EndRow() {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(row_.data()), row_.size(), digest);
    std::uint64_t a = 0, b = 0;
    for (int i = 0; i < 8; ++i) a = (a << 8) | digest[i];
    for (int i = 8; i < 16; ++i) b = (b << 8) | digest[i];
    lo_ += b;
    hi_ += a + (lo_ < b ? 1 : 0);
    row_.clear();
  }
  std::string Hex() const {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(hi_),
                  static_cast<unsigned long long>(lo_));
    return buf;
  }

 private:
  std::string row_;
  std::uint64_t hi_ = 0, lo_ = 0;
};

// ---- SQLite side -------------------------------------------------------------------------

std::vector<std::string> SqliteTables(SQLite::Database& db) {
  std::vector<std::string> names;
  SQLite::Statement st(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  while (st.executeStep()) names.push_back(st.getColumn(0).getString());
  return names;
}

Table SqliteTable(SQLite::Database& db, const std::string& name) {
  Table t;
  t.name = name;
  std::vector<std::pair<int, int>> pk;  // (position in key, column index)
  SQLite::Statement st(db, "SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid");
  st.bind(1, name);
  while (st.executeStep()) {
    Column c;
    c.name = st.getColumn(0).getString();
    const int pk_pos = st.getColumn(2).getInt();
    std::string type = st.getColumn(1).getString();
    std::transform(type.begin(), type.end(), type.begin(), [](unsigned char ch) { return std::toupper(ch); });
    c.integer_key = pk_pos > 0 && type.find("INT") != std::string::npos;
    if (pk_pos > 0) pk.emplace_back(pk_pos, static_cast<int>(t.columns.size()));
    t.columns.push_back(c);
  }
  std::sort(pk.begin(), pk.end());
  for (const auto& p : pk) t.key.push_back(p.second);
  if (t.key.empty()) {  // no declared key: the rowid orders the rows (none in fbl's schema)
    throw pg::Failure{ErrorCode::kConflict, "table " + name + " has no primary key", false};
  }
  return t;
}

// Tables ordered so that every table comes after the tables its foreign keys refer to.
std::vector<std::string> ForeignKeyOrder(SQLite::Database& db, const std::vector<std::string>& names) {
  std::map<std::string, std::set<std::string>> refs;
  for (const std::string& n : names) {
    SQLite::Statement st(db, "SELECT \"table\" FROM pragma_foreign_key_list(?)");
    st.bind(1, n);
    while (st.executeStep()) {
      std::string target = st.getColumn(0).getString();
      if (target != n) refs[n].insert(target);
    }
  }
  std::vector<std::string> out;
  std::set<std::string> placed;
  while (out.size() < names.size()) {
    bool progress = false;
    for (const std::string& n : names) {
      if (placed.count(n)) continue;
      bool ready = std::all_of(refs[n].begin(), refs[n].end(),
                               [&](const std::string& r) { return placed.count(r) || !std::count(names.begin(), names.end(), r); });
      if (ready) {
        out.push_back(n);
        placed.insert(n);
        progress = true;
      }
    }
    if (!progress) throw pg::Failure{ErrorCode::kConflict, "foreign keys form a cycle", false};
  }
  return out;
}

std::string KeyList(const Table& t, bool pg_collate) {
  std::string s;
  for (std::size_t i = 0; i < t.key.size(); ++i) {
    const Column& c = t.columns[t.key[i]];
    s += (i ? ", " : "") + Quote(c.name) + (pg_collate && !c.integer_key ? " COLLATE \"C\"" : "");
  }
  return s;
}

// "WHERE (k1, k2) > (?, ?)" with `placeholder(i)` for the i-th parameter.
template <typename P>
std::string AfterKey(const Table& t, bool pg, P placeholder) {
  std::string rhs;
  for (std::size_t i = 0; i < t.key.size(); ++i) rhs += (i ? ", " : "") + placeholder(static_cast<int>(i));
  return " WHERE (" + KeyList(t, pg) + ") > (" + rhs + ")";
}

std::string SqliteSelect(const Table& t, bool after) {
  std::string cols;
  for (std::size_t i = 0; i < t.columns.size(); ++i) cols += (i ? ", " : "") + Quote(t.columns[i].name);
  std::string sql = "SELECT " + cols + " FROM " + Quote(t.name);
  if (after) sql += AfterKey(t, false, [](int) { return std::string("?"); });
  return sql + " ORDER BY " + KeyList(t, false) + " LIMIT ?";
}

void BindKey(SQLite::Statement& st, const Key& key) {
  int i = 1;
  for (const KeyValue& v : key) {
    if (std::holds_alternative<std::int64_t>(v)) {
      st.bind(i++, static_cast<int64_t>(std::get<std::int64_t>(v)));
    } else {
      st.bind(i++, std::get<std::string>(v));
    }
  }
}

Key KeyOf(const Table& t, SQLite::Statement& st) {
  Key key;
  for (int idx : t.key) {
    SQLite::Column c = st.getColumn(idx);
    if (t.columns[idx].integer_key) {
      key.emplace_back(static_cast<std::int64_t>(c.getInt64()));
    } else {
      key.emplace_back(c.getString());
    }
  }
  return key;
}

// The canonical text of one SQLite value for the checksum (after the same UTF-8 repair as the
// copy), and whether the repair changed it.
std::optional<std::string> Canonical(const SQLite::Column& c, bool* adjusted) {
  switch (c.getType()) {
    case SQLITE_NULL:
      return std::nullopt;
    case SQLITE_BLOB:
      return Hex(static_cast<const unsigned char*>(c.getBlob()), static_cast<std::size_t>(c.getBytes()));
    case SQLITE_TEXT: {
      std::string raw(static_cast<const char*>(c.getBlob()), static_cast<std::size_t>(c.getBytes()));
      std::string valid = pg::ValidText(raw);
      *adjusted = valid != raw;
      return valid;
    }
    default:
      return c.getString();  // integers (and reals) as SQLite prints them
  }
}

// ---- PostgreSQL side ---------------------------------------------------------------------

void DescribePg(pg::Conn& conn, Table* t) {
  pg::Rows rows = conn.Exec(
      "SELECT column_name, data_type, is_identity FROM information_schema.columns"
      " WHERE table_schema = current_schema() AND table_name = $1",
      pg::Params().Text(t->name));
  if (rows.empty()) {
    throw pg::Failure{ErrorCode::kConflict, "table " + t->name + " does not exist in PostgreSQL", false};
  }
  std::map<std::string, std::pair<std::string, bool>> pg_columns;
  for (int r = 0; r < rows.size(); ++r) pg_columns[rows.Text(r, 0)] = {rows.Text(r, 1), rows.Text(r, 2) == "YES"};
  for (Column& c : t->columns) {
    auto it = pg_columns.find(c.name);
    if (it == pg_columns.end()) {
      throw pg::Failure{ErrorCode::kConflict,
                        "column " + t->name + "." + c.name + " does not exist in PostgreSQL (schema versions differ?)", false};
    }
    c.pg_bytea = it->second.first == "bytea";
    c.pg_boolean = it->second.first == "boolean";
    if (c.name == "id" && it->second.second) t->pg_identity_id = true;
  }
}

std::string PgInsert(const Table& t, int rows) {
  std::string cols;
  for (std::size_t i = 0; i < t.columns.size(); ++i) cols += (i ? ", " : "") + Quote(t.columns[i].name);
  std::string sql = "INSERT INTO " + Quote(t.name) + " (" + cols + ") VALUES ";
  int n = 1;
  for (int r = 0; r < rows; ++r) {
    sql += r ? ", (" : "(";
    for (std::size_t i = 0; i < t.columns.size(); ++i) sql += (i ? ", $" : "$") + std::to_string(n++);
    sql += ")";
  }
  return sql + " ON CONFLICT DO NOTHING";
}

std::string PgSelect(const Table& t, bool after) {
  std::string cols;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    const Column& c = t.columns[i];
    std::string e = Quote(c.name);
    if (c.pg_bytea) e = "encode(" + e + ", 'hex')";
    if (c.pg_boolean) e = "(" + e + ")::int";
    cols += (i ? ", " : "") + e;
  }
  std::string sql = "SELECT " + cols + " FROM " + Quote(t.name);
  int next = 1;
  if (after) sql += AfterKey(t, true, [&](int) { return "$" + std::to_string(next++); });
  return sql + " ORDER BY " + KeyList(t, true) + " LIMIT $" + std::to_string(next);
}

pg::Params& AddKey(pg::Params& p, const Key& key) {
  for (const KeyValue& v : key) {
    if (std::holds_alternative<std::int64_t>(v)) {
      p.Int(std::get<std::int64_t>(v));
    } else {
      p.Text(std::get<std::string>(v));
    }
  }
  return p;
}

Key PgKeyOf(const Table& t, const pg::Rows& rows, int r) {
  Key key;
  for (int idx : t.key) {
    if (t.columns[idx].integer_key) {
      key.emplace_back(rows.Int(r, idx));
    } else {
      key.emplace_back(rows.Text(r, idx));
    }
  }
  return key;
}

std::int64_t PgCount(pg::Conn& conn, const Table& t) {
  return conn.Exec("SELECT count(*) FROM " + Quote(t.name)).Int(0, 0);
}

// The greatest key already in PostgreSQL (resume point), or nullopt when the table is empty.
std::optional<Key> PgLastKey(pg::Conn& conn, const Table& t) {
  std::string order;
  for (std::size_t i = 0; i < t.key.size(); ++i) {
    const Column& c = t.columns[t.key[i]];
    order += (i ? ", " : "") + Quote(c.name) + (c.integer_key ? "" : " COLLATE \"C\"") + " DESC";
  }
  std::string cols;
  for (std::size_t i = 0; i < t.columns.size(); ++i) cols += (i ? ", " : "") + Quote(t.columns[i].name);
  pg::Rows rows = conn.Exec("SELECT " + cols + " FROM " + Quote(t.name) + " ORDER BY " + order + " LIMIT 1");
  if (rows.empty()) return std::nullopt;
  return PgKeyOf(t, rows, 0);
}

// ---- the copy ----------------------------------------------------------------------------

class Migration {
 public:
  Migration(SQLite::Database& db, pg::Conn& conn, const SqliteToPgOptions& options)
      : db_(db), conn_(conn), options_(options) {}

  // Copies `t`; false when stop_after_rows ended the run.
  bool Copy(const Table& t, TableMigration* out) {
    std::optional<Key> after = options_.resume ? PgLastKey(conn_, t) : std::nullopt;
    SQLite::Statement first(db_, SqliteSelect(t, false));
    SQLite::Statement next(db_, SqliteSelect(t, true));
    for (;;) {
      const int want = BatchSize(t);
      if (want == 0) return false;
      SQLite::Statement& st = after ? next : first;
      st.reset();
      st.clearBindings();
      if (after) BindKey(st, *after);
      st.bind(after ? static_cast<int>(t.key.size()) + 1 : 1, want);
      pg::Params params;
      int rows = 0;
      while (st.executeStep()) {
        for (std::size_t i = 0; i < t.columns.size(); ++i) AddValue(t.columns[i], st.getColumn(static_cast<int>(i)), &params);
        after = KeyOf(t, st);
        ++rows;
      }
      if (rows == 0) return true;
      pg::Rows done = conn_.Exec(PgInsert(t, rows), params);
      out->copied_rows += done.Affected();
      copied_total_ += rows;
      if (rows < want) return true;  // the table is exhausted
    }
  }

  void MoveIdentity(const Table& t) {
    if (!t.pg_identity_id) return;
    conn_.Exec("SELECT setval(pg_get_serial_sequence($1, 'id'), m) FROM (SELECT max(id) AS m FROM " +
                   Quote(t.name) + ") s WHERE m IS NOT NULL",
               pg::Params().Text(Quote(t.name)));
  }

  void Verify(const Table& t, TableMigration* out) {
    RowChecksum source;
    SQLite::Statement st(db_, "SELECT * FROM " + Quote(t.name));
    out->source_rows = 0;
    out->adjusted_texts = 0;
    while (st.executeStep()) {
      for (int i = 0; i < st.getColumnCount(); ++i) {
        bool adjusted = false;
        source.Value(Canonical(st.getColumn(i), &adjusted));
        out->adjusted_texts += adjusted ? 1 : 0;
      }
      source.EndRow();
      ++out->source_rows;
    }
    out->source_checksum = source.Hex();
    RowChecksum dest;
    out->dest_rows = 0;
    std::optional<Key> after;
    for (;;) {
      pg::Params p;
      if (after) AddKey(p, *after);
      p.Int(kVerifyPage);
      pg::Rows rows = conn_.Exec(PgSelect(t, after.has_value()), p);
      for (int r = 0; r < rows.size(); ++r) {
        for (std::size_t i = 0; i < t.columns.size(); ++i) dest.Value(rows.OptText(r, static_cast<int>(i)));
        dest.EndRow();
      }
      out->dest_rows += rows.size();
      if (rows.size() < kVerifyPage) break;
      after = PgKeyOf(t, rows, rows.size() - 1);
    }
    out->dest_checksum = dest.Hex();
  }

 private:
  bool Limited() const { return options_.stop_after_rows > 0; }
  // Rows for the next INSERT: the batch size, at most 65,535 parameters (PostgreSQL's limit),
  // and what is left of stop_after_rows.
  int BatchSize(const Table& t) const {
    std::int64_t n = std::min<std::int64_t>(options_.batch_rows, 65535 / static_cast<std::int64_t>(t.columns.size()));
    if (Limited()) n = std::min(n, options_.stop_after_rows - copied_total_);
    return static_cast<int>(n);
  }

  static void AddValue(const Column& col, const SQLite::Column& c, pg::Params* p) {
    switch (c.getType()) {
      case SQLITE_NULL:
        p->Null();
        return;
      case SQLITE_BLOB:
        if (col.pg_bytea) {
          p->Bytes(c.getBlob(), static_cast<std::size_t>(c.getBytes()));
          return;
        }
        break;
      case SQLITE_INTEGER:
        p->Int(c.getInt64());
        return;
      default:
        break;
    }
    std::string raw(static_cast<const char*>(c.getBlob()), static_cast<std::size_t>(c.getBytes()));
    p->Text(raw);  // Params::Text repairs invalid UTF-8 (counted by Verify)
  }

  SQLite::Database& db_;
  pg::Conn& conn_;
  const SqliteToPgOptions& options_;
  std::int64_t copied_total_ = 0;
};

Result<SqliteToPgReport> Run(SqliteStore& source, pg::Conn& conn, const SqliteToPgOptions& options) {
  SQLite::Database& db = source.database();
  sqlite::ReadTxn snapshot(db);  // every table from one consistent state of the source
  std::vector<Table> tables;
  for (const std::string& name : ForeignKeyOrder(db, SqliteTables(db))) {
    tables.push_back(SqliteTable(db, name));
    DescribePg(conn, &tables.back());
  }
  if (!options.resume) {
    for (const Table& t : tables) {
      if (PgCount(conn, t) != 0) {
        return MakeError(ErrorCode::kConflict,
                         "the PostgreSQL database already holds rows (table " + t.name +
                             "); to continue an interrupted migration into it, add --resume");
      }
    }
  }
  Migration m(db, conn, options);
  SqliteToPgReport report;
  for (const Table& t : tables) {
    TableMigration tm;
    tm.table = t.name;
    const bool finished = m.Copy(t, &tm);
    m.MoveIdentity(t);
    if (!finished) {
      report.tables.push_back(tm);
      return report;  // complete = false: interrupted on purpose (stop_after_rows)
    }
    m.Verify(t, &tm);
    if (options.on_table) options.on_table(tm);
    report.tables.push_back(std::move(tm));
  }
  report.complete = true;
  return report;
}

}  // namespace

bool SqliteToPgReport::verified() const {
  return complete && std::all_of(tables.begin(), tables.end(), [](const TableMigration& t) { return t.verified(); });
}

Result<SqliteToPgReport> MigrateSqliteToPg(const StoreOptions& from, const StoreOptions& to,
                                           const SqliteToPgOptions& options) {
  if (from.backend != "sqlite" || to.backend != "postgresql") {
    return MakeError(ErrorCode::kInvalidArgument, "migration goes from a sqlite store to a postgresql store");
  }
  if (options.batch_rows < 1 || options.batch_rows > 5000) {
    return MakeError(ErrorCode::kInvalidArgument, "batch size must be in [1, 5000]");
  }
  StoreOptions source_options = from;
  source_options.read_only = true;  // must exist, at this binary's schema version; never written
  auto source = SqliteStore::Open(source_options);
  if (!source.ok()) return source.error();
  auto dest = PgStore::Open(to);  // creates or migrates the PostgreSQL schema
  if (!dest.ok()) return dest.error();
  pg::ConnectSpec spec;
  spec.dsn = to.dsn;
  spec.password = to.password;
  auto conn = pg::Conn::Connect(spec);
  if (!conn.ok()) return conn.error();
  try {
    return sqlite::Guard("reading " + from.path, [&]() { return Run(**source, **conn, options); });
  } catch (const pg::Failure& f) {
    return MakeError(f.code, "PostgreSQL: " + f.message);
  }
}

}  // namespace fbl
