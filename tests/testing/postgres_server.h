// A private PostgreSQL cluster for tests (Debian's postgresql package), started and stopped by
// the test (recipe: ../shared/recipes/TEST-SERVERS.md "Private PostgreSQL 15 cluster"):
// initdb into a temp dir (/dev/shm when there is one), listening on 127.0.0.1:port() and on a
// socket in its own directory, fsync off (test data need no durability). The server runs as
// the `postgres` user when the test runs as root (PostgreSQL refuses root).
//
// Authentication as in production: TCP connections need a password (scram-sha-256) for the
// role `fbl`, which owns the databases made by CreateDatabase(); the harness itself talks
// to the server as superuser over its private socket (trust).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace fbl::testing {

class PostgresServer {
 public:
  PostgresServer();
  // pg_ctl stop -m fast; the directory is removed. If the test dies without running this, a
  // watchdog process (started with the server) stops the server and removes the directory.
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // initdb (first call) and start; false with the reason in error() when it did not come up.
  bool Start();
  // pg_ctl stop -m fast (connections are cut).
  void Stop();
  // Stop and Start again on the same port and data: open connections break.
  bool Restart();

  // A fresh database owned by `fbl`; false (error()) on failure.
  bool CreateDatabase(const std::string& name);
  // libpq conninfo for `fbl` on `dbname` over TCP, without the password (see password()).
  std::string Dsn(const std::string& dbname) const;
  std::string password() const { return "fbl-test-secret"; }

  // Runs `sql` as superuser in `dbname` and returns the first column of the first row as an
  // integer (-1 on error, reason in error()). For assertions on table contents.
  std::int64_t QueryInt(const std::string& dbname, const std::string& sql);
  // Runs `sql` as superuser in `dbname`; false (error()) on failure.
  bool Exec(const std::string& dbname, const std::string& sql);

  int port() const { return port_; }
  const std::string& error() const { return error_; }
  // Where PostgreSQL is installed ("" when it is not: tests then fail with a clear message).
  static std::string BinDir();

 private:
  bool RunAsServerUser(const std::vector<std::string>& argv, std::string* output);
  std::string AdminConninfo(const std::string& dbname) const;
  void StartWatchdog(const std::string& bin);

  std::filesystem::path dir_;
  int port_ = 0;
  bool initialised_ = false;
  bool running_ = false;
  bool restarted_ = false;  // Restart(): keep the port
  int watchdog_fd_ = -1;     // write end of the watchdog's pipe
  int watchdog_pid_ = -1;
  std::string error_;
};

}  // namespace fbl::testing
