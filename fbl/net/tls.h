// TLS for every outbound client (IMAP, SMTP, webhooks): one way to build a client context and
// to prepare a stream, so that certificate and host-name verification are on unless a user
// turned them off explicitly — and then every connection says so in the log.
#pragma once

#include "fbl/net/coro.h"  // keep first: Boost.Asio configuration

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "parsers/result.h"

namespace fbl::net {

struct TlsClientOptions {
  std::string ca_file;                // PEM bundle to trust; "" = the system trust store
  bool insecure_skip_verify = false;  // accept any certificate and name (logs a warning)
};

using TlsContext = boost::asio::ssl::context;
using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

// A client context: TLS 1.2 or later, peer verification against `ca_file` or the system
// store (unless insecure_skip_verify). Returns kIo when the CA file cannot be loaded.
Result<std::shared_ptr<TlsContext>> MakeTlsClientContext(const TlsClientOptions& options);

// Prepares `stream` for a client handshake with `host`: SNI (for names, not IP literals) and,
// unless insecure, the expected name or IP address checked against the certificate
// (SSL_set1_host / X509_VERIFY_PARAM_set1_ip_asc). When insecure, logs a warning naming
// `component` and `host` — call it for every connection.
Status PrepareTlsClient(TlsStream& stream, std::string_view host, const TlsClientOptions& options,
                        std::string_view component);

// Why the last handshake on `stream` failed verification ("" when verification passed):
// e.g. "certificate verify failed: hostname mismatch".
std::string TlsVerifyFailure(TlsStream& stream);

}  // namespace fbl::net
