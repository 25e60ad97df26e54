// The school desk (docs/desk.md): its refusals over a real loopback socket
// (no token, a foreign Host, a foreign Origin, no CSRF token, an address
// other than 127.0.0.1), the one-time token, and the pages' round trips
// through the ledger (status, evidence upload, undo).
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <regex>
#include <string>

#include "client/desk/desk_server.h"
#include "client/ledger/ledger.h"
#include "client/ledger/ledger_history.h"
#include "web/loopback_server.h"
#include "web/multipart.h"

using namespace rectify;

namespace {

constexpr int64_t kT0 = 1'708'300'800'000;  // 2024-02-19

// One HTTP/1.1 exchange on a fresh connection to ADDR:port; "" if the
// connection is refused.
std::string Exchange(const std::string& addr, uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  ::inet_pton(AF_INET, addr.c_str(), &sa.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return "";
  }
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    REQUIRE(n > 0);
    sent += static_cast<size_t>(n);
  }
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

int StatusOf(const std::string& response) {
  if (response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

std::string HeaderOf(const std::string& response, const std::string& name) {
  std::regex re("\r\n" + name + ": ([^\r]*)\r\n", std::regex::icase);
  std::smatch m;
  return std::regex_search(response, m, re) ? m[1].str() : "";
}

struct DeskEnv {
  std::filesystem::path dir;
  ManualClock clock{kT0};
  SequentialIdSource ids{"dev"};
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<DeskServer> server;
  uint16_t port = 0;
  std::string host, cookie, csrf;

  DeskEnv() {
    static std::atomic<int> n{0};
    dir = std::filesystem::temp_directory_path() /
          ("rectify_desk_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto l = Ledger::Open((dir / "ledger.db").string(), clock, ids);
    REQUIRE_MESSAGE(l.ok(), l.status().ToString());
    ledger = std::move(*l);
    REQUIRE(ledger->InitSchool("xinghua", "杏花学校", "", "办公室").ok());
    NewProblem p;
    p.title = "图书室借阅登记不全";
    p.deadline = "2024-03-01";
    p.status = "推进中";
    REQUIRE(ledger->AddProblem(p, "办公室").ok());
    DeskServerOptions o;
    o.app.db_path = (dir / "ledger.db").string();
    o.app.author = "办公室";
    o.app.today = "2024-02-19";
    auto s = DeskServer::Start(*ledger, clock, ids, o);
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    server = std::move(*s);
    port = server->port();
    host = "127.0.0.1:" + std::to_string(port);
  }
  ~DeskEnv() {
    server.reset();
    ledger.reset();
    std::filesystem::remove_all(dir);
  }

  std::string Get(const std::string& path, const std::string& extra = "") {
    return Exchange("127.0.0.1", port,
                    "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" +
                        (cookie.empty() ? "" : "Cookie: " + cookie + "\r\n") + extra +
                        "Connection: close\r\n\r\n");
  }
  std::string Post(const std::string& path, const std::string& body, const std::string& origin,
                   const std::string& type = "application/x-www-form-urlencoded") {
    return Exchange("127.0.0.1", port,
                    "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" +
                        (cookie.empty() ? "" : "Cookie: " + cookie + "\r\n") +
                        (origin.empty() ? "" : "Origin: " + origin + "\r\n") + "Content-Type: " +
                        type + "\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\nConnection: close\r\n\r\n" + body);
  }
  std::string Origin() const { return "http://" + host; }
  // Follows the printed link: the token becomes the session cookie.
  void LogIn() {
    const std::string url = server->login_url();
    const std::string path = url.substr(url.find('/', 7));
    auto r = Get(path);
    REQUIRE(StatusOf(r) == 303);
    const std::string set = HeaderOf(r, "Set-Cookie");
    CHECK(set.find("HttpOnly") != std::string::npos);
    CHECK(set.find("SameSite=Strict") != std::string::npos);
    cookie = set.substr(0, set.find(';'));
    auto page = Get("/");
    REQUIRE(StatusOf(page) == 200);
    std::smatch m;
    REQUIRE(std::regex_search(page, m, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\"")) ==
            false);  // today has no form: take it from a problem page
    auto form = Get("/problems/1");
    REQUIRE(std::regex_search(form, m, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\"")));
    csrf = m[1].str();
  }
  std::string StatusOfProblem1() {
    return std::string(StatusCode(ledger->GetProblem("1")->status));
  }
};

}  // namespace

TEST_CASE("desk: a request without the token is refused") {
  DeskEnv env;
  auto r = env.Get("/");
  CHECK(StatusOf(r) == 401);
  CHECK(r.find("图书室") == std::string::npos);
  CHECK(StatusOf(env.Get("/ledger")) == 401);
  CHECK(StatusOf(env.Get("/export.xlsx")) == 401);
  CHECK(StatusOf(env.Get("/login?token=wrong")) == 401);
  // A made-up cookie is no session either.
  env.cookie = "rectify-desk-" + std::to_string(env.port) + "=abc";
  CHECK(StatusOf(env.Get("/")) == 401);
}

TEST_CASE("desk: the login token works once and opens a session") {
  DeskEnv env;
  const std::string url = env.server->login_url();
  CHECK(url.starts_with("http://127.0.0.1:" + std::to_string(env.port) + "/login?token="));
  env.LogIn();
  auto page = env.Get("/ledger");
  CHECK(StatusOf(page) == 200);
  CHECK(page.find("图书室借阅登记不全") != std::string::npos);
  CHECK(page.find("<meta name=\"renderer\" content=\"webkit\">") != std::string::npos);
  // The same link again: refused, and no new cookie.
  const std::string path = url.substr(url.find('/', 7));
  env.cookie.clear();
  auto again = env.Get(path);
  CHECK(StatusOf(again) == 401);
  CHECK(HeaderOf(again, "Set-Cookie").empty());
}

TEST_CASE("desk: a foreign Host is refused even with a session") {
  DeskEnv env;
  env.LogIn();
  env.host = "evil.example";
  auto r = env.Get("/ledger");
  CHECK(StatusOf(r) == 421);
  CHECK(r.find("图书室") == std::string::npos);
  env.host = "evil.example:" + std::to_string(env.port);
  CHECK(StatusOf(env.Get("/ledger")) == 421);
  // Even the login link is refused through a rebinding name.
  env.cookie.clear();
  const std::string url = env.server->login_url();
  CHECK(StatusOf(env.Get(url.substr(url.find('/', 7)))) == 421);
  env.host = "localhost:" + std::to_string(env.port);
  CHECK(StatusOf(env.Get("/ledger")) == 401);  // a good name, but no session
}

TEST_CASE("desk: a POST from a foreign Origin or without CSRF changes nothing") {
  DeskEnv env;
  env.LogIn();
  REQUIRE(env.StatusOfProblem1() == "in_progress");
  const std::string body = "csrf=" + env.csrf + "&status=completed";
  CHECK(StatusOf(env.Post("/problems/1/status", body, "http://evil.example")) == 403);
  CHECK(StatusOf(env.Post("/problems/1/status", body, "")) == 403);
  CHECK(StatusOf(env.Post("/problems/1/status", body, "null")) == 403);
  CHECK(StatusOf(env.Post("/problems/1/status", "status=completed", env.Origin())) == 403);
  CHECK(StatusOf(env.Post("/problems/1/status", "csrf=00&status=completed", env.Origin())) == 403);
  CHECK(env.StatusOfProblem1() == "in_progress");
  // The same form from the desk's own page goes through.
  auto ok = env.Post("/problems/1/status", body, env.Origin());
  CHECK(StatusOf(ok) == 303);
  CHECK(env.StatusOfProblem1() == "completed");
}

TEST_CASE("desk: listens on 127.0.0.1 only") {
  DeskEnv env;
  CHECK(StatusOf(Exchange(
            "127.0.0.1", env.port,
            "GET / HTTP/1.1\r\nHost: " + env.host + "\r\nConnection: close\r\n\r\n")) == 401);
  // Another loopback address and every address of the machine's interfaces.
  CHECK(Exchange("127.0.0.2", env.port, "GET / HTTP/1.1\r\n\r\n").empty());
  ifaddrs* list = nullptr;
  REQUIRE(::getifaddrs(&list) == 0);
  int others = 0;
  for (ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
    if (std::string(text) == "127.0.0.1") continue;
    ++others;
    CHECK_MESSAGE(Exchange(text, env.port, "GET / HTTP/1.1\r\n\r\n").empty(), "answered on ", text);
  }
  ::freeifaddrs(list);
  MESSAGE("checked ", others, " other IPv4 addresses");
}

TEST_CASE("desk: evidence upload stores the file and records its hash") {
  DeskEnv env;
  env.LogIn();
  const std::string boundary = "----deskboundary";
  const std::string body =
      "--" + boundary + "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + env.csrf +
      "\r\n--" + boundary +
      "\r\nContent-Disposition: form-data; name=\"file\"; "
      "filename=\"借阅登记.txt\"\r\nContent-Type: text/plain\r\n\r\nabc\r\n--" +
      boundary + "--\r\n";
  auto r = env.Post("/problems/1/evidence", body, env.Origin(),
                    "multipart/form-data; boundary=" + boundary);
  CHECK(StatusOf(r) == 303);
  auto page = env.Get("/problems/1");
  CHECK(page.find("借阅登记.txt") != std::string::npos);
  // SHA-256("abc")
  CHECK(page.find("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") !=
        std::string::npos);
  CHECK(page.find("未上传") != std::string::npos);
  CHECK(
      std::filesystem::exists(env.dir / "ledger.db.evidence" /
                              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

TEST_CASE("desk: undo of an unsent edit writes the old values back") {
  DeskEnv env;
  REQUIRE(env.ledger->EditProblem("1", {{"person", std::string("张三")}}, "办公室").ok());
  const uint64_t seq = env.ledger->LastDeviceSeq();
  REQUIRE(env.ledger->GetProblem("1")->person == "张三");
  REQUIRE(env.ledger->EditProblem("1", {{"department", std::string("图书室")}}, "办公室").ok());
  CHECK(UndoPendingOp(*env.ledger, seq, "办公室").ok());
  CHECK(env.ledger->GetProblem("1")->person.empty());
  CHECK(env.ledger->GetProblem("1")->department == "图书室");  // the later edit stays
  // The undo is itself an op; undoing a seq that does not exist says so.
  CHECK(env.ledger->LastDeviceSeq() == seq + 2);
  CHECK(UndoPendingOp(*env.ledger, 999, "办公室").code() == Status::Code::kNotFound);
  // An op the district acknowledged can no longer be undone here.
  REQUIRE(env.ledger->MarkAcked({seq + 1}).ok());
  CHECK(UndoPendingOp(*env.ledger, seq + 1, "办公室").code() == Status::Code::kFailedPrecondition);
  CHECK(env.ledger->GetProblem("1")->department == "图书室");
}

TEST_CASE("desk: undo refuses when a later edit changed the same field") {
  DeskEnv env;
  REQUIRE(env.ledger->EditProblem("1", {{"person", std::string("张三")}}, "办公室").ok());
  const uint64_t seq = env.ledger->LastDeviceSeq();
  REQUIRE(env.ledger->EditProblem("1", {{"person", std::string("李四")}}, "办公室").ok());
  CHECK(UndoPendingOp(*env.ledger, seq, "办公室").code() == Status::Code::kFailedPrecondition);
  CHECK(env.ledger->GetProblem("1")->person == "李四");
}

TEST_CASE("web: loopback Host and Origin names") {
  CHECK(web::IsLoopbackHost("127.0.0.1:8080", 8080));
  CHECK(web::IsLoopbackHost("LOCALHOST:8080", 8080));
  CHECK_FALSE(web::IsLoopbackHost("127.0.0.1:8081", 8080));
  CHECK_FALSE(web::IsLoopbackHost("127.0.0.1", 8080));
  CHECK_FALSE(web::IsLoopbackHost("evil.example:8080", 8080));
  CHECK_FALSE(web::IsLoopbackHost("127.0.0.1:8080.evil.example", 8080));
  CHECK(web::IsLoopbackOrigin("http://127.0.0.1:8080", 8080));
  CHECK_FALSE(web::IsLoopbackOrigin("https://127.0.0.1:8080", 8080));
  CHECK_FALSE(web::IsLoopbackOrigin("null", 8080));
  CHECK_FALSE(web::IsLoopbackOrigin("", 8080));
}

TEST_CASE("web: multipart bodies") {
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b\r\n"
      "Content-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n\r\n\r\n--\r\n--b--\r\n";
  auto parts = web::ParseMultipart("multipart/form-data; boundary=b", body);
  REQUIRE(parts.ok());
  REQUIRE(parts->size() == 2);
  CHECK((*parts)[0].name == "a");
  CHECK((*parts)[0].data == "1");
  CHECK((*parts)[1].filename == "x.bin");
  CHECK((*parts)[1].data == "\r\n--");
  CHECK_FALSE(web::ParseMultipart("multipart/form-data", body).ok());
  CHECK_FALSE(web::ParseMultipart("multipart/form-data; boundary=b", "--b\r\nX: y\r\n\r\nz").ok());
}
