// web/: cookies, forms, content negotiation, templates (escaping), xlsx.
#include <doctest/doctest.h>

#include "web/cookie.h"
#include "web/form.h"
#include "web/http.h"
#include "web/templates.h"
#include "web/xlsx.h"

namespace rectify::web {
namespace {

TEST_CASE("web: cookies are __Host-, Secure, HttpOnly, SameSite=Strict and read back") {
  const std::string set = SetCookieValue("s", "abc");
  CHECK(set == "__Host-s=abc; Path=/; Secure; HttpOnly; SameSite=Strict");
  CHECK(SetCookieValue("s", "", 0).ends_with("; Max-Age=0"));
  Request r;
  r.headers = {{"cookie", "a=1; __Host-s=tok; s=plain"}};
  CHECK(ReadCookie(r, "s") == "tok");
  r.headers = {{"Cookie", "s=plain"}};  // without the prefix: not ours
  CHECK(ReadCookie(r, "s").empty());
}

TEST_CASE("web: forms and queries decode, bad escapes are refused") {
  auto p = ParseForm("name=%E7%8E%8B+%E4%BA%94&x=1&x=2");
  REQUIRE(p.ok());
  CHECK(Get(*p, "name") == "王 五");
  CHECK(Get(*p, "x") == "2");
  CHECK(Get(*p, "missing").empty());
  CHECK(!ParseForm("a=%zz").ok());
  CHECK(!ParseForm("a=%ff").ok());  // not UTF-8
  CHECK(UrlEncode("已销号 a/b") == "%E5%B7%B2%E9%94%80%E5%8F%B7%20a%2Fb");
}

TEST_CASE("web: JSON negotiation follows Accept") {
  Request r;
  CHECK(!WantsJson(r));
  r.headers = {{"Accept", "application/json"}};
  CHECK(WantsJson(r));
  r.headers = {{"Accept", "text/html,application/xhtml+xml,application/json;q=0.9"}};
  CHECK(!WantsJson(r));
}

TEST_CASE("web: templates escape every value") {
  TemplateSet t;
  REQUIRE(t.Add("p", "<p title=\"{{v}}\">{{v}}</p>{{#list}}<i>{{.}}</i>{{/list}}{{#no}}x{{/no}}").ok());
  auto out = t.Render("p", {{"v", "<script>\"'&"}, {"list", {"a<", "b"}}, {"no", nullptr}});
  REQUIRE(out.ok());
  CHECK(*out ==
        "<p title=\"&lt;script&gt;&quot;&apos;&amp;\">&lt;script&gt;&quot;&apos;&amp;</p>"
        "<i>a&lt;</i><i>b</i>");
  CHECK(!t.Add("bad", "{{#open}}").ok());
  CHECK(!t.Render("missing", {}).ok());
}

TEST_CASE("web: a table becomes an xlsx workbook") {
  Table table{"全区学校", {"学校", "完成率"}, {{"杏花学校", "93%"}}};
  auto bytes = TableToXlsx(table);
  REQUIRE(bytes.ok());
  CHECK(bytes->substr(0, 2) == "PK");
  CHECK(bytes->size() > 1000);
}

}  // namespace
}  // namespace rectify::web
