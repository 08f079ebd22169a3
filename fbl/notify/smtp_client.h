// An SMTP submission client (RFC 5321, 3207 STARTTLS, 4954/4616 AUTH PLAIN) on Boost.Asio
// coroutines: EHLO, STARTTLS required by default, AUTH PLAIN, MAIL/RCPT/DATA with
// dot-stuffing, a deadline on every command and reply, one connection for a batch (RSET
// between messages), QUIT. Replies go through the pure SmtpReplyParser (limits included).
//
// Errors: kUnavailable for anything worth retrying (network, timeouts, 4xx, protocol
// trouble, a server without STARTTLS); kInvalidArgument for a permanent refusal of this
// message (5xx to RCPT or to the end of DATA, an unusable address). After kUnavailable the
// connection is closed; after kInvalidArgument it stays usable for the next message.
// Not thread-safe: one coroutine at a time.
#pragma once

#include "fbl/net/coro.h"  // keep first: Boost.Asio configuration

#include <memory>
#include <string>
#include <vector>

#include "fbl/net/timed_stream.h"
#include "fbl/net/tls.h"
#include "fbl/notify/notify_options.h"
#include "fbl/notify/smtp_reply.h"
#include "parsers/result.h"

namespace fbl::notify {

struct OutgoingMail {
  std::string from;             // envelope sender (IsSafeAddress)
  std::vector<std::string> to;  // envelope recipients (IsSafeAddress)
  std::string data;             // the message, CRLF lines (DotStuff is applied here)
};

// The TLS client context for `options` (null for tls = "none"); kIo if the CA file is bad.
Result<std::shared_ptr<net::TlsContext>> MakeSmtpTlsContext(const SmtpOptions& options);

class SmtpClient {
 public:
  // REQUIRES: options outlives the client; tls non-null unless options.tls == "none".
  SmtpClient(boost::asio::any_io_executor executor, const SmtpOptions& options,
             std::shared_ptr<net::TlsContext> tls);

  // Connects, reads the greeting, EHLO, STARTTLS (+ EHLO again) as configured, AUTH PLAIN
  // when a user is configured. Refuses (kUnavailable) to continue without TLS unless
  // options.tls is "none" — never sends credentials or mail in clear text otherwise.
  net::Awaitable<Status> Open();

  // One message on the open connection. REQUIRES: is_open().
  net::Awaitable<Status> Send(const OutgoingMail& mail);

  // QUIT and close. Errors are not reported: every message was accepted before.
  net::Awaitable<void> Quit();

  bool is_open() const { return open_; }
  int sent_on_connection() const { return sent_; }
  const SmtpCapabilities& capabilities() const { return caps_; }

 private:
  net::Awaitable<Result<SmtpReply>> ReadReply(net::Millis timeout);
  net::Awaitable<Result<SmtpReply>> Command(std::string line, net::Millis timeout);
  net::Awaitable<Status> Ehlo();
  net::Awaitable<Status> StartTls();
  net::Awaitable<Status> Authenticate();
  net::Awaitable<Status> Transaction(const OutgoingMail& mail);
  Error Fail(ErrorCode code, std::string detail);

  const SmtpOptions& options_;
  std::shared_ptr<net::TlsContext> tls_;
  net::TimedStream stream_;
  SmtpReplyParser parser_;
  std::string pending_;  // bytes read but not yet parsed
  SmtpCapabilities caps_;
  bool open_ = false;
  int sent_ = 0;
};

}  // namespace fbl::notify
