// A private Postfix instance on loopback, with SASL from a throwaway auth-only Dovecot, whose
// submission service asks a policy server (check_policy_service) at RCPT and END-OF-MESSAGE.
// Nothing leaves the machine: every transport is a discard service deferred by
// defer_transports, so accepted mail waits in the queue ("deferred") or in "hold".
// REQUIRES: root (Postfix and Dovecot are started as root and drop privileges themselves).
#pragma once

#include <string>
#include <vector>

#include "tests/testing/process.h"

namespace fbl::testing {

struct QueuedMessage {
  std::string queue_name;  // "hold", "deferred", "active", "incoming"
  std::string sender;
  std::string queue_id;
};

class PostfixInstance {
 public:
  // `dir`: a fresh directory (made mode 755). `users`: SASL user -> password.
  PostfixInstance(std::string dir, std::vector<std::pair<std::string, std::string>> users);
  ~PostfixInstance();  // Stop()

  // True iff this machine can run the instance (root, postfix, dovecot, swaks installed).
  static bool Available(std::string* why);

  // Starts Dovecot (SASL) then Postfix; the policy service is inet:127.0.0.1:policy_port.
  // Returns false with *error set on failure.
  bool Start(int policy_port, std::string* error);
  // Deletes every queued message and stops Postfix and Dovecot. Idempotent.
  void Stop();

  // One submission with swaks (AUTH PLAIN). Returns swaks' exit code; its transcript in *out.
  int Submit(const std::string& user, const std::string& password, const std::string& to,
             std::string* out = nullptr);
  // `postqueue -j`, parsed.
  std::vector<QueuedMessage> Queue();
  int smtp_port() const { return smtp_port_; }
  std::string maillog_path() const { return dir_ + "/logs/maillog"; }

 private:
  bool WriteConfig(int policy_port, std::string* error);
  bool StartDovecot(std::string* error);

  std::string dir_;
  std::vector<std::pair<std::string, std::string>> users_;
  int smtp_port_ = 0;
  bool postfix_started_ = false;
  Process dovecot_;
};

}  // namespace fbl::testing
