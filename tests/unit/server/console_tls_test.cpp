// The console's HTTPS listener (web/https_server.h) on loopback with the
// district's server certificate: TLS 1.3 answers, TLS 1.2 is refused.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "server/service/pki.h"
#include "web/https_server.h"

namespace rectify::testing {
namespace {

uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Connects with TLS capped at `max_version`; the first response line, or ""
// if the handshake failed.
std::string Get(uint16_t port, int max_version) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, max_version);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  std::string line;
  if (SSL_connect(ssl) == 1) {
    const std::string req = "GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    SSL_write(ssl, req.data(), static_cast<int>(req.size()));
    char buf[4096];
    int n = 0;
    std::string all;
    while ((n = SSL_read(ssl, buf, sizeof buf)) > 0) all.append(buf, n);
    line = all.substr(0, all.find("\r\n"));
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  return line;
}

TEST_CASE("console tls: TLS 1.3 answers, TLS 1.2 is refused") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("rectify_console_tls_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  InitOptions init;
  init.data_dir = (dir / "district").string();
  auto made = InitDistrict(init);
  INFO(made.status().ToString());
  REQUIRE(made.ok());
  web::HttpsOptions o;
  o.port = FreePort();
  o.cert_file = init.data_dir + "/server.pem";
  o.key_file = init.data_dir + "/server.key";
  auto svc = web::HttpsService::Start(o, [](const web::Request& r) {
    return web::Response::Text(200, "path " + r.path);
  });
  REQUIRE(svc.ok());
  CHECK(Get(o.port, TLS1_3_VERSION) == "HTTP/1.1 200 OK");
  CHECK(Get(o.port, TLS1_2_VERSION).empty());
  // A key that does not match: a clear error, no listener.
  web::HttpsOptions bad = o;
  bad.port = FreePort();
  bad.key_file = init.data_dir + "/ca.key";
  auto refused = web::HttpsService::Start(bad, [](const web::Request&) { return web::Response{}; });
  CHECK(!refused.ok());
  svc->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rectify::testing
