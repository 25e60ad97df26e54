// `rectify desk`: serves a DeskApp on 127.0.0.1 (web/loopback_server.h),
// prints the one-time login link and opens the default browser
// (docs/desk.md). Ownership: borrows the Ledger, clock and ids.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "client/desk/desk_app.h"
#include "web/loopback_server.h"

namespace rectify {

struct DeskServerOptions {
  uint16_t port = 0;  // 0: an ephemeral port
  DeskOptions app;
};

class DeskServer {
 public:
  // Binds 127.0.0.1:PORT and serves. Unavailable if the port is taken.
  static Result<std::unique_ptr<DeskServer>> Start(Ledger& ledger, const Clock& clock,
                                                   IdSource& ids, DeskServerOptions options);
  uint16_t port() const { return http_->port(); }
  // "http://127.0.0.1:PORT/login?token=..." (valid once).
  const std::string& login_url() const { return login_url_; }

 private:
  DeskServer() = default;
  std::unique_ptr<DeskApp> app_;
  std::unique_ptr<web::LoopbackHttpService> http_;
  std::string login_url_;
};

// Opens `url` in the desktop's default browser (xdg-open, detached); false if
// it could not be started. The URL goes as one argument, never through a shell.
bool OpenBrowser(const std::string& url);

}  // namespace rectify
