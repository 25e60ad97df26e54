#include "client/desk/desk_server.h"

#include <spawn.h>
#include <sys/wait.h>

#include "shared/token.h"

extern char** environ;

namespace rectify {

Result<std::unique_ptr<DeskServer>> DeskServer::Start(Ledger& ledger, const Clock& clock,
                                                      IdSource& ids, DeskServerOptions options) {
  std::unique_ptr<DeskServer> s(new DeskServer());
  const std::string token = NewToken();
  s->app_ = std::make_unique<DeskApp>(ledger, clock, ids, options.app, token);
  web::LoopbackOptions lo;
  lo.port = options.port;
  lo.max_body_bytes = options.app.max_evidence_bytes + (1u << 20);
  DeskApp* app = s->app_.get();
  auto http =
      web::LoopbackHttpService::Start(lo, [app](const web::Request& r) { return app->Handle(r); });
  if (!http.ok()) return http.status();
  s->http_ = std::move(*http);
  // The handler only runs once a request arrives; by then the port is known.
  app->set_port(s->http_->port());
  s->login_url_ = "http://127.0.0.1:" + std::to_string(s->http_->port()) + "/login?token=" + token;
  return s;
}

bool OpenBrowser(const std::string& url) {
  const char* argv[] = {"xdg-open", url.c_str(), nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, "xdg-open", nullptr, nullptr, const_cast<char* const*>(argv), environ) !=
      0)
    return false;
  // xdg-open hands the URL to the browser and exits; reap it so no zombie stays.
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace rectify
