#include "fbl/net/tls.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>

#include "fbl/log/log.h"

namespace fbl::net {

namespace ssl = boost::asio::ssl;

Result<std::shared_ptr<TlsContext>> MakeTlsClientContext(const TlsClientOptions& options) {
  auto ctx = std::make_shared<TlsContext>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (ec) return MakeError(ErrorCode::kInternal, "TLS options: " + ec.message());
  if (options.insecure_skip_verify) {
    ctx->set_verify_mode(ssl::verify_none, ec);
    return ctx;
  }
  if (options.ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->load_verify_file(options.ca_file, ec);
  }
  if (ec) {
    return MakeError(ErrorCode::kIo, "cannot load CA " +
                                         (options.ca_file.empty() ? std::string("system store")
                                                                  : options.ca_file) +
                                         ": " + ec.message());
  }
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (ec) return MakeError(ErrorCode::kInternal, "TLS verify mode: " + ec.message());
  return ctx;
}

Status PrepareTlsClient(TlsStream& stream, std::string_view host, const TlsClientOptions& options,
                        std::string_view component) {
  SSL* ssl_handle = stream.native_handle();
  std::string host_str(host);
  boost::system::error_code ec;
  boost::asio::ip::make_address(host_str, ec);
  bool is_ip = !ec;
  if (!is_ip && SSL_set_tlsext_host_name(ssl_handle, host_str.c_str()) != 1) {
    return MakeError(ErrorCode::kInvalidArgument, "cannot set SNI for host");
  }
  if (options.insecure_skip_verify) {
    stream.set_verify_mode(ssl::verify_none, ec);
    Log(LogLevel::kWarn, component,
        "TLS certificate verification is DISABLED (insecure_skip_verify)", {{"host", host}});
    return OkStatus();
  }
  stream.set_verify_mode(ssl::verify_peer, ec);
  if (ec) return MakeError(ErrorCode::kInternal, "TLS verify mode: " + ec.message());
  if (is_ip) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host_str.c_str()) != 1) {
      return MakeError(ErrorCode::kInvalidArgument, "cannot set expected IP address");
    }
    return OkStatus();
  }
  SSL_set_hostflags(ssl_handle, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (SSL_set1_host(ssl_handle, host_str.c_str()) != 1) {
    return MakeError(ErrorCode::kInvalidArgument, "cannot set expected host name");
  }
  return OkStatus();
}

std::string TlsVerifyFailure(TlsStream& stream) {
  long result = SSL_get_verify_result(stream.native_handle());
  if (result == X509_V_OK) return "";
  return std::string("certificate verify failed: ") + X509_verify_cert_error_string(result);
}

}  // namespace fbl::net
