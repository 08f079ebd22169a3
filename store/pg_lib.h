// libpq, loaded at run time (the way Postfix loads its database clients as modules).
//
// fbl's binaries do not link libpq: its dependency chain (Kerberos, LDAP, SASL, GnuTLS, p11-kit,
// nettle, gmp...) would add ~19 shared libraries and ~10 ms of start-up to every fblctl and fbld
// run, SQLite users included. Instead, the first PostgreSQL connection (pg::Conn::Connect) or
// dsn check dlopen()s "libpq.so.5" (Debian package libpq5) and resolves the functions fbl uses
// into the table below. SQLite users never load it.
//
// Contract:
// - <libpq-fe.h> is included for its types and constants only. Code outside store/pg_lib.cpp
//   never calls ::PQ* itself: it calls Libpq().PQxxx (same names, same signatures).
// - LoadLib() loads once per process, thread-safe; every later call returns the same table or
//   the same error. A missing library or function is an error value (kUnavailable, "the
//   PostgreSQL backend needs libpq5: dlopen libpq.so.5: <dlerror>"), never a crash or an exit.
// - The library is never unloaded (libpq keeps thread-specific and SSL state until exit).
#pragma once

#include <libpq-fe.h>

#include <string>

#include "parsers/result.h"

namespace fbl::pg {

// Every libpq function fbl calls. X(name) per function; the table member has the same name.
#define FBL_PG_LIBPQ_FUNCTIONS(X)                                                            \
  X(PQlibVersion) X(PQconnectdbParams) X(PQfinish) X(PQstatus) X(PQtransactionStatus)      \
  X(PQerrorMessage) X(PQsetNoticeProcessor) X(PQexec) X(PQprepare) X(PQexecPrepared)        \
  X(PQresultStatus) X(PQresultErrorField) X(PQresultErrorMessage) X(PQclear) X(PQntuples)   \
  X(PQgetvalue) X(PQgetlength) X(PQgetisnull) X(PQcmdTuples) X(PQconninfoParse)            \
  X(PQconninfoFree) X(PQfreemem)

struct Lib {
#define FBL_PG_LIBPQ_MEMBER(name) decltype(&::name) name = nullptr;
  FBL_PG_LIBPQ_FUNCTIONS(FBL_PG_LIBPQ_MEMBER)
#undef FBL_PG_LIBPQ_MEMBER
};

inline constexpr const char kLibpqSoname[] = "libpq.so.5";

// The process's libpq table, loading kLibpqSoname on the first call (see the contract above).
Result<const Lib*> LoadLib();

// The loaded table. REQUIRES: LoadLib() succeeded earlier in this process (true wherever a
// Conn or Rows exists: they are only made after Conn::Connect, which calls LoadLib()).
const Lib& Libpq();

// Loads `soname` and resolves every function, without caching: LoadLib's worker, and the seam
// tests use to check the error path. The returned table is leaked on purpose (never unloaded).
Result<const Lib*> LoadLibFrom(const std::string& soname);

}  // namespace fbl::pg
