#include "tests/testing/postfix.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/testing/test_util.h"

namespace fbl::testing {

namespace fs = std::filesystem;

namespace {

void Write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

void Chown(const std::string& path, const char* user, const char* group) {
  struct passwd* pw = getpwnam(user);
  struct group* gr = getgrnam(group);
  if (pw && gr && chown(path.c_str(), pw->pw_uid, gr->gr_gid) != 0) {
    // Best effort: the start fails later with a clear Postfix/Dovecot error.
  }
}

bool OnPath(const std::string& name) {
  return RunCommand({"sh", "-c", "command -v " + name}, nullptr) == 0;
}

}  // namespace

PostfixInstance::PostfixInstance(std::string dir, std::vector<std::pair<std::string, std::string>> users)
    : dir_(std::move(dir)), users_(std::move(users)) {}

PostfixInstance::~PostfixInstance() { Stop(); }

bool PostfixInstance::Available(std::string* why) {
  if (geteuid() != 0) {
    *why = "needs root (Postfix and Dovecot)";
    return false;
  }
  for (const char* tool : {"postfix", "postqueue", "postsuper", "dovecot", "swaks"}) {
    if (!OnPath(tool)) {
      *why = std::string(tool) + " not installed";
      return false;
    }
  }
  return true;
}

bool PostfixInstance::StartDovecot(std::string* error) {
  std::string d = dir_ + "/dovecot";
  fs::create_directories(d + "/run");
  fs::create_directories(d + "/state");
  std::string passwd;
  for (const auto& [user, pass] : users_) passwd += user + ":{PLAIN}" + pass + "::::::\n";
  Write(d + "/passwd", passwd);
  Chown(d + "/passwd", "root", "dovecot");
  chmod((d + "/passwd").c_str(), 0640);
  Write(d + "/dovecot.conf",
        "protocols = none\n"
        "base_dir = " + d + "/run\n"
        "state_dir = " + d + "/state\n"
        "log_path = " + d + "/dovecot.log\n"
        "instance_name = fbl-sasl-" + std::to_string(smtp_port_) + "\n"
        "disable_plaintext_auth = no\n"
        "auth_failure_delay = 0\n"
        "auth_mechanisms = plain login\n"
        "ssl = no\n"
        "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u " + d + "/passwd\n}\n"
        "userdb {\n  driver = static\n  args = uid=nobody gid=nogroup home=/nonexistent\n}\n"
        "service auth {\n  unix_listener auth-postfix {\n    mode = 0660\n    user = postfix\n"
        "    group = postfix\n  }\n}\n");
  if (!dovecot_.Start({"/usr/sbin/dovecot", "-F", "-c", d + "/dovecot.conf"}, d + "/stdout.log")) {
    *error = "dovecot did not start";
    return false;
  }
  for (int i = 0; i < 100; ++i) {
    if (fs::exists(d + "/run/auth-postfix")) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *error = "dovecot auth socket did not appear: " + ReadFile(d + "/dovecot.log");
  return false;
}

bool PostfixInstance::WriteConfig(int policy_port, std::string* error) {
  std::string conf = dir_ + "/conf";
  for (const char* sub : {"conf", "spool", "data", "logs"}) fs::create_directories(dir_ + "/" + sub);
  Chown(dir_ + "/data", "postfix", "postfix");
  std::string policy = "check_policy_service inet:127.0.0.1:" + std::to_string(policy_port);
  Write(conf + "/main.cf",
        "compatibility_level = 3.6\n"
        "queue_directory = " + dir_ + "/spool\n"
        "data_directory = " + dir_ + "/data\n"
        "mail_owner = postfix\n"
        "setgid_group = postdrop\n"
        "syslog_name = postfix-fbl\n"
        "maillog_file = " + dir_ + "/logs/maillog\n"
        "maillog_file_prefixes = " + dir_ + "\n"
        "myhostname = fbl-test.localdomain\n"
        "mydestination =\n"
        "mynetworks = 127.0.0.0/8\n"
        "inet_interfaces = 127.0.0.1\n"
        "inet_protocols = ipv4\n"
        "alias_maps =\nalias_database =\nlocal_recipient_maps =\n"
        "smtputf8_enable = no\n"
        "default_transport = nodelivery\nrelay_transport = nodelivery\n"
        "local_transport = nodelivery\nvirtual_transport = nodelivery\n"
        "defer_transports = nodelivery\n"
        "smtpd_sasl_type = dovecot\n"
        "smtpd_sasl_path = " + dir_ + "/dovecot/run/auth-postfix\n"
        "smtpd_sasl_auth_enable = no\n"
        "smtpd_sasl_security_options = noanonymous\n"
        "smtpd_tls_security_level = none\n"
        "smtpd_policy_service_default_action = 451 4.3.5 policy service unavailable\n"
        "fbl_recipient_restrictions = " + policy + ", permit_sasl_authenticated, reject\n"
        "fbl_end_of_data_restrictions = " + policy + "\n");
  Write(conf + "/master.cf",
        "127.0.0.1:" + std::to_string(smtp_port_) + " inet n - n - - smtpd\n"
        "  -o smtpd_sasl_auth_enable=yes\n"
        "  -o smtpd_client_restrictions=permit_sasl_authenticated,reject\n"
        "  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject\n"
        "  -o smtpd_recipient_restrictions=$fbl_recipient_restrictions\n"
        "  -o smtpd_end_of_data_restrictions=$fbl_end_of_data_restrictions\n"
        "pickup unix n - n 60 1 pickup\n"
        "cleanup unix n - n - 0 cleanup\n"
        "qmgr unix n - n 300 1 qmgr\n"
        "rewrite unix - - n - - trivial-rewrite\n"
        "bounce unix - - n - 0 bounce\n"
        "defer unix - - n - 0 bounce\n"
        "trace unix - - n - 0 bounce\n"
        "verify unix - - n - 1 verify\n"
        "flush unix n - n 1000? 0 flush\n"
        "proxymap unix - - n - - proxymap\n"
        "proxywrite unix - - n - 1 proxymap\n"
        "showq unix n - n - - showq\n"
        "error unix - - n - - error\n"
        "retry unix - - n - - error\n"
        "discard unix - - n - - discard\n"
        "nodelivery unix - - n - - discard\n"
        "anvil unix - - n - 1 anvil\n"
        "scache unix - - n - 1 scache\n"
        "postlog unix-dgram n - n - 1 postlogd\n");
  // A main.cf younger than ~2 s makes every Postfix command wait.
  RunCommand({"touch", "-d", "-1 minute", conf + "/main.cf", conf + "/master.cf"});
  std::string out;
  if (RunCommand({"postfix", "-c", conf, "check"}, &out) != 0) {
    *error = "postfix check: " + out + ReadFile(maillog_path());
    return false;
  }
  return true;
}

bool PostfixInstance::Start(int policy_port, std::string* error) {
  fs::create_directories(dir_);
  chmod(dir_.c_str(), 0755);
  smtp_port_ = FreePort();
  if (!StartDovecot(error) || !WriteConfig(policy_port, error)) return false;
  std::string out;
  if (RunCommand({"postfix", "-c", dir_ + "/conf", "start"}, &out) != 0) {
    *error = "postfix start: " + out + ReadFile(maillog_path());
    return false;
  }
  postfix_started_ = true;
  if (!WaitForPort(smtp_port_)) {
    *error = "postfix smtpd did not listen";
    return false;
  }
  return true;
}

void PostfixInstance::Stop() {
  if (postfix_started_) {
    RunCommand({"postsuper", "-c", dir_ + "/conf", "-d", "ALL"});
    RunCommand({"postfix", "-c", dir_ + "/conf", "stop"});
    postfix_started_ = false;
  }
  if (dovecot_.running()) dovecot_.Stop(SIGTERM, std::chrono::seconds(10));
}

int PostfixInstance::Submit(const std::string& user, const std::string& password, const std::string& to,
                            std::string* out) {
  return RunCommand({"swaks", "--server", "127.0.0.1", "--port", std::to_string(smtp_port_), "--auth",
                     "PLAIN", "--auth-user", user, "--auth-password", password, "--from", user, "--to", to,
                     "--timeout", "30"},
                    out);
}

std::vector<QueuedMessage> PostfixInstance::Queue() {
  std::string out;
  RunCommand({"postqueue", "-c", dir_ + "/conf", "-j"}, &out, false);
  std::vector<QueuedMessage> queue;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    queue.push_back(QueuedMessage{j.value("queue_name", ""), j.value("sender", ""), j.value("queue_id", "")});
  }
  return queue;
}

}  // namespace fbl::testing
