#include "tests/testing/postgres_server.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <vector>

#include "tests/testing/process.h"
#include "tests/testing/test_util.h"

namespace fbl::testing {
namespace fs = std::filesystem;

namespace {

bool IsRoot() { return geteuid() == 0; }

// tmpfs when it has room (a cluster takes ~40 MB, more as tests write; containers often give
// /dev/shm only 64 MB), else the temp directory.
bool RoomyShm() {
  struct statvfs st {};
  if (statvfs("/dev/shm", &st) != 0) return false;
  return static_cast<unsigned long long>(st.f_bavail) * st.f_frsize >= (512ULL << 20);
}

std::filesystem::path MakeDir() {
  fs::path base = RoomyShm() ? fs::path("/dev/shm") : fs::temp_directory_path();
  std::string tmpl = (base / "fbl-pg-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return {};
  return tmpl;
}

}  // namespace

std::string PostgresServer::BinDir() {
  std::vector<std::string> versions;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (fs::exists(e.path() / "bin" / "initdb")) versions.push_back(e.path().filename().string());
  }
  if (versions.empty()) return "";
  std::sort(versions.begin(), versions.end(),
            [](const std::string& a, const std::string& b) { return std::stoi(a) < std::stoi(b); });
  return "/usr/lib/postgresql/" + versions.back() + "/bin";
}

PostgresServer::PostgresServer() = default;

PostgresServer::~PostgresServer() {
  Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  if (watchdog_fd_ >= 0) {
    close(watchdog_fd_);  // the watchdog finds nothing left to do and exits
    int status = 0;
    waitpid(watchdog_pid_, &status, 0);
  }
}

// A test that crashes or is killed never runs the destructor, and a postmaster outlives its
// test. A watchdog process waits for the test to go (end of file on a pipe only the test
// holds), then stops the server and removes the directory.
void PostgresServer::StartWatchdog(const std::string& bin) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return;
  const std::string script =
      "cat >/dev/null; " + std::string(IsRoot() ? "setpriv --reuid=postgres --regid=postgres --init-groups " : "") +
      "\"$2/pg_ctl\" -D \"$1/data\" -m immediate -w stop >/dev/null 2>&1; rm -rf \"$1\"";
  const std::string dir = dir_.string();
  std::vector<const char*> argv = {"/bin/sh", "-c", script.c_str(), "fbl-pg-watchdog", dir.c_str(), bin.c_str(),
                                   nullptr};
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return;
  }
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    dup2(fds[0], 0);
    if (null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
    }
    close_range(3, ~0U, 0);
    execv("/bin/sh", const_cast<char* const*>(argv.data()));
    _exit(127);
  }
  close(fds[0]);
  watchdog_fd_ = fds[1];
  watchdog_pid_ = pid;
}

// Runs argv with stdin from /dev/null and stdout+stderr into `log`, and NO other descriptor
// inherited: pg_ctl start leaves the server running with whatever it inherited, and a pipe
// kept open by the server would make a reader wait for ever.
static int RunDetached(const std::vector<std::string>& argv, const std::string& log) {
  std::vector<char*> cargs;
  for (const auto& a : argv) cargs.push_back(const_cast<char*>(a.c_str()));
  cargs.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    close_range(3, ~0U, 0);
    execvp(cargs[0], cargs.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool PostgresServer::RunAsServerUser(const std::vector<std::string>& argv, std::string* output) {
  std::vector<std::string> full;
  if (IsRoot()) full = {"setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"};
  full.insert(full.end(), argv.begin(), argv.end());
  const std::string log = (dir_ / "command.log").string();
  int rc = RunDetached(full, log);
  std::string out = ReadFile(log);
  if (output != nullptr) *output = out;
  if (rc != 0) {
    error_ = argv[0] + " exited with " + std::to_string(rc) + ": " + out.substr(0, 2000);
    return false;
  }
  return true;
}

bool PostgresServer::Start() {
  if (running_) return true;
  const std::string bin = BinDir();
  if (bin.empty()) {
    error_ = "PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb); run scripts/setup";
    return false;
  }
  if (!initialised_) {
    dir_ = MakeDir();
    if (dir_.empty()) {
      error_ = "mkdtemp failed";
      return false;
    }
    if (IsRoot()) {
      passwd* pw = getpwnam("postgres");
      if (pw == nullptr) {
        error_ = "no 'postgres' user (install the postgresql package)";
        return false;
      }
      if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        error_ = "chown " + dir_.string() + " failed";
        return false;
      }
    }
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace);
    port_ = FreePort();
    const fs::path pwfile = dir_ / "pwfile";
    WriteFile(pwfile, "postgres-test-secret\n");
    if (IsRoot()) {
      passwd* pw = getpwnam("postgres");
      if (chown(pwfile.c_str(), pw->pw_uid, pw->pw_gid) != 0) return false;
    }
    if (!RunAsServerUser({bin + "/initdb", "-D", (dir_ / "data").string(), "-U", "postgres", "-E", "UTF8",
                          "--locale=C", "--no-sync", "--auth-local=trust", "--auth-host=scram-sha-256",
                          "--pwfile=" + pwfile.string()},
                         nullptr)) {
      return false;
    }
    fs::create_directory(dir_ / "sock");
    if (IsRoot()) {
      passwd* pw = getpwnam("postgres");
      if (chown((dir_ / "sock").c_str(), pw->pw_uid, pw->pw_gid) != 0) return false;
    }
    std::ofstream conf(dir_ / "data" / "postgresql.conf", std::ios::app);
    conf << "\nlisten_addresses = '127.0.0.1'\nfsync = off\nsynchronous_commit = off\n"
            "full_page_writes = off\nmax_connections = 100\nshared_buffers = 32MB\n";
    conf.close();
    initialised_ = true;
    StartWatchdog(bin);
  }
  // FreePort() was free a moment ago; another test starting a server at the same time may
  // take it first: then try another port (a restart keeps its port, as a real server would).
  for (int attempt = 0;; ++attempt) {
    if (RunAsServerUser({bin + "/pg_ctl", "-D", (dir_ / "data").string(), "-l", (dir_ / "log").string(), "-w",
                         "-t", "60", "-o", "-p " + std::to_string(port_) + " -k " + (dir_ / "sock").string(),
                         "start"},
                        nullptr)) {
      break;
    }
    const std::string log = ReadFile(dir_ / "log");
    if (attempt < 3 && !restarted_ && log.find("Address already in use") != std::string::npos) {
      port_ = FreePort();
      continue;
    }
    error_ += "\n" + log.substr(0, 2000);
    return false;
  }
  running_ = true;
  // The application's role, as an operator would create it.
  if (!Exec("postgres", "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fbl') THEN "
                        "CREATE ROLE fbl LOGIN PASSWORD '" + password() + "'; END IF; END $$")) {
    return false;
  }
  return true;
}

void PostgresServer::Stop() {
  if (!running_) return;
  RunAsServerUser({BinDir() + "/pg_ctl", "-D", (dir_ / "data").string(), "-m", "fast", "-w", "stop"}, nullptr);
  running_ = false;
}

bool PostgresServer::Restart() {
  Stop();
  restarted_ = true;
  bool ok = Start();
  restarted_ = false;
  return ok;
}

std::string PostgresServer::AdminConninfo(const std::string& dbname) const {
  return "host=" + (dir_ / "sock").string() + " port=" + std::to_string(port_) + " user=postgres dbname=" + dbname;
}

std::string PostgresServer::Dsn(const std::string& dbname) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=fbl dbname=" + dbname + " sslmode=disable";
}

bool PostgresServer::Exec(const std::string& dbname, const std::string& sql) {
  PGconn* c = PQconnectdb(AdminConninfo(dbname).c_str());
  bool ok = PQstatus(c) == CONNECTION_OK;
  if (!ok) {
    error_ = std::string("connecting: ") + PQerrorMessage(c);
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) error_ = sql.substr(0, 200) + ": " + PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(c);
  return ok;
}

std::int64_t PostgresServer::QueryInt(const std::string& dbname, const std::string& sql) {
  PGconn* c = PQconnectdb(AdminConninfo(dbname).c_str());
  std::int64_t value = -1;
  if (PQstatus(c) != CONNECTION_OK) {
    error_ = std::string("connecting: ") + PQerrorMessage(c);
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) {
      value = std::stoll(PQgetvalue(r, 0, 0));
    } else {
      error_ = sql.substr(0, 200) + ": " + PQresultErrorMessage(r);
    }
    PQclear(r);
  }
  PQfinish(c);
  return value;
}

bool PostgresServer::CreateDatabase(const std::string& name) {
  // `name` comes from the test itself (letters, digits, underscores).
  return Exec("postgres", "CREATE DATABASE " + name + " OWNER fbl");
}

}  // namespace fbl::testing
