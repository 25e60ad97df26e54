#include "server/network/tls_server.h"

// GCC 12 with sanitizers flags the operator delete of asio's coroutine frames
// as mismatched; it is a compiler false positive (the frame's own allocator
// pairs them), silenced for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "server/network/tls_session.h"
#include "shared/log_throttle.h"

namespace rectify {
namespace {

constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);

std::string EndpointText(const asio::ip::tcp::endpoint& ep) {
  const auto addr = ep.address();
  return (addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string()) + ":" +
         std::to_string(ep.port());
}

void LogToStderr(const std::string& line) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::cerr << line << std::endl;
}

}  // namespace

class TlsServer::Impl {
 public:
  Impl(TlsServerOptions options, protocol::HandlerFactory factory,
       std::shared_ptr<asio::ssl::context> ctx)
      : options_(std::move(options)), factory_(std::move(factory)), ctx_(std::move(ctx)) {
    if (!options_.log) options_.log = LogToStderr;
    env_.options = &options_;
    env_.factory = &factory_;
    env_.log = options_.log;
    env_.on_finish = [this](uint64_t id) {
      std::lock_guard<std::mutex> lock(mu_);
      sessions_.erase(id);
      --active_;
    };
  }

  Status Start() {
    if (started_) return Status::FailedPrecondition("server already started");
    asio::error_code ec;
    asio::ip::tcp::resolver resolver(io_);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port),
                                    asio::ip::tcp::resolver::passive, ec);
    if (ec || results.empty())
      return Status::InvalidArgument("cannot resolve listen address " + options_.host + ": " +
                                     ec.message());
    const asio::ip::tcp::endpoint ep = results.begin()->endpoint();
    if (acceptor_.open(ep.protocol(), ec); ec) return BindError(ec);
    if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec); ec) return BindError(ec);
    if (acceptor_.bind(ep, ec); ec) return BindError(ec);
    if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) return BindError(ec);
    port_ = acceptor_.local_endpoint(ec).port();
    started_ = true;
    asio::co_spawn(io_, AcceptLoop(), [](std::exception_ptr) {});
    const int n = std::max(1, options_.threads);
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { io_.run(); });
    return Status::OK();
  }

  void Stop() {
    if (stopped_.exchange(true) || !started_) return;
    asio::post(io_, [this] {
      asio::error_code ignored;
      acceptor_.close(ignored);
    });
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [id, weak] : sessions_)
        if (auto s = weak.lock()) s->Close("server stopping");
    }
    // Sessions unwind on their own once their sockets close; the threads
    // return when no work is left.
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  uint16_t port() const { return port_; }
  size_t active() const { return active_; }

 private:
  Status BindError(const asio::error_code& ec) {
    return Status::IOError("cannot listen on " + options_.host + ":" +
                           std::to_string(options_.port) + ": " + ec.message());
  }

  asio::awaitable<void> AcceptLoop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), kNoThrow);
      if (stopped_ || !acceptor_.is_open()) break;
      if (ec) {
        // Out of descriptors and the like: say so and keep serving the others.
        options_.log("accept failed: " + ec.message());
        asio::steady_timer pause(io_, std::chrono::milliseconds(50));
        co_await pause.async_wait(kNoThrow);
        continue;
      }
      asio::error_code ignored;
      const std::string peer = EndpointText(socket.remote_endpoint(ignored));
      if (active_ >= options_.max_connections) {
        // Once per address, not once per attempt (docs/security.md).
        const auto from = socket.remote_endpoint(ignored).address().to_string();
        if (refusals_.First(from))
          options_.log("refused connection peer=" + peer + " outcome=\"max_connections (" +
                       std::to_string(options_.max_connections) +
                       ") reached\" (further refusals of this address are not logged)");
        socket.close(ignored);
        continue;
      }
      asio::ip::tcp::socket plain(std::move(socket));
      auto session = std::make_shared<TlsSession>(std::move(plain), *ctx_, env_, next_id_, peer);
      {
        // Checked under the lock Stop() takes, so no session escapes its sweep.
        std::lock_guard<std::mutex> lock(mu_);
        if (stopped_) break;
        sessions_[next_id_++] = session;
        ++active_;
      }
      session->Start();
    }
  }

  TlsServerOptions options_;
  protocol::HandlerFactory factory_;
  std::shared_ptr<asio::ssl::context> ctx_;
  SessionEnv env_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_{io_};
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::map<uint64_t, std::weak_ptr<TlsSession>> sessions_;
  uint64_t next_id_ = 1;
  LogThrottle refusals_;
  std::atomic<size_t> active_{0};
  std::atomic<bool> stopped_{false};
  bool started_ = false;
  uint16_t port_ = 0;
};

Result<std::unique_ptr<TlsServer>> TlsServer::Create(TlsServerOptions options,
                                                     protocol::HandlerFactory factory) {
  if (!factory) return Status::InvalidArgument("TlsServer needs a handler factory");
  auto ctx = MakeServerTlsContext(options.tls);
  if (!ctx.ok()) return ctx.status();
  return std::unique_ptr<TlsServer>(
      new TlsServer(std::make_unique<Impl>(std::move(options), std::move(factory), *ctx)));
}

TlsServer::TlsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsServer::~TlsServer() { Stop(); }
Status TlsServer::Start() { return impl_->Start(); }
void TlsServer::Stop() { impl_->Stop(); }
uint16_t TlsServer::port() const { return impl_->port(); }
size_t TlsServer::active_connections() const { return impl_->active(); }

}  // namespace rectify
