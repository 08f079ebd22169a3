// A real SMTP server for integration tests: Debian's aiosmtpd on loopback, delivering into a
// Maildir (recipe: ../shared/recipes/TEST-SERVERS.md), and helpers that read the delivered
// messages back (headers unfolded, RFC 2047 decoded, MIME parts by mimetic, bodies decoded).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/testing/process.h"

namespace fbl::testing {

// Writes a self-signed certificate for "localhost" / 127.0.0.1 (openssl CLI) into `dir` as
// cert.pem and key.pem. Returns false when openssl failed.
bool MakeSelfSignedCert(const std::filesystem::path& dir);

class SmtpSink {
 public:
  // `dir` holds the Maildir and the server log. With `tls`, dir/cert.pem and dir/key.pem are
  // created and the server offers (and then requires) STARTTLS.
  SmtpSink(std::filesystem::path dir, bool tls);
  ~SmtpSink();

  // Starts the server on `port` (0 = a free port, kept for restarts) and waits for it.
  bool Start(int port = 0);
  void Stop();
  int port() const { return port_; }
  std::filesystem::path cert_path() const { return dir_ / "cert.pem"; }
  std::string log() const;

  // Raw delivered messages (oldest first by file name).
  std::vector<std::string> Messages() const;
  // Polls (bounded) until at least `n` messages are there.
  bool WaitForMessages(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  std::filesystem::path dir_;
  bool tls_;
  int port_ = 0;
  Process process_;
};

// A message read back: every header unfolded (name, raw value), the text parts decoded.
struct MailView {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type;  // of the top entity, lowercase "type/subtype"
  std::vector<std::string> part_types;  // lowercase "type/subtype" of each child part
  std::string text;  // decoded text/plain part
  std::string html;  // decoded text/html part

  // First header `name` (case-insensitive) raw; "" when absent.
  std::string Header(std::string_view name) const;
  int Count(std::string_view name) const;
};

// Parses `raw` with mimetic. Returns false (and *error) when the structure is not what
// notifications carry.
bool ParseMail(const std::string& raw, MailView* out, std::string* error);
// RFC 2047 encoded-words (B and Q, UTF-8) decoded; whitespace between adjacent words dropped.
std::string DecodeEncodedWords(std::string_view value);
std::string DecodeQuotedPrintable(std::string_view body);

}  // namespace fbl::testing
