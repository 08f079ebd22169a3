// Replays a Postfix log through the rate detectors on the log's own clock: the engine of
// `fblctl backtest` and of the traffic-simulation benchmark. Pure: lines in, alerts out.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "alerts/maillog_tracker.h"
#include "alerts/rate_detector.h"

namespace fbl {

struct ReplayStats {
  std::int64_t lines = 0;
  std::int64_t unparsed = 0;   // not a Postfix syslog line (skipped)
  std::int64_t messages = 0;   // messages from SASL accounts counted
  std::int64_t outcomes = 0;
};

class LogReplay {
 public:
  // `year`: the year of classic syslog stamps (they carry none).
  LogReplay(const DetectorOptions& options, int year);

  // Feeds one line (without its newline); appends the alerts it fired.
  void FeedLine(std::string_view line, std::vector<Alert>* alerts);
  // Same, for a record already parsed.
  void FeedRecord(const PostfixRecord& record, std::vector<Alert>* alerts);

  // Optional: told about every maillog event (e.g. to score, or to record Message-IDs).
  void set_event_observer(std::function<void(const MaillogEvent&)> observer) {
    observer_ = std::move(observer);
  }

  const ReplayStats& stats() const { return stats_; }
  RateDetectors& detectors() { return detectors_; }
  // Accounts an alert with an action other than "alert" has held during the replay.
  const std::unordered_map<std::string, Alert>& held() const { return held_; }

 private:
  RateDetectors detectors_;
  MaillogTracker tracker_;
  int year_;
  ReplayStats stats_;
  std::vector<MaillogEvent> events_;
  std::unordered_map<std::string, Alert> held_;
  std::function<void(const MaillogEvent&)> observer_;
};

// Unix seconds -> "2026-11-28T19:00:00Z".
std::string FormatRfc3339(std::int64_t unix_seconds);

// One line of the `fblctl backtest` contract (DESIGN.md item 2): time, account, detector,
// action, reason, window_count, plus window, baseline, threshold.
std::string AlertToJson(const Alert& alert);

}  // namespace fbl
