#include "tests/testing/smtp_sink.h"

#include <mimetic/mimetic.h>

#include <algorithm>
#include <cctype>
#include <signal.h>
#include <sstream>
#include <thread>

#include "tests/testing/test_util.h"

namespace fbl::testing {

namespace fs = std::filesystem;

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string DecodeBase64(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = Base64Value(c);
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

// Unfolded header block of `raw` (up to the first empty line).
std::vector<std::pair<std::string, std::string>> ReadHeaders(const std::string& raw) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(raw);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !out.empty()) {
      out.back().second += line;  // unfolding keeps the whitespace (RFC 5322 2.2.3)
      continue;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t") == std::string::npos ? value.size()
                                                                       : value.find_first_not_of(" \t"));
    out.emplace_back(line.substr(0, colon), value);
  }
  return out;
}

std::string TypeOf(const mimetic::MimeEntity& e) {
  const mimetic::ContentType& ct = e.header().contentType();
  return Lower(ct.type() + "/" + ct.subtype());
}

}  // namespace

bool MakeSelfSignedCert(const fs::path& dir) {
  fs::create_directories(dir);
  std::string out;
  int rc = RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                       "-subj", "/CN=localhost", "-addext",
                       "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout",
                       (dir / "key.pem").string(), "-out", (dir / "cert.pem").string()},
                      &out);
  return rc == 0;
}

SmtpSink::SmtpSink(fs::path dir, bool tls) : dir_(std::move(dir)), tls_(tls) {}

SmtpSink::~SmtpSink() { Stop(); }

bool SmtpSink::Start(int port) {
  if (port != 0) port_ = port;
  if (port_ == 0) port_ = FreePort();
  for (const char* sub : {"tmp", "new", "cur"}) fs::create_directories(dir_ / "Maildir" / sub);
  if (tls_ && !fs::exists(cert_path()) && !MakeSelfSignedCert(dir_)) return false;
  std::vector<std::string> argv = {"/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l",
                                   "127.0.0.1:" + std::to_string(port_), "-c",
                                   "aiosmtpd.handlers.Mailbox"};
  if (tls_) {
    argv.insert(argv.end(), {"--tlscert", (dir_ / "cert.pem").string(), "--tlskey",
                             (dir_ / "key.pem").string()});
  }
  argv.push_back((dir_ / "Maildir").string());
  if (!process_.Start(argv, (dir_ / "aiosmtpd.log").string())) return false;
  return WaitForPort(port_, std::chrono::seconds(10));
}

void SmtpSink::Stop() {
  if (process_.pid() > 0) process_.Stop(SIGTERM, std::chrono::seconds(5));
}

std::string SmtpSink::log() const { return ReadFile(dir_ / "aiosmtpd.log"); }

std::vector<std::string> SmtpSink::Messages() const {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_ / "Maildir" / "new", ec)) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(ReadFile(f));
  return out;
}

bool SmtpSink::WaitForMessages(std::size_t n, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Messages().size() >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Messages().size() >= n;
}

std::string MailView::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (Lower(n) == Lower(std::string(name))) return v;
  }
  return "";
}

int MailView::Count(std::string_view name) const {
  int count = 0;
  for (const auto& h : headers) count += Lower(h.first) == Lower(std::string(name));
  return count;
}

bool ParseMail(const std::string& raw, MailView* out, std::string* error) {
  out->headers = ReadHeaders(raw);
  std::istringstream in(raw);
  mimetic::MimeEntity top(in);
  out->content_type = TypeOf(top);
  for (const mimetic::MimeEntity* part : top.body().parts()) {
    std::string type = TypeOf(*part);
    out->part_types.push_back(type);
    std::string body(part->body().begin(), part->body().end());
    std::string cte = Lower(part->header().contentTransferEncoding().mechanism());
    std::string decoded = cte == "quoted-printable" ? DecodeQuotedPrintable(body)
                          : cte == "base64"         ? DecodeBase64(body)
                                                    : body;
    if (type == "text/plain") out->text = decoded;
    if (type == "text/html") out->html = decoded;
  }
  if (out->content_type != "multipart/alternative" || out->part_types.size() != 2) {
    *error = "expected multipart/alternative with 2 parts, got " + out->content_type + " with " +
             std::to_string(out->part_types.size());
    return false;
  }
  return true;
}

std::string DecodeEncodedWords(std::string_view value) {
  std::string out;
  std::size_t pos = 0;
  bool last_was_word = false;
  std::string pending_space;
  while (pos < value.size()) {
    std::size_t start = value.find("=?", pos);
    std::size_t q1 = start == std::string_view::npos ? start : value.find('?', start + 2);
    std::size_t q2 = q1 == std::string_view::npos ? q1 : value.find('?', q1 + 1);
    std::size_t end = q2 == std::string_view::npos ? q2 : value.find("?=", q2 + 1);
    if (end == std::string_view::npos) {
      out += std::string(value.substr(pos));
      break;
    }
    std::string_view between = value.substr(pos, start - pos);
    bool blank = between.find_first_not_of(" \t\r\n") == std::string_view::npos;
    if (!(last_was_word && blank)) out += std::string(between);
    char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(value[q1 + 1])));
    std::string_view text = value.substr(q2 + 1, end - q2 - 1);
    if (enc == 'B') {
      out += DecodeBase64(text);
    } else {
      std::string t(text);
      std::replace(t.begin(), t.end(), '_', ' ');
      out += DecodeQuotedPrintable(t);
    }
    last_was_word = true;
    pos = end + 2;
  }
  return out;
}

std::string DecodeQuotedPrintable(std::string_view body) {
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '=') {
      out += c;
      continue;
    }
    if (i + 1 < body.size() && (body[i + 1] == '\r' || body[i + 1] == '\n')) {
      i += body[i + 1] == '\r' && i + 2 < body.size() && body[i + 2] == '\n' ? 2 : 1;
      continue;
    }
    if (i + 2 < body.size() && std::isxdigit(static_cast<unsigned char>(body[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(body[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(body.substr(i + 1, 2)), nullptr, 16));
      i += 2;
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace fbl::testing
