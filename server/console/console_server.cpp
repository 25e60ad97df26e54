#include "server/console/console_server.h"

namespace rectify {

Result<std::unique_ptr<ConsoleServer>> ConsoleServer::Start(Accounts& accounts,
                                                            DistrictView& view, ConsoleOps& ops,
                                                            const Clock& clock,
                                                            ConsoleServerOptions options) {
  std::unique_ptr<ConsoleServer> s(new ConsoleServer());
  s->app_ = std::make_unique<ConsoleApp>(accounts, view, ops, clock, options.app);
  web::HttpsOptions h;
  h.host = options.host;
  h.port = options.port;
  h.cert_file = options.cert_file;
  h.key_file = options.key_file;
  ConsoleApp* app = s->app_.get();
  auto https = web::HttpsService::Start(h, [app](const web::Request& r) { return app->Handle(r); });
  if (!https.ok()) return https.status();
  s->https_ = std::move(*https);
  const std::string host =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  s->url_ = "https://" + host + ":" + std::to_string(options.port);
  return s;
}

}  // namespace rectify
