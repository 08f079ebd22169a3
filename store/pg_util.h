// Helpers for the PostgreSQL backend (store/pg_*.cpp only): a libpq connection with a cache of
// prepared statements, parameter lists (values are always sent as parameters, never spliced
// into SQL), result rows, and a bounded connection pool shared by the PgStores of one process.
//
// Errors: Conn::Exec throws pg::Failure, which never leaves store/pg_*.cpp: PgStore::Run
// (pg_store.h) catches it at the boundary and returns it as an Error value, as sqlite::Guard
// does for SQLiteCpp's exceptions.
#pragma once


#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "parsers/result.h"
#include "store/pg_lib.h"

namespace fbl::pg {

// A failed libpq call. connection_lost: the connection is unusable (the server went away, a
// failover, a network error); the pool drops it and PgStore retries the transaction once.
struct Failure {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  bool connection_lost = false;
};

// SQLSTATE -> ErrorCode: 23xxx (constraints) kInvalidArgument; 40xxx (serialization,
// deadlock), 08xxx (connection), 55P03, 57xxx kUnavailable; 53xxx (disk full, out of memory),
// 25006 (read-only transaction), 42501 (permission) kIo; anything else kInternal.
ErrorCode CodeForSqlState(std::string_view sqlstate);

// PostgreSQL text holds UTF-8 without NUL; SQLite stores any bytes. Outside input (a subject,
// a diagnostic) must never make a report impossible to store, so a NUL or an invalid UTF-8
// byte becomes U+FFFD. Valid UTF-8 is returned unchanged.
std::string ValidText(std::string_view v);

// Positional parameters $1..$n, in text format (through ValidText) except bytea (binary).
class Params {
 public:
  Params& Text(std::string_view v);
  Params& Int(std::int64_t v);
  Params& Bool(bool v);
  Params& Bytes(const void* data, std::size_t size);
  Params& Null();
  Params& OptText(const std::optional<std::string>& v);
  Params& OptInt(const std::optional<std::int64_t>& v);
  // A text[] (for = ANY($n)). REQUIRES: no element holds a NUL byte.
  Params& TextArray(const std::vector<std::string>& v);

  int size() const { return static_cast<int>(values_.size()); }
  // Pointers valid until the next change of this object.
  std::vector<const char*> Values() const;
  std::vector<int> Lengths() const;
  const std::vector<int>& Formats() const { return formats_; }

 private:
  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;
};

// The rows of one statement (text format).
class Rows {
 public:
  explicit Rows(PGresult* r) : r_(r, Libpq().PQclear) {}
  int size() const { return Libpq().PQntuples(r_.get()); }
  bool empty() const { return size() == 0; }
  bool IsNull(int row, int col) const { return Libpq().PQgetisnull(r_.get(), row, col) != 0; }
  std::string Text(int row, int col) const;
  std::int64_t Int(int row, int col) const;
  bool Bool(int row, int col) const;  // "t" / "f"
  std::string Bytes(int row, int col) const;  // bytea, hex-decoded
  std::optional<std::string> OptText(int row, int col) const;
  std::optional<std::int64_t> OptInt(int row, int col) const;
  // Rows changed by INSERT/UPDATE/DELETE.
  std::int64_t Affected() const;

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
};

struct ConnectSpec {
  std::string dsn;       // libpq conninfo ("host=... dbname=... sslmode=verify-full") or URI
  std::string password;  // empty: none given (libpq may still use ~/.pgpass or PGPASSWORD)
  bool read_only = false;
  int connect_timeout_s = 10;
};

// One connection (libpq is loaded by the first Connect: store/pg_lib.h). Statements run through Exec are prepared once per connection and reused.
class Conn {
 public:
  static Result<std::unique_ptr<Conn>> Connect(const ConnectSpec& spec);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Runs `sql` with `params` as a prepared statement. Throws Failure.
  Rows Exec(std::string_view sql, const Params& params = Params());
  // Runs a parameterless command (BEGIN, COMMIT, DDL of migrations). Throws Failure.
  void Command(const std::string& sql);
  // ROLLBACK, ignoring any error (the connection may be gone).
  void RollbackQuietly();
  bool Broken() const { return Libpq().PQstatus(conn_) != CONNECTION_OK; }
  // No transaction open (a connection is only reused in this state).
  bool Idle() const { return Libpq().PQtransactionStatus(conn_) == PQTRANS_IDLE; }
  // Statements that succeeded on this connection since ResetExecuted().
  int executed() const { return executed_; }
  void ResetExecuted() { executed_ = 0; }

 private:
  explicit Conn(PGconn* conn) : conn_(conn) {}
  [[noreturn]] void Throw(PGresult* r, std::string_view what);
  Rows Check(PGresult* r, std::string_view what);

  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
  int executed_ = 0;
};

class Pool;

// A connection borrowed from a Pool; returned on destruction (dropped if marked broken).
class Lease {
 public:
  Lease(std::shared_ptr<Pool> pool, std::unique_ptr<Conn> conn);
  ~Lease();
  Lease(Lease&&) noexcept;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  Lease& operator=(Lease&&) = delete;
  Conn& conn() { return *conn_; }
  void MarkBroken() { broken_ = true; }

 private:
  std::shared_ptr<Pool> pool_;
  std::unique_ptr<Conn> conn_;
  bool broken_ = false;
};

// At most `size` connections to one database, shared by every PgStore of the process opened
// with the same dsn, password, mode and size. Connections are opened lazily.
class Pool : public std::enable_shared_from_this<Pool> {
 public:
  // The process's pool for `spec` (created on first use). A forked child gets its own pools:
  // it never touches the parent's sockets.
  static std::shared_ptr<Pool> For(const ConnectSpec& spec, int size);

  Pool(ConnectSpec spec, int size) : spec_(std::move(spec)), size_(size) {}
  ~Pool();
  // A connection, opening one if fewer than `size` exist; waits up to `wait` for one to be
  // returned otherwise (kUnavailable after that). Connection errors come back as values.
  Result<Lease> Acquire(std::chrono::milliseconds wait);
  int size() const { return size_; }

 private:
  friend class Lease;
  void Return(std::unique_ptr<Conn> conn, bool broken);

  const ConnectSpec spec_;
  const int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> idle_;
  int open_ = 0;  // idle + leased + being opened
};

// "\x..." (bytea hex output) -> bytes. Malformed input gives an empty string.
std::string DecodeHexBytea(std::string_view text);

}  // namespace fbl::pg
