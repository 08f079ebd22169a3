// Follows messages through a Postfix log, record by record, and says what happened to each:
// who submitted it (smtpd client= with sasl_username), when it was queued (qmgr from=), its
// Message-ID (cleanup), and each recipient's final outcome (smtp/lmtp to= status=).
// Pure: records in, events out. Memory is bounded: at most `max_pending` messages are tracked
// and a message not completed within `max_age_seconds` of log time is dropped.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "parsers/postfix_log.h"

namespace fbl {

struct MaillogEvent {
  enum class Kind {
    kQueued,     // qmgr from=: the message entered the active queue (counted once)
    kOutcome,    // one recipient's final status (sent or bounced)
    kCompleted,  // every recipient has a status line, or the message was removed
  };
  Kind kind = Kind::kQueued;
  std::int64_t time = 0;
  std::string queue_id;
  std::string account;    // sasl_username ("" for mail not submitted with SASL)
  std::string client_ip;
  std::string sender;     // envelope from
  std::string message_id; // without <>
  int nrcpt = 0;
  std::string recipient;  // kOutcome
  bool bounced = false;   // kOutcome
  std::vector<std::string> recipients;  // kCompleted: every recipient seen with a status
};

class MaillogTracker {
 public:
  explicit MaillogTracker(std::size_t max_pending = 200000, std::int64_t max_age_seconds = 7 * 86400)
      : max_pending_(max_pending), max_age_(max_age_seconds) {}

  // Appends the events this record completes to *out.
  void Feed(const PostfixRecord& record, std::vector<MaillogEvent>* out);
  std::size_t pending() const { return pending_.size(); }
  std::int64_t dropped() const { return dropped_; }

 private:
  struct Pending {
    std::int64_t first_seen = 0;
    std::string account;
    std::string client_ip;
    std::string sender;
    std::string message_id;
    int nrcpt = 0;
    bool queued = false;
    std::vector<std::string> recipients;  // with a final or deferred status
    std::vector<std::string> finished;    // final status seen (sent/bounced/expired)
  };
  MaillogEvent Base(MaillogEvent::Kind kind, std::int64_t time, const std::string& qid,
                    const Pending& p) const;
  void Expire(std::int64_t now);

  std::size_t max_pending_;
  std::int64_t max_age_;
  std::int64_t last_expire_ = 0;
  std::int64_t dropped_ = 0;
  std::unordered_map<std::string, Pending> pending_;
};

}  // namespace fbl
