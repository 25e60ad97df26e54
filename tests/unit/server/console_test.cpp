// The district console (docs/console.md) as a function Request -> Response
// over a real SqliteStore, SyncServiceImpl and AccountStore: sessions, CSRF,
// throttling, roles, school limits, escaping, actions as ops, JSON, xlsx.
// The TLS listener itself is tested in console_tls_test.cpp.
#include <doctest/doctest.h>

#include "server/console/console_app.h"
#include "server/service/accounts.h"
#include "server/service/console_ops.h"
#include "server/service/district_view.h"
#include "server/storage/account_store.h"
#include "sync_fixture.h"
#include "web/form.h"
#include "web/http.h"

namespace rectify::testing {
namespace {

using nlohmann::json;

struct ConsoleFixture : SyncFixture {
  std::unique_ptr<AccountStore> account_store;
  std::unique_ptr<Accounts> accounts;
  std::unique_ptr<DistrictView> view;
  std::unique_ptr<ConsoleOps> ops;
  std::unique_ptr<ConsoleApp> app;

  ConsoleFixture() {
    auto s = AccountStore::Open((dir / "accounts.db").string());
    REQUIRE(s.ok());
    account_store = std::move(*s);
    AccountsOptions ao;
    ao.scrypt.n = 1024;  // fast in tests; the stored form carries N
    accounts = std::make_unique<Accounts>(*account_store, clock, ao);
    view = std::make_unique<DistrictView>(*store, VerifyingKey::FromSigningKey(key),
                                          kDefaultLogName);
    ops = std::make_unique<ConsoleOps>(*store, *service, clock);
    ConsoleOptions co;
    co.today = "2024-04-25";
    app = std::make_unique<ConsoleApp>(*accounts, *view, *ops, clock, co);
    SeedSchool("school-a", "杏花学校");
    SeedSchool("school-b", "梨花学校");
  }

  // Three problems: 1 completed, 2 overdue (red), 3 due in 5 days (yellow)
  // with a title that is markup.
  void SeedSchool(const std::string& school, const std::string& name) {
    auto ctx = School(school, "pc-" + school);
    std::vector<Op> ops_;
    uint64_t seq = 0;
    auto add = [&](const std::string& entity, const std::string& row,
                   std::vector<FieldChange> f) {
      ++seq;
      ops_.push_back(MakeOp(ctx, seq, entity, row, std::move(f), kNow - 1000 + int64_t(seq)));
    };
    add("school", school, {F("name", Text(name.c_str())), F("warn_days", int64_t{10})});
    add("inspection", "i1", {F("ordinal", int64_t{1})});
    add("aspect", "a1", {F("inspection_id", Text("i1")), F("ordinal", int64_t{1}),
                         F("title", Text("方面一"))});
    add("category", "c1",
        {F("aspect_id", Text("a1")), F("ordinal", int64_t{1}), F("title", Text("类别一"))});
    auto problem = [&](const char* row, int64_t n, const char* title, const char* status,
                       const char* deadline) {
      add("problem", row,
          {F("aspect_id", Text("a1")), F("category_id", Text("c1")), F("deadline", Text(deadline)),
           F("department", Text("后勤处")), F("inspection_id", Text("i1")),
           F("kind", Text("within_period")), F("number", n), F("status", Text(status)),
           F("title", Text(title))});
    };
    problem("p1", 1, "硬件设施升级", "completed", "2024-03-31");
    problem("p2", 2, "规范宿舍管理", "in_progress", "2024-04-01");
    problem("p3", 3, "<script>alert(1)</script>", "not_started", "2024-04-30");
    auto ack = Push(ctx, ops_, "seed-" + school);
    REQUIRE(ack.ok());
    for (const auto& r : ack->results) REQUIRE(r.outcome == protocol::Outcome::kApplied);
  }

  web::Response Do(const std::string& method, const std::string& target,
                   const std::string& cookie = "", const std::string& body = "",
                   std::vector<std::pair<std::string, std::string>> headers = {}) {
    web::Request r;
    r.method = method;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    r.body = body;
    r.remote = "127.0.0.1:40000";
    r.headers = std::move(headers);
    if (!cookie.empty()) r.headers.emplace_back("Cookie", "__Host-rectify-console=" + cookie);
    if (method == "POST" && r.Header("Content-Type").empty())
      r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    return app->Handle(r);
  }

  static std::string Header(const web::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (web::EqualsIgnoreCase(k, name)) return v;
    return "";
  }

  struct Login {
    std::string cookie, csrf;
  };
  Login LogIn(const std::string& name, const std::string& password) {
    auto r = Do("POST", "/login", "", json{{"name", name}, {"password", password}}.dump(),
                {{"Content-Type", "application/json"}, {"Accept", "application/json"}});
    REQUIRE(r.status == 200);
    const std::string set = Header(r, "Set-Cookie");
    const auto eq = set.find('='), semi = set.find(';');
    return {set.substr(eq + 1, semi - eq - 1), json::parse(r.body)["csrf"].get<std::string>()};
  }

  void AddAccount(const std::string& name, const std::string& role,
                  std::vector<std::string> schools = {}) {
    REQUIRE(accounts->Add(name, role, schools, std::string("secret-pw-1")).ok());
  }

  std::string ProblemStatus(const std::string& school, const std::string& row) {
    return ValueToString(Row(school, "problem", row)["status"].value);
  }
};

TEST_CASE_FIXTURE(ConsoleFixture, "console: no session answers the login page, JSON 401") {
  auto r = Do("GET", "/");
  CHECK(r.status == 303);
  CHECK(Header(r, "Location") == "/login");
  auto j = Do("GET", "/schools/school-a", "", "", {{"Accept", "application/json"}});
  CHECK(j.status == 401);
  auto bogus = Do("GET", "/", "not-a-session");
  CHECK(bogus.status == 303);
  auto login = Do("GET", "/login");
  CHECK(login.status == 200);
  CHECK(login.body.find("name=\"password\"") != std::string::npos);
}

TEST_CASE_FIXTURE(ConsoleFixture, "console: login sets a __Host- cookie, HttpOnly, Secure, Strict") {
  AddAccount("alice", "auditor");
  auto r = Do("POST", "/login", "", "name=alice&password=secret-pw-1");
  REQUIRE(r.status == 303);
  const std::string set = Header(r, "Set-Cookie");
  CHECK(set.starts_with("__Host-rectify-console="));
  CHECK(set.find("; Path=/") != std::string::npos);
  CHECK(set.find("; Secure") != std::string::npos);
  CHECK(set.find("; HttpOnly") != std::string::npos);
  CHECK(set.find("; SameSite=Strict") != std::string::npos);
  CHECK(set.find("Domain") == std::string::npos);
  auto l = LogIn("alice", "secret-pw-1");
  CHECK(Do("GET", "/", l.cookie).status == 200);
  // Idle timeout: 31 minutes later the session is gone.
  clock.Advance(31 * 60 * 1000);
  CHECK(Do("GET", "/", l.cookie).status == 303);
}

TEST_CASE_FIXTURE(ConsoleFixture, "console: five wrong passwords throttle the account") {
  AddAccount("alice", "auditor");
  for (int i = 0; i < 4; ++i)
    CHECK(Do("POST", "/login", "", "name=alice&password=wrong").status == 401);
  CHECK(Do("POST", "/login", "", "name=alice&password=wrong").status == 429);
  // Even the right password is refused while throttled …
  auto r = Do("POST", "/login", "", "name=alice&password=secret-pw-1");
  CHECK(r.status == 429);
  CHECK(Header(r, "Set-Cookie").empty());
  // … and accepted once the throttle ran out.
  clock.Advance(16 * 60 * 1000);
  CHECK(Do("POST", "/login", "", "name=alice&password=secret-pw-1").status == 303);
  // An unknown name answers like a wrong password.
  CHECK(Do("POST", "/login", "", "name=nobody&password=x").status == 401);
}

TEST_CASE_FIXTURE(ConsoleFixture, "console: enrolment link sets the password once") {
  auto token = accounts->Add("carol", "auditor", {}, std::nullopt);
  REQUIRE(token.ok());
  REQUIRE(!token->empty());
  CHECK(Do("POST", "/login", "", "name=carol&password=anything1").status == 401);
  auto page = Do("GET", "/enrol?token=" + *token);
  CHECK(page.status == 200);
  CHECK(page.body.find("carol") != std::string::npos);
  auto mismatch = Do("POST", "/enrol", "",
                     "token=" + *token + "&password=new-pass-1&password2=other-pass");
  CHECK(mismatch.status == 400);
  auto set = Do("POST", "/enrol", "",
                "token=" + *token + "&password=new-pass-1&password2=new-pass-1");
  CHECK(set.status == 303);
  CHECK(Do("GET", "/enrol?token=" + *token).status == 404);  // single use
  CHECK(Do("POST", "/enrol", "", "token=" + *token + "&password=x2345678&password2=x2345678")
            .status == 404);
  CHECK(Do("POST", "/login", "", "name=carol&password=new-pass-1").status == 303);
  // Expired after 24 h.
  auto late = accounts->NewEnrolment("carol");
  REQUIRE(late.ok());
  clock.Advance(24ll * 3600 * 1000 + 1);
  CHECK(Do("GET", "/enrol?token=" + *late).status == 404);
}

TEST_CASE_FIXTURE(ConsoleFixture, "console: overview shows each school's numbers from the store") {
  AddAccount("alice", "auditor");
  auto l = LogIn("alice", "secret-pw-1");
  auto r = Do("GET", "/", l.cookie, "", {{"Accept", "application/json"}});
  REQUIRE(r.status == 200);
  auto j = json::parse(r.body);
  REQUIRE(j["schools"].size() == 2);
  auto a = j["schools"][0];
  CHECK(a["id"] == "school-a");
  CHECK(a["name"] == "杏花学校");
  CHECK(a["stats"]["total"] == 3);
  CHECK(a["stats"]["completed"] == 1);
  CHECK(a["completion_percent"] == "33%");
  CHECK(a["red"] == 1);
  CHECK(a["yellow"] == 1);
  CHECK(a["log_size"] == 7);
  CHECK(j["table"]["columns"][0] == "学校编号");
  // Sorting and filtering by query string.
  auto f = json::parse(Do("GET", "/?q=" + web::UrlEncode("梨花"), l.cookie, "", {{"Accept", "application/json"}}).body);
  REQUIRE(f["schools"].size() == 1);
  CHECK(f["schools"][0]["id"] == "school-b");
  auto s = json::parse(
      Do("GET", "/?sort=id&order=desc", l.cookie, "", {{"Accept", "application/json"}}).body);
  CHECK(s["schools"][0]["id"] == "school-b");
  // HTML: the same numbers.
  auto html = Do("GET", "/", l.cookie);
  CHECK(html.status == 200);
  CHECK(html.body.find("杏花学校") != std::string::npos);
  CHECK(html.body.find("33%") != std::string::npos);
}

TEST_CASE_FIXTURE(ConsoleFixture, "console: a problem titled as markup is shown as text") {
  AddAccount("alice", "auditor");
  auto l = LogIn("alice", "secret-pw-1");
  for (const char* page : {"/schools/school-a", "/schools/school-a/problems/3"}) {
    auto r = Do("GET", page, l.cookie);
    REQUIRE(r.status == 200);
    CHECK(r.body.find("<script>alert(1)</script>") == std::string::npos);
    CHECK(r.body.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  }
  auto j = json::parse(
      Do("GET", "/schools/school-a/problems/3", l.cookie, "", {{"Accept", "application/json"}})
          .body);
  CHECK(j["title"] == "<script>alert(1)</script>");
}

TEST_CASE_FIXTURE(ConsoleFixture, "console: an account limited to school A gets 404 for B") {
  AddAccount("anna", "auditor", {"school-a"});
  auto l = LogIn("anna", "secret-pw-1");
  CHECK(Do("GET", "/schools/school-a", l.cookie).status == 200);
  CHECK(Do("GET", "/schools/school-b", l.cookie).status == 404);
  CHECK(Do("GET", "/schools/school-b/problems/1", l.cookie).status == 404);
  CHECK(Do("GET", "/schools/school-b/audit", l.cookie).status == 404);
  CHECK(Do("POST", "/schools/school-b/problems/1/verify", l.cookie,
           "csrf=" + l.csrf + "&password=secret-pw-1")
            .status == 404);
  CHECK(ProblemStatus("school-b", "p1") == "completed");
  // Indistinguishable from a school that does not exist.
  CHECK(Do("GET", "/schools/no-such", l.cookie).status == 404);
  auto j = json::parse(Do("GET", "/", l.cookie, "", {{"Accept", "application/json"}}).body);
  REQUIRE(j["schools"].size() == 1);
  CHECK(j["schools"][0]["id"] == "school-a");
}

TEST_CASE_FIXTURE(ConsoleFixture, "console: 销号 needs CSRF, the password, an auditor; becomes an op") {
  AddAccount("alice", "auditor");
  AddAccount("victor", "viewer");
  auto l = LogIn("alice", "secret-pw-1");
  const uint64_t leaves = LeafCount("school-a");
  // Without the CSRF token: 403, nothing stored.
  CHECK(Do("POST", "/schools/school-a/problems/1/verify", l.cookie, "password=secret-pw-1")
            .status == 403);
  CHECK(Do("POST", "/schools/school-a/problems/1/verify", l.cookie,
           "csrf=" + std::string(64, '0') + "&password=secret-pw-1")
            .status == 403);
  // A viewer, even with its token: 403.
  auto v = LogIn("victor", "secret-pw-1");
  CHECK(Do("POST", "/schools/school-a/problems/1/verify", v.cookie,
           "csrf=" + v.csrf + "&password=secret-pw-1")
            .status == 403);
  // The wrong password again: 403.
  CHECK(Do("POST", "/schools/school-a/problems/1/verify", l.cookie,
           "csrf=" + l.csrf + "&password=nope")
            .status == 403);
  CHECK(ProblemStatus("school-a", "p1") == "completed");
  CHECK(LeafCount("school-a") == leaves);
  // Done right: an op of console-alice, judged by the resolver, in the log.
  auto r = Do("POST", "/schools/school-a/problems/1/verify", l.cookie,
              "csrf=" + l.csrf + "&password=secret-pw-1");
  CHECK(r.status == 303);
  CHECK(ProblemStatus("school-a", "p1") == "verified");
  CHECK(LeafCount("school-a") == leaves + 1);
  auto history = view->AuditQuery("school-a", "history", "1");
  REQUIRE(history.ok());
  auto last = (*history)["leaves"].back();
  CHECK(last["device"] == "console-alice");
  CHECK(last["role"] == "auditor");
  CHECK(last["author"] == "alice");
  CHECK(last["outcome"] == "applied");
  // The problem page's timeline shows it.
  auto page = Do("GET", "/schools/school-a/problems/1", l.cookie);
  CHECK(page.body.find("console-alice") != std::string::npos);
  CHECK(page.body.find("已销号") != std::string::npos);
  // JSON action with X-CSRF-Token: 回头看 without a reason is refused …
  auto no_reason = Do("POST", "/schools/school-a/problems/1/reopen", l.cookie,
                      json{{"password", "secret-pw-1"}}.dump(),
                      {{"Content-Type", "application/json"}, {"X-CSRF-Token", l.csrf}});
  CHECK(no_reason.status == 400);
  CHECK(ProblemStatus("school-a", "p1") == "verified");
  // … and with one it reopens.
  auto reopen = Do("POST", "/schools/school-a/problems/1/reopen", l.cookie,
                   json{{"password", "secret-pw-1"}, {"reason", "回头看：复查未达标"}}.dump(),
                   {{"Content-Type", "application/json"}, {"X-CSRF-Token", l.csrf}});
  CHECK(reopen.status == 200);
  CHECK(json::parse(reopen.body)["outcome"] == "applied");
  CHECK(ProblemStatus("school-a", "p1") == "in_progress");
  CHECK(ValueToString(Row("school-a", "problem", "p1")["status_reason"].value) ==
        "回头看：复查未达标");
}

TEST_CASE_FIXTURE(ConsoleFixture, "console: every table downloads as .xlsx") {
  AddAccount("alice", "auditor");
  auto l = LogIn("alice", "secret-pw-1");
  for (const char* page : {"/?format=xlsx", "/schools/school-a?format=xlsx", "/overdue?format=xlsx",
                           "/schools/school-a/problems/2?format=xlsx"}) {
    auto r = Do("GET", page, l.cookie);
    REQUIRE(r.status == 200);
    CHECK(Header(r, "Content-Type").find("spreadsheetml") != std::string::npos);
    CHECK(r.body.substr(0, 2) == "PK");
    CHECK(Header(r, "Content-Disposition").find("attachment") != std::string::npos);
  }
}

TEST_CASE_FIXTURE(ConsoleFixture, "console: overdue list, audit page and queues") {
  AddAccount("alice", "auditor");
  auto l = LogIn("alice", "secret-pw-1");
  auto od = json::parse(Do("GET", "/overdue", l.cookie, "", {{"Accept", "application/json"}}).body);
  REQUIRE(od["items"].size() == 4);  // two schools × (one red + one yellow)
  CHECK(od["items"][0]["red"] == true);
  auto audit =
      json::parse(Do("GET", "/schools/school-a/audit", l.cookie, "", {{"Accept", "application/json"}})
                      .body);
  CHECK(audit["verification"] == "ok");
  CHECK(audit["log_size"] == 7);
  CHECK(audit["checkpoint_size"] == 7);
  auto leaves = Do("GET", "/schools/school-a/audit/leaves.jsonl", l.cookie);
  CHECK(leaves.status == 200);
  CHECK(std::count(leaves.body.begin(), leaves.body.end(), '\n') == 7);
  CHECK(Do("GET", "/schools/school-a/conflicts", l.cookie).status == 200);
  CHECK(Do("GET", "/schools/school-a/rejected", l.cookie).status == 200);
  CHECK(Do("GET", "/schools/school-a/problems/99", l.cookie).status == 404);
}

}  // namespace
}  // namespace rectify::testing
