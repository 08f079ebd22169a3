// A client connection (TCP, optionally upgraded to TLS) whose every operation has its own
// deadline: a server that stops answering ends the operation with
// boost::asio::error::timed_out instead of hanging the client. Coroutine API
// (boost::asio::awaitable); shared by the IMAP and SMTP clients.
//
// Not thread-safe: use from one coroutine at a time, on one executor.
#pragma once

#include "fbl/net/coro.h"  // keep first: Boost.Asio configuration

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fbl/net/tls.h"

namespace fbl::net {

using IoError = boost::system::error_code;
using Millis = std::chrono::milliseconds;
template <typename T>
using Awaitable = boost::asio::awaitable<T>;

class TimedStream {
 public:
  // `tls` may be null for a connection that never uses TLS.
  TimedStream(boost::asio::any_io_executor executor, std::shared_ptr<TlsContext> tls);
  ~TimedStream();
  TimedStream(const TimedStream&) = delete;
  TimedStream& operator=(const TimedStream&) = delete;

  // Resolves `host` and connects to the first address that answers.
  Awaitable<IoError> Connect(std::string host, std::uint16_t port, Millis timeout);

  // Client TLS handshake on the connected socket (implicit TLS, or after STARTTLS), with
  // PrepareTlsClient(host, options, component). On a verification failure the error is
  // returned and tls_failure() says why. REQUIRES: a TLS context was given; nothing buffered
  // (IoError for "plaintext after STARTTLS" is boost::asio::error::invalid_argument).
  Awaitable<IoError> StartTls(std::string host, TlsClientOptions options, std::string component,
                                Millis timeout);

  // Appends what the peer sent (at least one byte, at most `max_bytes`) to *out: buffered
  // bytes first, else one read.
  Awaitable<IoError> ReadSome(std::string* out, std::size_t max_bytes, Millis timeout);

  // One line ending in LF; the CRLF (or LF) is removed. A line longer than `max_bytes` ends
  // with boost::asio::error::message_size. `timeout` bounds the whole line.
  Awaitable<IoError> ReadLine(std::string* line, std::size_t max_bytes, Millis timeout);

  Awaitable<IoError> WriteAll(std::string_view data, Millis timeout);

  // Closes the socket (no TLS close_notify): pending operations end with operation_aborted.
  void Close();

  bool is_open() const;
  bool tls_active() const { return tls_active_; }
  std::size_t buffered() const { return buffer_.size(); }
  const std::string& tls_failure() const { return tls_failure_; }

 private:
  struct Watch;  // shared with timer handlers, which may outlive this object
  void Arm(Millis timeout);
  IoError Disarm(IoError ec);
  void CancelIo();
  Awaitable<IoError> ReadMore(std::size_t max_bytes);

  std::shared_ptr<TlsContext> tls_context_;
  TlsStream stream_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<Watch> watch_;
  std::string buffer_;
  std::string tls_failure_;
  bool tls_active_ = false;
};

}  // namespace fbl::net
