// The Postfix policy delegation server (SMTPD_POLICY_README) over TCP and/or a UNIX socket,
// on its own io_context and thread(s). Each connection is persistent: requests are read with
// the bounded parser of alerts/policy_protocol.h, decided by alerts/policy_engine.h (pure),
// answered in order. A protocol violation (a 1 MB line, a line without '=', too many
// attributes) is logged and the connection closed; nothing from a client can stop the server.
//
// Held accounts and learned detector state live in the Store (accounts, detector_state): they
// are loaded at Start(), written when an account is held, flushed every state_save_seconds and
// at Stop(), and the held set is re-read every few seconds so that `fblctl accounts release`
// or the API take effect without a restart, and a hold made by another fbld instance on the
// same database is honoured here within that interval. That periodic store work runs on a
// thread of its own: answering waits at most for the serialisation of 16 dirty accounts, not
// for the store write. Alerts are recorded (Store::RecordAlert), counted in metrics and
// queued for the admin (mail and/or webhook outbox items) when configured.
// An internal failure answers `policy.error_action` (DUNNO by default): mail never stops
// because of our bug.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alerts/alerts_options.h"
#include "alerts/policy_engine.h"
#include "parsers/result.h"
#include "store/store.h"

namespace fbl {

class Metrics;

class PolicyServer {
 public:
  using StoreFactory = std::function<Result<std::unique_ptr<Store>>()>;
  using Clock = std::function<EventTime()>;

  // `store_factory` may be empty (state in memory only); `metrics` may be null.
  PolicyServer(AlertsOptions options, StoreFactory store_factory, Metrics* metrics);
  ~PolicyServer();  // Stop()
  PolicyServer(const PolicyServer&) = delete;
  PolicyServer& operator=(const PolicyServer&) = delete;

  // Opens the store, loads state, binds the listeners and starts the threads. Errors: kIo or
  // kInvalidArgument (bad listen address), or the store's error.
  Status Start();
  // Closes listeners and connections, saves detector state, joins the threads. Idempotent.
  void Stop();

  // The bound TCP port (useful with listen_tcp = "127.0.0.1:0"); 0 when TCP is off.
  int tcp_port() const { return tcp_port_; }

  // Replaces the wall clock (tests). REQUIRES: before Start().
  void set_clock(Clock clock) { clock_ = std::move(clock); }

  // Releases a held account now (the store row is updated too). kNotFound when not held.
  Status Release(std::string_view account, const AuditEntry& audit);
  std::size_t held_count();
  // Re-reads the held accounts from the store now, as the server does by itself every 5 s:
  // a hold made (or released) by another fbld instance on the same database is then
  // answered here too. No-op without a store. Thread-safe.
  void SyncHeldNow();
  // One recipient's final delivery outcome, from the maillog follower (bounce_ratio signal).
  // Thread-safe.
  void OnDeliveryOutcome(std::string_view account, EventTime time, bool bounced);
  std::uint64_t requests_answered() const { return answered_.load(); }

  class Impl;  // opaque (policy_server.cpp)

 private:
  std::unique_ptr<Impl> impl_;
  Clock clock_;
  int tcp_port_ = 0;
  std::atomic<std::uint64_t> answered_{0};
};

}  // namespace fbl
