#include "client/desk/desk_app.h"

#include <stdexcept>

#include "client/desk/desk_internal.h"
#include "client/ledger/ledger_history.h"
#include "shared/stats.h"
#include "shared/token.h"
#include "web/cookie.h"
#include "web/form.h"
#include "web/loopback_server.h"
#include "web/multipart.h"

namespace rectify {

using nlohmann::json;

namespace {

// "no-referrer" (the web layer's default) makes a browser send
// "Origin: null" with a form POST, which the Origin check must refuse; the
// desk's own pages ask for "same-origin" instead, so no address leaves the
// machine and its forms still name their origin.
web::Response SameOriginReferrer(web::Response r) {
  for (auto& [name, value] : r.headers)
    if (web::EqualsIgnoreCase(name, "Referrer-Policy")) value = "same-origin";
  return r;
}

}  // namespace

DeskApp::DeskApp(Ledger& ledger, const Clock& clock, IdSource& ids, DeskOptions options,
                 std::string token)
    : ledger_(ledger),
      clock_(clock),
      ids_(ids),
      options_(std::move(options)),
      login_token_(std::move(token)),
      templates_(std::make_unique<web::TemplateSet>()) {
  Status st = AddDeskTemplates(*templates_);
  if (!st.ok()) throw std::logic_error(st.ToString());  // a broken build, at start-up
  seen_mark_ = ConfirmedHighWater(ledger_);
}

DeskApp::~DeskApp() = default;

std::string DeskApp::Today() const {
  return options_.today.empty() ? IsoDateAt(clock_.NowMillis(), options_.utc_offset_minutes)
                                : options_.today;
}

std::string DeskApp::EvidenceDir() const { return options_.db_path + ".evidence"; }

web::Response DeskApp::Handle(const web::Request& req) {
  Ctx c{req, {}, {}, {}};
  // Against DNS rebinding: a page served under any other name is refused
  // before anything else is looked at.
  if (!web::IsLoopbackHost(req.Header("Host"), port_))
    return web::Response::Text(
        421, "wrong Host: the desk answers only to 127.0.0.1:" + std::to_string(port_));
  auto q = web::ParseForm(req.query);
  if (!q.ok()) return Error(c, 400, q.status().message());
  c.query = std::move(*q);
  const bool post = req.method == "POST";
  if (!post && req.method != "GET" && req.method != "HEAD")
    return Error(c, 405, "不支持的请求方法");
  const auto parts = web::SplitPath(req.path);
  if (parts.size() == 1 && parts[0] == "style.css") {
    auto css = templates_->Render("style.css", json::object());
    web::Response r = web::Response::Text(200, css.ok() ? *css : "");
    r.headers[0].second = "text/css; charset=utf-8";
    return r;
  }
  if (parts.size() == 1 && parts[0] == "login" && !post) return Login(c);

  // Everything else needs the session the token opened.
  const std::string cookie = web::ReadLoopbackCookie(req, "rectify-desk-" + std::to_string(port_));
  if (session_.empty() || !TokenEquals(cookie, session_))
    return Error(c, 401, "请用 rectify desk 启动时显示的链接打开本页面（链接只能使用一次）。");
  if (post) {
    // A form posted from another site is refused even with the cookie
    // (SameSite=Strict already withholds it from modern browsers).
    if (!web::IsLoopbackOrigin(req.Header("Origin"), port_))
      return Error(c, 403, "请求来源不是本机的整改台账页面，已拒绝。");
    const std::string type = req.Header("Content-Type");
    if (type.starts_with("multipart/form-data")) {
      auto mp = web::ParseMultipart(type, req.body);
      if (!mp.ok()) return Error(c, 400, mp.status().message());
      c.parts = std::move(*mp);
      for (const auto& p : c.parts)
        if (p.filename.empty()) c.form[p.name] = p.data;
    } else {
      auto f = web::ParseForm(req.body);
      if (!f.ok()) return Error(c, 400, f.status().message());
      c.form = std::move(*f);
    }
    if (!TokenEquals(web::Get(c.form, "csrf"), csrf_))
      return Error(c, 403, "表单已过期或缺少校验码（CSRF），请返回刷新后再提交。");
  }
  return SameOriginReferrer(Route(c));
}

web::Response DeskApp::Login(Ctx& c) {
  const std::string token = web::Get(c.query, "token");
  if (login_token_.empty() || !TokenEquals(token, login_token_))
    return Error(c, 401, "链接无效或已使用。请重新运行 rectify desk，用新显示的链接打开。");
  login_token_.clear();  // one time only
  session_ = NewToken();
  csrf_ = NewToken();
  web::Response r = web::Response::Redirect("/");
  r.With("Set-Cookie",
         web::SetLoopbackCookieValue("rectify-desk-" + std::to_string(port_), session_));
  return r;
}

web::Response DeskApp::Route(Ctx& c) {
  const auto parts = web::SplitPath(c.req.path);
  const bool post = c.req.method == "POST";
  const size_t n = parts.size();
  if (n == 0) return post ? Error(c, 405, "不支持的请求方法") : Today(c);
  const std::string& head = parts[0];
  if (!post) {
    if (n == 1 && head == "ledger") return LedgerTable(c);
    if (n == 2 && head == "problems") return Problem(c, parts[1]);
    if (n == 1 && head == "sync") return SyncPage(c);
    if (n == 1 && head == "import") return ImportPage(c);
    if (n == 1 && head == "export.xlsx") return Export(c, "xlsx");
    if (n == 1 && head == "export.csv") return Export(c, "csv");
    if (n == 1 && head == "notice") return Notice(c);
    if (n == 1 && head == "school") return SchoolPage(c);
    if (n == 1 && head == "conflicts") return Conflicts(c);
    return Error(c, 404, "没有这个页面");
  }
  if (n == 3 && head == "problems") return ProblemPost(c, parts[1], parts[2]);
  if (n == 5 && head == "problems" && parts[2] == "measures" && parts[4] == "done")
    return ProblemPost(c, parts[1], "measure-done:" + parts[3]);
  if (n == 2 && head == "undo") return Undo(c, parts[1]);
  if (n == 1 && head == "sync") return SyncPost(c);
  if (n == 2 && head == "bundle" && parts[1] == "export") return BundleExport(c);
  if (n == 2 && head == "bundle" && parts[1] == "import") return BundleImport(c);
  if (n == 2 && head == "import" && parts[1] == "preview") return ImportPreview(c);
  if (n == 2 && head == "import" && parts[1] == "apply") return ImportApply(c);
  if (n == 2 && head == "school") return SchoolPost(c, parts[1]);
  if (n == 3 && head == "conflicts" && parts[2] == "resolve") return ResolveConflict(c, parts[1]);
  return Error(c, 404, "没有这个页面");
}

web::Response DeskApp::Page(Ctx& c, const std::string& tmpl, const std::string& title, json data,
                            int status) {
  (void)c;
  data["csrf"] = csrf_;
  auto body = templates_->Render(tmpl, data);
  if (!body.ok()) return web::Response::Text(500, body.status().ToString());
  json layout = {{"title", title},
                 {"body", *body},
                 {"school", ledger_.school_id()},
                 {"nav", !session_.empty()}};
  if (!flash_.empty()) {
    layout["flash"] = flash_;
    flash_.clear();
  }
  auto page = templates_->Render("layout", layout);
  if (!page.ok()) return web::Response::Text(500, page.status().ToString());
  return web::Response::Html(status, *page);
}

web::Response DeskApp::Error(Ctx& c, int status, const std::string& message) {
  return Page(c, "error", "出错了", json{{"status", status}, {"message", message}}, status);
}

// After a POST: back to `to` with a message (Post/Redirect/Get), or the
// error page if the operation refused.
web::Response DeskApp::Back(Ctx& c, const std::string& to, const Status& st,
                            const std::string& ok_msg) {
  if (!st.ok()) {
    const int code = st.code() == Status::Code::kNotFound             ? 404
                     : st.code() == Status::Code::kPermissionDenied   ? 403
                     : st.code() == Status::Code::kFailedPrecondition ? 409
                     : st.code() == Status::Code::kInvalidArgument    ? 400
                                                                      : 500;
    return Error(c, code, st.message());
  }
  flash_ = ok_msg;
  return web::Response::Redirect(to);
}

}  // namespace rectify
