// The TLS acceptor: drives one protocol::ConnectionHandler per connection
// over Asio + TLS 1.3 with mutual authentication (docs/security.md).
//
// Per connection: handshake (deadline) -> identity from the client
// certificate (shared/x509_identity.h) -> revocation check -> handler from
// the factory -> read -> OnBytes -> write TakeOutput(), a periodic OnTick,
// close when Done(). Deadlines: handshake, idle (no byte received), whole
// session. One log line per session, without key material.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "protocol/connection_handler.h"
#include "server/network/tls_context.h"
#include "shared/status.h"

namespace rectify {

struct TlsServerOptions {
  std::string host = "127.0.0.1";  // IP literal or resolvable name
  uint16_t port = 0;               // 0: an ephemeral port, see TlsServer::port()
  ServerTlsFiles tls;              // see DistrictTlsFiles()
  size_t max_connections = 512;    // further connections are closed at once and logged
  int64_t handshake_timeout_ms = 10'000;
  int64_t idle_timeout_ms = 60'000;        // nothing received, no write progress: close
  int64_t session_limit_ms = 30 * 60'000;  // a whole session, however busy
  int64_t tick_interval_ms = 250;          // OnTick period and deadline granularity
  int threads = 1;
  // Server-side revocation list; null means nothing is revoked. Called from
  // I/O threads: must be thread-safe.
  std::function<bool(const std::string& device_id)> is_revoked;
  // Receives one line per session and per refused connection; default: stderr.
  // Called from I/O threads: must be thread-safe.
  std::function<void(const std::string& line)> log;
};

// Thread-safe: Start, Stop, port and active_connections may be called from
// any thread except Stop, which must not be called from a handler or a log
// callback (it joins the I/O threads).
class TlsServer {
 public:
  // Loads the TLS files; nothing listens yet. `factory` must be thread-safe
  // when threads > 1 and outlive the server.
  static Result<std::unique_ptr<TlsServer>> Create(TlsServerOptions options,
                                                   protocol::HandlerFactory factory);
  ~TlsServer();  // Stop()
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  // Binds, listens and starts the I/O threads; returns once accepting.
  Status Start();
  // Stops accepting, closes every session (logged as "server stopping") and
  // joins the threads. Idempotent.
  void Stop();
  // The bound port (after Start).
  uint16_t port() const;
  size_t active_connections() const;

 private:
  class Impl;
  explicit TlsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rectify
