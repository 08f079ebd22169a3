#include "tests/testing/dovecot.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <system_error>

namespace fbl::testing {

namespace fs = std::filesystem;

namespace {

constexpr int kNobody = 65534;

std::string Config(const fs::path& dir, int port, int tls_port) {
  std::string d = dir.string();
  std::string p = std::to_string(port);
  return "instance_name = fbl-test-" + p + "\n"
         "base_dir = " + d + "/run\n"
         "state_dir = " + d + "/state\n"
         "protocols = imap\n"
         "listen = 127.0.0.1\n"
         "default_internal_user = nobody\n"
         "default_internal_group = nogroup\n"
         "default_login_user = nobody\n"
         "first_valid_uid = 65534\nlast_valid_uid = 65534\n"
         "first_valid_gid = 65534\nlast_valid_gid = 65534\n"
         "log_path = " + d + "/dovecot.log\n"
         "auth_mechanisms = plain login\n"
         "disable_plaintext_auth = no\n"
         "ssl = yes\n"
         "ssl_cert = <" + d + "/ssl/cert.pem\n"
         "ssl_key = <" + d + "/ssl/key.pem\n"
         "mail_location = maildir:~/Maildir\n"
         "mailbox_idle_check_interval = 1 secs\n"
         "namespace inbox {\n  inbox = yes\n  separator = .\n}\n"
         "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u " + d + "/passwd\n}\n"
         "userdb {\n  driver = passwd-file\n  args = username_format=%u " + d + "/passwd\n}\n"
         "service imap-login {\n  chroot =\n"
         "  inet_listener imap {\n    address = 127.0.0.1\n    port = " + p + "\n  }\n"
         "  inet_listener imaps {\n    address = 127.0.0.1\n    port = " + std::to_string(tls_port) +
         "\n    ssl = yes\n  }\n}\n"
         "service anvil {\n  chroot =\n}\n";
}

void ChownTree(const fs::path& root) {
  if (geteuid() != 0) return;
  std::error_code ec;
  if (chown(root.c_str(), kNobody, kNobody) != 0) return;
  for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
    if (chown(e.path().c_str(), kNobody, kNobody) != 0) return;
  }
}

}  // namespace

Dovecot::Dovecot(std::string cert_names)
    : dir_(tmp_.path() / "dovecot"),
      port_(FreePort()),
      tls_port_(FreePort()),
      cert_names_(std::move(cert_names)) {
  while (tls_port_ == port_) tls_port_ = FreePort();
}

Dovecot::~Dovecot() { Stop(); }

bool Dovecot::Prepare() {
  // The server (nobody) must reach its dir through the test's temp dir.
  chmod(tmp_.path().c_str(), 0755);
  for (const char* sub : {"run", "state", "ssl", "home/fbl/Maildir/new", "home/fbl/Maildir/cur",
                          "home/fbl/Maildir/tmp"}) {
    fs::create_directories(dir_ / sub);
  }
  std::string out;
  int rc = RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                       "-subj", "/CN=localhost", "-addext",
                       "subjectAltName=" + cert_names_, "-keyout",
                       (dir_ / "ssl" / "key.pem").string(), "-out",
                       (dir_ / "ssl" / "cert.pem").string()},
                      &out);
  if (rc != 0) {
    error_ = "openssl req failed: " + out;
    return false;
  }
  WriteFile(dir_ / "passwd", user() + ":{PLAIN}" + password() + ":65534:65534::" +
                                 (dir_ / "home" / "fbl").string() + "::\n");
  WriteFile(dir_ / "dovecot.conf", Config(dir_, port_, tls_port_));
  ChownTree(dir_);
  chmod((dir_ / "ssl" / "key.pem").c_str(), 0600);
  return true;
}

bool Dovecot::Start() {
  if (!prepared_ && !(prepared_ = Prepare())) return false;
  std::vector<std::string> argv = {"/usr/sbin/dovecot", "-F", "-c", (dir_ / "dovecot.conf").string()};
  if (geteuid() == 0) {
    argv.insert(argv.begin(), {"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup",
                               "--clear-groups"});
  }
  if (!process_.Start(argv, (dir_ / "stdout.log").string())) {
    error_ = "cannot start dovecot";
    return false;
  }
  if (!WaitForPort(port_) || !WaitForPort(tls_port_)) {
    error_ = "dovecot did not listen: " + Log();
    return false;
  }
  return true;
}

void Dovecot::Stop() {
  if (process_.pid() > 0) process_.Stop(SIGTERM, std::chrono::seconds(10));
}

fs::path Dovecot::FolderPath(const std::string& folder) const {
  return folder.empty() ? maildir() : maildir() / ("." + folder);
}

void Dovecot::Deliver(std::string_view name, std::string_view raw, const std::string& folder) const {
  fs::path root = FolderPath(folder);
  fs::path tmp = root / "tmp" / std::string(name);
  WriteFile(tmp, raw);
  if (geteuid() == 0 && chown(tmp.c_str(), kNobody, kNobody) != 0) return;
  fs::rename(tmp, root / "new" / std::string(name));
}

int Dovecot::Count(const std::string& folder) const {
  fs::path root = FolderPath(folder);
  if (!fs::exists(root / "cur")) return -1;
  int n = 0;
  std::error_code ec;
  for (const char* sub : {"new", "cur"}) {
    for (const auto& e : fs::directory_iterator(root / sub, ec)) {
      if (e.is_regular_file()) ++n;
    }
  }
  return n;
}

int Dovecot::Doveadm(const std::vector<std::string>& args, std::string* output) const {
  std::vector<std::string> argv = {"/usr/bin/env", "HOME=" + (dir_ / "home" / "fbl").string(),
                                   "USER=nobody", "/usr/bin/doveadm", "-c",
                                   (dir_ / "dovecot.conf").string()};
  if (geteuid() == 0) {
    argv.insert(argv.begin(), {"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup",
                               "--clear-groups"});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, output);
}

std::uint32_t Dovecot::UidValidity(const std::string& mailbox) const {
  std::string out;
  if (Doveadm({"mailbox", "status", "uidvalidity", mailbox}, &out) != 0) return 0;
  std::size_t at = out.find("uidvalidity=");
  if (at == std::string::npos) return 0;
  return static_cast<std::uint32_t>(std::strtoul(out.c_str() + at + 12, nullptr, 10));
}

std::string Dovecot::Log() const {
  std::string out;
  for (const char* f : {"dovecot.log", "stdout.log"}) {
    if (fs::exists(dir_ / f)) out += ReadFile(dir_ / f);
  }
  return out;
}

std::string MakeArfReport(int i) {
  std::string n = std::to_string(i);
  return "Return-Path: <feedback@arf.mail.yahoo.com>\r\n"
         "Authentication-Results: mx.fbl.test; dkim=pass header.d=yahoo.com header.s=arf; "
         "spf=pass smtp.mailfrom=feedback@arf.mail.yahoo.com\r\n"
         "Message-ID: <fbl-imap-" + n + "@arf.mail.yahoo.com>\r\n"
         "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
         "From: Yahoo! Mail AntiSpam Feedback <feedback@arf.mail.yahoo.com>\r\n"
         "To: postmaster@fbl.test\r\n"
         "Subject: FW: Weekly news from Example\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/report; report-type=feedback-report;\r\n"
         "    boundary=\"fbl-imap-boundary\"\r\n\r\n"
         "--fbl-imap-boundary\r\n"
         "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
         "This is an email abuse report for an email message received from 192.0.2.25.\r\n\r\n"
         "--fbl-imap-boundary\r\n"
         "Content-Type: message/feedback-report\r\n\r\n"
         "Feedback-Type: abuse\r\n"
         "User-Agent: Yahoo!-Mail-Feedback/2.0\r\n"
         "Version: 1\r\n"
         "Original-Mail-From: <bounces@example.com>\r\n"
         "Original-Rcpt-To: <reader" + n + "@example.net>\r\n"
         "Arrival-Date: Sat, 28 Nov 2026 09:55:00 +0000\r\n"
         "Source-IP: 192.0.2.25\r\n"
         "Reported-Domain: example.com\r\n\r\n"
         "--fbl-imap-boundary\r\n"
         "Content-Type: message/rfc822\r\n\r\n"
         "Return-Path: <bounces@example.com>\r\n"
         "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=news; h=from:to:subject; bh=AAAA; b=BBBB\r\n"
         "Message-ID: <news-" + n + ".reader@example.com>\r\n"
         "Date: Sat, 28 Nov 2026 09:50:00 +0000\r\n"
         "From: Example News <news@example.com>\r\n"
         "To: reader" + n + "@example.net\r\n"
         "Subject: Weekly news from Example\r\n"
         "List-Id: Example News <news.example.com>\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
         "Hello reader, here is the news.\r\n\r\n"
         "--fbl-imap-boundary--\r\n";
}

std::string MakePersonalMail(int i) {
  std::string n = std::to_string(i);
  return "From: Alice <alice@example.org>\r\nTo: postmaster@fbl.test\r\n"
         "Subject: hello " + n + "\r\nMessage-ID: <person-" + n + "@example.org>\r\n"
         "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\nAre you the admin?\r\n";
}

}  // namespace fbl::testing
