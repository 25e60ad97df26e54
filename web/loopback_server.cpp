#include "web/loopback_server.h"

#include <atomic>
#include <thread>

#include <restinio/all.hpp>

#include "web/restinio_bridge.h"

namespace rectify::web {

namespace {

using Traits = restinio::traits_t<restinio::asio_timer_manager_t, restinio::null_logger_t>;
using Server = restinio::http_server_t<Traits>;

class LoopbackImpl final : public LoopbackHttpService {
 public:
  ~LoopbackImpl() override {
    if (server_) {
      try {
        server_->close_sync();
      } catch (...) {
        // Closing a listener that failed to open: nothing left to release.
      }
    }
    io_.stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }
  uint16_t port() const override { return port_; }

  asio::io_context io_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::atomic<uint16_t> port_{0};
};

}  // namespace

Result<std::unique_ptr<LoopbackHttpService>> LoopbackHttpService::Start(LoopbackOptions options,
                                                                        Handler handler) {
  auto svc = std::make_unique<LoopbackImpl>();
  LoopbackImpl* raw = svc.get();
  auto settings = restinio::server_settings_t<Traits>{};
  settings.address("127.0.0.1")
      .port(options.port)
      .max_pipelined_requests(1)
      .read_next_http_message_timelimit(std::chrono::milliseconds(options.read_timeout_ms))
      .handle_request_timeout(std::chrono::milliseconds(options.handle_timeout_ms))
      .incoming_http_msg_limits(
          restinio::incoming_http_msg_limits_t{}.max_body_size(options.max_body_bytes))
      .acceptor_post_bind_hook([raw](asio::ip::tcp::acceptor& acceptor) {
        raw->port_ = acceptor.local_endpoint().port();
      })
      .request_handler(internal::Adapt(std::move(handler)));
  try {
    svc->server_ =
        std::make_unique<Server>(restinio::external_io_context(svc->io_), std::move(settings));
    svc->server_->open_sync();
  } catch (const std::exception& e) {
    svc->server_.reset();
    return Status::Unavailable("cannot listen on 127.0.0.1:" + std::to_string(options.port) + ": " +
                               e.what());
  }
  svc->thread_ = std::thread([io = &svc->io_] {
    auto guard = asio::make_work_guard(*io);
    io->run();
  });
  return std::unique_ptr<LoopbackHttpService>(std::move(svc));
}

namespace {
bool NamesLoopback(std::string_view authority, uint16_t port) {
  const std::string p = ":" + std::to_string(port);
  for (std::string_view name : {std::string_view("127.0.0.1"), std::string_view("localhost")}) {
    if (authority.size() == name.size() + p.size() &&
        EqualsIgnoreCase(authority.substr(0, name.size()), name) &&
        authority.substr(name.size()) == p)
      return true;
  }
  return false;
}
}  // namespace

bool IsLoopbackHost(std::string_view host, uint16_t port) { return NamesLoopback(host, port); }

bool IsLoopbackOrigin(std::string_view origin, uint16_t port) {
  constexpr std::string_view kScheme = "http://";
  if (origin.size() <= kScheme.size() ||
      !EqualsIgnoreCase(origin.substr(0, kScheme.size()), kScheme))
    return false;
  return NamesLoopback(origin.substr(kScheme.size()), port);
}

}  // namespace rectify::web
