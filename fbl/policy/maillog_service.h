// The maillog follower the daemon runs next to the policy server: tails the Postfix log
// (LogTailer: rotation and truncation), parses both timestamp formats, and for each message
//   - feeds every recipient's final outcome (sent/bounced) to the policy server's detectors
//     (the bounce_ratio signal), when a PolicyServer is given;
//   - records Message-ID -> recipients (Store::RecordOutbound) for redacted complaints;
//   - counts messages sent per configured client and day (Store::AddClientSent), mapping the
//     envelope sender's domain to a [[client]] domain.
// One thread of its own; polls every maillog.poll_milliseconds.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "alerts/alerts_options.h"
#include "alerts/maillog_tracker.h"
#include "fbl/pipeline/pipeline_options.h"
#include "fbl/policy/log_tailer.h"
#include "fbl/policy/policy_server.h"

namespace fbl {

class MaillogService {
 public:
  // `policy` may be null (no bounce feed); `store_factory` may be empty (no recording).
  MaillogService(MaillogOptions options, const std::vector<ClientOptions>& clients,
                 PolicyServer::StoreFactory store_factory, PolicyServer* policy);
  ~MaillogService();  // Stop()

  Status Start();
  void Stop();

  // Processes lines now, on the caller's thread (tests; the thread uses it too).
  void ProcessLines(const std::vector<std::string>& lines);
  std::int64_t lines_seen() const { return lines_.load(); }

 private:
  void Run();
  void OnEvent(const MaillogEvent& e);
  int Year() const;

  MaillogOptions options_;
  std::unordered_map<std::string, std::string> client_by_domain_;
  PolicyServer::StoreFactory factory_;
  PolicyServer* policy_;
  std::unique_ptr<Store> store_;
  MaillogTracker tracker_;
  std::unique_ptr<LogTailer> tailer_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<std::int64_t> lines_{0};
};

}  // namespace fbl
