// The notifier: drains the outbox (the state of every notification lives there, so nothing is
// lost across restarts) on a timer, applies each client's policy (delivery_plan.h), renders
// messages (message_builder.h) and delivers them by the configured transport — a Maildir
// (embedded default) or SMTP (one connection per drain, reused for the batch) — or POSTs
// signed webhooks. Failures are retried with capped exponential backoff (fbl/net/backoff.h)
// through Store::MarkOutboxRetry and given up after notify.max_attempts (MarkOutboxFailed,
// logged, counted). Each row is delivered at least once, with its stable Message-ID.
// Several instances may drain one outbox: a drain takes its rows with Store::ClaimOutbox under
// this instance's id and a lease of notify.claim_lease_seconds, so no two instances send the
// same row; rows of an instance that died are taken over when its lease runs out.
#pragma once

#include "fbl/net/coro.h"  // keep first: Boost.Asio configuration

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <string>

#include "fbl/net/timed_stream.h"
#include "fbl/notify/notify_options.h"
#include "fbl/pipeline/pipeline_options.h"
#include "parsers/result.h"
#include "store/store.h"

namespace fbl {

class Metrics;

namespace notify {
struct PlannedDelivery;
class SmtpClient;
struct ClientPolicy;
}  // namespace notify

// What one drain did (for tests and logs).
struct DrainReport {
  int sent = 0;      // rows marked sent
  int retried = 0;   // rows rescheduled
  int failed = 0;    // rows given up (max attempts, permanent refusal, nobody to tell)
  int held = 0;      // rows waiting for their client's digest window
  int messages = 0;  // messages (or POSTs) delivered
};

class Notifier {
 public:
  // REQUIRES: every argument outlives the notifier; store is used only from `io`'s thread.
  // metrics may be null.
  Notifier(boost::asio::io_context& io, const NotifyOptions& options,
           const PipelineOptions& pipeline, Store* store, Metrics* metrics);
  ~Notifier();

  // Drains now and then every notify.poll_interval_ms until Stop(). transport = "off" starts
  // nothing.
  void Start();
  // Stops the timer; a drain in progress finishes (every row it took is settled).
  // REQUIRES before destruction: Stop() was called and `io` has run out of work or was
  // stopped (the loop's coroutine refers to this object until it returns).
  void Stop();

  // One drain at `now` (tests drive this with their own clock; no sleeping).
  net::Awaitable<DrainReport> Drain(UnixTime now);

  // The clock of Start()'s loop (default: the system clock).
  void SetClock(std::function<UnixTime()> clock) { clock_ = std::move(clock); }
  // The id under which this notifier claims outbox rows (default "<hostname>:<pid>").
  // REQUIRES: not empty, unique among the instances draining the same outbox.
  void SetInstanceId(std::string id) { instance_id_ = std::move(id); }
  const std::string& instance_id() const { return instance_id_; }

 private:
  net::Awaitable<void> Loop();
  net::Awaitable<void> Deliver(notify::PlannedDelivery& d, UnixTime now, DrainReport* report);
  net::Awaitable<Status> SendMail(const std::string& to, const std::string& message);
  net::Awaitable<Status> PostWebhook(const OutboxItem& row, UnixTime now);
  Result<std::string> Render(const notify::PlannedDelivery& d, std::string* to) const;
  std::optional<notify::ClientPolicy> PolicyFor(const std::string& client_id) const;
  const ClientOptions* FindClient(const std::string& client_id) const;
  void Settle(const notify::PlannedDelivery& d, const Status& result, UnixTime now,
              const std::string& channel, DrainReport* report);
  UnixTime RetryAt(const OutboxItem& row, UnixTime now) const;
  void UpdateGauges(UnixTime now);
  net::Awaitable<void> CloseSmtp();

  boost::asio::io_context& io_;
  const NotifyOptions& options_;
  const PipelineOptions& pipeline_;
  Store* store_;
  Metrics* metrics_;
  boost::asio::steady_timer timer_;
  std::function<UnixTime()> clock_;
  std::string instance_id_;
  std::shared_ptr<net::TlsContext> smtp_tls_;
  std::string smtp_tls_error_;
  std::unique_ptr<notify::SmtpClient> smtp_;
  bool smtp_down_ = false;  // this drain could not connect: the rest waits for the next
  // Set when a row's outcome could not be written (disk full, database locked): the drain
  // stops there, so at most one delivery per drain is repeated later, not a whole batch.
  bool outbox_unwritable_ = false;
  bool stopped_ = true;
};

}  // namespace fbl
