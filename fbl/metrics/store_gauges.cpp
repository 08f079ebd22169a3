#include "fbl/metrics/store_gauges.h"

#include <set>
#include <utility>

#include "fbl/log/log.h"

namespace fbl {
namespace {

constexpr UnixTime kDay = 86400;

// Keeps the first error; counts every failed read.
Status FirstError(Status a, const Status& b, Metrics* metrics) {
  if (!b.ok()) metrics->gauges_errors.Add({}).Increment();
  return a.ok() ? b : a;
}

}  // namespace

UnixTime ComplaintWindowStart(UnixTime now, int days) {
  UnixTime today = now / kDay;
  if (now < 0 && now % kDay != 0) --today;  // floor, for clocks before 1970 in tests
  return (today - days) * kDay;
}

StoreGauges::StoreGauges(Store* store, Metrics* metrics, StoreGaugesOptions options, Clock clock)
    : store_(store), metrics_(metrics), options_(options), clock_(std::move(clock)) {
  for (int rank = 1; rank <= options_.top_accounts; ++rank) {
    metrics_->top_account_sent.Add({{"rank", std::to_string(rank)}}).Set(0);
  }
  for (const auto& reason : SuppressionReasonLabels()) metrics_->suppressions.Add({{"reason", reason}});
}

Status StoreGauges::Refresh() {
  const UnixTime now = clock_();
  Status status = FirstError(OkStatus(), RefreshSuppressions(now), metrics_);
  status = FirstError(std::move(status), RefreshOutbox(now), metrics_);
  status = FirstError(std::move(status), RefreshHeld(), metrics_);
  status = FirstError(std::move(status), RefreshClients(now, 1, kWindow1d), metrics_);
  status = FirstError(std::move(status), RefreshClients(now, 7, kWindow7d), metrics_);
  status = FirstError(std::move(status), RefreshTopAccounts(now), metrics_);
  if (status.ok()) metrics_->gauges_refreshed.Add({}).Set(static_cast<double>(now));
  return status;
}

Status StoreGauges::RefreshSuppressions(UnixTime now) {
  auto counts = store_->CountSuppressionsByReason(now);
  if (!counts.ok()) return counts.error();
  std::map<std::string, std::int64_t, std::less<>> by_reason;
  for (const auto& rc : *counts) by_reason[rc.reason] = rc.count;
  for (const auto& reason : SuppressionReasonLabels()) {
    auto it = by_reason.find(reason);
    metrics_->suppressions.Add({{"reason", reason}})
        .Set(it == by_reason.end() ? 0.0 : static_cast<double>(it->second));
  }
  return OkStatus();
}

Status StoreGauges::RefreshOutbox(UnixTime now) {
  auto stats = store_->GetOutboxStats();
  if (!stats.ok()) return stats.error();
  metrics_->outbox_pending.Add({}).Set(static_cast<double>(stats->pending));
  metrics_->outbox_failed.Add({}).Set(static_cast<double>(stats->failed));
  double age = 0;
  if (stats->oldest_pending_created_at && *stats->oldest_pending_created_at < now) {
    age = static_cast<double>(now - *stats->oldest_pending_created_at);
  }
  metrics_->outbox_oldest_age.Add({}).Set(age);
  return OkStatus();
}

Status StoreGauges::RefreshHeld() {
  auto held = store_->CountHeldAccounts();
  if (!held.ok()) return held.error();
  metrics_->accounts_held.Add({}).Set(static_cast<double>(*held));
  return OkStatus();
}

// The rate exists only where messages were counted: complaints over zero sends is no rate
// (the maillog follower may be off); the raw counts are still exported for such clients.
Status StoreGauges::RefreshClients(UnixTime now, int days, std::string_view window) {
  auto volumes = store_->GetClientVolumes(ComplaintWindowStart(now, days));
  if (!volumes.ok()) return volumes.error();
  const std::string w(window);
  auto& children = rate_children_[w];
  std::set<std::string> seen;
  for (const auto& v : *volumes) {
    const prometheus::Labels labels = {{"client", v.client_id}, {"window", w}};
    metrics_->client_window_complaints.Add(labels).Set(static_cast<double>(v.complaints));
    metrics_->client_window_sent.Add(labels).Set(static_cast<double>(v.sent));
    if (v.sent <= 0) continue;
    auto& gauge = metrics_->complaint_rate.Add(labels);
    gauge.Set(static_cast<double>(v.complaints) / static_cast<double>(v.sent));
    children[v.client_id] = &gauge;
    seen.insert(v.client_id);
  }
  for (auto it = children.begin(); it != children.end();) {
    if (seen.count(it->first) != 0) {
      ++it;
      continue;
    }
    metrics_->complaint_rate.Remove(it->second);
    it = children.erase(it);
  }
  return OkStatus();
}

Status StoreGauges::RefreshTopAccounts(UnixTime now) {
  auto top = store_->TopSendingAccounts(now - 3600, options_.top_accounts);
  if (!top.ok()) return top.error();
  for (int rank = 1; rank <= options_.top_accounts; ++rank) {
    const auto i = static_cast<std::size_t>(rank - 1);
    const double value = i < top->size() ? static_cast<double>((*top)[i].recipients) : 0.0;
    metrics_->top_account_sent.Add({{"rank", std::to_string(rank)}}).Set(value);
  }
  return OkStatus();
}

StoreGaugesRunner::StoreGaugesRunner(Store* store, Metrics* metrics, StoreGaugesOptions options,
                                     StoreGauges::Clock clock)
    : gauges_(store, metrics, options, std::move(clock)),
      interval_(options.interval),
      thread_([this] { Run(); }) {}

StoreGaugesRunner::~StoreGaugesRunner() { Stop(); }

void StoreGaugesRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StoreGaugesRunner::RefreshNow() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

std::uint64_t StoreGaugesRunner::refreshes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return refreshes_;
}

void StoreGaugesRunner::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    Status status = gauges_.Refresh();
    if (!status.ok()) {
      Log(LogLevel::kWarn, "metrics", "reading database gauges failed",
          {{"error", status.error().ToString()}});
    }
    lock.lock();
    ++refreshes_;
    wake_ = false;
    cv_.wait_for(lock, interval_, [this] { return stop_ || wake_; });
  }
}

}  // namespace fbl
