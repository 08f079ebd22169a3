#include "fbl/notify/webhook.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "fbl/net/tls.h"

namespace fbl::notify {

namespace http = boost::beast::http;

Result<WebhookUrl> ParseWebhookUrl(std::string_view url) {
  WebhookUrl out;
  std::string_view rest;
  if (url.rfind("https://", 0) == 0) {
    out.tls = true;
    out.port = 443;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return MakeError(ErrorCode::kInvalidArgument, "webhook URL must start with http:// or https://");
  }
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) out.target = std::string(rest.substr(slash));
  std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    std::string port(authority.substr(colon + 1));
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) == 0 || std::stoi(port) > 65535) {
      return MakeError(ErrorCode::kInvalidArgument, "bad port in webhook URL");
    }
    out.port = static_cast<std::uint16_t>(std::stoi(port));
    authority = authority.substr(0, colon);
  }
  out.host = std::string(authority);
  if (out.host.empty() || out.host.find_first_of("@ \r\n\t") != std::string::npos ||
      out.target.find_first_of(" \r\n\t") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "bad host or path in webhook URL");
  }
  return out;
}

Result<std::string> WebhookBody(const OutboxItem& row) {
  nlohmann::json event = nlohmann::json::parse(row.payload_json, nullptr, false);
  if (!event.is_object()) return MakeError(ErrorCode::kMalformed, "payload is not a JSON object");
  nlohmann::json body = {{"message_id", row.message_id},
                         {"kind", row.kind},
                         {"client_id", row.client_id ? nlohmann::json(*row.client_id) : nlohmann::json()},
                         {"created_at", row.created_at},
                         {"event", std::move(event)}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string WebhookSignature(std::string_view secret, long long timestamp, std::string_view body) {
  std::string data = std::to_string(timestamp) + "." + std::string(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

namespace {

std::string SerializeRequest(const WebhookUrl& url, const WebhookRequest& r) {
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.host);
  req.set(http::field::user_agent, "fbl-notify");
  req.set(http::field::content_type, "application/json");
  req.set("X-FBL-Timestamp", std::to_string(r.timestamp));
  req.set("X-FBL-Signature", WebhookSignature(r.secret, r.timestamp, r.body));
  req.set("X-FBL-Message-ID", r.message_id);
  req.set(http::field::connection, "close");
  req.body() = r.body;
  req.prepare_payload();
  std::ostringstream out;
  out << req;
  return out.str();
}

Status StatusFor(unsigned code) {
  if (code >= 200 && code < 300) return OkStatus();
  std::string detail = "webhook answered HTTP " + std::to_string(code);
  bool permanent = code >= 400 && code < 500 && code != 408 && code != 429;
  return MakeError(permanent ? ErrorCode::kInvalidArgument : ErrorCode::kUnavailable, detail);
}

}  // namespace

net::Awaitable<Status> PostWebhook(boost::asio::any_io_executor executor,
                                   const WebhookOptions& options, WebhookRequest request) {
  Result<WebhookUrl> url = ParseWebhookUrl(request.url);
  if (!url.ok()) co_return url.error();
  net::TlsClientOptions tls_options{options.ca_file, !options.verify_peer};
  std::shared_ptr<net::TlsContext> tls;
  if (url->tls) {
    Result<std::shared_ptr<net::TlsContext>> ctx = net::MakeTlsClientContext(tls_options);
    if (!ctx.ok()) co_return ctx.error();
    tls = ctx.value();
  }
  net::TimedStream stream(executor, tls);
  net::Millis timeout(options.timeout_ms);
  // Every argument of a co_await is a named object: g++ 12 destroys some temporaries of a
  // co_await full-expression twice.
  std::string host = url->host;
  net::IoError ec = co_await stream.Connect(host, url->port, timeout);
  if (!ec && url->tls) {
    std::string tls_host = url->host;
    std::string component = "notify";
    ec = co_await stream.StartTls(std::move(tls_host), tls_options, std::move(component), timeout);
  }
  std::string wire = SerializeRequest(url.value(), request);
  if (!ec) ec = co_await stream.WriteAll(wire, timeout);
  http::response_parser<http::string_body> parser;
  parser.body_limit(options.max_response_bytes);
  parser.header_limit(16 * 1024);
  std::string data;
  while (!ec && !parser.is_done()) {
    ec = co_await stream.ReadSome(&data, 16 * 1024, timeout);
    if (ec == boost::asio::error::eof) {
      parser.put_eof(ec);
      break;
    }
    if (ec) break;
    while (!data.empty() && !parser.is_done()) {
      boost::beast::error_code pec;
      std::size_t used = parser.put(boost::asio::buffer(data), pec);
      if (pec == http::error::need_more) break;
      if (pec) {
        ec = pec;
        break;
      }
      data.erase(0, used);
    }
  }
  stream.Close();
  if (!parser.is_header_done()) {
    co_return MakeError(ErrorCode::kUnavailable,
                        "webhook " + url->host + ": " + (ec ? ec.message() : std::string("no response")));
  }
  co_return StatusFor(parser.get().result_int());
}

}  // namespace fbl::notify
