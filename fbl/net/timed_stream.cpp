#include "fbl/net/timed_stream.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

namespace fbl::net {

namespace asio = boost::asio;
using asio::use_awaitable;
using asio::redirect_error;

struct TimedStream::Watch {
  TimedStream* owner = nullptr;  // null once the stream is gone
  std::uint64_t generation = 0;
  bool timed_out = false;
};

namespace {

std::shared_ptr<TlsContext> ContextOrDefault(std::shared_ptr<TlsContext> tls) {
  if (tls) return tls;
  // ssl::stream needs a context even when TLS is never started.
  return std::make_shared<TlsContext>(TlsContext::tls_client);
}

}  // namespace

TimedStream::TimedStream(asio::any_io_executor executor, std::shared_ptr<TlsContext> tls)
    : tls_context_(ContextOrDefault(std::move(tls))),
      stream_(executor, *tls_context_),
      resolver_(executor),
      timer_(executor),
      watch_(std::make_shared<Watch>()) {
  watch_->owner = this;
}

TimedStream::~TimedStream() { watch_->owner = nullptr; }

void TimedStream::Arm(Millis timeout) {
  std::uint64_t generation = ++watch_->generation;
  watch_->timed_out = false;
  timer_.expires_after(timeout);
  timer_.async_wait([watch = watch_, generation](const IoError& ec) {
    if (ec || watch->owner == nullptr || watch->generation != generation) return;
    watch->timed_out = true;
    watch->owner->CancelIo();
  });
}

IoError TimedStream::Disarm(IoError ec) {
  ++watch_->generation;
  timer_.cancel();
  if (watch_->timed_out) return asio::error::timed_out;
  return ec;
}

void TimedStream::CancelIo() {
  resolver_.cancel();
  IoError ignored;
  stream_.lowest_layer().cancel(ignored);
}

Awaitable<IoError> TimedStream::Connect(std::string host, std::uint16_t port, Millis timeout) {
  IoError ec;
  Arm(timeout);
  auto endpoints = co_await resolver_.async_resolve(host, std::to_string(port),
                                                    redirect_error(use_awaitable, ec));
  if (!ec) {
    co_await asio::async_connect(stream_.next_layer(), endpoints,
                                 redirect_error(use_awaitable, ec));
  }
  ec = Disarm(ec);
  if (!ec) {
    IoError ignored;
    stream_.next_layer().set_option(asio::ip::tcp::no_delay(true), ignored);
  }
  co_return ec;
}

Awaitable<IoError> TimedStream::StartTls(std::string host, TlsClientOptions options,
                                           std::string component, Millis timeout) {
  if (!buffer_.empty()) co_return asio::error::invalid_argument;
  Status prepared = PrepareTlsClient(stream_, host, options, component);
  if (!prepared.ok()) {
    tls_failure_ = prepared.error().detail;
    co_return asio::error::invalid_argument;
  }
  IoError ec;
  Arm(timeout);
  co_await stream_.async_handshake(asio::ssl::stream_base::client,
                                   redirect_error(use_awaitable, ec));
  ec = Disarm(ec);
  if (ec) {
    tls_failure_ = TlsVerifyFailure(stream_);
    if (tls_failure_.empty()) tls_failure_ = ec.message();
    co_return ec;
  }
  tls_active_ = true;
  co_return ec;
}

Awaitable<IoError> TimedStream::ReadMore(std::size_t max_bytes) {
  std::size_t old_size = buffer_.size();
  buffer_.resize(old_size + max_bytes);
  auto buf = asio::buffer(buffer_.data() + old_size, max_bytes);
  IoError ec;
  std::size_t n = 0;
  if (tls_active_) {
    n = co_await stream_.async_read_some(buf, redirect_error(use_awaitable, ec));
  } else {
    n = co_await stream_.next_layer().async_read_some(buf, redirect_error(use_awaitable, ec));
  }
  buffer_.resize(old_size + n);
  co_return ec;
}

Awaitable<IoError> TimedStream::ReadSome(std::string* out, std::size_t max_bytes,
                                           Millis timeout) {
  IoError ec;
  if (buffer_.empty()) {
    Arm(timeout);
    ec = co_await ReadMore(max_bytes);
    ec = Disarm(ec);
  }
  std::size_t n = std::min(max_bytes, buffer_.size());
  out->append(buffer_, 0, n);
  buffer_.erase(0, n);
  if (n > 0) co_return IoError();
  co_return ec;
}

Awaitable<IoError> TimedStream::ReadLine(std::string* line, std::size_t max_bytes,
                                           Millis timeout) {
  constexpr std::size_t kChunk = 16 * 1024;
  std::size_t scanned = 0;
  IoError ec;
  Arm(timeout);
  for (;;) {
    std::size_t lf = buffer_.find('\n', scanned);
    if (lf != std::string::npos) {
      if (lf > max_bytes + 1) break;
      std::size_t end = (lf > 0 && buffer_[lf - 1] == '\r') ? lf - 1 : lf;
      line->assign(buffer_, 0, end);
      buffer_.erase(0, lf + 1);
      co_return Disarm(IoError());
    }
    scanned = buffer_.size();
    if (scanned > max_bytes + 1) break;
    ec = co_await ReadMore(kChunk);
    if (ec) co_return Disarm(ec);
  }
  Disarm(IoError());
  co_return asio::error::message_size;
}

Awaitable<IoError> TimedStream::WriteAll(std::string_view data, Millis timeout) {
  IoError ec;
  auto buf = asio::buffer(data.data(), data.size());
  Arm(timeout);
  if (tls_active_) {
    co_await asio::async_write(stream_, buf, redirect_error(use_awaitable, ec));
  } else {
    co_await asio::async_write(stream_.next_layer(), buf, redirect_error(use_awaitable, ec));
  }
  co_return Disarm(ec);
}

void TimedStream::Close() {
  IoError ignored;
  resolver_.cancel();
  stream_.lowest_layer().close(ignored);
}

bool TimedStream::is_open() const { return stream_.lowest_layer().is_open(); }

}  // namespace fbl::net
