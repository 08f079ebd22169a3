#include "fbl/notify/notifier.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "fbl/log/log.h"
#include "fbl/metrics/metrics.h"
#include "fbl/net/backoff.h"
#include "fbl/notify/delivery_plan.h"
#include "fbl/notify/maildir_writer.h"
#include "fbl/notify/message_builder.h"
#include "fbl/notify/smtp_client.h"
#include "fbl/notify/webhook.h"

namespace fbl {

namespace {

using notify::PlannedDelivery;
using Type = PlannedDelivery::Type;
constexpr const char* kComponent = "notify";

UnixTime SystemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string HostnamePid() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::string name = host[0] != '\0' ? host : "localhost";
  return name + ":" + std::to_string(getpid());
}

std::string DomainOf(const std::string& address) {
  std::size_t at = address.rfind('@');
  return at == std::string::npos ? std::string("localhost") : address.substr(at + 1);
}

}  // namespace

Notifier::Notifier(boost::asio::io_context& io, const NotifyOptions& options,
                   const PipelineOptions& pipeline, Store* store, Metrics* metrics)
    : io_(io),
      options_(options),
      pipeline_(pipeline),
      store_(store),
      metrics_(metrics),
      timer_(io),
      clock_(SystemNow),
      instance_id_(HostnamePid()) {
  if (options_.transport == "smtp") {
    Result<std::shared_ptr<net::TlsContext>> tls = notify::MakeSmtpTlsContext(options_.smtp);
    if (tls.ok()) {
      smtp_tls_ = tls.value();
    } else {
      smtp_tls_error_ = tls.error().detail;
    }
  }
}

Notifier::~Notifier() = default;

void Notifier::Start() {
  if (options_.transport == "off") {
    Log(LogLevel::kWarn, kComponent, "notify.transport is off: notifications stay queued");
    return;
  }
  stopped_ = false;
  boost::asio::co_spawn(io_, Loop(), boost::asio::detached);
}

void Notifier::Stop() {
  stopped_ = true;
  timer_.cancel();
}

net::Awaitable<void> Notifier::Loop() {
  while (!stopped_) {
    DrainReport r = co_await Drain(clock_());
    if (r.sent + r.retried + r.failed > 0) {
      Log(LogLevel::kInfo, kComponent, "outbox drained",
          {{"sent", std::to_string(r.sent)}, {"retried", std::to_string(r.retried)},
           {"failed", std::to_string(r.failed)}, {"held", std::to_string(r.held)}});
    }
    if (stopped_) break;
    timer_.expires_after(std::chrono::milliseconds(options_.poll_interval_ms));
    boost::system::error_code ec;
    co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

net::Awaitable<DrainReport> Notifier::Drain(UnixTime now) {
  DrainReport report;
  Result<std::vector<OutboxItem>> due =
      store_->ClaimOutbox(instance_id_, now, options_.claim_lease_seconds, options_.batch_size);
  if (!due.ok()) {
    Log(LogLevel::kWarn, kComponent, "cannot claim outbox rows", {{"error", due.error().detail}});
    co_return report;
  }
  // Past half the lease another instance could soon take these rows over: stop, and take
  // the rest again (they are still ours) with a fresh lease in the next drain.
  const auto lease_half = std::chrono::seconds(options_.claim_lease_seconds) / 2;
  const auto claimed_at = std::chrono::steady_clock::now();
  std::map<std::string, UnixTime> last_sent;
  std::set<std::string> clients;
  for (const OutboxItem& row : due.value()) {
    if (row.client_id) clients.insert(*row.client_id);
  }
  for (const std::string& client : clients) {
    Result<std::optional<UnixTime>> last = store_->LastOutboxSent(client);
    if (!last.ok()) {
      Log(LogLevel::kWarn, kComponent, "cannot read the last notification",
          {{"client", client}, {"error", last.error().detail}});
      co_return report;  // without it a digest window could be broken: try again later
    }
    if (last.value()) last_sent[client] = *last.value();
  }
  std::vector<PlannedDelivery> plan = notify::PlanDeliveries(
      due.value(), [this](const std::string& id) { return PolicyFor(id); }, last_sent, now);
  smtp_down_ = false;
  outbox_unwritable_ = false;
  for (PlannedDelivery& d : plan) {
    if (std::chrono::steady_clock::now() - claimed_at >= lease_half) {
      Log(LogLevel::kInfo, kComponent, "drain reached half its claim lease: the rest waits for the next one",
          {{"lease_seconds", std::to_string(options_.claim_lease_seconds)}});
      break;
    }
    co_await Deliver(d, now, &report);
    if (outbox_unwritable_) {
      Log(LogLevel::kWarn, kComponent, "outbox cannot be updated: drain stopped, the rest waits for the next one");
      break;
    }
  }
  co_await CloseSmtp();
  UpdateGauges(now);
  co_return report;
}

std::optional<notify::ClientPolicy> Notifier::PolicyFor(const std::string& client_id) const {
  const ClientOptions* c = FindClient(client_id);
  if (c == nullptr) return std::nullopt;
  notify::ClientPolicy p;
  p.mode = c->notify;
  int minutes = c->digest_window_minutes;
  if (minutes == 0 && c->notify == "digest") minutes = options_.digest_window_minutes;
  p.window_seconds = static_cast<std::int64_t>(minutes) * 60;
  return p;
}

const ClientOptions* Notifier::FindClient(const std::string& client_id) const {
  for (const ClientOptions& c : pipeline_.clients) {
    if (c.id == client_id) return &c;
  }
  return nullptr;
}

net::Awaitable<void> Notifier::Deliver(PlannedDelivery& d, UnixTime now, DrainReport* report) {
  if (d.type == Type::kHold) {
    for (const OutboxItem& row : d.rows) {
      Status s = store_->DeferOutbox(row.id, d.hold_until);
      if (s.ok()) ++report->held;
    }
    co_return;
  }
  if (d.type == Type::kDrop) {
    Settle(d, MakeError(ErrorCode::kInvalidArgument, d.reason), now, "email", report);
    co_return;
  }
  if (d.type == Type::kWebhook) {
    Status s = co_await PostWebhook(d.rows.front(), now);
    Settle(d, s, now, "webhook", report);
    co_return;
  }
  std::string to;
  Result<std::string> message = Render(d, &to);
  if (!message.ok()) {
    Settle(d, message.error(), now, "email", report);
    co_return;
  }
  Status s;
  std::string channel = options_.transport;
  if (options_.transport == "smtp" && d.rows.front().channel != "maildir") {
    s = co_await SendMail(to, message.value());
  } else {
    channel = "maildir";
    s = notify::WriteToMaildir(options_.maildir, d.rows.front().message_id, message.value());
  }
  Settle(d, s, now, channel, report);
}

Result<std::string> Notifier::Render(const PlannedDelivery& d, std::string* to) const {
  const OutboxItem& first = d.rows.front();
  notify::Envelope env;
  env.from = options_.from;
  env.date = first.created_at;
  env.message_id = first.message_id;
  std::string domain =
      options_.message_id_domain.empty() ? DomainOf(options_.from) : options_.message_id_domain;
  if (first.client_id) {
    const ClientOptions* c = FindClient(*first.client_id);
    if (c == nullptr) return MakeError(ErrorCode::kInvalidArgument, "client is not configured");
    env.to = c->notify_email;
    env.to_name = c->name;
  } else {
    env.to = options_.admin_email;
  }
  if (env.to.empty()) return MakeError(ErrorCode::kInvalidArgument, "no notification address configured");
  *to = env.to;
  std::vector<notify::Notice> notices;
  for (const OutboxItem& row : d.rows) {
    Result<notify::Notice> n = notify::ParseNotice(row.payload_json, row.kind);
    if (!n.ok()) return n.error();
    notices.push_back(std::move(n).value());
  }
  if (d.type == Type::kDigest) {
    std::vector<std::string> ids;
    for (const OutboxItem& row : d.rows) ids.push_back(row.message_id);
    env.message_id = notify::DigestMessageId(ids, domain);
    env.date = d.rows.back().created_at;
    return notify::BuildDigestMessage(notices, env, options_.max_digest_items);
  }
  env.message_id = notify::NormalizeMessageId(first.message_id, domain);
  return notify::BuildNoticeMessage(notices.front(), env);
}

net::Awaitable<Status> Notifier::SendMail(const std::string& to, const std::string& message) {
  if (!smtp_tls_error_.empty()) co_return MakeError(ErrorCode::kUnavailable, smtp_tls_error_);
  if (smtp_down_) co_return MakeError(ErrorCode::kUnavailable, "smtp server unreachable in this drain");
  if (smtp_ && smtp_->sent_on_connection() >= options_.smtp.max_messages_per_connection) {
    co_await CloseSmtp();
  }
  if (!smtp_ || !smtp_->is_open()) {
    smtp_ = std::make_unique<notify::SmtpClient>(io_.get_executor(), options_.smtp, smtp_tls_);
    Status open = co_await smtp_->Open();
    if (!open.ok()) {
      smtp_down_ = true;
      Log(LogLevel::kWarn, kComponent, "smtp connection failed", {{"error", open.error().detail}});
      co_return open;
    }
  }
  notify::OutgoingMail mail;
  mail.from = options_.from;
  mail.to.push_back(to);
  mail.data = message;
  co_return co_await smtp_->Send(mail);
}

net::Awaitable<void> Notifier::CloseSmtp() {
  if (smtp_) {
    co_await smtp_->Quit();
    smtp_.reset();
  }
}

net::Awaitable<Status> Notifier::PostWebhook(const OutboxItem& row, UnixTime now) {
  const ClientOptions* c = row.client_id ? FindClient(*row.client_id) : nullptr;
  if (c == nullptr || c->webhook_url.empty()) {
    co_return MakeError(ErrorCode::kInvalidArgument, "no webhook_url configured for the client");
  }
  Result<std::string> body = notify::WebhookBody(row);
  if (!body.ok()) co_return body.error();
  notify::WebhookRequest request{c->webhook_url, c->webhook_secret, body.value(), row.message_id, now};
  boost::asio::any_io_executor executor = io_.get_executor();
  co_return co_await notify::PostWebhook(executor, options_.webhook, std::move(request));
}

UnixTime Notifier::RetryAt(const OutboxItem& row, UnixTime now) const {
  Backoff backoff(std::chrono::seconds(options_.retry_initial_seconds),
                  std::chrono::seconds(options_.retry_max_seconds),
                  static_cast<std::uint64_t>(row.id));
  Backoff::Duration delay{};
  for (int i = 0; i <= std::min(row.attempts, 40); ++i) delay = backoff.Next();
  return now + std::max<UnixTime>(1, std::chrono::duration_cast<std::chrono::seconds>(delay).count());
}

void Notifier::Settle(const PlannedDelivery& d, const Status& result, UnixTime now,
                      const std::string& channel, DrainReport* report) {
  std::string outcome;
  if (result.ok()) {
    outcome = "sent";
    ++report->messages;
  }
  for (const OutboxItem& row : d.rows) {
    Status s;
    bool permanent = !result.ok() && result.error().code != ErrorCode::kUnavailable;
    bool exhausted = !result.ok() && row.attempts + 1 >= options_.max_attempts;
    if (result.ok()) {
      s = store_->MarkOutboxSent(row.id, now);
      report->sent += s.ok();
    } else if (permanent || exhausted) {
      outcome = "failed";
      s = store_->MarkOutboxFailed(row.id, result.error().detail);
      report->failed += s.ok();
      Log(LogLevel::kError, kComponent, "notification given up",
          {{"message_id", row.message_id}, {"attempts", std::to_string(row.attempts + 1)},
           {"error", result.error().detail}});
    } else {
      outcome = "retry";
      s = store_->MarkOutboxRetry(row.id, RetryAt(row, now), result.error().detail);
      report->retried += s.ok();
    }
    if (!s.ok()) {
      outbox_unwritable_ = true;
      Log(LogLevel::kWarn, kComponent, "cannot update the outbox",
          {{"message_id", row.message_id}, {"error", s.error().detail}});
    }
  }
  if (metrics_ != nullptr) metrics_->notifications.Add({{"channel", channel}, {"result", outcome}}).Increment();
}

void Notifier::UpdateGauges(UnixTime now) {
  if (metrics_ == nullptr) return;
  Result<OutboxStats> stats = store_->GetOutboxStats();
  if (!stats.ok()) return;  // a backend without stats: the gauges keep their last value
  metrics_->outbox_pending.Add({}).Set(static_cast<double>(stats->pending));
  UnixTime oldest = stats->oldest_pending_created_at.value_or(now);
  metrics_->outbox_oldest_age.Add({}).Set(static_cast<double>(std::max<UnixTime>(0, now - oldest)));
}

}  // namespace fbl
