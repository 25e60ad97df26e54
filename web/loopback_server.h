// A plain-HTTP server for a face that serves only the machine it runs on
// (the school desk, docs/desk.md): it binds 127.0.0.1 and nothing else, on an
// ephemeral port unless one is given, and hands every request to a
// web::Handler on its own thread. No TLS: the traffic never leaves the
// loopback interface (docs/decisions.md "Desk: plain HTTP on loopback").
//
// The Host and Origin checks a loopback face needs against DNS rebinding and
// cross-site posts are the pure functions below; the face calls them.
//
// Ownership: owns its io_context and thread; the handler is called on that
// one thread only (never concurrently) until the service is destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "shared/status.h"
#include "web/http.h"

namespace rectify::web {

struct LoopbackOptions {
  uint16_t port = 0;  // 0: an ephemeral port chosen by the kernel
  size_t max_body_bytes = 64u << 20;
  int64_t read_timeout_ms = 30'000;
  int64_t handle_timeout_ms = 10 * 60'000;  // a sync over a slow link runs inside a request
};

class LoopbackHttpService {
 public:
  virtual ~LoopbackHttpService() = default;
  // Binds 127.0.0.1:PORT and starts serving. Unavailable if the port is taken.
  static Result<std::unique_ptr<LoopbackHttpService>> Start(LoopbackOptions options,
                                                            Handler handler);
  // The port actually bound.
  virtual uint16_t port() const = 0;
};

// True if a Host header names this server: "127.0.0.1:PORT" or
// "localhost:PORT" (case-insensitive), nothing else. A page fetched through
// any other name (a rebinding attacker's domain) is refused.
bool IsLoopbackHost(std::string_view host, uint16_t port);

// True if an Origin header is this server's own: "http://127.0.0.1:PORT" or
// "http://localhost:PORT". An absent Origin ("") or "null" is not.
bool IsLoopbackOrigin(std::string_view origin, uint16_t port);

}  // namespace rectify::web
