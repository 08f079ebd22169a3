#include "fbl/api/api_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <optional>
#include <thread>
#include <vector>

#include "fbl/api/handlers.h"
#include "fbl/log/log.h"
#include "fbl/net/deadline.h"
#include "store/open_store.h"
#include "store/sqlite_store.h"

namespace fbl {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::size_t kFirstReadBytes = 4096;
constexpr auto kLingerTimeout = std::chrono::seconds(1);
constexpr std::size_t kLingerMaxBytes = 4 << 20;

// Each I/O thread serves requests with its own store and context.
thread_local api::ApiContext* t_context = nullptr;

Result<tcp::endpoint> ParseListen(const std::string& listen) {
  std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return MakeError(ErrorCode::kInvalidArgument, "api.listen: expected host:port");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  int port = -1;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec || port < 0 || port > 65535) {
    return MakeError(ErrorCode::kInvalidArgument, "api.listen: '" + listen + "' is not IP:port");
  }
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

bool IsLoopback(const tcp::endpoint& peer) {
  const auto& a = peer.address();
  if (a.is_v4()) return a.to_v4().is_loopback();
  return a.to_v6().is_loopback() || (a.to_v6().is_v4_mapped() &&
                                     asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback());
}

}  // namespace

struct ApiServer::Impl {
  ApiOptions options;
  StoreOptions store_options;
  Metrics* metrics;
  StoreFactory factory;
  api::RateLimiter limiter;
  std::atomic<int> connections{0};
  std::vector<std::unique_ptr<Store>> stores;  // options.threads I/O stores, then the workers'
  std::vector<std::thread> threads;
  int port = 0;
  bool started = false;
  std::size_t next_context = 0;  // round robin over contexts (touched by the accept handler only)
  // Declared last: destroyed first, so pending handlers (and the sessions they own) go while
  // everything they refer to is still alive. One io_context per thread: a connection lives on
  // one thread from accept to close, with that thread's Store, and no handler ever wakes or
  // waits for another thread (no strands, no cross-thread hand-off per request).
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::optional<tcp::acceptor> acceptor;
  // The requests that are not quick (api::IsQuick) are answered by options.workers threads
  // sharing this context, each with its own Store; the answer is posted back to the
  // connection's thread. Null when options.workers is 0 (every request on its I/O thread).
  // Declared after `contexts`: destroyed before them, so that a pending request's session
  // goes while its socket's context is still alive.
  std::unique_ptr<asio::io_context> workers;

  Impl(const ApiOptions& o, const StoreOptions& so, Metrics* m, StoreFactory f)
      : options(o), store_options(so), metrics(m), factory(std::move(f)),
        limiter(o.rate_limit_per_second, o.rate_limit_burst) {
    for (int i = 0; i < o.threads; ++i) contexts.push_back(std::make_unique<asio::io_context>(1));
    acceptor.emplace(*contexts.front());
    if (o.workers > 0) workers = std::make_unique<asio::io_context>(o.workers);
  }
  ~Impl() {
    acceptor.reset();
    workers.reset();
    contexts.clear();
  }

  void DoAccept();
  void RunThread(asio::io_context& ioc, Store* store);
};

namespace {

// One connection: read a request, answer it, repeat while keep-alive. Runs on one thread.
//
// Timeouts: one fbl::net::Deadline per connection, moved by each step (idle, read, write) at no
// timer cost; when it passes the socket is closed, which ends the pending read or write with
// operation_aborted.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ApiServer::Impl& server, bool from_loopback)
      : socket_(std::move(socket)), server_(server), from_loopback_(from_loopback) {
    ++server_.connections;
  }
  ~Session() { --server_.connections; }

  void Start() {
    const auto shortest = std::min(options().read_timeout_ms, options().idle_timeout_ms);
    deadline_.emplace(socket_.get_executor(), std::chrono::milliseconds(shortest), weak_from_this(),
                      [this] { Close(); });
    WaitForRequest();
  }

 private:
  const ApiOptions& options() const { return server_.options; }

  template <typename Duration>
  void ExpireAfter(Duration d) {
    deadline_->ExpireAfter(d);
  }

  // Between requests only the idle timeout runs; once a byte arrives, the read timeout.
  void WaitForRequest() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options().max_header_bytes));
    parser_->body_limit(options().max_body_bytes);
    if (buffer_.size() > 0) return ReadRequest();
    ExpireAfter(std::chrono::milliseconds(options().idle_timeout_ms));
    socket_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            beast::bind_front_handler(&Session::OnFirstBytes, shared_from_this()));
  }

  void OnFirstBytes(beast::error_code ec, std::size_t n) {
    if (ec) return Close();
    buffer_.commit(n);
    ReadRequest();
  }

  void ReadRequest() {
    ExpireAfter(std::chrono::milliseconds(options().read_timeout_ms));
    http::async_read(socket_, buffer_, *parser_, beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted) return Close();
    if (ec == http::error::body_limit) return Refuse(413, "payload_too_large", "the body exceeds the limit");
    if (ec == http::error::header_limit) return Refuse(431, "headers_too_large", "the headers exceed the limit");
    if (ec.category() == beast::error_code(http::error::bad_target).category()) {
      return Refuse(400, "bad_request", "malformed HTTP request: " + ec.message());
    }
    if (ec) return Close();
    Answer(parser_->release());
  }

  void Answer(http::request<http::string_body> req) {
    api::Request in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    if (auto it = req.find(http::field::authorization); it != req.end()) in.authorization = std::string(it->value());
    in.body = std::move(req.body());
    in.from_loopback = from_loopback_;
    api::RoutedRequest routed = api::RouteRequest(in);
    if (server_.workers == nullptr || api::IsQuick(routed)) {
      return Write(api::HandleRouted(in, routed, *t_context), req.version(), req.keep_alive());
    }
    // On a worker; the read deadline still runs, and closes the connection if it passes.
    asio::post(*server_.workers, [self = shared_from_this(), in = std::move(in), routed = std::move(routed),
                                 version = req.version(), keep_alive = req.keep_alive()]() mutable {
      api::Response out = api::HandleRouted(in, routed, *t_context);
      auto executor = self->socket_.get_executor();
      asio::post(executor, [self = std::move(self), out = std::move(out), version, keep_alive]() mutable {
        if (self->closed_) return;
        self->Write(std::move(out), version, keep_alive);
      });
    });
  }

  void Write(api::Response out, unsigned version, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(out.status), version);
    res->set(http::field::server, "fbl");
    if (!out.content_type.empty()) res->set(http::field::content_type, out.content_type);
    for (auto& [name, value] : out.headers) res->set(name, value);
    res->keep_alive(keep_alive);
    res->body() = std::move(out.body);
    res->prepare_payload();
    ExpireAfter(std::chrono::milliseconds(options().read_timeout_ms));
    http::async_write(socket_, *res,
                      [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
                        if (ec) return self->Close();
                        if (!keep_alive) return self->Linger();
                        self->WaitForRequest();
                      });
  }

  // An error answer that ends the connection (the request could not be read whole).
  void Refuse(int status, std::string_view code, const std::string& message) {
    Write(api::ErrorResponse(status, code, message), 11, false);
  }

  // Half-close, then drain what the client still sends (bounded), so that it reads our answer
  // instead of a reset.
  void Linger() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    ExpireAfter(kLingerTimeout);
    Drain();
  }

  void Drain() {
    socket_.async_read_some(asio::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->drained_ += n;
      if (ec || self->drained_ > kLingerMaxBytes) return self->Close();
      self->Drain();
    });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    deadline_->Cancel();
  }

  tcp::socket socket_;
  std::optional<::fbl::net::Deadline> deadline_;  // made in Start(): it needs weak_from_this()
  bool closed_ = false;
  ApiServer::Impl& server_;
  bool from_loopback_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::array<char, 4096> scratch_{};
  std::size_t drained_ = 0;
};

// Beyond max_connections: one 503 and close.
void RejectConnection(tcp::socket socket) {
  static const std::string kBusy = [] {
    std::string body = api::ErrorResponse(503, "unavailable", "too many connections; retry later").body;
    return "HTTP/1.1 503 Service Unavailable\r\nServer: fbl\r\nContent-Type: application/json\r\n"
           "Connection: close\r\nRetry-After: 1\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  auto s = std::make_shared<tcp::socket>(std::move(socket));
  asio::async_write(*s, asio::buffer(kBusy), [s](boost::system::error_code, std::size_t) {
    boost::system::error_code ignored;
    s->shutdown(tcp::socket::shutdown_both, ignored);
    s->close(ignored);
  });
}

}  // namespace

void ApiServer::Impl::DoAccept() {
  asio::io_context& target = *contexts[next_context++ % contexts.size()];
  acceptor->async_accept(target, [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      Log(LogLevel::kWarn, "api", "accept failed", {{"error", ec.message()}});
      return DoAccept();
    }
    boost::system::error_code peer_ec;
    tcp::endpoint peer = socket.remote_endpoint(peer_ec);
    if (connections.load() >= options.max_connections) {
      RejectConnection(std::move(socket));
    } else if (!peer_ec) {
      // The session starts on its own thread, where that thread's Store is.
      auto executor = socket.get_executor();
      asio::post(executor, [s = std::make_shared<Session>(std::move(socket), *this, IsLoopback(peer))] {
        s->Start();
      });
    }
    DoAccept();
  });
}

void ApiServer::Impl::RunThread(asio::io_context& ioc, Store* store) {
  api::ApiContext context;
  context.store = store;
  context.options = &options;
  context.address = &store_options.address;
  context.limiter = &limiter;
  context.metrics = metrics;
  context.now = [] { return static_cast<UnixTime>(std::time(nullptr)); };
  context.monotonic_seconds = [] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  };
  t_context = &context;
  auto work = asio::make_work_guard(ioc);  // idle threads wait for connections or requests
  ioc.run();
  t_context = nullptr;
}

namespace {

// The API's store: on SQLite a connection of its own per thread, without the per-call mutex,
// with its cache and mmap bounded by the API options (the daemon's RSS); any other backend as
// OpenStore opens it.
Result<std::unique_ptr<Store>> OpenApiStore(const ApiOptions& options, StoreOptions store_options) {
  if (store_options.backend != "sqlite") return OpenStore(store_options);
  store_options.one_thread_at_a_time = true;  // each I/O thread has its own
  auto store = SqliteStore::Open(store_options);
  if (!store.ok()) return store.error();
  try {
    (*store)->database().exec("PRAGMA cache_size = -" + std::to_string(options.db_cache_kib));
    (*store)->database().exec("PRAGMA mmap_size = " + std::to_string(options.db_mmap_bytes));
  } catch (const SQLite::Exception& e) {
    return MakeError(ErrorCode::kIo, std::string("api: tuning the database connection: ") + e.what());
  }
  return std::unique_ptr<Store>(std::move(*store));
}

}  // namespace

ApiServer::ApiServer(const ApiOptions& options, const StoreOptions& store_options, Metrics* metrics)
    : ApiServer(options, store_options, metrics,
                [options, store_options] { return OpenApiStore(options, store_options); }) {}

ApiServer::ApiServer(const ApiOptions& options, const StoreOptions& store_options, Metrics* metrics,
                     StoreFactory factory)
    : impl_(std::make_unique<Impl>(options, store_options, metrics, std::move(factory))) {}

ApiServer::~ApiServer() { Stop(); }

Status ApiServer::Start() {
  Impl& s = *impl_;
  auto endpoint = ParseListen(s.options.listen);
  if (!endpoint.ok()) return endpoint.error();
  for (int i = 0; i < s.options.threads + s.options.workers; ++i) {
    auto store = s.factory();
    if (!store.ok()) return store.error();
    s.stores.push_back(std::move(*store));
  }
  boost::system::error_code ec;
  s.acceptor->open(endpoint->protocol(), ec);
  if (!ec) s.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(*endpoint, ec);
  if (!ec) s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return MakeError(ErrorCode::kIo, "api: cannot listen on " + s.options.listen + ": " + ec.message());
  s.port = s.acceptor->local_endpoint().port();
  if (s.options.allow_anonymous_reads) {
    Log(LogLevel::kWarn, "api", "allow_anonymous_reads is on: loopback GETs of /v1 need no token",
        {{"listen", s.options.listen}});
  }
  s.DoAccept();
  for (std::size_t i = 0; i < s.stores.size(); ++i) {
    asio::io_context& ioc = i < s.contexts.size() ? *s.contexts[i] : *s.workers;
    s.threads.emplace_back([&s, &ioc, p = s.stores[i].get()] { s.RunThread(ioc, p); });
  }
  s.started = true;
  Log(LogLevel::kInfo, "api", "listening", {{"address", endpoint->address().to_string()},
                                           {"port", std::to_string(s.port)}});
  return OkStatus();
}

int ApiServer::port() const { return impl_->port; }

int ApiServer::connections() const { return impl_->connections.load(); }

void ApiServer::Stop() {
  Impl& s = *impl_;
  if (!s.started) return;
  s.started = false;
  asio::post(s.acceptor->get_executor(), [&s] {
    boost::system::error_code ignored;
    s.acceptor->close(ignored);
  });
  for (auto& ioc : s.contexts) ioc->stop();
  if (s.workers) s.workers->stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
}

}  // namespace fbl
