// The console's HTTPS listener (docs/console.md): a ConsoleApp behind
// web::HttpsService, on its own thread beside the sync server.
//
// Ownership: borrows the operations, which must outlive the server.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "server/console/console_app.h"
#include "web/https_server.h"

namespace rectify {

struct ConsoleServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string cert_file, key_file;  // the district's server.pem/server.key by default
  ConsoleOptions app;
};

class ConsoleServer {
 public:
  static Result<std::unique_ptr<ConsoleServer>> Start(Accounts& accounts, DistrictView& view,
                                                      ConsoleOps& ops, const Clock& clock,
                                                      ConsoleServerOptions options);
  // "https://HOST:PORT"
  const std::string& url() const { return url_; }

 private:
  ConsoleServer() = default;
  std::unique_ptr<ConsoleApp> app_;
  std::unique_ptr<web::HttpsService> https_;
  std::string url_;
};

}  // namespace rectify
