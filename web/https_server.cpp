#include "web/https_server.h"

#include <openssl/ssl.h>

#include <thread>

#include <restinio/all.hpp>
#include <restinio/tls.hpp>

#include "web/restinio_bridge.h"

namespace rectify::web {

namespace {

using Traits = restinio::tls_traits_t<restinio::asio_timer_manager_t, restinio::null_logger_t>;
using Server = restinio::http_server_t<Traits>;

class HttpsServerImpl final : public HttpsServer {
 public:
  explicit HttpsServerImpl(std::unique_ptr<Server> server) : server_(std::move(server)) {}
  ~HttpsServerImpl() override {
    try {
      server_->close_sync();
    } catch (...) {
      // Closing a listener that failed to open: nothing left to release.
    }
  }

 private:
  std::unique_ptr<Server> server_;
};

}  // namespace

Result<std::unique_ptr<HttpsServer>> HttpsServer::Start(asio::io_context& io,
                                                        HttpsOptions options, Handler handler) {
  if (options.port == 0) return Status::InvalidArgument("the console needs a port");
  asio::ssl::context tls(asio::ssl::context::tls_server);
  SSL_CTX* ctx = tls.native_handle();
  // TLS 1.3 only (docs/design.md §6), like the sync port.
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1)
    return Status::Internal("cannot restrict the console to TLS 1.3");
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str()) != 1)
    return Status::InvalidArgument("console certificate " + options.cert_file +
                                   " cannot be loaded");
  if (SSL_CTX_use_PrivateKey_file(ctx, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1)
    return Status::InvalidArgument("console key " + options.key_file +
                                   " cannot be loaded or does not match the certificate");

  auto settings = restinio::server_settings_t<Traits>{};
  settings.address(options.host)
      .port(options.port)
      .max_pipelined_requests(1)
      .read_next_http_message_timelimit(std::chrono::milliseconds(options.read_timeout_ms))
      .handle_request_timeout(std::chrono::milliseconds(options.handle_timeout_ms))
      .incoming_http_msg_limits(
          restinio::incoming_http_msg_limits_t{}.max_body_size(options.max_body_bytes))
      .tls_context(std::move(tls))
      .request_handler(internal::Adapt(std::move(handler)));
  try {
    auto server = std::make_unique<Server>(restinio::external_io_context(io), std::move(settings));
    server->open_sync();
    return std::unique_ptr<HttpsServer>(std::make_unique<HttpsServerImpl>(std::move(server)));
  } catch (const std::exception& e) {
    return Status::Unavailable("console cannot listen on " + options.host + ":" +
                               std::to_string(options.port) + ": " + e.what());
  }
}

namespace {

class HttpsServiceImpl final : public HttpsService {
 public:
  ~HttpsServiceImpl() override {
    io_.stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }
  asio::io_context io_;
  std::unique_ptr<HttpsServer> server_;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<HttpsService>> HttpsService::Start(HttpsOptions options,
                                                          Handler handler) {
  auto svc = std::make_unique<HttpsServiceImpl>();
  auto server = HttpsServer::Start(svc->io_, std::move(options), std::move(handler));
  if (!server.ok()) return server.status();
  svc->server_ = std::move(*server);
  svc->thread_ = std::thread([io = &svc->io_] {
    auto guard = asio::make_work_guard(*io);
    io->run();
  });
  return std::unique_ptr<HttpsService>(std::move(svc));
}

}  // namespace rectify::web
