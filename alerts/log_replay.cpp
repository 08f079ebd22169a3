#include "alerts/log_replay.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace fbl {

LogReplay::LogReplay(const DetectorOptions& options, int year) : detectors_(options), year_(year) {}

void LogReplay::FeedLine(std::string_view line, std::vector<Alert>* alerts) {
  ++stats_.lines;
  auto record = ParsePostfixLogLine(line, year_);
  if (!record.ok()) {
    ++stats_.unparsed;
    return;
  }
  FeedRecord(*record, alerts);
}

void LogReplay::FeedRecord(const PostfixRecord& record, std::vector<Alert>* alerts) {
  events_.clear();
  tracker_.Feed(record, &events_);
  for (const auto& e : events_) {
    if (observer_) observer_(e);
    if (e.account.empty()) continue;
    std::vector<Alert> fired;
    switch (e.kind) {
      case MaillogEvent::Kind::kQueued: {
        ++stats_.messages;
        OutboundMessage m;
        m.time = e.time;
        m.account = e.account;
        m.client_ip = e.client_ip;
        m.recipient_count = std::max(1, e.nrcpt);
        fired = detectors_.OnMessage(m);
        break;
      }
      case MaillogEvent::Kind::kOutcome:
        ++stats_.outcomes;
        fired = detectors_.OnDeliveryOutcome(e.time, e.account, e.bounced);
        break;
      case MaillogEvent::Kind::kCompleted:
        fired = detectors_.OnRecipients(e.time, e.account, e.recipients);
        break;
    }
    for (auto& a : fired) {
      if (a.action != AlertAction::kAlert) held_.emplace(a.account, a);
      alerts->push_back(std::move(a));
    }
  }
}

std::string FormatRfc3339(std::int64_t t) {
  std::int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  std::int64_t secs = t - days * 86400;
  // Howard Hinnant's civil_from_days.
  std::int64_t z = days + 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<long long>(y), m,
                d, static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  return buf;
}

std::string AlertToJson(const Alert& a) {
  nlohmann::ordered_json j;
  j["time"] = FormatRfc3339(a.time);
  j["account"] = a.account;
  j["detector"] = a.detector;
  j["action"] = AlertActionName(a.action);
  j["reason"] = a.reason;
  j["window_count"] = a.window_count;
  j["window"] = a.window;
  j["baseline"] = a.baseline;
  j["threshold"] = a.threshold;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace fbl
