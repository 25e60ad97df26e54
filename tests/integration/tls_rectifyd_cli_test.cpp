// The rectifyd binary as an operator runs it: init/enroll/revoke as real
// processes, and `serve --echo` (the transport without the sync service)
// driven over TLS, revoked while running, and stopped with SIGTERM.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "client/sync/tls_channel.h"
#include "tests/integration/process.h"
#include "tests/integration/tls_test_helpers.h"

extern char** environ;

namespace rectify {
namespace {

using namespace tls_test;

using test::kRectifyd;

struct Ran {
  std::string out;  // stdout only
  int rc;
};

// Runs rectifyd with `args` (shell-quoted by the caller); stderr goes to `err_file`.
Ran Rectifyd(const std::string& args, const std::string& err_file = "/dev/null") {
  Ran r;
  FILE* p = ::popen((kRectifyd + " " + args + " 2>" + err_file).c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

using test::Child;  // tests/integration/process.h

TEST_CASE("rectifyd init, enroll, revoke: JSON output, exit codes and refusals") {
  TempDir t;
  const std::string d = t.path + "/district";
  const std::string err = t.path + "/err.txt";
  Ran init = Rectifyd("init --json --data " + d + " --hostname sync.example.org");
  REQUIRE(init.rc == 0);
  auto j = nlohmann::json::parse(init.out);
  CHECK(j["ok"] == true);
  CHECK(j["origin"] == "sync.example.org/rectify");
  CHECK(j["ca_sha256"].get<std::string>().size() == 64);

  Ran again = Rectifyd("init --data " + d, err);
  CHECK(again.rc == 1);
  CHECK(test::ReadAll(err).find("refusing to overwrite") != std::string::npos);

  Ran enroll =
      Rectifyd("enroll --json --data " + d + " --school s1 --device pc1 --out " + t.path + "/pc1");
  REQUIRE(enroll.rc == 0);
  j = nlohmann::json::parse(enroll.out);
  CHECK(j["device"] == "pc1");
  CHECK(j["school"] == "s1");
  CHECK(j["role"] == "school");
  CHECK(Rectifyd("enroll --data " + d + " --school s1 --device pc1 --out " + t.path + "/x").rc ==
        1);
  CHECK(Rectifyd("enroll --data " + d + " --school s1 --device pc9 --role admin --out " + t.path +
                 "/x")
            .rc == 2);
  CHECK(Rectifyd("enroll --data " + d + " --school 'a/b' --device pc9 --out " + t.path + "/x").rc ==
        1);

  Ran revoke = Rectifyd("revoke --json --data " + d + " --device pc1");
  REQUIRE(revoke.rc == 0);
  CHECK(nlohmann::json::parse(revoke.out)["already_revoked"] == false);
  Ran unknown = Rectifyd("revoke --json --data " + d + " --device nobody");
  CHECK(unknown.rc == 1);
  CHECK(nlohmann::json::parse(unknown.out)["code"] == "not found");

  CHECK(Rectifyd("--help").rc == 0);
  CHECK(Rectifyd("serve --help").out.find("--idle-timeout") != std::string::npos);
  CHECK(Rectifyd("").rc == 2);
  CHECK(Rectifyd("serve --data " + t.path + "/nowhere --echo", err).rc == 1);
}

TEST_CASE("rectifyd serve: serves over TLS 1.3, honours a live revocation, stops on SIGTERM") {
  TempDir t;
  const std::string d = t.path + "/district";
  REQUIRE(Rectifyd("init --data " + d).rc == 0);
  REQUIRE(
      Rectifyd("enroll --data " + d + " --school s1 --device pc1 --out " + t.path + "/pc1").rc ==
      0);
  const std::string log = t.path + "/serve.log";
  Child serve({kRectifyd, "serve", "--echo", "--data", d, "--listen", "127.0.0.1:0",
               "--idle-timeout", "2s"},
              log);
  const std::string line = serve.ReadLine();
  REQUIRE_MESSAGE(line.rfind("listening on 127.0.0.1:", 0) == 0,
                  std::string(line + test::ReadAll(log)));
  const auto port = static_cast<uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));

  {
    auto ch = TlsChannel::Connect("localhost", port, t.path + "/pc1", {20'000, 20'000});
    REQUIRE_MESSAGE(ch.ok(), ch.status().ToString());
    REQUIRE((*ch)->Write(EncodeTestFrame(5, "over the wire")).ok());
    auto f = ReadFrame(**ch);
    REQUIRE_MESSAGE(f.ok(), f.status().ToString());
    CHECK(f->body == "over the wire");
  }
  FILE* p =
      ::popen(("timeout 60 openssl s_client -tls1_2 -connect 127.0.0.1:" + std::to_string(port) +
               " </dev/null >/dev/null 2>&1")
                  .c_str(),
              "r");
  REQUIRE(p != nullptr);
  CHECK(WEXITSTATUS(::pclose(p)) != 0);

  REQUIRE(Rectifyd("revoke --data " + d + " --device pc1").rc == 0);
  {
    auto ch = TlsChannel::Connect("127.0.0.1", port, t.path + "/pc1", {20'000, 20'000});
    if (ch.ok()) {
      (void)(*ch)->Write(EncodeTestFrame(5, "again"));
      CHECK(ReadsRevocationThenClosed(**ch));
    }
  }
  REQUIRE(
      WaitFor([&] { return test::ReadAll(log).find("outcome=\"revoked\"") != std::string::npos; }));
  CHECK(serve.Signal(SIGTERM) == 0);
  const std::string all = test::ReadAll(log);
  CHECK(all.find("device=\"pc1\" school=\"s1\" role=\"school\"") != std::string::npos);
  CHECK(all.find("handshake failed") != std::string::npos);
  CHECK(all.find("stopped") != std::string::npos);
  CHECK(all.find("PRIVATE KEY") == std::string::npos);
}

}  // namespace
}  // namespace rectify
