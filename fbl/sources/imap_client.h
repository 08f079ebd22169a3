// One IMAP connection: TCP + TLS (implicit or STARTTLS, verified unless the user turned it
// off), greeting, CAPABILITY, authentication, then tagged commands. The session moves bytes
// and applies deadlines; parsing and interpretation are the pure imap_parser / imap_protocol.
// Every command has a deadline for its whole answer: a server that stops answering ends the
// command with a kUnavailable error, never a hang.
//
// Coroutine API; not thread-safe (one coroutine at a time, on the io_context's thread).
#pragma once

#include "fbl/net/coro.h"  // keep first: Boost.Asio configuration

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "fbl/net/timed_stream.h"
#include "fbl/sources/imap_parser.h"
#include "fbl/sources/imap_protocol.h"
#include "fbl/sources/source_options.h"
#include "parsers/result.h"

namespace fbl::imap {

using net::Awaitable;
using Millis = std::chrono::milliseconds;

class ImapClient {
 public:
  // Untagged responses seen while a command runs; an error aborts the command (and the
  // connection must be closed).
  using UntaggedHandler = std::function<Status(Response&&)>;

  // REQUIRES: options outlive the client. `tls` from net::MakeTlsClientContext.
  ImapClient(boost::asio::any_io_executor executor, const ImapSourceOptions& options,
             std::shared_ptr<net::TlsContext> tls);

  // Connects, starts TLS, reads the greeting and logs in. Errors: kUnavailable (network,
  // timeout, TLS handshake or certificate refused — the detail says which), kConflict
  // (credentials refused), kMalformed / kLimitExceeded (the server's bytes).
  Awaitable<Status> Open();

  // Sends "<tag> <command>" and reads until the tagged answer, which is returned whatever its
  // status (OK/NO/BAD). `continuation` is sent once when the server asks "+" for it.
  Awaitable<Result<Response>> Command(std::string command, Millis timeout,
                                      const UntaggedHandler& on_untagged = {},
                                      std::string continuation = "");
  // Same; a NO/BAD answer becomes kConflict naming `what`.
  Awaitable<Status> CommandOk(std::string command, Millis timeout, std::string_view what,
                              const UntaggedHandler& on_untagged = {});

  // IDLE (RFC 2177) until the server reports new mail (EXISTS) or `duration` passes, then
  // DONE. Returns true iff new mail was reported. REQUIRES: capabilities().idle.
  Awaitable<Result<bool>> Idle(Millis duration);

  // LOGOUT, then close. Errors are ignored: the connection is going anyway.
  Awaitable<void> Logout();
  // Closes the socket now: a pending operation ends with an error. Safe to call any time.
  void Close();

  const Capabilities& capabilities() const { return caps_; }
  std::uint32_t exists() const { return exists_; }
  // True iff the server announced new mail (an untagged EXISTS, in the answer to any command)
  // since the last call; clears the flag. Servers announce new mail once, at the end of
  // whatever command is running when it arrives, and not again at the next IDLE.
  bool TakeNewMail() { return std::exchange(new_mail_, false); }

 private:
  using Deadline = std::chrono::steady_clock::time_point;
  // `*timed_out` distinguishes reaching `deadline` from other failures.
  Awaitable<Result<Response>> ReadResponse(Deadline deadline, bool* timed_out = nullptr);
  Awaitable<Status> Write(std::string_view data, Millis timeout);
  Awaitable<Status> Greeting();
  Awaitable<Status> StartTls();
  Awaitable<Status> RefreshCapabilities();
  Awaitable<Status> Authenticate();
  Status Track(const Response& r);
  std::string NextTag();

  const ImapSourceOptions& options_;
  net::TimedStream stream_;
  ResponseParser parser_;
  Capabilities caps_;
  std::uint32_t exists_ = 0;
  bool new_mail_ = false;
  std::uint64_t tag_counter_ = 0;
  std::string read_buffer_;
};

}  // namespace fbl::imap
