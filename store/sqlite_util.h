// Helpers for the SQLite backend (store/sqlite_store*.cpp only): SQLiteCpp exceptions become
// Error values here, at the boundary; write transactions; statement reuse.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "parsers/result.h"
#include "store/store.h"

namespace fbl::sqlite {

// SQLITE_BUSY/LOCKED -> kUnavailable; FULL/IOERR/CANTOPEN/READONLY/NOTADB/CORRUPT/PERM -> kIo;
// CONSTRAINT/MISMATCH/TOOBIG/RANGE -> kInvalidArgument; anything else -> kInternal.
Error ErrorFromCode(int extended_code, std::string_view what, std::string_view message);
Error ErrorFromException(const SQLite::Exception& e, std::string_view what);

// Runs `body` (returning Result<T> or Status) and turns SQLiteCpp exceptions into errors.
// std::bad_alloc is not caught: running out of memory is fatal.
template <typename F>
auto Guard(std::string_view what, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const SQLite::Exception& e) {
    return ErrorFromException(e, what);
  }
}

// BEGIN IMMEDIATE ... COMMIT; rolls back in the destructor unless committed. IMMEDIATE takes
// the write lock at the start, so the busy timeout applies there and a read snapshot is
// never upgraded (which could fail with SQLITE_BUSY_SNAPSHOT without waiting).
class WriteTxn {
 public:
  explicit WriteTxn(SQLite::Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
  ~WriteTxn() {
    // The error that unwinds us is already on its way to the caller; a failed ROLLBACK
    // leaves SQLite to roll back when the connection closes.
    if (!done_) sqlite3_exec(db_.getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  WriteTxn(const WriteTxn&) = delete;
  WriteTxn& operator=(const WriteTxn&) = delete;
  void Commit() {
    db_.exec("COMMIT");
    done_ = true;
  }

 private:
  SQLite::Database& db_;
  bool done_ = false;
};

// A prepared statement through SQLite's C API, for the hot reads where SQLiteCpp's Column
// objects (a shared_ptr copy per column read) show in profiles. Throws SQLite::Exception like
// SQLiteCpp does: use it inside a Guard.
class RawStatement {
 public:
  RawStatement(sqlite3* db, std::string_view sql) : db_(db) {
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &st_, nullptr);
    if (rc != SQLITE_OK) throw SQLite::Exception(db, rc);
  }
  ~RawStatement() { sqlite3_finalize(st_); }
  RawStatement(const RawStatement&) = delete;
  RawStatement& operator=(const RawStatement&) = delete;

  sqlite3_stmt* get() const { return st_; }
  // Binds `text` without a copy. REQUIRES: `text` outlives the next Reset.
  void BindRef(int index, std::string_view text) {
    Check(sqlite3_bind_text(st_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC));
  }
  void Bind(int index, std::int64_t value) { Check(sqlite3_bind_int64(st_, index, value)); }
  // True when a row is ready, false when there are no more.
  bool Step() {
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw SQLite::Exception(db_, rc);
  }
  // Ends the statement's read (a stepped SELECT pins its snapshot until reset).
  void Reset() { sqlite3_reset(st_); }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK) throw SQLite::Exception(db_, rc);
  }
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

// Resets a RawStatement when leaving scope, like Use below for SQLiteCpp's statements: a
// stepped SELECT would otherwise keep its read transaction open.
class RawUse {
 public:
  explicit RawUse(RawStatement& st) : st_(st) {}
  ~RawUse() { st_.Reset(); }
  RawUse(const RawUse&) = delete;
  RawUse& operator=(const RawUse&) = delete;
  RawStatement* operator->() { return &st_; }
  sqlite3_stmt* get() const { return st_.get(); }

 private:
  RawStatement& st_;
};

// A deferred read transaction: several SELECTs see one snapshot. Inside a transaction that is
// already open (Store::BeginReadSnapshot) it does nothing: the outer one is the snapshot.
class ReadTxn {
 public:
  explicit ReadTxn(SQLite::Database& db) : db_(db), owner_(sqlite3_get_autocommit(db.getHandle()) != 0) {
    if (owner_) db_.exec("BEGIN");
  }
  ~ReadTxn() {
    if (owner_) sqlite3_exec(db_.getHandle(), "COMMIT", nullptr, nullptr, nullptr);
  }
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;

 private:
  SQLite::Database& db_;
  bool owner_;
};

// Resets a cached statement when leaving scope, so that it never pins a read snapshot
// (an un-reset SELECT keeps its read transaction open and stops WAL checkpoints).
class Use {
 public:
  explicit Use(SQLite::Statement& st) : st_(st) {
    st_.tryReset();
    st_.clearBindings();
  }
  ~Use() { st_.tryReset(); }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  SQLite::Statement* operator->() { return &st_; }
  SQLite::Statement& operator*() { return st_; }

 private:
  SQLite::Statement& st_;
};

inline void BindText(SQLite::Statement& st, int index, std::string_view text) {
  // As TEXT (not BLOB), so that comparisons with TEXT columns match.
  st.bind(index, std::string(text));
}

// Binds without a copy. REQUIRES: `text` outlives the statement's next reset.
inline void BindRef(SQLite::Statement& st, int index, const std::string& text) { st.bindNoCopy(index, text); }
inline void BindRef(SQLite::Statement& st, int index, const char* literal) { st.bindNoCopy(index, literal); }

inline void BindOptText(SQLite::Statement& st, int index, const std::optional<std::string>& text) {
  if (text) {
    BindText(st, index, *text);
  } else {
    st.bind(index);
  }
}

inline void BindOptInt(SQLite::Statement& st, int index, const std::optional<std::int64_t>& v) {
  if (v) {
    st.bind(index, static_cast<int64_t>(*v));
  } else {
    st.bind(index);
  }
}

inline std::optional<std::int64_t> OptInt(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getInt64();
}

inline std::optional<std::string> OptText(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

// The outbox columns "id, client_id, channel, kind, report_id, payload_json, message_id,
// attempts, created_at, due_at" of the current row (DueOutbox and ClaimOutbox select them).
inline OutboxItem ReadOutboxItem(SQLite::Statement& st) {
  OutboxItem o;
  o.id = st.getColumn(0).getInt64();
  o.client_id = OptText(st.getColumn(1));
  o.channel = st.getColumn(2).getString();
  o.kind = st.getColumn(3).getString();
  o.report_id = OptInt(st.getColumn(4));
  o.payload_json = st.getColumn(5).getString();
  o.message_id = st.getColumn(6).getString();
  o.attempts = st.getColumn(7).getInt();
  o.created_at = st.getColumn(8).getInt64();
  o.due_at = st.getColumn(9).getInt64();
  return o;
}

}  // namespace fbl::sqlite
