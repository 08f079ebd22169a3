#include "fbl/sources/imap_client.h"

#include "fbl/log/log.h"

namespace fbl::imap {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

ParserLimits LimitsFor(const ImapSourceOptions& o) {
  ParserLimits l;
  l.max_line_bytes = o.max_line_bytes;
  l.max_literal_bytes = o.max_message_bytes + 64 * 1024;  // RFC822.SIZE may differ slightly
  l.max_response_bytes = l.max_literal_bytes + o.max_line_bytes;
  return l;
}

Error Unavailable(std::string_view what, const net::IoError& ec) {
  if (ec == asio::error::timed_out) {
    return MakeError(ErrorCode::kUnavailable, std::string(what) + ": timed out");
  }
  return MakeError(ErrorCode::kUnavailable, std::string(what) + ": " + ec.message());
}

Millis Remaining(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
  return std::max(left, Millis(1));
}

}  // namespace

#define FBL_CO_TRY(expr)                      \
  do {                                        \
    Status fbl_status_ = (expr);              \
    if (!fbl_status_.ok()) co_return fbl_status_.error(); \
  } while (0)

ImapClient::ImapClient(asio::any_io_executor executor, const ImapSourceOptions& options,
                       std::shared_ptr<net::TlsContext> tls)
    : options_(options), stream_(executor, std::move(tls)), parser_(LimitsFor(options)) {}

std::string ImapClient::NextTag() { return "f" + std::to_string(++tag_counter_); }

void ImapClient::Close() { stream_.Close(); }

Status ImapClient::Track(const Response& r) {
  UpdateCapabilities(r, &caps_);
  if (r.kind == Response::Kind::kUntagged && r.name == "EXISTS" && r.number) {
    exists_ = *r.number;
    new_mail_ = true;
  }
  if (r.kind == Response::Kind::kUntagged && r.name == "BYE") {
    return MakeError(ErrorCode::kUnavailable, "server closed the session: " + Sanitize(r.text, 200));
  }
  return OkStatus();
}

Awaitable<Result<Response>> ImapClient::ReadResponse(Deadline deadline, bool* timed_out) {
  if (timed_out) *timed_out = false;
  for (;;) {
    if (auto r = parser_.Next()) co_return std::move(*r);
    read_buffer_.clear();
    net::IoError ec = co_await stream_.ReadSome(&read_buffer_, 64 * 1024, Remaining(deadline));
    if (ec) {
      if (timed_out && ec == asio::error::timed_out) *timed_out = true;
      co_return Unavailable("reading from server", ec);
    }
    parser_.Feed(read_buffer_);
  }
}

Awaitable<Status> ImapClient::Write(std::string_view data, Millis timeout) {
  net::IoError ec = co_await stream_.WriteAll(data, timeout);
  if (ec) co_return Unavailable("writing to server", ec);
  co_return OkStatus();
}

Awaitable<Status> ImapClient::Open() {
  Millis timeout(options_.connect_timeout_ms);
  std::string host = options_.host;
  net::IoError ec =
      co_await stream_.Connect(host, static_cast<std::uint16_t>(options_.port), timeout);
  if (ec) co_return Unavailable("connecting", ec);
  if (options_.tls == "implicit") {
    // Named arguments: g++ 12 may destroy braced temporaries in a co_await twice.
    net::TlsClientOptions tls{options_.ca_file, options_.insecure_skip_verify};
    std::string host = options_.host;
    std::string component = "imap";
    ec = co_await stream_.StartTls(host, tls, component, timeout);
    if (ec) co_return MakeError(ErrorCode::kUnavailable, "TLS: " + stream_.tls_failure());
  }
  FBL_CO_TRY(co_await Greeting());
  if (options_.tls == "starttls") FBL_CO_TRY(co_await StartTls());
  if (!caps_.known) FBL_CO_TRY(co_await RefreshCapabilities());
  FBL_CO_TRY(co_await Authenticate());
  // Capabilities may change after login; the tagged OK usually carries the new list.
  co_return OkStatus();
}

Awaitable<Status> ImapClient::Greeting() {
  Result<Response> r = co_await ReadResponse(Clock::now() + Millis(options_.connect_timeout_ms));
  if (!r.ok()) co_return r.error();
  if (r->kind != Response::Kind::kUntagged || (r->name != "OK" && r->name != "PREAUTH")) {
    co_return MakeError(ErrorCode::kUnavailable, "server refused the connection: " +
                                                     Sanitize(r->name + " " + r->text, 200));
  }
  if (r->name == "PREAUTH") {
    co_return MakeError(ErrorCode::kConflict, "PREAUTH greeting: refusing an unauthenticated login path");
  }
  UpdateCapabilities(*r, &caps_);
  co_return OkStatus();
}

Awaitable<Status> ImapClient::StartTls() {
  if (!caps_.known) FBL_CO_TRY(co_await RefreshCapabilities());
  if (!caps_.starttls) {
    co_return MakeError(ErrorCode::kConflict, "server does not offer STARTTLS (refusing plaintext)");
  }
  FBL_CO_TRY(co_await CommandOk("STARTTLS", Millis(options_.command_timeout_ms), "STARTTLS"));
  if (parser_.buffered() != 0) {
    co_return MakeError(ErrorCode::kMalformed, "plaintext after STARTTLS (injection attempt?)");
  }
  net::TlsClientOptions tls{options_.ca_file, options_.insecure_skip_verify};
  std::string host = options_.host;
  std::string component = "imap";
  net::IoError ec = co_await stream_.StartTls(host, tls, component,
                                              Millis(options_.connect_timeout_ms));
  if (ec) co_return MakeError(ErrorCode::kUnavailable, "TLS: " + stream_.tls_failure());
  caps_ = Capabilities();  // anything learned before TLS is not trusted
  co_return OkStatus();
}

Awaitable<Status> ImapClient::RefreshCapabilities() {
  FBL_CO_TRY(co_await CommandOk("CAPABILITY", Millis(options_.command_timeout_ms), "CAPABILITY"));
  if (!caps_.known) co_return MakeError(ErrorCode::kMalformed, "no CAPABILITY response");
  co_return OkStatus();
}

Awaitable<Status> ImapClient::Authenticate() {
  Millis timeout(options_.command_timeout_ms);
  bool plain = options_.auth == "plain" || (options_.auth == "auto" && caps_.auth_plain);
  Result<Response> r = MakeError(ErrorCode::kInternal, "no authentication attempted");
  if (plain) {
    std::string ir = SaslPlain(options_.user, options_.password);
    if (caps_.sasl_ir) {
      r = co_await Command("AUTHENTICATE PLAIN " + ir, timeout);
    } else {
      UntaggedHandler none;
      r = co_await Command("AUTHENTICATE PLAIN", timeout, none, ir);
    }
  } else {
    if (caps_.login_disabled) co_return MakeError(ErrorCode::kConflict, "server disabled LOGIN");
    Result<std::string> user = Quote(options_.user);
    Result<std::string> password = Quote(options_.password);
    if (!user.ok() || !password.ok()) {
      co_return MakeError(ErrorCode::kInvalidArgument,
                          "user or password needs AUTHENTICATE PLAIN (8-bit or control bytes)");
    }
    r = co_await Command("LOGIN " + *user + " " + *password, timeout);
  }
  if (!r.ok()) co_return r.error();
  if (r->name != "OK") {
    co_return MakeError(ErrorCode::kConflict, "login refused: " + Sanitize(r->text, 200));
  }
  if (r->code != "CAPABILITY") FBL_CO_TRY(co_await RefreshCapabilities());
  co_return OkStatus();
}

Awaitable<Result<Response>> ImapClient::Command(std::string command, Millis timeout,
                                                const UntaggedHandler& on_untagged,
                                                std::string continuation) {
  Deadline deadline = Clock::now() + timeout;
  std::string tag = NextTag();
  FBL_CO_TRY(co_await Write(tag + " " + command + "\r\n", timeout));
  for (;;) {
    Result<Response> r = co_await ReadResponse(deadline);
    if (!r.ok()) co_return r.error();
    FBL_CO_TRY(Track(*r));
    switch (r->kind) {
      case Response::Kind::kTagged:
        if (r->tag != tag) {
          co_return MakeError(ErrorCode::kMalformed, "answer for an unknown tag");
        }
        co_return std::move(r).value();
      case Response::Kind::kContinuation:
        if (continuation.empty()) {
          co_return MakeError(ErrorCode::kMalformed, "unexpected continuation request");
        }
        FBL_CO_TRY(co_await Write(continuation + "\r\n", Remaining(deadline)));
        continuation.clear();
        break;
      case Response::Kind::kUntagged:
        if (on_untagged) FBL_CO_TRY(on_untagged(std::move(r).value()));
        break;
    }
  }
}

Awaitable<Status> ImapClient::CommandOk(std::string command, Millis timeout, std::string_view what,
                                        const UntaggedHandler& on_untagged) {
  Result<Response> r = co_await Command(std::move(command), timeout, on_untagged);
  if (!r.ok()) co_return r.error();
  if (r->name != "OK") {
    co_return MakeError(ErrorCode::kConflict, std::string(what) + " refused: " + r->name + " " +
                                                  Sanitize(r->text, 200));
  }
  co_return OkStatus();
}

Awaitable<Result<bool>> ImapClient::Idle(Millis duration) {
  Millis timeout(options_.command_timeout_ms);
  Deadline started = Clock::now();
  std::string tag = NextTag();
  FBL_CO_TRY(co_await Write(tag + " IDLE\r\n", timeout));
  bool changed = false;
  bool idling = false;
  bool done_sent = false;
  for (;;) {
    bool timed_out = false;
    Deadline deadline = idling && !done_sent ? started + duration : Clock::now() + timeout;
    Result<Response> r = co_await ReadResponse(deadline, &timed_out);
    if (!r.ok() && !(timed_out && idling && !done_sent)) co_return r.error();
    if (r.ok()) FBL_CO_TRY(Track(*r));
    if (r.ok() && r->kind == Response::Kind::kTagged) {
      if (r->tag != tag) co_return MakeError(ErrorCode::kMalformed, "answer for an unknown tag");
      if (r->name != "OK") {
        co_return MakeError(ErrorCode::kConflict, "IDLE refused: " + Sanitize(r->text, 200));
      }
      co_return changed;
    }
    if (r.ok() && r->kind == Response::Kind::kContinuation) idling = true;
    if (r.ok() && r->kind == Response::Kind::kUntagged && r->name == "EXISTS") changed = true;
    if (idling && !done_sent && (changed || timed_out)) {
      FBL_CO_TRY(co_await Write("DONE\r\n", timeout));
      done_sent = true;
    }
  }
}

Awaitable<void> ImapClient::Logout() {
  if (stream_.is_open()) {
    Result<Response> r = co_await Command("LOGOUT", Millis(std::min(options_.command_timeout_ms, 5000)));
    (void)r;  // the connection is closed either way
  }
  Close();
}

}  // namespace fbl::imap
