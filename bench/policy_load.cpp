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
// Prints one line: name, connections, requests, req/s, p50/p99/p99.9 latency (ms), errors.
#include <utility>  // before Boost.Asio: its awaitable.hpp needs std::exchange
#include <algorithm>
#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fbl/log/log.h"
#include "fbl/policy/policy_server.h"

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

std::string MakeRequest(int account, int message, bool end_of_message) {
  std::string user = "user" + std::to_string(account) + "@customer" + std::to_string(account % 95) + ".example";
  std::string inst = std::to_string(account) + "." + std::to_string(message);
  std::string r;
  r += "request=smtpd_access_policy\n";
  r += std::string("protocol_state=") + (end_of_message ? "END-OF-MESSAGE" : "RCPT") + "\n";
  r += "protocol_name=ESMTP\n";
  r += "client_address=10.1." + std::to_string(account % 250) + "." + std::to_string(1 + account % 200) + "\n";
  r += "client_name=pc" + std::to_string(account) + ".customer.example\n";
  r += "client_port=" + std::to_string(40000 + message % 20000) + "\n";
  r += "reverse_client_name=pc" + std::to_string(account) + ".customer.example\n";
  r += "server_address=127.0.0.1\nserver_port=587\n";
  r += "helo_name=pc" + std::to_string(account) + "\n";
  r += "sender=" + user + "\n";
  r += "recipient=rcpt" + std::to_string(message % 5000) + "@w" + std::to_string(message % 3000) + ".example\n";
  r += std::string("recipient_count=") + (end_of_message ? "1" : "0") + "\n";
  r += "queue_id=" + std::string(end_of_message ? "4F2A1B3C9D" : "") + "\n";
  r += "instance=" + inst + "\n";
  r += std::string("size=") + (end_of_message ? "4321" : "0") + "\n";
  r += "etrn_domain=\nstress=\n";
  r += "sasl_method=PLAIN\nsasl_username=" + user + "\nsasl_sender=\n";
  r += "ccert_subject=\nccert_issuer=\nccert_fingerprint=\nccert_pubkey_fingerprint=\n";
  r += "encryption_protocol=TLSv1.3\nencryption_cipher=TLS_AES_256_GCM_SHA384\nencryption_keysize=256\n";
  r += "policy_context=\ncompatibility_level=3.6\nmail_version=3.7.11\n\n";
  return r;
}

struct Stats {
  std::vector<double> latencies_ms;
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
    if (Clock::now() >= deadline_) return;
    int account = (id_ * 7919 + message_ * 31) % 300;
    request_ = MakeRequest(account, message_ / 2, message_ % 2 == 1);
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
    stats_.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent_at_).count());
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
  Clock::time_point sent_at_;  // when the request was sent (closed loop) or due (open loop)
};

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
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
    else {
      std::fprintf(stderr, "usage: bench_policy_load (--self | --port N | --unix PATH) [--name S] "
                           "[--connections N] [--seconds N] [--rate REQ_PER_S]\n");
      return 64;
    }
  }
  std::unique_ptr<fbl::PolicyServer> server;
  if (self) {
    fbl::SetLogLevel(fbl::LogLevel::kError);
    fbl::AlertsOptions options;
    options.policy.listen_tcp = "127.0.0.1:0";
    server = std::make_unique<fbl::PolicyServer>(options, nullptr, nullptr);
    fbl::Status s = server->Start();
    if (!s.ok()) {
      std::fprintf(stderr, "start: %s\n", s.error().ToString().c_str());
      return 70;
    }
    port = server->tcp_port();
    if (name.empty()) name = "fbl";
  }
  asio::io_context io;
  Stats stats;
  auto start = Clock::now();
  auto deadline = start + std::chrono::seconds(seconds);
  // Open loop: each connection sends every connections/rate seconds, the connections evenly
  // staggered over one interval.
  Clock::duration interval = rate > 0 ? std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(connections / rate))
                                      : Clock::duration::zero();
  for (int c = 0; c < connections; ++c) {
    Clock::time_point first = start + interval * c / connections;
    if (!unix_path.empty()) {
      asio::local::stream_protocol::socket s(io);
      s.connect(asio::local::stream_protocol::endpoint(unix_path));
      std::make_shared<Connection<asio::local::stream_protocol::socket>>(std::move(s), c, deadline, stats, interval, first)->Next();
    } else {
      asio::ip::tcp::socket s(io);
      s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
      s.set_option(asio::ip::tcp::no_delay(true));
      std::make_shared<Connection<asio::ip::tcp::socket>>(std::move(s), c, deadline, stats, interval, first)->Next();
    }
  }
  io.run();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::size_t n = stats.latencies_ms.size();
  double p50 = Percentile(stats.latencies_ms, 0.50);
  double p99 = Percentile(stats.latencies_ms, 0.99);
  double p999 = Percentile(stats.latencies_ms, 0.999);
  if (rate > 0) std::printf("offered %.0f/s (open loop, latency from the scheduled send time)\n", rate);
  std::printf("%-20s conns=%d requests=%zu rate=%.0f/s p50=%.3fms p99=%.3fms p99.9=%.3fms errors=%llu\n",
              name.empty() ? "server" : name.c_str(), connections, n, static_cast<double>(n) / elapsed, p50, p99,
              p999, static_cast<unsigned long long>(stats.errors));
  if (server) server->Stop();
  return 0;
}
