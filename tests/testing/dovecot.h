// A private Dovecot IMAP server for integration tests, on loopback, started and stopped by the
// test (recipe: ../shared/recipes/TEST-SERVERS.md). It lives in its own temp dir with a
// self-signed certificate for "localhost" / 127.0.0.1 (made with the openssl CLI), one user,
// Maildir storage with separator ".", plain+STARTTLS on port() and implicit TLS on tls_port().
// When the test runs as root the server runs as nobody (setpriv): Dovecot refuses root logins.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tests/testing/process.h"
#include "tests/testing/test_util.h"

namespace fbl::testing {

class Dovecot {
 public:
  // `cert_names`: the certificate's subjectAltName.
  explicit Dovecot(std::string cert_names = "DNS:localhost,IP:127.0.0.1");
  ~Dovecot();  // stops the server; the temp dir goes with it

  // Writes the config and certificate (first call) and starts the server; waits for both
  // ports. False (with the reason in error()) when it did not come up.
  bool Start();
  // SIGTERM and wait; Start() again keeps the same ports, mail and certificate.
  void Stop();
  bool running() { return process_.running(); }

  // Delivers `raw` into a folder ("" = INBOX) as Dovecot's LDA would: tmp/, then rename into
  // new/. `name` must be unique within the folder.
  void Deliver(std::string_view name, std::string_view raw, const std::string& folder = "") const;
  // Messages in a folder ("" = INBOX), new/ and cur/ together; -1 when the folder is missing.
  int Count(const std::string& folder = "") const;
  // The folder's directory in the Maildir ("" = INBOX).
  std::filesystem::path FolderPath(const std::string& folder) const;
  // Runs `doveadm -c <config> ARGS...` as the mail user on the mail storage directly (no
  // auth service needed, so it also works while the server is stopped). Returns the exit
  // code, stdout+stderr into *output.
  int Doveadm(const std::vector<std::string>& args, std::string* output = nullptr) const;
  // The UIDVALIDITY Dovecot reports for a mailbox ("INBOX", "Processed"); 0 on error.
  std::uint32_t UidValidity(const std::string& mailbox) const;

  int port() const { return port_; }
  int tls_port() const { return tls_port_; }
  std::string user() const { return "fbl@example.test"; }
  std::string password() const { return "secret"; }
  std::string ca_file() const { return (dir_ / "ssl" / "cert.pem").string(); }
  std::filesystem::path maildir() const { return dir_ / "home" / "fbl" / "Maildir"; }
  const std::string& error() const { return error_; }
  std::string Log() const;

 private:
  bool Prepare();

  TempDir tmp_;
  std::filesystem::path dir_;
  int port_;
  int tls_port_;
  std::string cert_names_;
  bool prepared_ = false;
  Process process_;
  std::string error_;
};

// A Yahoo ARF complaint (the provider and client of tests/testing/fbld.h's config: yahoo.com,
// client "demo" sending for example.com) about reader<i>@example.net; unique bytes per i.
std::string MakeArfReport(int i);
// Mail from a person to postmaster: not a report.
std::string MakePersonalMail(int i);

}  // namespace fbl::testing
