#include "store/pg_util.h"

#include <unistd.h>

#include <charconv>
#include <map>
#include <tuple>

namespace fbl::pg {

ErrorCode CodeForSqlState(std::string_view s) {
  if (s.size() != 5) return ErrorCode::kInternal;
  const std::string_view cls = s.substr(0, 2);
  if (cls == "23") return ErrorCode::kInvalidArgument;
  if (cls == "22") return ErrorCode::kInvalidArgument;  // data exception (bad encoding, range)
  if (cls == "40" || cls == "08" || cls == "57" || s == "55P03") return ErrorCode::kUnavailable;
  if (cls == "53" || s == "25006" || s == "42501" || cls == "58") return ErrorCode::kIo;
  return ErrorCode::kInternal;
}

// ---- Params ------------------------------------------------------------------------------

namespace {

// Length of the valid UTF-8 sequence at s[i], 0 if invalid (overlongs and surrogates too).
std::size_t Utf8Length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return c == 0 ? 0 : 1;
  std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  }
  if (c == 0xE0 && b(i + 1) < 0xA0) return 0;
  if (c == 0xED && b(i + 1) >= 0xA0) return 0;
  if (c == 0xF0 && b(i + 1) < 0x90) return 0;
  if (c == 0xF4 && b(i + 1) >= 0x90) return 0;
  return n;
}

}  // namespace

std::string ValidText(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size();) {
    std::size_t n = Utf8Length(v, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(v.substr(i, n));
      i += n;
    }
  }
  return out;
}

Params& Params::Text(std::string_view v) {
  values_.emplace_back(ValidText(v));
  formats_.push_back(0);
  return *this;
}

Params& Params::Int(std::int64_t v) { return Text(std::to_string(v)); }

Params& Params::Bool(bool v) { return Text(v ? "t" : "f"); }

Params& Params::Bytes(const void* data, std::size_t size) {
  values_.emplace_back(std::string(static_cast<const char*>(data), size));
  formats_.push_back(1);
  return *this;
}

Params& Params::Null() {
  values_.emplace_back(std::nullopt);
  formats_.push_back(0);
  return *this;
}

Params& Params::OptText(const std::optional<std::string>& v) { return v ? Text(*v) : Null(); }

Params& Params::OptInt(const std::optional<std::int64_t>& v) { return v ? Int(*v) : Null(); }

Params& Params::TextArray(const std::vector<std::string>& v) {
  std::string out = "{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : v[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return Text(out);
}

std::vector<const char*> Params::Values() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->data() : nullptr);
  return out;
}

std::vector<int> Params::Lengths() const {
  std::vector<int> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? static_cast<int>(v->size()) : 0);
  return out;
}

// ---- Rows --------------------------------------------------------------------------------

std::string Rows::Text(int row, int col) const {
  return std::string(Libpq().PQgetvalue(r_.get(), row, col),
                     static_cast<std::size_t>(Libpq().PQgetlength(r_.get(), row, col)));
}

std::int64_t Rows::Int(int row, int col) const {
  const char* p = Libpq().PQgetvalue(r_.get(), row, col);
  const char* end = p + Libpq().PQgetlength(r_.get(), row, col);
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(p, end, v);
  if (ec != std::errc() || ptr != end) {
    throw Failure{ErrorCode::kInternal, "not an integer in column " + std::to_string(col), false};
  }
  return v;
}

bool Rows::Bool(int row, int col) const { return Libpq().PQgetvalue(r_.get(), row, col)[0] == 't'; }

std::string Rows::Bytes(int row, int col) const {
  return DecodeHexBytea(std::string_view(Libpq().PQgetvalue(r_.get(), row, col),
                                         static_cast<std::size_t>(Libpq().PQgetlength(r_.get(), row, col))));
}

std::optional<std::string> Rows::OptText(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Text(row, col);
}

std::optional<std::int64_t> Rows::OptInt(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Int(row, col);
}

std::int64_t Rows::Affected() const {
  const char* n = Libpq().PQcmdTuples(r_.get());
  std::int64_t v = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), v);
  return v;
}

std::string DecodeHexBytea(std::string_view text) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) return "";
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 2 - 1);
  for (std::size_t i = 2; i < text.size(); i += 2) {
    int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return "";
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// ---- Conn --------------------------------------------------------------------------------

namespace {

std::string FirstLine(const char* message) {
  std::string m = message != nullptr ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

Result<std::unique_ptr<Conn>> Conn::Connect(const ConnectSpec& spec) {
  const std::string timeout = std::to_string(spec.connect_timeout_s);
  // Later keywords override earlier ones: defaults first, then the operator's conninfo, then
  // the password read from the config (never written into the conninfo string).
  // TCP keepalives notice a server that vanished (failover, partition) in about a minute
  // instead of the kernel's two hours; the dsn may override them.
  std::vector<const char*> keys = {"connect_timeout", "application_name", "keepalives", "keepalives_idle",
                                   "keepalives_interval", "keepalives_count", "dbname"};
  std::vector<const char*> values = {timeout.c_str(), "fbl", "1", "30", "10", "3", spec.dsn.c_str()};
  if (!spec.password.empty()) {
    keys.push_back("password");
    values.push_back(spec.password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  auto lib = LoadLib();
  if (!lib.ok()) return lib.error();
  PGconn* c = Libpq().PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (c == nullptr) return MakeError(ErrorCode::kUnavailable, "connecting to PostgreSQL: out of memory");
  if (Libpq().PQstatus(c) != CONNECTION_OK) {
    std::string message = FirstLine(Libpq().PQerrorMessage(c));
    Libpq().PQfinish(c);
    return MakeError(ErrorCode::kUnavailable, "connecting to PostgreSQL: " + message);
  }
  // Libraries do not log: server notices ("relation already exists, skipping") are dropped.
  Libpq().PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  std::unique_ptr<Conn> conn(new Conn(c));
  try {
    // Times are integers; text is compared bytewise (COLLATE "C" in the schema).
    conn->Command("SET client_encoding = 'UTF8'");
    conn->Command("SET TIME ZONE 'UTC'");
    if (spec.read_only) conn->Command("SET default_transaction_read_only = on");
  } catch (const Failure& f) {
    return MakeError(f.code, "setting up the PostgreSQL session: " + f.message);
  }
  return conn;
}

Conn::~Conn() { Libpq().PQfinish(conn_); }

void Conn::Throw(PGresult* r, std::string_view what) {
  Failure f;
  const char* state = r != nullptr ? Libpq().PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  f.message = std::string(what) + ": " + FirstLine(r != nullptr ? Libpq().PQresultErrorMessage(r) : Libpq().PQerrorMessage(conn_));
  if (f.message.size() == what.size() + 2) f.message += FirstLine(Libpq().PQerrorMessage(conn_));
  f.code = state != nullptr ? CodeForSqlState(state) : ErrorCode::kUnavailable;
  f.connection_lost = Libpq().PQstatus(conn_) != CONNECTION_OK;
  if (f.connection_lost) f.code = ErrorCode::kUnavailable;
  if (r != nullptr) Libpq().PQclear(r);
  throw f;
}

Rows Conn::Check(PGresult* r, std::string_view what) {
  ExecStatusType st = r != nullptr ? Libpq().PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) Throw(r, what);
  ++executed_;
  return Rows(r);
}

Rows Conn::Exec(std::string_view sql, const Params& params) {
  auto it = prepared_.find(std::string(sql));
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size() + 1);
    Check(Libpq().PQprepare(conn_, name.c_str(), std::string(sql).c_str(), params.size(), nullptr), "preparing");
    it = prepared_.emplace(std::string(sql), std::move(name)).first;
  }
  std::vector<const char*> values = params.Values();
  std::vector<int> lengths = params.Lengths();
  return Check(Libpq().PQexecPrepared(conn_, it->second.c_str(), params.size(), values.data(), lengths.data(),
                              params.Formats().data(), /*resultFormat=*/0),
               "executing");
}

void Conn::Command(const std::string& sql) { Check(Libpq().PQexec(conn_, sql.c_str()), "executing"); }

void Conn::RollbackQuietly() {
  if (Broken()) return;
  PGresult* r = Libpq().PQexec(conn_, "ROLLBACK");
  if (r != nullptr) Libpq().PQclear(r);
}

// ---- Pool --------------------------------------------------------------------------------

Lease::Lease(std::shared_ptr<Pool> pool, std::unique_ptr<Conn> conn)
    : pool_(std::move(pool)), conn_(std::move(conn)) {}

Lease::Lease(Lease&& other) noexcept
    : pool_(std::move(other.pool_)), conn_(std::move(other.conn_)), broken_(other.broken_) {}

Lease::~Lease() {
  if (pool_ && conn_) pool_->Return(std::move(conn_), broken_ || conn_->Broken() || !conn_->Idle());
}

std::shared_ptr<Pool> Pool::For(const ConnectSpec& spec, int size) {
  using Key = std::tuple<pid_t, std::string, std::string, bool, int>;
  static std::mutex mu;
  static auto* pools = new std::map<Key, std::weak_ptr<Pool>>();  // never destroyed: no exit-order issues
  std::lock_guard lock(mu);
  std::erase_if(*pools, [](const auto& entry) { return entry.second.expired(); });
  Key key{getpid(), spec.dsn, spec.password, spec.read_only, size};
  if (auto existing = (*pools)[key].lock()) return existing;
  auto pool = std::make_shared<Pool>(spec, size);
  (*pools)[key] = pool;
  return pool;
}

Pool::~Pool() = default;

Result<Lease> Pool::Acquire(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (idle_.empty() && open_ >= size_) {
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= size_) {
      return MakeError(ErrorCode::kUnavailable,
                       "all " + std::to_string(size_) + " PostgreSQL connections of the pool are busy");
    }
  }
  if (!idle_.empty()) {
    std::unique_ptr<Conn> c = std::move(idle_.back());
    idle_.pop_back();
    return Lease(shared_from_this(), std::move(c));
  }
  ++open_;  // reserve the slot, connect without holding the lock
  lock.unlock();
  auto c = Conn::Connect(spec_);
  if (!c.ok()) {
    lock.lock();
    --open_;
    cv_.notify_one();
    return c.error();
  }
  return Lease(shared_from_this(), std::move(c.value()));
}

void Pool::Return(std::unique_ptr<Conn> conn, bool broken) {
  std::lock_guard lock(mu_);
  if (broken) {
    conn.reset();
    --open_;
  } else {
    idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

}  // namespace fbl::pg
