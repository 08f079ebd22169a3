#include "fbl/policy/policy_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <set>

#include "alerts/log_replay.h"
#include "fbl/log/log.h"
#include "fbl/net/deadline.h"
#include "fbl/metrics/metrics.h"

namespace fbl {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using unix_socket = asio::local::stream_protocol;

namespace {

constexpr std::chrono::seconds kHeldSyncInterval{5};

EventTime WallClock() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "127.0.0.1:10040", "[::1]:10040" -> endpoint.
Result<tcp::endpoint> ParseListen(const std::string& text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) return MakeError(ErrorCode::kInvalidArgument, "listen_tcp needs host:port");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    port = std::stoi(text.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec || port < 0 || port > 65535) {
    return MakeError(ErrorCode::kInvalidArgument, "bad listen_tcp address: " + text);
  }
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

std::string MetricAction(std::string_view action_text) {
  std::string_view word = action_text.substr(0, action_text.find(' '));
  if (word == "HOLD") return "hold";
  if (word == "DEFER_IF_PERMIT") return "defer_if_permit";
  if (word == "REJECT") return "reject";
  return "dunno";
}

std::string MetricAction(AlertAction action) {
  return action == AlertAction::kAlert ? "dunno" : AlertActionName(action);
}

}  // namespace

class PolicyServer::Impl {
 public:
  Impl(PolicyServer* owner, AlertsOptions options, StoreFactory factory, Metrics* metrics)
      : owner_(owner),
        options_(std::move(options)),
        factory_(std::move(factory)),
        metrics_(metrics),
        engine_(options_),
        sync_timer_(store_io_) {
    limits_.max_line_bytes = options_.policy.max_line_bytes;
    limits_.max_attributes = options_.policy.max_attributes;
    limits_.max_request_bytes = options_.policy.max_request_bytes;
  }

  Status Start();
  void Stop();
  std::string Answer(const PolicyRequest& request);
  Status Release(std::string_view account, const AuditEntry& audit);
  void OnDeliveryOutcome(std::string_view account, EventTime time, bool bounced);
  std::size_t held_count() {
    std::lock_guard<std::mutex> lock(mu_);
    return engine_.held_count();
  }
  void SyncHeldNow() {
    std::lock_guard<std::mutex> lock(mu_);
    if (store_) SyncHeld();
  }

  const PolicyLimits& limits() const { return limits_; }
  std::chrono::seconds idle_timeout() const { return std::chrono::seconds(options_.policy.idle_timeout_seconds); }
  std::atomic<int> connections{0};

 private:
  template <typename Acceptor>
  void Accept(Acceptor& acceptor);
  Status OpenListeners();
  void LoadState();
  void SyncHeld();
  void SaveState(bool all);
  void ScheduleSync();
  void Persist(const PolicyDecision& d, EventTime now);
  void RecordAlerts(const std::vector<Alert>& alerts);
  void Notify(const Alert& alert);
  EventTime Now() const { return owner_->clock_ ? owner_->clock_() : WallClock(); }

  PolicyServer* owner_;
  AlertsOptions options_;
  StoreFactory factory_;
  Metrics* metrics_;
  PolicyLimits limits_;
  std::mutex mu_;  // engine_, last_save_
  PolicyEngine engine_;
  // store_: taken after mu_ when both are held. The periodic work (held-account sync,
  // detector-state save) runs on its own thread so that the store write of every dirty
  // account (30-38 ms for 300 accounts on this VM) does not stall the answering threads; only
  // the serialisation of the dirty accounts holds mu_, a slice at a time (SaveState).
  std::mutex store_mu_;
  std::unique_ptr<Store> store_;
  bool store_has_state_ = true;
  EventTime last_save_ = 0;
  asio::io_context io_;
  asio::io_context store_io_;  // sync_timer_ and alert writes, run by store_thread_
  std::thread store_thread_;
  std::atomic<bool> store_stopping_{false};  // Stop(): the sync timer is not re-armed
  std::optional<tcp::acceptor> tcp_;
  std::optional<unix_socket::acceptor> unix_;
  asio::steady_timer sync_timer_;
  std::vector<std::thread> threads_;
  bool started_ = false;
};

// One client connection: read, parse, answer in order, until EOF, error or idle timeout.
//
// The idle timeout is a net::Deadline (no timer operation per request): it is set when a read
// starts waiting and lifted (kNever) while the connection is busy answering or writing, so a
// connection is closed idle_timeout after it began to wait for its next request.
template <typename Socket>
class PolicySession : public std::enable_shared_from_this<PolicySession<Socket>> {
 public:
  PolicySession(Socket socket, PolicyServer::Impl& server)
      : socket_(std::move(socket)), server_(server), parser_(server.limits()) {
    ++server_.connections;
  }
  ~PolicySession() { --server_.connections; }

  void Start() {
    idle_.emplace(socket_.get_executor(), server_.idle_timeout(), this->weak_from_this(), [this] {
      boost::system::error_code ignored;
      socket_.close(ignored);
    });
    Read();
  }

 private:
  void Read() {
    idle_->ExpireAfter(server_.idle_timeout());
    socket_.async_read_some(asio::buffer(buffer_),
                            [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) {
                              self->OnRead(ec, n);
                            });
  }

  void OnRead(boost::system::error_code ec, std::size_t n) {
    idle_->MoveTo(net::Deadline::kNever);  // busy: the idle clock starts at the next read
    if (ec) {  // the session ends with its last reference (the idle wait holds none)
      if (ec != asio::error::eof && ec != asio::error::operation_aborted &&
          ec != asio::error::connection_reset) {
        Log(LogLevel::kDebug, "policy", "read failed", {{"error", ec.message()}});
      }
      return;
    }
    requests_.clear();
    Status parsed = parser_.Feed(std::string_view(buffer_.data(), n), &requests_);
    out_.clear();
    for (const auto& r : requests_) out_ += server_.Answer(r);
    if (!parsed.ok()) {
      Log(LogLevel::kWarn, "policy", "protocol violation, closing connection",
          {{"error", parsed.error().ToString()}});
      close_after_write_ = true;
    }
    if (out_.empty()) {
      if (close_after_write_) return;  // the socket closes with the last reference
      Read();
      return;
    }
    asio::async_write(socket_, asio::buffer(out_),
                      [self = this->shared_from_this()](boost::system::error_code wec, std::size_t) {
                        if (wec || self->close_after_write_) return;
                        self->Read();
                      });
  }

  Socket socket_;
  std::optional<net::Deadline> idle_;  // made in Start(): it needs weak_from_this()
  PolicyServer::Impl& server_;
  PolicyRequestParser parser_;
  std::array<char, 8192> buffer_{};
  std::vector<PolicyRequest> requests_;
  std::string out_;
  bool close_after_write_ = false;
};

template <typename Acceptor>
void PolicyServer::Impl::Accept(Acceptor& acceptor) {
  // One io thread needs no strand (it would only add a dispatch per handler); with several,
  // each connection's read, write and idle-timer handlers run on its own strand.
  asio::any_io_executor executor = options_.policy.threads > 1 ? asio::any_io_executor(asio::make_strand(io_))
                                                               : asio::any_io_executor(io_.get_executor());
  acceptor.async_accept(executor, [this, &acceptor](boost::system::error_code ec,
                                                                  typename Acceptor::protocol_type::socket s) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      if (connections.load() >= options_.policy.max_connections) {
        Log(LogLevel::kWarn, "policy", "connection limit reached, refusing a client");
        boost::system::error_code ignored;
        s.close(ignored);
      } else {
        std::make_shared<PolicySession<typename Acceptor::protocol_type::socket>>(std::move(s), *this)->Start();
      }
    } else {
      Log(LogLevel::kWarn, "policy", "accept failed", {{"error", ec.message()}});
    }
    Accept(acceptor);
  });
}

std::string PolicyServer::Impl::Answer(const PolicyRequest& request) {
  auto start = std::chrono::steady_clock::now();
  std::string text;
  try {
    std::lock_guard<std::mutex> lock(mu_);
    EventTime now = Now();
    PolicyDecision d = engine_.Decide(request, now);
    if (!d.alerts.empty() || d.newly_held) Persist(d, now);
    text = std::move(d.action_text);
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "policy", "internal error, answering the configured error action",
        {{"error", e.what()}});
    text = options_.policy.error_action;
  }
  owner_->answered_.fetch_add(1, std::memory_order_relaxed);
  if (metrics_) {
    metrics_->policy_requests.Add({{"action", MetricAction(text)}}).Increment();
    metrics_->policy_latency.Add({}, LatencyBuckets())
        .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return PolicyAnswer(text);
}

// REQUIRES: mu_ held. A hold is written to the store before the answer goes out; alerts and
// their notifications are written by the store thread (one transaction each: ~1 ms apiece on
// this VM, and 300 accounts over their cold-start cap in the same second stalled every
// connection for ~300 ms when they were written here).
void PolicyServer::Impl::Persist(const PolicyDecision& d, EventTime now) {
  for (const auto& a : d.alerts) {
    Log(LogLevel::kWarn, "policy", "outbound-rate alert",
        {{"account", a.account}, {"detector", a.detector}, {"action", AlertActionName(a.action)},
         {"reason", a.reason}});
    if (metrics_) {
      metrics_->detector_alerts.Add({{"detector", a.detector}, {"action", MetricAction(a.action)}}).Increment();
    }
  }
  if (store_ && !d.alerts.empty()) {
    asio::post(store_io_, [this, alerts = d.alerts] { RecordAlerts(alerts); });
  }
  if (d.newly_held) {
    Log(LogLevel::kWarn, "policy", "account held", {{"account", d.account}, {"reason", d.held_reason}});
    if (store_) {
      std::lock_guard<std::mutex> store_lock(store_mu_);
      Status s = store_->HoldAccount(d.account, d.held_reason, now);
      if (!s.ok()) Log(LogLevel::kError, "policy", "holding in the store failed", {{"error", s.error().ToString()}});
    }
    if (metrics_) metrics_->accounts_held.Add({}).Set(static_cast<double>(engine_.held_count()));
  }
}

// On store_thread_ (or in Stop, after it ended).
void PolicyServer::Impl::RecordAlerts(const std::vector<Alert>& alerts) {
  std::lock_guard<std::mutex> store_lock(store_mu_);
  for (const auto& a : alerts) {
    Status s = store_->RecordAlert(AlertRecord{a.time, a.account, a.detector, AlertActionName(a.action),
                                               a.reason, a.window_count});
    if (!s.ok()) Log(LogLevel::kError, "policy", "recording an alert failed", {{"error", s.error().ToString()}});
    try {
      Notify(a);
    } catch (const std::exception& e) {  // nlohmann::json: never out of the store thread
      Log(LogLevel::kError, "policy", "queueing an alert notification failed", {{"error", e.what()}});
    }
  }
}

// Admin notifications go through the outbox (the notifier sends them): kind "alert".
// REQUIRES: store_mu_ held.
void PolicyServer::Impl::Notify(const Alert& a) {
  std::string json = AlertToJson(a);
  std::string id_base = "alert-" + std::to_string(a.time) + "-" + a.detector + "-" + a.account;
  auto enqueue = [&](const char* channel, const std::string& target, const char* key) {
    if (target.empty()) return;
    nlohmann::json payload = nlohmann::json::parse(json);
    payload[key] = target;
    NewOutboxItem item;
    item.channel = channel;
    item.kind = "alert";
    item.payload_json = payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    item.message_id = id_base + "-" + channel;
    item.due_at = a.time;
    Status s = store_->EnqueueOutbox(item, a.time);
    if (!s.ok()) Log(LogLevel::kError, "policy", "queueing an alert notification failed", {{"error", s.error().ToString()}});
  };
  enqueue("email", options_.notify.admin_email, "to");
  enqueue("webhook", options_.notify.webhook_url, "url");
}

void PolicyServer::Impl::LoadState() {
  auto held = store_->ListHeldAccounts();
  if (held.ok()) {
    AlertAction action = options_.detectors.action == AlertAction::kAlert ? AlertAction::kHold
                                                                           : options_.detectors.action;
    for (const auto& a : *held) engine_.Hold(a.username, action);
  } else {
    Log(LogLevel::kError, "policy", "loading held accounts failed", {{"error", held.error().ToString()}});
  }
  auto states = store_->LoadDetectorStates();
  if (!states.ok()) {
    store_has_state_ = false;
    Log(LogLevel::kWarn, "policy", "detector state not persisted by this store", {{"error", states.error().ToString()}});
    return;
  }
  int bad = 0;
  for (const auto& row : *states) bad += engine_.detectors().RestoreAccount(row.username, row.state_blob).ok() ? 0 : 1;
  Log(LogLevel::kInfo, "policy", "detector state loaded",
      {{"accounts", std::to_string(states->size())}, {"unreadable", std::to_string(bad)}});
}

// The store is the truth for holds: admins release through the API or fblctl.
// REQUIRES: mu_ held (it stays held across the read so that a hold made meanwhile by an
// answering thread cannot be undone by this older snapshot).
void PolicyServer::Impl::SyncHeld() {
  Result<std::vector<Account>> held = [&] {
    std::lock_guard<std::mutex> store_lock(store_mu_);
    return store_->ListHeldAccounts();
  }();
  if (!held.ok()) return;
  std::set<std::string> in_store;
  for (const auto& a : *held) in_store.insert(AsciiLower(a.username));
  for (const auto& name : engine_.HeldAccounts()) {
    if (!in_store.count(name)) {
      engine_.Release(name);
      Log(LogLevel::kInfo, "policy", "account released", {{"account", name}});
    }
  }
  AlertAction action = options_.detectors.action == AlertAction::kAlert ? AlertAction::kHold
                                                                         : options_.detectors.action;
  for (const auto& name : in_store) {
    if (!engine_.HeldAction(name)) engine_.Hold(name, action);
  }
  if (metrics_) metrics_->accounts_held.Add({}).Set(static_cast<double>(engine_.held_count()));
}

// REQUIRES: mu_ not held. The dirty accounts are serialised under mu_ a slice at a time
// (kSaveSlice accounts, a fraction of a millisecond), so that answers are never held up for a
// whole save; the store write happens after mu_ is released. An account that changes between
// slices is marked dirty again and saved next time.
void PolicyServer::Impl::SaveState(bool all) {
  constexpr std::size_t kSaveSlice = 16;
  if (!store_ || !store_has_state_) return;
  std::vector<std::string> names;
  {
    std::lock_guard<std::mutex> lock(mu_);
    EventTime now = Now();
    if (!all && now - last_save_ < options_.policy.state_save_seconds) return;
    last_save_ = now;
    names = engine_.detectors().TakeDirtyAccounts();
  }
  if (names.empty()) return;
  std::vector<DetectorStateRow> rows;
  rows.reserve(names.size());
  for (std::size_t first = 0; first < names.size(); first += kSaveSlice) {
    std::lock_guard<std::mutex> lock(mu_);
    const EventTime now = Now();
    for (std::size_t i = first; i < std::min(names.size(), first + kSaveSlice); ++i) {
      std::string blob = engine_.detectors().SerializeAccount(names[i]);
      if (blob.empty()) continue;  // no longer tracked (evicted since it was marked dirty)
      rows.push_back(DetectorStateRow{names[i], std::move(blob), now});
    }
  }
  if (rows.empty()) return;
  std::lock_guard<std::mutex> store_lock(store_mu_);
  Status s = store_->SaveDetectorState(rows);
  if (!s.ok()) Log(LogLevel::kError, "policy", "saving detector state failed", {{"error", s.error().ToString()}});
}

void PolicyServer::Impl::ScheduleSync() {
  sync_timer_.expires_after(kHeldSyncInterval);
  sync_timer_.async_wait([this](boost::system::error_code ec) {  // on store_thread_
    if (ec || store_stopping_) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      SyncHeld();
    }
    SaveState(false);
    if (!store_stopping_) ScheduleSync();
  });
}

Status PolicyServer::Impl::OpenListeners() {
  try {
    if (!options_.policy.listen_tcp.empty()) {
      auto endpoint = ParseListen(options_.policy.listen_tcp);
      if (!endpoint.ok()) return endpoint.error();
      tcp_.emplace(io_);
      tcp_->open(endpoint->protocol());
      tcp_->set_option(asio::socket_base::reuse_address(true));
      tcp_->bind(*endpoint);
      tcp_->listen(asio::socket_base::max_listen_connections);
      owner_->tcp_port_ = tcp_->local_endpoint().port();
      Accept(*tcp_);
    }
    if (!options_.policy.listen_unix.empty()) {
      const std::string& path = options_.policy.listen_unix;
      struct stat st {};
      if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
      unix_.emplace(io_, unix_socket::endpoint(path));
      ::chmod(path.c_str(), static_cast<mode_t>(options_.policy.unix_mode));
      Accept(*unix_);
    }
  } catch (const boost::system::system_error& e) {
    return MakeError(ErrorCode::kIo, std::string("policy listener: ") + e.what());
  }
  return OkStatus();
}

Status PolicyServer::Impl::Start() {
  if (started_) return OkStatus();
  if (factory_) {
    auto store = factory_();
    if (!store.ok()) return store.error();
    store_ = std::move(store.value());
    LoadState();
  }
  Status s = OpenListeners();
  if (!s.ok()) return s;
  if (metrics_) metrics_->accounts_held.Add({}).Set(static_cast<double>(engine_.held_count()));
  started_ = true;
  if (store_) {
    store_io_.restart();
    store_stopping_ = false;
    ScheduleSync();
    store_thread_ = std::thread([this] { store_io_.run(); });
  }
  for (int i = 0; i < options_.policy.threads; ++i) threads_.emplace_back([this] { io_.run(); });
  Log(LogLevel::kInfo, "policy", "policy server listening",
      {{"tcp", options_.policy.listen_tcp}, {"unix", options_.policy.listen_unix},
       {"port", std::to_string(owner_->tcp_port_)}});
  return OkStatus();
}

void PolicyServer::Impl::Stop() {
  if (!started_) return;
  started_ = false;
  asio::post(io_, [this] {
    boost::system::error_code ignored;
    if (tcp_) tcp_->close(ignored);
    if (unix_) unix_->close(ignored);
  });
  io_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  // The store thread ends once the alerts already queued are written and the timer is off.
  store_stopping_ = true;
  asio::post(store_io_, [this] { sync_timer_.cancel(); });
  if (store_thread_.joinable()) store_thread_.join();
  if (!options_.policy.listen_unix.empty()) ::unlink(options_.policy.listen_unix.c_str());
  SaveState(true);
}

Status PolicyServer::Impl::Release(std::string_view account, const AuditEntry& audit) {
  std::lock_guard<std::mutex> lock(mu_);
  bool was_held = engine_.Release(account);
  if (store_) {
    std::lock_guard<std::mutex> store_lock(store_mu_);
    Status s = store_->ReleaseAccount(AsciiLower(account), audit, Now());
    if (!s.ok() && !(was_held && s.error().code == ErrorCode::kNotFound)) return s;
  } else if (!was_held) {
    return MakeError(ErrorCode::kNotFound, "account not held");
  }
  if (metrics_) metrics_->accounts_held.Add({}).Set(static_cast<double>(engine_.held_count()));
  return OkStatus();
}

void PolicyServer::Impl::OnDeliveryOutcome(std::string_view account, EventTime time, bool bounced) {
  std::lock_guard<std::mutex> lock(mu_);
  PolicyDecision d;
  d.account = AsciiLower(account);
  d.alerts = engine_.detectors().OnDeliveryOutcome(time, d.account, bounced);
  for (const auto& a : d.alerts) {
    if (a.action == AlertAction::kAlert || engine_.HeldAction(d.account)) continue;
    engine_.Hold(d.account, a.action);
    d.newly_held = true;
    d.held_reason = a.detector + ": " + a.reason;
  }
  if (!d.alerts.empty()) Persist(d, time);
}

PolicyServer::PolicyServer(AlertsOptions options, StoreFactory store_factory, Metrics* metrics)
    : impl_(std::make_unique<Impl>(this, std::move(options), std::move(store_factory), metrics)) {}

PolicyServer::~PolicyServer() { Stop(); }

Status PolicyServer::Start() { return impl_->Start(); }
void PolicyServer::Stop() { impl_->Stop(); }
Status PolicyServer::Release(std::string_view account, const AuditEntry& audit) {
  return impl_->Release(account, audit);
}
std::size_t PolicyServer::held_count() { return impl_->held_count(); }
void PolicyServer::SyncHeldNow() { impl_->SyncHeldNow(); }
void PolicyServer::OnDeliveryOutcome(std::string_view account, EventTime time, bool bounced) {
  impl_->OnDeliveryOutcome(account, time, bounced);
}

}  // namespace fbl
