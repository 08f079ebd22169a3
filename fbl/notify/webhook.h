// Webhook notifications: one JSON POST per outbox row over HTTP or HTTPS (Boost.Beast
// serialisation and parsing on a net::TimedStream), signed with HMAC-SHA256:
//   X-FBL-Timestamp: <unix seconds>
//   X-FBL-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//   X-FBL-Message-ID: <the row's stable id>   (a resend carries the same id)
// The receiver recomputes the HMAC, compares in constant time and rejects old timestamps.
#pragma once

#include "fbl/net/coro.h"  // keep first: Boost.Asio configuration

#include <boost/asio/any_io_executor.hpp>

#include <string>

#include "fbl/net/timed_stream.h"
#include "fbl/notify/notify_options.h"
#include "parsers/result.h"
#include "store/store.h"

namespace fbl::notify {

struct WebhookUrl {
  bool tls = false;
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";  // path and query
};
// http://host[:port][/path] or https://...; kInvalidArgument otherwise.
Result<WebhookUrl> ParseWebhookUrl(std::string_view url);

// {"message_id", "kind", "client_id", "created_at", "event": <payload object>}.
Result<std::string> WebhookBody(const OutboxItem& row);

// "sha256=" + hex HMAC-SHA256(secret, timestamp "." body).
std::string WebhookSignature(std::string_view secret, long long timestamp, std::string_view body);

struct WebhookRequest {
  std::string url;
  std::string secret;
  std::string body;
  std::string message_id;
  long long timestamp = 0;
};

// ok on 2xx; kInvalidArgument on a permanent refusal (4xx other than 408 and 429) or a bad URL;
// kUnavailable for everything worth retrying (network, TLS, timeouts, 408, 429, 5xx).
net::Awaitable<Status> PostWebhook(boost::asio::any_io_executor executor,
                                   const WebhookOptions& options, WebhookRequest request);

}  // namespace fbl::notify
