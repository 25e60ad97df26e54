// One accepted TLS connection of TlsServer (private to server/). Runs three
// coroutines on one strand: the main flow (handshake, identity, reader), a
// writer draining the handler's output, and a watchdog enforcing deadlines
// and calling OnTick. Owned by shared_ptrs held by its own coroutines.
#pragma once

// A standard header before any asio one: asio 1.22 chooses its aligned
// allocator from libstdc++'s configuration macros, and every translation unit
// must choose the same (else coroutine frames are freed with the wrong
// deallocator, which ASan reports as alloc-dealloc-mismatch).
#include <cstddef>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "protocol/connection_handler.h"
#include "server/network/tls_server.h"

namespace rectify {

// What every session needs from its server; outlives all sessions.
struct SessionEnv {
  const TlsServerOptions* options = nullptr;
  const protocol::HandlerFactory* factory = nullptr;
  std::function<void(const std::string&)> log;
  std::function<void(uint64_t session_id)> on_finish;  // called exactly once
};

class TlsSession : public std::enable_shared_from_this<TlsSession> {
 public:
  // `socket` must use a strand executor: all members run on it.
  TlsSession(asio::ip::tcp::socket socket, asio::ssl::context& ctx, const SessionEnv& env,
             uint64_t id, std::string peer_address);
  void Start();
  // Closes the connection from any thread; `reason` becomes the outcome.
  void Close(std::string reason);

 private:
  using Clock = std::chrono::steady_clock;
  enum class Phase { kHandshake, kSession, kClosing };

  static asio::awaitable<void> Run(std::shared_ptr<TlsSession> self);
  static asio::awaitable<void> Writer(std::shared_ptr<TlsSession> self);
  static asio::awaitable<void> Watchdog(std::shared_ptr<TlsSession> self);
  asio::awaitable<bool> Authenticate();
  asio::awaitable<void> ReadLoop();
  asio::awaitable<void> GracefulClose();
  asio::awaitable<void> Linger();
  asio::awaitable<void> WaitForWriter();
  asio::awaitable<bool> WriteInSlices(const std::string& data);
  void CheckDeadlines();
  void Pump();
  void SetOutcome(std::string outcome);
  void CloseSocket();
  void Finish();
  int64_t ElapsedMs(Clock::time_point since) const;

  asio::ssl::stream<asio::ip::tcp::socket> stream_;
  const SessionEnv& env_;
  const uint64_t id_;
  protocol::PeerIdentity peer_;
  std::unique_ptr<protocol::ConnectionHandler> handler_;
  asio::steady_timer watchdog_timer_;
  asio::steady_timer writer_signal_;
  asio::steady_timer writer_exit_;
  asio::steady_timer reader_resume_;
  Phase phase_ = Phase::kHandshake;
  Clock::time_point start_;
  Clock::time_point last_activity_;  // last byte received or write slice completed
  Clock::time_point closing_deadline_;
  std::string outbox_;
  size_t unsent_ = 0;  // bytes the writer took from outbox_ and has not sent yet
  std::string outcome_;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
  bool done_ = false;
  bool closed_ = false;
  bool reading_ = false;
  bool writer_running_ = false;
  bool finished_ = false;
  bool lingering_ = false;  // GracefulClose is past close_notify
};

}  // namespace rectify
