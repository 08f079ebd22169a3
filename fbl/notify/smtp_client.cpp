#include "fbl/notify/smtp_client.h"

#include <chrono>

#include "fbl/log/log.h"
#include "fbl/notify/mime_text.h"

namespace fbl::notify {

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr const char* kComponent = "notify";

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string IoDetail(const char* what, const net::IoError& ec) {
  return std::string("smtp ") + what + ": " +
         (ec == boost::asio::error::timed_out ? std::string("timed out") : ec.message());
}

}  // namespace

Result<std::shared_ptr<net::TlsContext>> MakeSmtpTlsContext(const SmtpOptions& options) {
  if (options.tls == "none") return std::shared_ptr<net::TlsContext>();
  return net::MakeTlsClientContext({options.ca_file, !options.verify_peer});
}

SmtpClient::SmtpClient(boost::asio::any_io_executor executor, const SmtpOptions& options,
                       std::shared_ptr<net::TlsContext> tls)
    : options_(options), tls_(tls), stream_(executor, tls) {}

Error SmtpClient::Fail(ErrorCode code, std::string detail) {
  if (code != ErrorCode::kInvalidArgument) {
    stream_.Close();
    open_ = false;
  }
  return MakeError(code, std::move(detail));
}

net::Awaitable<Result<SmtpReply>> SmtpClient::ReadReply(net::Millis timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!pending_.empty()) {
      Result<std::size_t> used = parser_.Feed(pending_);
      if (!used.ok()) {
        parser_ = SmtpReplyParser();
        pending_.clear();
        co_return Fail(ErrorCode::kUnavailable, "smtp: bad reply: " + used.error().detail);
      }
      pending_.erase(0, used.value());
      if (parser_.done()) co_return parser_.TakeReply();
    }
    auto left = std::chrono::duration_cast<net::Millis>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) co_return Fail(ErrorCode::kUnavailable, "smtp reply: timed out");
    net::IoError ec = co_await stream_.ReadSome(&pending_, kReadChunk, left);
    if (ec) co_return Fail(ErrorCode::kUnavailable, IoDetail("reading reply", ec));
  }
}

net::Awaitable<Result<SmtpReply>> SmtpClient::Command(std::string line, net::Millis timeout) {
  // Every argument of a co_await is a named object: g++ 12 destroys some temporaries of a
  // co_await full-expression twice.
  std::string wire = line + "\r\n";
  net::IoError ec = co_await stream_.WriteAll(wire, timeout);
  if (ec) co_return Fail(ErrorCode::kUnavailable, IoDetail("writing command", ec));
  co_return co_await ReadReply(timeout);
}

net::Awaitable<Status> SmtpClient::Ehlo() {
  net::Millis timeout(options_.command_timeout_ms);
  std::string ehlo = "EHLO " + options_.helo_name;
  Result<SmtpReply> reply = co_await Command(std::move(ehlo), timeout);
  if (!reply.ok()) co_return reply.error();
  if (!reply->positive()) co_return Fail(ErrorCode::kUnavailable, "smtp EHLO refused: " + reply->Summary());
  caps_ = ParseEhlo(reply.value());
  co_return OkStatus();
}

net::Awaitable<Status> SmtpClient::StartTls() {
  net::Millis timeout(options_.command_timeout_ms);
  if (!caps_.Has("STARTTLS")) {
    co_return Fail(ErrorCode::kUnavailable,
                   "smtp: server does not offer STARTTLS (required by notify.smtp.tls)");
  }
  std::string starttls = "STARTTLS";
  Result<SmtpReply> reply = co_await Command(std::move(starttls), timeout);
  if (!reply.ok()) co_return reply.error();
  if (reply->code != 220) co_return Fail(ErrorCode::kUnavailable, "smtp STARTTLS refused: " + reply->Summary());
  // Anything the server sent after its 220 was sent in clear text: an injection attempt.
  if (!pending_.empty() || stream_.buffered() > 0) {
    co_return Fail(ErrorCode::kUnavailable, "smtp: plaintext after STARTTLS");
  }
  std::string host = options_.host;
  net::TlsClientOptions tls_options{options_.ca_file, !options_.verify_peer};
  std::string component = kComponent;
  net::Millis handshake_timeout(options_.connect_timeout_ms);
  net::IoError ec = co_await stream_.StartTls(std::move(host), std::move(tls_options),
                                             std::move(component), handshake_timeout);
  if (ec) {
    std::string why = stream_.tls_failure().empty() ? ec.message() : stream_.tls_failure();
    co_return Fail(ErrorCode::kUnavailable, "smtp TLS handshake: " + why);
  }
  co_return co_await Ehlo();
}

net::Awaitable<Status> SmtpClient::Authenticate() {
  if (!caps_.auth_mechanisms.count("PLAIN")) {
    co_return Fail(ErrorCode::kUnavailable, "smtp: server does not offer AUTH PLAIN");
  }
  std::string auth = "AUTH PLAIN " + AuthPlainToken(options_.user, options_.password);
  net::Millis timeout(options_.command_timeout_ms);
  Result<SmtpReply> reply = co_await Command(std::move(auth), timeout);
  if (!reply.ok()) co_return reply.error();
  if (reply->code != 235) co_return Fail(ErrorCode::kUnavailable, "smtp AUTH refused: " + reply->Summary());
  co_return OkStatus();
}

net::Awaitable<Status> SmtpClient::Open() {
  bool plain = options_.tls == "none";
  if (plain && !IsLoopback(options_.host)) {
    co_return MakeError(ErrorCode::kInvalidArgument, "smtp: tls = none is for loopback hosts only");
  }
  if (!plain && !tls_) co_return MakeError(ErrorCode::kInternal, "smtp: no TLS context");
  pending_.clear();
  parser_ = SmtpReplyParser();
  sent_ = 0;
  std::string host = options_.host;
  auto port = static_cast<std::uint16_t>(options_.port);
  net::Millis connect_timeout(options_.connect_timeout_ms);
  net::IoError ec = co_await stream_.Connect(std::move(host), port, connect_timeout);
  if (ec) co_return Fail(ErrorCode::kUnavailable, IoDetail("connect", ec));
  if (options_.tls == "implicit") {
    std::string tls_host = options_.host;
    net::TlsClientOptions tls_options{options_.ca_file, !options_.verify_peer};
    std::string component = kComponent;
    ec = co_await stream_.StartTls(std::move(tls_host), std::move(tls_options),
                                   std::move(component), connect_timeout);
    if (ec) co_return Fail(ErrorCode::kUnavailable, "smtp TLS handshake: " + ec.message());
  }
  net::Millis command_timeout(options_.command_timeout_ms);
  Result<SmtpReply> greeting = co_await ReadReply(command_timeout);
  if (!greeting.ok()) co_return greeting.error();
  if (greeting->code != 220) co_return Fail(ErrorCode::kUnavailable, "smtp greeting: " + greeting->Summary());
  Status s = co_await Ehlo();
  if (s.ok() && options_.tls == "starttls") s = co_await StartTls();
  if (s.ok() && !options_.user.empty()) s = co_await Authenticate();
  if (!s.ok()) co_return s;
  open_ = true;
  co_return OkStatus();
}

net::Awaitable<Status> SmtpClient::Transaction(const OutgoingMail& mail) {
  net::Millis timeout(options_.command_timeout_ms);
  std::string mail_from = "MAIL FROM:<" + mail.from + ">";
  Result<SmtpReply> reply = co_await Command(std::move(mail_from), timeout);
  if (!reply.ok()) co_return reply.error();
  if (!reply->positive()) co_return MakeError(ErrorCode::kUnavailable, "smtp MAIL: " + reply->Summary());
  int accepted = 0;
  std::string refusal;
  for (const std::string& rcpt : mail.to) {
    std::string rcpt_to = "RCPT TO:<" + rcpt + ">";
    reply = co_await Command(std::move(rcpt_to), timeout);
    if (!reply.ok()) co_return reply.error();
    if (reply->positive()) {
      ++accepted;
    } else {
      refusal = reply->Summary();
      if (reply->transient()) co_return MakeError(ErrorCode::kUnavailable, "smtp RCPT: " + refusal);
    }
  }
  if (accepted == 0) co_return MakeError(ErrorCode::kInvalidArgument, "smtp RCPT: " + refusal);
  std::string data = "DATA";
  reply = co_await Command(std::move(data), timeout);
  if (!reply.ok()) co_return reply.error();
  if (reply->code != 354) co_return MakeError(ErrorCode::kUnavailable, "smtp DATA: " + reply->Summary());
  net::Millis data_timeout(options_.data_timeout_ms);
  std::string stuffed = DotStuff(mail.data);
  net::IoError ec = co_await stream_.WriteAll(stuffed, data_timeout);
  if (ec) co_return Fail(ErrorCode::kUnavailable, IoDetail("writing message", ec));
  reply = co_await ReadReply(data_timeout);
  if (!reply.ok()) co_return reply.error();
  if (reply->permanent()) co_return MakeError(ErrorCode::kInvalidArgument, "smtp end of data: " + reply->Summary());
  if (!reply->positive()) co_return MakeError(ErrorCode::kUnavailable, "smtp end of data: " + reply->Summary());
  co_return OkStatus();
}

net::Awaitable<Status> SmtpClient::Send(const OutgoingMail& mail) {
  if (!open_) co_return MakeError(ErrorCode::kUnavailable, "smtp: connection is not open");
  bool addresses_ok = IsSafeAddress(mail.from) && !mail.to.empty();
  for (const auto& rcpt : mail.to) addresses_ok = addresses_ok && IsSafeAddress(rcpt);
  if (!addresses_ok) co_return MakeError(ErrorCode::kInvalidArgument, "smtp: unusable envelope address");
  if (sent_ > 0) {
    std::string rset = "RSET";
    net::Millis timeout(options_.command_timeout_ms);
    Result<SmtpReply> reply = co_await Command(std::move(rset), timeout);
    if (!reply.ok()) co_return reply.error();
    if (!reply->positive()) co_return Fail(ErrorCode::kUnavailable, "smtp RSET: " + reply->Summary());
  }
  ++sent_;  // counts transactions begun, so the next one starts with RSET
  co_return co_await Transaction(mail);
}

net::Awaitable<void> SmtpClient::Quit() {
  if (open_) {
    // The reply does not matter: every message was accepted (or refused) before.
    std::string quit = "QUIT";
    net::Millis timeout(options_.command_timeout_ms);
    Result<SmtpReply> reply = co_await Command(std::move(quit), timeout);
    if (!reply.ok()) Log(LogLevel::kDebug, kComponent, "smtp QUIT failed", {{"error", reply.error().detail}});
  }
  stream_.Close();
  open_ = false;
}

}  // namespace fbl::notify
