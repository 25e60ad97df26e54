// An HTTPS server for a web face, on RESTinio over standalone Asio
// (docs/decisions.md "Console: RESTinio"). TLS 1.3 only; every request is
// handed to a web::Handler as a plain Request and its Response is sent back.
//
// Ownership: the caller owns `io` and runs it (on one thread: the handler is
// then never called concurrently; on several: the handler must be
// thread-safe). The server must be destroyed after `io` stopped running.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "shared/status.h"
#include "web/http.h"

namespace asio {
class io_context;
}

namespace rectify::web {

struct HttpsOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;       // must be set
  std::string cert_file;   // PEM chain, the server's certificate first
  std::string key_file;    // PEM private key
  size_t max_body_bytes = 8u << 20;
  int64_t read_timeout_ms = 30'000;
  int64_t handle_timeout_ms = 60'000;
};

class HttpsServer {
 public:
  virtual ~HttpsServer() = default;
  // Loads the certificate and key, binds HOST:PORT and starts accepting on
  // `io` (the accept runs once `io` runs). A clear Status if the key, the
  // certificate or the address is unusable.
  static Result<std::unique_ptr<HttpsServer>> Start(asio::io_context& io, HttpsOptions options,
                                                    Handler handler);
};

// An HttpsServer on its own io_context and thread: the console's requests
// (which may render for tens of milliseconds) then never wait behind, nor
// delay, the sync server's sessions. Stops and joins in the destructor.
class HttpsService {
 public:
  virtual ~HttpsService() = default;
  static Result<std::unique_ptr<HttpsService>> Start(HttpsOptions options, Handler handler);
};

}  // namespace rectify::web
