#include "fbl/daemon/daemon.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <filesystem>
#include <functional>
#include <iostream>

#include "fbl/api/api_server.h"
#include "fbl/daemon/allocator.h"
#include "fbl/daemon/instance_id.h"
#include "fbl/daemon/systemd_notify.h"
#include "fbl/log/log.h"
#include "alerts/rate_detector.h"
#include "fbl/metrics/metrics.h"
#include "fbl/metrics/store_gauges.h"
#include "fbl/notify/notifier.h"
#include "fbl/pipeline/pipeline.h"
#include "fbl/policy/maillog_service.h"
#include "fbl/policy/policy_server.h"
#include "fbl/sources/imap_source.h"
#include "fbl/sources/maildir_source.h"
#include "store/open_store.h"
#include "store/sqlite_store.h"

namespace fbl {

namespace {

namespace asio = boost::asio;

// Files a little larger than the parse limit are still read (the parser cuts them with a
// warning); beyond this margin they are quarantined unread.
constexpr std::size_t kMaildirMarginBytes = 64 * 1024;

std::vector<ClientRecord> ClientRecords(const PipelineOptions& o) {
  std::vector<ClientRecord> out;
  for (const auto& c : o.clients) out.push_back({c.id, c.name, c.notify_email, c.domains, c.dkim_domains});
  return out;
}

std::string MaildirsKey(const SourcesOptions& s) {
  std::string k;
  for (const auto& m : s.maildirs) {
    k += m.path + "|" + std::to_string(m.poll_interval_ms) + "|" + std::to_string(m.batch_size) +
         "|" + std::to_string(m.retry_max_ms) + ";";
  }
  return k;
}

std::string ImapsKey(const SourcesOptions& s) {
  std::string k;
  for (const auto& m : s.imaps) {
    k += m.name + "|" + m.host + "|" + std::to_string(m.port) + "|" + m.tls + "|" + m.user + "|" +
         m.password + ";";
    for (const auto& b : m.mailboxes) k += b + ",";
  }
  return k;
}

Status EnsureParentDir(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return OkStatus();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) return MakeError(ErrorCode::kIo, "cannot create " + parent.string() + ": " + ec.message());
  return OkStatus();
}

UnixTime Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const char* kUsage =
    "usage: fbld [--config FILE] [--check-config]\n"
    "  --config FILE    configuration (default /etc/fbl/fbld.toml)\n"
    "  --check-config   validate the configuration and exit (0 ok, 78 errors)\n";

}  // namespace

Result<DaemonArgs> ParseDaemonArgs(const std::vector<std::string>& args) {
  DaemonArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--config" || a == "-c") {
      if (i + 1 >= args.size()) return MakeError(ErrorCode::kInvalidArgument, a + " needs a FILE");
      out.config_path = args[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      out.config_path = a.substr(9);
    } else if (a == "--check-config") {
      out.check_config = true;
    } else if (a == "--help" || a == "-h") {
      out.help = true;
    } else {
      return MakeError(ErrorCode::kInvalidArgument, "unknown argument: " + a);
    }
  }
  return out;
}

void ApplyLogOptions(const LogOptions& options) {
  LogLevel level = LogLevel::kInfo;
  ParseLogLevel(options.level, &level);
  SetLogLevel(level);
  SetLogJson(options.format == "json");
}

std::vector<std::string> SectionsNeedingRestart(const Config& a, const Config& b) {
  std::vector<std::string> out;
  auto check = [&](bool changed, const char* name) {
    if (changed) out.push_back(name);
  };
  check(a.store.path != b.store.path || a.store.backend != b.store.backend ||
            a.store.busy_timeout_ms != b.store.busy_timeout_ms,
        "[store]");
  check(MaildirsKey(a.sources) != MaildirsKey(b.sources), "[[maildir]]");
  check(ImapsKey(a.sources) != ImapsKey(b.sources), "[[imap]]");
  check(a.api.enabled != b.api.enabled || a.api.listen != b.api.listen ||
            a.api.allow_anonymous_reads != b.api.allow_anonymous_reads ||
            a.api.max_connections != b.api.max_connections,
        "[api]");
  check(a.notify.transport != b.notify.transport || a.notify.maildir != b.notify.maildir ||
            a.notify.from != b.notify.from || a.notify.admin_email != b.notify.admin_email,
        "[notify]");
  check(a.alerts.policy.enabled != b.alerts.policy.enabled ||
            a.alerts.policy.listen_tcp != b.alerts.policy.listen_tcp ||
            a.alerts.policy.listen_unix != b.alerts.policy.listen_unix,
        "[policy]");
  check(a.alerts.maillog.path != b.alerts.maillog.path, "[maillog]");
  return out;
}

struct Daemon::Impl {
  Config config;
  asio::io_context io;
  asio::signal_set stop_signals{io, SIGTERM, SIGINT};
  asio::signal_set hup_signal{io, SIGHUP};
  asio::steady_timer watchdog{io};
  Metrics metrics;
  std::unique_ptr<Store> store;
  std::unique_ptr<Pipeline> pipeline;
  std::vector<std::unique_ptr<MaildirSource>> maildirs;
  std::vector<std::unique_ptr<ImapSource>> imaps;
  std::unique_ptr<ApiServer> api;
  std::unique_ptr<Notifier> notifier;
  std::unique_ptr<PolicyServer> policy;
  std::unique_ptr<MaillogService> maillog;
  std::unique_ptr<Store> gauges_store;  // the gauges refresher's own connection (own thread)
  std::unique_ptr<StoreGaugesRunner> gauges;
  bool stopping = false;

  // Every label value known from the configuration, so each metric name is exported (at zero)
  // before its first event. Called at start and after a reload (new clients appear).
  void InitMetricLabels() {
    Metrics::KnownLabels known;
    for (const auto& c : config.pipeline.clients) known.clients.push_back(c.id);
    for (const auto& p : config.pipeline.providers) known.providers.push_back(p.name);
    for (const auto& m : config.sources.maildirs) known.mailboxes.push_back("maildir:" + m.path);
    for (const auto& i : config.sources.imaps) {
      for (const auto& box : i.mailboxes) {
        known.mailboxes.push_back(i.name + "/" + box);
        known.imap_mailboxes.push_back(i.name + "/" + box);
      }
    }
    known.detectors = DetectorNames();
    metrics.InitKnownLabels(known);
  }

  Status StartGauges() {
    auto opened = ::fbl::OpenStore(config.store);
    if (!opened.ok()) return opened.error();
    gauges_store = std::move(opened.value());
    gauges = std::make_unique<StoreGaugesRunner>(gauges_store.get(), &metrics,
                                                 StoreGaugesOptions{}, [] { return Now(); });
    return OkStatus();
  }

  // Components on their own threads open their own store (one SQLite connection per thread).
  std::function<Result<std::unique_ptr<Store>>()> StoreFactory() {
    StoreOptions options = config.store;
    return [options] { return ::fbl::OpenStore(options); };
  }

  void StartImaps() {
    // The IMAP sources run on this io_context and share the pipeline's store (same thread).
    for (const auto& options : config.sources.imaps) {
      auto source = std::make_unique<ImapSource>(io, options, pipeline.get(), store.get(), &metrics);
      source->Start();
      Log(LogLevel::kInfo, "daemon", "imap source started",
          {{"name", options.name}, {"host", options.host}});
      imaps.push_back(std::move(source));
    }
  }

  void StartNotifier() {
    // References into `config`: a reload assigns new values in place (same objects).
    notifier = std::make_unique<Notifier>(io, config.notify, config.pipeline, store.get(), &metrics);
    if (!config.daemon.instance_id.empty()) notifier->SetInstanceId(config.daemon.instance_id);
    Log(LogLevel::kInfo, "daemon", "outbox claims under instance id",
        {{"instance_id", notifier->instance_id()}});
    notifier->Start();
  }

  Status StartPolicy() {
    if (!config.alerts.policy.enabled) return OkStatus();
    policy = std::make_unique<PolicyServer>(config.alerts, StoreFactory(), &metrics);
    Status s = policy->Start();
    if (!s.ok()) return MakeError(s.error().code, "policy server: " + s.error().detail);
    return OkStatus();
  }

  // The maillog follower feeds bounces to the policy server's detectors (when it runs) and
  // records Message-ID -> recipients and per-client volumes in the store.
  Status StartMaillog() {
    if (config.alerts.maillog.path.empty()) return OkStatus();
    maillog = std::make_unique<MaillogService>(config.alerts.maillog, config.pipeline.clients,
                                               StoreFactory(), policy.get());
    Status s = maillog->Start();
    if (!s.ok()) return MakeError(s.error().code, "maillog: " + s.error().detail);
    Log(LogLevel::kInfo, "daemon", "maillog follower started", {{"path", config.alerts.maillog.path}});
    return OkStatus();
  }

  Status StartApi() {
    if (!config.api.enabled) return OkStatus();
    // The API opens its own connections, tuned by [api] (cache, mmap) on SQLite.
    api = std::make_unique<ApiServer>(config.api, config.store, &metrics);
    Status s = api->Start();
    if (!s.ok()) return MakeError(s.error().code, "api " + config.api.listen + ": " + s.error().detail);
    Log(LogLevel::kInfo, "daemon", "api listening",
        {{"listen", config.api.listen}, {"port", std::to_string(api->port())}});
    return OkStatus();
  }

  Status OpenStore() {
    if (config.store.backend == "sqlite") {
      Status s = EnsureParentDir(config.store.path);
      if (!s.ok()) return s;
    }
    auto opened = ::fbl::OpenStore(config.store);
    if (!opened.ok()) return opened.error();
    store = std::move(opened.value());
    return store->SyncClients(ClientRecords(config.pipeline));
  }

  Status StartMaildirs() {
    std::size_t cap = config.parse.limits.max_message_bytes + kMaildirMarginBytes;
    for (const auto& options : config.sources.maildirs) {
      auto source = std::make_unique<MaildirSource>(io, pipeline.get(), options, cap, &metrics);
      Status s = source->Start();
      if (!s.ok()) return MakeError(s.error().code, "maildir " + options.path + ": " + s.error().detail);
      Log(LogLevel::kInfo, "daemon", "maildir source started", {{"path", options.path}});
      maildirs.push_back(std::move(source));
    }
    return OkStatus();
  }

  void WaitForSignals() {
    stop_signals.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      Log(LogLevel::kInfo, "daemon", "signal received, shutting down", {{"signal", strsignal(sig)}});
      Stop();
    });
    WaitForHup();
  }

  void WaitForHup() {
    hup_signal.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      Reload();
      WaitForHup();
    });
  }

  void StartWatchdog() {
    auto interval = WatchdogInterval();
    if (!interval) return;
    watchdog.expires_after(*interval);
    watchdog.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      NotifyWatchdog();
      StartWatchdog();
    });
  }

  void Reload() {
    NotifyReloading();
    auto loaded = LoadConfig(config.path);
    if (!loaded.ok()) {
      Log(LogLevel::kError, "daemon", "reload rejected, keeping the running configuration",
          {{"error", loaded.error().detail}});
      NotifyReady();
      return;
    }
    Config next = std::move(loaded.value());
    ApplyLogOptions(next.log);
    Status s = store->SyncClients(ClientRecords(next.pipeline));
    if (!s.ok()) {
      Log(LogLevel::kError, "daemon", "reload: cannot sync clients", {{"error", s.error().ToString()}});
    }
    pipeline->Reconfigure(next);
    for (const auto& section : SectionsNeedingRestart(config, next)) {
      Log(LogLevel::kWarn, "daemon", "configuration change needs a restart", {{"section", section}});
    }
    // Keep what the running components were built from; take what was applied.
    next.store = config.store;
    next.sources = config.sources;
    next.api = config.api;
    next.notify = config.notify;
    next.alerts = config.alerts;
    config = std::move(next);
    InitMetricLabels();
    Log(LogLevel::kInfo, "daemon", "configuration reloaded",
        {{"providers", std::to_string(config.pipeline.providers.size())},
         {"clients", std::to_string(config.pipeline.clients.size())},
         {"level", config.log.level}});
    NotifyReady();
  }

  void Stop() {
    if (stopping) return;
    stopping = true;
    NotifyStopping();
    for (auto& m : maildirs) m->Stop();
    for (auto& m : imaps) m->Stop();
    if (api) api->Stop();
    if (maillog) maillog->Stop();
    if (policy) policy->Stop();
    if (notifier) notifier->Stop();
    if (gauges) gauges->Stop();
    stop_signals.cancel();
    hup_signal.cancel();
    watchdog.cancel();
  }
};

Daemon::Daemon(Config config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
}

Daemon::~Daemon() = default;

Status Daemon::Start() {
  Impl& d = *impl_;
  ApplyLogOptions(d.config.log);
  d.WaitForSignals();
  Status s = d.OpenStore();
  if (!s.ok()) return MakeError(s.error().code, "store " + d.config.store.path + ": " + s.error().detail);
  d.pipeline = std::make_unique<Pipeline>(d.store.get(), d.config, &d.metrics);
  s = d.StartMaildirs();
  if (!s.ok()) return s;
  d.StartImaps();
  d.StartNotifier();
  s = d.StartApi();
  if (!s.ok()) return s;
  s = d.StartPolicy();
  if (!s.ok()) return s;
  s = d.StartMaillog();
  if (!s.ok()) return s;
  d.InitMetricLabels();
  s = d.StartGauges();
  if (!s.ok()) return MakeError(s.error().code, "metrics store: " + s.error().detail);
  d.metrics.build_info.Add({{"version", FBL_VERSION}}).Set(1);
  d.metrics.start_time.Add({}).Set(static_cast<double>(Now()));
  d.StartWatchdog();
  Log(LogLevel::kInfo, "daemon", "fbld started",
      {{"version", FBL_VERSION}, {"config", d.config.path}, {"store", d.config.store.path}});
  NotifyReady();
  return OkStatus();
}

int Daemon::Run() {
  impl_->io.run();
  // Orderly teardown: sources first (no new work), then the pipeline, then the store.
  impl_->maildirs.clear();
  impl_->imaps.clear();
  impl_->api.reset();
  impl_->maillog.reset();
  impl_->policy.reset();
  impl_->notifier.reset();
  impl_->gauges.reset();
  impl_->gauges_store.reset();
  impl_->pipeline.reset();
  impl_->store.reset();
  Log(LogLevel::kInfo, "daemon", "fbld stopped");
  return 0;
}

void Daemon::Shutdown() {
  asio::post(impl_->io, [this] { impl_->Stop(); });
}

void Daemon::Reload() {
  asio::post(impl_->io, [this] { impl_->Reload(); });
}

int FbldMain(int argc, char** argv) {
  TuneAllocatorForServing();
  auto args = ParseDaemonArgs(std::vector<std::string>(argv + 1, argv + argc));
  if (!args.ok()) {
    std::cerr << "fbld: " << args.error().detail << "\n" << kUsage;
    return kExitUsage;
  }
  if (args->help) {
    std::cout << kUsage;
    return 0;
  }
  auto config = LoadConfig(args->config_path);
  if (!config.ok()) {
    std::cerr << "fbld: configuration error\n" << config.error().detail << "\n";
    return kExitConfig;
  }
  if (args->check_config) {
    std::cout << args->config_path << ": configuration OK\n";
    return 0;
  }
  if (config->daemon.instance_id.empty()) config->daemon.instance_id = DefaultInstanceId(args->config_path);
  auto instance = ClaimInstanceId(config->daemon.instance_id);  // held until the process ends
  if (!instance.ok()) {
    std::cerr << "fbld: " << instance.error().detail << "\n";
    return kExitUnavailable;
  }
  Daemon daemon(std::move(config.value()));
  Status s = daemon.Start();
  if (!s.ok()) {
    Log(LogLevel::kError, "daemon", "start-up failed", {{"error", s.error().ToString()}});
    daemon.Shutdown();  // tear down what did start, in order
    daemon.Run();
    return s.error().code == ErrorCode::kInvalidArgument ? kExitConfig : kExitUnavailable;
  }
  return daemon.Run();
}

}  // namespace fbl
