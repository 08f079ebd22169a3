// Policy-delegation load generator: N persistent connections, each sending realistic Postfix
// requests (RCPT, then END-OF-MESSAGE, from ~300 SASL accounts) back to back and timing
// every answer. Measures fbl's PolicyServer in-process (--self) or any policy server on
// TCP (--port) or a UNIX socket (--unix), so the peers are measured with the same generator.
//
//   bench_policy_load --self [--connections 64] [--seconds 10]
//   bench_policy_load --port 10040 --name postfwd [--connections 64] [--seconds 10]
//   bench_policy_load --unix /path/to/socket --name policyd-rate-limit
//   bench_policy_load --self --rate 20000     (open loop: 20,000 requests/s offered in total)
//
// Without --rate every connection sends its next request as soon as the answer is in (closed
// loop: the maximum throughput, latency includes all the queueing at saturation). With --rate
// each connection sends on a fixed schedule and latency is measured from the scheduled time,
// so a slow answer is charged to every request it delays (no coordinated omission).
// Prints one line: name, connections, requests, req/s, p50/p99/p99.9 latency (ms), errors;
// open loop also prints the service time (actual send to answer), which leaves out the
// generator's own lateness in sending, so the two tell a server stall from a generator one.
//
//   --warmup N     N seconds of the same load first, not counted (connections, caches, the
//                  server's first allocations); the measured run is the --seconds after it
//   --timeline MS  latency per window of MS milliseconds: are slow answers spread or stalls?
//   --store PATH   give the in-process server a SQLite store (created if absent), as fbld
//                  does: alerts are recorded, held accounts re-read every 5 s, detector
//                  state saved every --save-seconds (default 300, as fbld), all on the io thread
//   --probe        a thread that only sleeps 1 ms at a time and reports its overruns: a stall
//                  the probe sees too is the machine's (scheduling, the VM), not the server's
//
// Sockets are connected and the sample arrays allocated (pages touched) before the clock
// starts, so neither is charged to the first requests or mid-run.
#include <utility>  // before Boost.Asio: its awaitable.hpp needs std::exchange
#include <algorithm>
#include <charconv>
#include <boost/asio.hpp>
#include <atomic>
#include <chrono>
#include <thread>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fbl/log/log.h"
#include "fbl/policy/policy_server.h"
#include "store/sqlite_store.h"

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// Appends `n` in decimal (no allocation: the request is rebuilt for every send).
void AppendInt(std::string& r, long n) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), n);
  r.append(buf, res.ptr);
}

// One request as Postfix 3.7 sends it, written into `r` (its capacity is reused).
void MakeRequest(std::string& r, int account, int message, bool end_of_message) {
  auto user = [&] {
    r += "user";
    AppendInt(r, account);
    r += "@customer";
    AppendInt(r, account % 95);
    r += ".example";
  };
  r.clear();
  r += "request=smtpd_access_policy\n";
  r += end_of_message ? "protocol_state=END-OF-MESSAGE\n" : "protocol_state=RCPT\n";
  r += "protocol_name=ESMTP\n";
  r += "client_address=10.1.";
  AppendInt(r, account % 250);
  r += ".";
  AppendInt(r, 1 + account % 200);
  r += "\nclient_name=pc";
  AppendInt(r, account);
  r += ".customer.example\nclient_port=";
  AppendInt(r, 40000 + message % 20000);
  r += "\nreverse_client_name=pc";
  AppendInt(r, account);
  r += ".customer.example\n";
  r += "server_address=127.0.0.1\nserver_port=587\n";
  r += "helo_name=pc";
  AppendInt(r, account);
  r += "\nsender=";
  user();
  r += "\nrecipient=rcpt";
  AppendInt(r, message % 5000);
  r += "@w";
  AppendInt(r, message % 3000);
  r += ".example\n";
  r += end_of_message ? "recipient_count=1\n" : "recipient_count=0\n";
  r += end_of_message ? "queue_id=4F2A1B3C9D\n" : "queue_id=\n";
  r += "instance=";
  AppendInt(r, account);
  r += ".";
  AppendInt(r, message);
  r += end_of_message ? "\nsize=4321\n" : "\nsize=0\n";
  r += "etrn_domain=\nstress=\n";
  r += "sasl_method=PLAIN\nsasl_username=";
  user();
  r += "\nsasl_sender=\n";
  r += "ccert_subject=\nccert_issuer=\nccert_fingerprint=\nccert_pubkey_fingerprint=\n";
  r += "encryption_protocol=TLSv1.3\nencryption_cipher=TLS_AES_256_GCM_SHA384\nencryption_keysize=256\n";
  r += "policy_context=\ncompatibility_level=3.6\nmail_version=3.7.11\n\n";
}

// --probe: a thread that sleeps 1 ms at a time and records by how much each sleep overran.
// It does no work, so a long overrun means this process could not run at all (another
// process on both cores, or the virtual CPU itself not running), whatever the server does.
class StallProbe {
 public:
  explicit StallProbe(Clock::time_point start) : start_(start) {
    thread_ = std::thread([this] { Run(); });
  }
  ~StallProbe() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Longest overrun (ms) per window of `window_ms`, by when the sleep began.
  std::vector<double> MaxPerWindow(int window_ms) const {
    std::vector<double> out;
    for (const auto& [at_s, over_ms] : overruns_) {
      auto w = static_cast<std::size_t>(at_s * 1000.0 / window_ms);
      if (w >= out.size()) out.resize(w + 1);
      out[w] = std::max(out[w], over_ms);
    }
    return out;
  }
  double Max() const {
    double m = 0;
    for (const auto& o : overruns_) m = std::max(m, o.second);
    return m;
  }

 private:
  void Run() {
    overruns_.reserve(20000);
    while (!stop_) {
      auto before = Clock::now();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      double over = std::chrono::duration<double, std::milli>(Clock::now() - before).count() - 1.0;
      overruns_.emplace_back(std::chrono::duration<double>(before - start_).count(), over);
    }
  }
  Clock::time_point start_;
  std::atomic<bool> stop_{false};
  std::vector<std::pair<double, double>> overruns_;
  std::thread thread_;
};

struct Stats {
  std::vector<double> latencies_ms;  // answer - due time (open loop) or send time (closed loop)
  std::vector<double> service_ms;    // answer - the moment the generator actually sent
  std::vector<double> sent_s;        // due (or send) time, seconds from start
  Clock::time_point start;
  Clock::time_point record_from;  // answers to requests due before this are not counted (warm-up)
  std::uint64_t errors = 0;
};

template <typename Socket>
class Connection : public std::enable_shared_from_this<Connection<Socket>> {
 public:
  // `interval` zero: closed loop; otherwise one request per interval, the first at `first`.
  Connection(Socket socket, int id, Clock::time_point deadline, Stats& stats, Clock::duration interval,
             Clock::time_point first)
      : socket_(std::move(socket)),
        id_(id),
        deadline_(deadline),
        stats_(stats),
        interval_(interval),
        scheduled_(first),
        timer_(socket_.get_executor()) {}

  void Next() {
    if (interval_ == Clock::duration::zero()) {
      sent_at_ = Clock::now();
      Send();
      return;
    }
    sent_at_ = scheduled_;
    scheduled_ += interval_;
    if (sent_at_ <= Clock::now()) {
      Send();
      return;
    }
    timer_.expires_at(sent_at_);
    timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->Send();
    });
  }

 private:
  void Send() {
    sent_real_ = Clock::now();
    if (sent_real_ >= deadline_) return;
    // Two requests per message (RCPT, then END-OF-MESSAGE), from one account with one
    // instance, as Postfix sends them.
    int account = (id_ * 7919 + (message_ / 2) * 31) % 300;
    MakeRequest(request_, account, message_ / 2, message_ % 2 == 1);
    ++message_;
    asio::async_write(socket_, asio::buffer(request_), [self = this->shared_from_this()](auto ec, std::size_t) {
      if (ec) {
        ++self->stats_.errors;
        return;
      }
      asio::async_read_until(self->socket_, asio::dynamic_buffer(self->in_), "\n\n",
                             [self](auto rec, std::size_t n) { self->OnAnswer(rec, n); });
    });
  }

  void OnAnswer(boost::system::error_code ec, std::size_t n) {
    if (ec || in_.compare(0, 7, "action=") != 0) {
      ++stats_.errors;
      return;
    }
    in_.erase(0, n);
    auto now = Clock::now();
    if (sent_at_ < stats_.record_from) return Next();
    stats_.latencies_ms.push_back(std::chrono::duration<double, std::milli>(now - sent_at_).count());
    stats_.service_ms.push_back(std::chrono::duration<double, std::milli>(now - sent_real_).count());
    stats_.sent_s.push_back(std::chrono::duration<double>(sent_at_ - stats_.start).count());
    Next();
  }

  Socket socket_;
  int id_;
  int message_ = 0;
  Clock::time_point deadline_;
  Stats& stats_;
  std::string request_;
  std::string in_;
  Clock::duration interval_;
  Clock::time_point scheduled_;
  asio::steady_timer timer_;
  Clock::time_point sent_at_;    // when the request was sent (closed loop) or due (open loop)
  Clock::time_point sent_real_;  // when Send() ran
};

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// One line per window of `window_ms` (by due time): requests, p50, p99 and max latency, the
// longest service time (actual send to answer) and how many answers took over 2 ms. Shows
// whether the tail is spread evenly or comes in stalls, and whether a stall was the server's
// (long service time) or the generator's own lateness in sending (latency >> service).
void PrintTimeline(const Stats& stats, int window_ms, const StallProbe* probe) {
  std::vector<std::vector<double>> windows;
  std::vector<double> service_max;
  for (std::size_t i = 0; i < stats.latencies_ms.size(); ++i) {
    auto w = static_cast<std::size_t>(stats.sent_s[i] * 1000.0 / window_ms);
    if (w >= windows.size()) {
      windows.resize(w + 1);
      service_max.resize(w + 1);
    }
    windows[w].push_back(stats.latencies_ms[i]);
    service_max[w] = std::max(service_max[w], stats.service_ms[i]);
  }
  std::vector<double> probe_max = probe ? probe->MaxPerWindow(window_ms) : std::vector<double>{};
  for (std::size_t w = 0; w < windows.size(); ++w) {
    auto& v = windows[w];
    if (v.empty()) continue;
    char probe_text[48] = "";
    if (probe) std::snprintf(probe_text, sizeof(probe_text), " probe_max=%.3fms", w < probe_max.size() ? probe_max[w] : 0.0);
    auto over = std::count_if(v.begin(), v.end(), [](double x) { return x > 2.0; });
    double max = *std::max_element(v.begin(), v.end());
    double p50 = Percentile(v, 0.5);
    double p99 = Percentile(v, 0.99);
    std::printf("t=%7.3fs n=%5zu p50=%.3fms p99=%.3fms max=%.3fms service_max=%.3fms over2ms=%ld%s\n",
                static_cast<double>(w) * window_ms / 1000.0, v.size(), p50, p99, max, service_max[w],
                static_cast<long>(over), probe_text);
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool self = false;
  int port = 0;
  std::string unix_path;
  std::string name;
  int connections = 64;
  int seconds = 10;
  double rate = 0;  // requests/s offered in total; 0: closed loop
  int timeline_ms = 0;  // > 0: also print latency per window of this many ms (by send time)
  bool probe = false;   // also run the StallProbe thread
  int warmup = 0;       // seconds of load before the measured `seconds` (not counted)
  std::string store_path;  // --self only: a SQLite store for the server
  int save_seconds = 300;  // its detector-state save interval
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool v = i + 1 < argc;
    if (a == "--self") self = true;
    else if (a == "--port" && v) port = std::atoi(argv[++i]);
    else if (a == "--unix" && v) unix_path = argv[++i];
    else if (a == "--name" && v) name = argv[++i];
    else if (a == "--connections" && v) connections = std::atoi(argv[++i]);
    else if (a == "--seconds" && v) seconds = std::atoi(argv[++i]);
    else if (a == "--rate" && v) rate = std::atof(argv[++i]);
    else if (a == "--timeline" && v) timeline_ms = std::atoi(argv[++i]);
    else if (a == "--probe") probe = true;
    else if (a == "--warmup" && v) warmup = std::atoi(argv[++i]);
    else if (a == "--store" && v) store_path = argv[++i];
    else if (a == "--save-seconds" && v) save_seconds = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_policy_load (--self | --port N | --unix PATH) [--name S] "
                           "[--connections N] [--seconds N] [--rate REQ_PER_S] [--timeline MS] [--probe] [--warmup N] [--store PATH [--save-seconds N]]\n");
      return 64;
    }
  }
  std::unique_ptr<fbl::PolicyServer> server;
  if (self) {
    fbl::SetLogLevel(fbl::LogLevel::kError);
    fbl::AlertsOptions options;
    options.policy.listen_tcp = "127.0.0.1:0";
    options.policy.state_save_seconds = save_seconds;
    fbl::PolicyServer::StoreFactory factory;
    if (!store_path.empty()) {
      fbl::StoreOptions store_options;
      store_options.path = store_path;
      factory = [store_options] { return fbl::OpenSqliteStore(store_options); };
    }
    server = std::make_unique<fbl::PolicyServer>(options, factory, nullptr);
    fbl::Status s = server->Start();
    if (!s.ok()) {
      std::fprintf(stderr, "start: %s\n", s.error().ToString().c_str());
      return 70;
    }
    port = server->tcp_port();
    if (name.empty()) name = "fbl";
  }
  asio::io_context io;
  // Every socket is connected before the clock starts: connecting is not part of a request.
  std::vector<asio::local::stream_protocol::socket> unix_sockets;
  std::vector<asio::ip::tcp::socket> tcp_sockets;
  auto connect_start = Clock::now();
  for (int c = 0; c < connections; ++c) {
    if (!unix_path.empty()) {
      unix_sockets.emplace_back(io);
      unix_sockets.back().connect(asio::local::stream_protocol::endpoint(unix_path));
    } else {
      tcp_sockets.emplace_back(io);
      tcp_sockets.back().connect(
          asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
      tcp_sockets.back().set_option(asio::ip::tcp::no_delay(true));
    }
  }
  // Printed because it can be long: a server with a short listen backlog (policyd-rate-limit:
  // 5) drops SYNs while busy, and each connect then waits for a retransmission (1 s, 3 s...).
  std::printf("connected %d sockets in %.0f ms (not counted)\n", connections,
              std::chrono::duration<double, std::milli>(Clock::now() - connect_start).count());
  Stats stats;
  // The sample arrays are allocated and their pages touched now: growing a vector of 10^5
  // doubles mid-run costs hundreds of page faults (~10-20 us each on this VM) in the
  // generator's only thread, a stall that would be charged to the server.
  std::size_t expected = static_cast<std::size_t>((rate > 0 ? rate * 1.1 : 100000.0) * (seconds + warmup));
  for (auto* v : {&stats.latencies_ms, &stats.service_ms, &stats.sent_s}) {
    v->resize(expected);
    v->clear();
  }
  auto start = Clock::now();
  stats.start = start;
  stats.record_from = start + std::chrono::seconds(warmup);
  std::unique_ptr<StallProbe> stall_probe;
  if (probe) stall_probe = std::make_unique<StallProbe>(start);
  auto deadline = start + std::chrono::seconds(warmup + seconds);
  // Open loop: each connection sends every connections/rate seconds, the connections evenly
  // staggered over one interval.
  Clock::duration interval = rate > 0 ? std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(connections / rate))
                                      : Clock::duration::zero();
  for (int c = 0; c < connections; ++c) {
    Clock::time_point first = start + interval * c / connections;
    if (!unix_path.empty()) {
      std::make_shared<Connection<asio::local::stream_protocol::socket>>(
          std::move(unix_sockets[static_cast<std::size_t>(c)]), c, deadline, stats, interval, first)->Next();
    } else {
      std::make_shared<Connection<asio::ip::tcp::socket>>(std::move(tcp_sockets[static_cast<std::size_t>(c)]), c,
                                                          deadline, stats, interval, first)->Next();
    }
  }
  io.run();
  if (stall_probe) stall_probe->Stop();
  double elapsed = std::chrono::duration<double>(Clock::now() - stats.record_from).count();
  std::size_t n = stats.latencies_ms.size();
  if (timeline_ms > 0) PrintTimeline(stats, timeline_ms, stall_probe.get());
  double p50 = Percentile(stats.latencies_ms, 0.50);
  double p99 = Percentile(stats.latencies_ms, 0.99);
  double p999 = Percentile(stats.latencies_ms, 0.999);
  if (rate > 0) {
    std::printf("offered %.0f/s (open loop, latency from the scheduled send time)\n", rate);
    std::vector<double> service = stats.service_ms;
    std::printf("  service time (actual send to answer, generator lateness excluded): p50=%.3fms "
                "p99=%.3fms p99.9=%.3fms\n",
                Percentile(service, 0.50), Percentile(service, 0.99), Percentile(service, 0.999));
  }
  if (stall_probe) std::printf("  stall probe: longest overrun of a 1 ms sleep %.3fms\n", stall_probe->Max());
  std::printf("%-20s conns=%d requests=%zu rate=%.0f/s p50=%.3fms p99=%.3fms p99.9=%.3fms errors=%llu\n",
              name.empty() ? "server" : name.c_str(), connections, n, static_cast<double>(n) / elapsed, p50, p99,
              p999, static_cast<unsigned long long>(stats.errors));
  if (server) server->Stop();
  return 0;
}
