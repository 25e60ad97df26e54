#include "server/console/console_app.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "shared/stats.h"
#include "shared/token.h"
#include "web/cookie.h"
#include "web/form.h"
#include "web/xlsx.h"

namespace rectify {

using nlohmann::json;

namespace {

constexpr const char* kSessionCookie = "rectify-console";

bool ParseInt(const std::string& s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string Percent(double rate) { return FormatPercent(rate); }

const char* OutcomeLabel(const std::string& o) {
  if (o == "applied") return "已应用";
  if (o == "superseded") return "被覆盖";
  if (o == "rejected") return "已拒绝";
  return "";
}

std::string ValueText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

std::string StatusText(const std::string& code) {
  auto s = ParseStatus(code);
  return s ? std::string(StatusLabel(*s)) : code;
}

web::Table MakeTable(std::string title, std::vector<std::string> columns) {
  web::Table t;
  t.title = std::move(title);
  t.columns = std::move(columns);
  return t;
}

json TableJson(const web::Table& t) {
  return json{{"columns", t.columns}, {"rows", t.rows}};
}

}  // namespace

// Everything one request carries through the handlers.
struct ConsoleApp::Ctx {
  const web::Request& req;
  web::Params query;
  web::Params form;     // urlencoded body, or the JSON body's string members
  bool json_in = false;  // the body was JSON
  bool json_out = false;
  std::optional<SessionView> session;
  std::optional<web::Table> table;  // what ?format=xlsx downloads
  std::vector<std::pair<std::string, std::string>> extra_headers;
};

ConsoleApp::ConsoleApp(Accounts& accounts, DistrictView& view, ConsoleOps& ops,
                       const Clock& clock, ConsoleOptions options)
    : accounts_(accounts),
      view_(view),
      ops_(ops),
      clock_(clock),
      options_(std::move(options)),
      templates_(std::make_unique<web::TemplateSet>()) {
  Status st = AddConsoleTemplates(*templates_);
  if (!st.ok()) throw std::logic_error(st.ToString());  // a broken build, at start-up
}

ConsoleApp::~ConsoleApp() = default;

std::string ConsoleApp::Today() const {
  return options_.today.empty() ? IsoDateAt(clock_.NowMillis(), options_.utc_offset_minutes)
                                : options_.today;
}

std::string ConsoleApp::FormatTime(int64_t unix_ms) const {
  if (unix_ms <= 0) return "";
  const int64_t local = unix_ms + options_.utc_offset_minutes * 60'000;
  const int64_t in_day = ((local % 86'400'000) + 86'400'000) % 86'400'000 / 1000;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", static_cast<int>(in_day / 3600),
                static_cast<int>(in_day / 60 % 60), static_cast<int>(in_day % 60));
  return IsoDateAt(unix_ms, options_.utc_offset_minutes) + " " + buf;
}

web::Response ConsoleApp::Handle(const web::Request& req) {
  Ctx c{req, {}, {}, false, web::WantsJson(req), std::nullopt, std::nullopt, {}};
  auto q = web::ParseForm(req.query);
  if (!q.ok()) return Error(c, 400, q.status().message());
  c.query = std::move(*q);
  if (req.method == "POST") {
    if (req.Header("Content-Type").starts_with("application/json")) {
      c.json_in = true;
      auto j = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded() || !j.is_object()) return Error(c, 400, "the body is not a JSON object");
      for (auto it = j.begin(); it != j.end(); ++it)
        c.form[it.key()] = it.value().is_string() ? it.value().get<std::string>()
                                                  : it.value().dump();
    } else {
      auto f = web::ParseForm(req.body);
      if (!f.ok()) return Error(c, 400, f.status().message());
      c.form = std::move(*f);
    }
  }
  web::Response r = Route(c);
  for (auto& h : c.extra_headers) r.headers.push_back(h);
  return r;
}

web::Response ConsoleApp::Route(Ctx& c) {
  const auto parts = web::SplitPath(c.req.path);
  const bool get = c.req.method == "GET" || c.req.method == "HEAD";
  const bool post = c.req.method == "POST";
  if (!get && !post) return Error(c, 405, "method not allowed");
  if (parts.size() == 1 && parts[0] == "login") return Login(c);
  if (parts.size() == 1 && parts[0] == "enrol") return Enrol(c);
  if (parts.size() == 1 && parts[0] == "style.css") {
    auto css = templates_->Render("style.css", json::object());
    web::Response r = web::Response::Text(200, css.ok() ? *css : "");
    r.headers[0].second = "text/css; charset=utf-8";
    return r;
  }

  // Everything else needs a session.
  auto session = accounts_.Resume(web::ReadCookie(c.req, kSessionCookie));
  if (!session.ok()) {
    if (c.json_out || c.json_in) return Error(c, 401, "log in first (POST /login)");
    return web::Response::Redirect("/login");
  }
  c.session = std::move(*session);
  if (post) {
    // CSRF: every state-changing request carries the session's token.
    std::string token = c.req.Header("X-CSRF-Token");
    if (token.empty()) token = web::Get(c.form, "csrf");
    if (!TokenEquals(token, c.session->csrf))
      return Error(c, 403, "missing or wrong CSRF token");
    if (parts.size() == 1 && parts[0] == "logout") return Logout(c);
    if (c.session->read_only()) return Error(c, 403, "a viewer account cannot change anything");
  }

  if (parts.empty()) return get ? Overview(c) : Error(c, 405, "method not allowed");
  if (parts.size() == 1 && parts[0] == "overdue") return Overdue(c);
  if (parts[0] != "schools" || parts.size() < 2) return Error(c, 404, "no such page");
  const std::string& id = parts[1];
  // Another school's URL looks exactly like a school that does not exist.
  if (!c.session->MaySee(id)) return Error(c, 404, "no such school");
  auto schools = view_.Schools();
  if (!schools.ok()) return FromStatus(c, schools.status());
  if (!std::binary_search(schools->begin(), schools->end(), id))
    return Error(c, 404, "no such school");
  if (parts.size() == 2 && get) return School(c, id);
  if (parts[2] == "problems" && parts.size() >= 4) {
    int64_t n = 0;
    if (!ParseInt(parts[3], &n)) return Error(c, 404, "no such problem");
    if (parts.size() == 4 && get) return Problem(c, id, static_cast<int>(n));
    if (parts.size() == 5 && post) return ProblemAction(c, id, static_cast<int>(n), parts[4]);
  }
  if (parts[2] == "conflicts") {
    if (parts.size() == 3 && get) return Conflicts(c, id);
    int64_t cid = 0;
    if (parts.size() == 5 && post && parts[4] == "resolve" && ParseInt(parts[3], &cid))
      return ResolveConflict(c, id, static_cast<uint64_t>(cid));
  }
  if (parts.size() == 3 && parts[2] == "rejected" && get) return Rejected(c, id);
  if (parts[2] == "audit" && get && parts.size() <= 4)
    return Audit(c, id, parts.size() == 4 ? parts[3] : "");
  return Error(c, 404, "no such page");
}

web::Response ConsoleApp::Page(Ctx& c, const std::string& tmpl, const std::string& title,
                               json data, int status) {
  if (c.table && web::Get(c.query, "format") == "xlsx") {
    auto bytes = web::TableToXlsx(*c.table);
    if (!bytes.ok()) return Error(c, 500, bytes.status().message());
    return web::Response::Download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        c.table->title + ".xlsx", std::move(*bytes));
  }
  if (c.json_out) {
    if (c.table) data["table"] = TableJson(*c.table);
    return web::Response::Json(status, data.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  auto body = templates_->Render(tmpl, data);
  if (!body.ok()) return web::Response::Text(500, body.status().message());
  json layout{{"title", title}, {"body", *body}, {"has_table", c.table.has_value()}};
  if (c.session) {
    layout["user"] = c.session->account.name;
    layout["role"] = c.session->read_only() ? "只读" : "巡察办";
    layout["csrf"] = c.session->csrf;
  }
  std::string xlsx = c.req.path + "?" + c.req.query + (c.req.query.empty() ? "" : "&") +
                     "format=xlsx";
  layout["xlsx_link"] = xlsx;
  auto html = templates_->Render("layout", layout);
  if (!html.ok()) return web::Response::Text(500, html.status().message());
  return web::Response::Html(status, std::move(*html));
}

web::Response ConsoleApp::Error(Ctx& c, int status, const std::string& message) {
  if (c.json_out || c.json_in)
    return web::Response::Json(status, json{{"error", message}}.dump());
  c.table.reset();
  return Page(c, "error", "错误", json{{"status", status}, {"message", message}}, status);
}

web::Response ConsoleApp::FromStatus(Ctx& c, const Status& st) {
  switch (st.code()) {
    case Status::Code::kNotFound: return Error(c, 404, st.message());
    case Status::Code::kInvalidArgument: return Error(c, 400, st.message());
    case Status::Code::kPermissionDenied: return Error(c, 403, st.message());
    case Status::Code::kUnavailable: return Error(c, 429, st.message());
    default: return Error(c, 500, st.message());
  }
}

// ---- login, logout, enrolment ----

web::Response ConsoleApp::Login(Ctx& c) {
  if (c.req.method != "POST")
    return Page(c, "login", "登录", json{{"message", web::Get(c.query, "m")}});
  const std::string name = web::Get(c.form, "name");
  auto ticket = accounts_.Login(name, web::Get(c.form, "password"));
  if (!ticket.ok()) {
    const int status = ticket.status().code() == Status::Code::kUnavailable ? 429 : 401;
    if (c.json_out || c.json_in) return Error(c, status, ticket.status().message());
    const std::string msg = status == 429 ? "密码错误次数过多，请稍后再试" : "用户名或密码错误";
    return Page(c, "login", "登录", json{{"message", msg}, {"name", name}}, status);
  }
  c.extra_headers.emplace_back("Set-Cookie",
                               web::SetCookieValue(kSessionCookie, ticket->session_id));
  if (c.json_out || c.json_in)
    return web::Response::Json(200, json{{"ok", true}, {"name", name}, {"csrf", ticket->csrf}}.dump());
  return web::Response::Redirect("/");
}

web::Response ConsoleApp::Logout(Ctx& c) {
  (void)accounts_.Logout(web::ReadCookie(c.req, kSessionCookie));
  c.extra_headers.emplace_back("Set-Cookie", web::SetCookieValue(kSessionCookie, "", 0));
  if (c.json_out || c.json_in) return web::Response::Json(200, json{{"ok", true}}.dump());
  return web::Response::Redirect("/login");
}

web::Response ConsoleApp::Enrol(Ctx& c) {
  const std::string token =
      c.req.method == "POST" ? web::Get(c.form, "token") : web::Get(c.query, "token");
  auto name = accounts_.CheckEnrolment(token);
  if (!name.ok()) return Error(c, 404, "此链接已使用、已过期或无效 (" + name.status().message() + ")");
  json data{{"token", token}, {"name", *name}};
  if (c.req.method != "POST") return Page(c, "enrol", "设置密码", data);
  const std::string pw = web::Get(c.form, "password");
  if (!c.json_in && pw != web::Get(c.form, "password2")) {
    data["message"] = "两次输入的密码不一致";
    return Page(c, "enrol", "设置密码", data, 400);
  }
  Status st = accounts_.Enrol(token, pw);
  if (!st.ok()) {
    if (c.json_out || c.json_in) return FromStatus(c, st);
    data["message"] = st.code() == Status::Code::kInvalidArgument ? "密码至少8个字符" : st.message();
    return Page(c, "enrol", "设置密码", data, 400);
  }
  if (c.json_out || c.json_in) return web::Response::Json(200, json{{"ok", true}}.dump());
  return web::Response::Redirect("/login?m=" + web::UrlEncode("密码已设置，请登录"));
}

// ---- pages ----

web::Response ConsoleApp::Overview(Ctx& c) {
  auto schools = view_.Schools();
  if (!schools.ok()) return FromStatus(c, schools.status());
  const std::string today = Today();
  const std::string filter = web::Get(c.query, "q");
  const std::string only = web::Get(c.query, "only");  // "red" | "yellow"
  std::string sort = web::Get(c.query, "sort");
  const bool desc = web::Get(c.query, "order") == "desc";
  std::vector<SchoolSummary> rows;
  for (const auto& id : *schools) {
    if (!c.session->MaySee(id)) continue;
    auto s = view_.Summary(id, today);
    if (!s.ok()) return FromStatus(c, s.status());
    if (!filter.empty() && s->id.find(filter) == std::string::npos &&
        s->name.find(filter) == std::string::npos)
      continue;
    if (only == "red" && s->red == 0) continue;
    if (only == "yellow" && s->yellow == 0) continue;
    rows.push_back(std::move(*s));
  }
  auto key = [&](const SchoolSummary& s) -> std::tuple<double, std::string> {
    if (sort == "rate") return {s.stats.completion_rate, s.id};
    if (sort == "red") return {s.red, s.id};
    if (sort == "yellow") return {s.yellow, s.id};
    if (sort == "sync") return {static_cast<double>(s.last_sync_ms), s.id};
    if (sort == "log") return {static_cast<double>(s.log_size), s.id};
    if (sort == "name") return {0, s.name + "\x01" + s.id};
    return {0, s.id};
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
    return desc ? key(b) < key(a) : key(a) < key(b);
  });
  web::Table t = MakeTable("全区学校", {"学校编号", "学校", "问题总数", "未开始", "推进中",
                                        "已完成", "长期坚持", "已销号", "完成率", "红色预警",
                                        "黄色预警", "最近同步", "日志条数", "校验"});
  json items = json::array();
  int total = 0, red = 0, yellow = 0;
  for (const auto& s : rows) {
    const std::string badge = s.verification == "ok"        ? "已校验"
                              : s.verification == "unchecked" ? "未校验"
                                                              : "校验失败";
    t.rows.push_back({s.id, s.name, std::to_string(s.stats.total),
                      std::to_string(s.stats.not_started), std::to_string(s.stats.in_progress),
                      std::to_string(s.stats.completed), std::to_string(s.stats.long_term),
                      std::to_string(s.stats.verified), Percent(s.stats.completion_rate),
                      std::to_string(s.red), std::to_string(s.yellow), FormatTime(s.last_sync_ms),
                      std::to_string(s.log_size), badge});
    items.push_back(json{{"id", s.id},
                         {"name", s.name},
                         {"stats", StatsToJson(s.stats)},
                         {"completion_percent", Percent(s.stats.completion_rate)},
                         {"red", s.red},
                         {"yellow", s.yellow},
                         {"any_red", s.red > 0},
                         {"any_yellow", s.yellow > 0},
                         {"last_sync", FormatTime(s.last_sync_ms)},
                         {"last_sync_ms", s.last_sync_ms},
                         {"log_size", s.log_size},
                         {"verification", s.verification},
                         {"badge", badge},
                         {"badge_ok", s.verification == "ok"},
                         {"badge_bad", s.verification.starts_with("failed")}});
    total += s.stats.total;
    red += s.red;
    yellow += s.yellow;
  }
  c.table = std::move(t);
  json sorts = json::array();
  for (const auto& [k, label] : std::vector<std::pair<std::string, std::string>>{
           {"id", "编号"}, {"name", "学校"}, {"rate", "完成率"}, {"red", "红色预警"},
           {"yellow", "黄色预警"}, {"sync", "最近同步"}, {"log", "日志条数"}})
    sorts.push_back(json{{"key", k}, {"label", label}, {"selected", k == sort}});
  return Page(c, "overview", "全区巡察整改总览",
              json{{"today", today},
                   {"schools", items},
                   {"count", items.size()},
                   {"problems", total},
                   {"red", red},
                   {"yellow", yellow},
                   {"q", filter},
                   {"only_red", only == "red"},
                   {"only_yellow", only == "yellow"},
                   {"desc", desc},
                   {"sorts", sorts}});
}

web::Response ConsoleApp::Overdue(Ctx& c) {
  auto schools = view_.Schools();
  if (!schools.ok()) return FromStatus(c, schools.status());
  const std::string today = Today();
  web::Table t = MakeTable("督办清单", {"预警", "学校", "序号", "问题", "整改时限", "剩余天数",
                                        "责任部门", "责任人"});
  json items = json::array();
  for (const auto& id : *schools) {
    if (!c.session->MaySee(id)) continue;
    auto snap = view_.Ledger(id);
    if (!snap.ok()) return FromStatus(c, snap.status());
    for (const auto& d : ComputeDue(*snap, today)) {
      if (d.color == DueColor::kGreen) continue;
      const bool is_red = d.color == DueColor::kRed;
      const std::string school = snap->school.name.empty() ? id : snap->school.name;
      t.rows.push_back({is_red ? "红" : "黄", school, std::to_string(d.number), d.title,
                        d.deadline, std::to_string(d.days_left), d.department, d.person});
      items.push_back(json{{"red", is_red},
                           {"school_id", id},
                           {"school", school},
                           {"number", d.number},
                           {"title", d.title},
                           {"deadline", d.deadline},
                           {"days_left", d.days_left},
                           {"department", d.department},
                           {"person", d.person}});
    }
  }
  c.table = std::move(t);
  return Page(c, "overdue", "督办清单", json{{"today", today}, {"items", items}});
}

web::Response ConsoleApp::School(Ctx& c, const std::string& id) {
  auto snap = view_.Ledger(id);
  if (!snap.ok()) return FromStatus(c, snap.status());
  const std::string today = Today();
  std::map<int, DueColor> colors;
  for (const auto& d : ComputeDue(*snap, today)) colors[d.number] = d.color;
  const std::string f_status = web::Get(c.query, "status");
  const std::string f_dept = web::Get(c.query, "department");
  const std::string f_cat = web::Get(c.query, "category");
  const bool f_overdue = web::Get(c.query, "overdue") == "1";
  std::optional<ProblemStatus> want;
  if (!f_status.empty()) {
    want = ParseStatus(f_status);
    if (!want) return Error(c, 400, "unknown status '" + f_status + "'");
  }
  std::map<std::string, std::string> aspect_title, category_title;
  for (const auto& a : snap->aspects) {
    aspect_title[a.id] = a.title;
    for (const auto& cat : a.categories) category_title[cat.id] = cat.title;
  }
  web::Table t = MakeTable(id + " 整改台账", {"序号", "方面", "类别", "问题", "整改类型", "整改状态",
                                              "整改时限", "责任部门", "责任人", "预警"});
  json problems = json::array();
  for (const auto& p : snap->problems) {
    if (want && p.status != *want) continue;
    if (!f_dept.empty() && p.department != f_dept) continue;
    if (!f_cat.empty() && category_title[p.category_id] != f_cat) continue;
    auto color = colors.find(p.number);
    const bool red = color != colors.end() && color->second == DueColor::kRed;
    const bool yellow = color != colors.end() && color->second == DueColor::kYellow;
    if (f_overdue && !red) continue;
    const std::string warn = red ? "红" : yellow ? "黄" : "";
    t.rows.push_back({std::to_string(p.number), aspect_title[p.aspect_id],
                      category_title[p.category_id], p.title, std::string(KindLabel(p.kind)),
                      std::string(StatusLabel(p.status)), p.deadline, p.department, p.person,
                      warn});
    problems.push_back(json{{"number", p.number},
                            {"aspect", aspect_title[p.aspect_id]},
                            {"category", category_title[p.category_id]},
                            {"title", p.title},
                            {"kind", KindLabel(p.kind)},
                            {"status", StatusCode(p.status)},
                            {"status_label", StatusLabel(p.status)},
                            {"deadline", p.deadline},
                            {"department", p.department},
                            {"person", p.person},
                            {"red", red},
                            {"yellow", yellow}});
  }
  c.table = std::move(t);
  const LedgerStats stats = ComputeStats(*snap);
  json statuses = json::array();
  for (auto s : {ProblemStatus::kNotStarted, ProblemStatus::kInProgress, ProblemStatus::kCompleted,
                 ProblemStatus::kLongTerm, ProblemStatus::kVerified})
    statuses.push_back(json{{"code", StatusCode(s)},
                            {"label", StatusLabel(s)},
                            {"selected", want && *want == s}});
  json aspects = json::array();
  for (const auto& a : snap->aspects) {
    json cats = json::array();
    for (const auto& cat : a.categories) cats.push_back(cat.title);
    aspects.push_back(json{{"ordinal", a.ordinal}, {"title", a.title}, {"categories", cats}});
  }
  return Page(c, "school", snap->school.name.empty() ? id : snap->school.name,
              json{{"id", id},
                   {"name", snap->school.name},
                   {"inspection", snap->inspection.group_name},
                   {"stats", StatsToJson(stats)},
                   {"completion_percent", Percent(stats.completion_rate)},
                   {"rule_text", stats.rule == "strict" ? "严格口径" : "默认口径"},
                   {"warn_days", snap->warn_days},
                   {"today", today},
                   {"aspects", aspects},
                   {"problems", problems},
                   {"statuses", statuses},
                   {"department", f_dept},
                   {"category", f_cat},
                   {"overdue", f_overdue}});
}

web::Response ConsoleApp::Problem(Ctx& c, const std::string& id, int number) {
  auto d = view_.Problem(id, number);
  if (!d.ok()) return FromStatus(c, d.status());
  auto history = view_.AuditQuery(id, "history", d->info.id);
  if (!history.ok()) return FromStatus(c, history.status());
  web::Table t = MakeTable(id + " 问题" + std::to_string(number) + " 历史",
                           {"时间", "作者", "设备", "角色", "对象", "改动", "结果", "原因"});
  json timeline = json::array();
  for (const auto& leaf : (*history)["leaves"]) {
    std::string changes;
    json fields = json::array();
    for (auto it = leaf["fields"].begin(); it != leaf["fields"].end(); ++it) {
      std::string v = ValueText(it.value());
      if (it.key() == "status") v = StatusText(v);
      changes += (changes.empty() ? "" : "；") + it.key() + "=" + v;
      fields.push_back(json{{"field", it.key()}, {"value", v}});
    }
    const std::string when = FormatTime(leaf["server_time_ms"].get<int64_t>());
    const std::string outcome = leaf["outcome"].get<std::string>();
    t.rows.push_back({when, leaf["author"], leaf["device"], leaf["role"], leaf["entity"], changes,
                      OutcomeLabel(outcome), leaf["reason"]});
    timeline.push_back(json{{"when", when},
                            {"author", leaf["author"]},
                            {"device", leaf["device"]},
                            {"role", leaf["role"]},
                            {"entity", leaf["entity"]},
                            {"fields", fields},
                            {"outcome", outcome},
                            {"outcome_label", OutcomeLabel(outcome)},
                            {"rejected", outcome == "rejected"},
                            {"reason", leaf["reason"]},
                            {"index", leaf["index"]}});
  }
  json conflicts = json::array();
  for (const auto& cf : (*history)["conflicts"])
    conflicts.push_back(json{{"id", cf["id"]},
                             {"field", cf["field"]},
                             {"winner", ValueText(cf["winner"]["value"])},
                             {"winner_author", cf["winner"]["author"]},
                             {"loser", ValueText(cf["loser"]["value"])},
                             {"loser_author", cf["loser"]["author"]}});
  c.table = std::move(t);
  const ProblemInfo& p = d->info;
  json measures = json::array();
  for (const auto& m : p.measures)
    measures.push_back(json{{"ordinal", m.ordinal}, {"text", m.text}, {"owner", m.owner},
                            {"deadline", m.deadline}, {"done_date", m.done_date}});
  const bool auditor = !c.session->read_only();
  return Page(c, "problem", "问题 " + std::to_string(number),
              json{{"school", id},
                   {"number", p.number},
                   {"title", p.title},
                   {"detail", p.detail},
                   {"aspect", d->aspect_title},
                   {"category", d->category_title},
                   {"kind", KindLabel(p.kind)},
                   {"status", StatusCode(p.status)},
                   {"status_label", StatusLabel(p.status)},
                   {"status_reason", d->status_reason},
                   {"deadline", p.deadline},
                   {"department", p.department},
                   {"person", p.person},
                   {"result", p.result},
                   {"measures", measures},
                   {"notes", d->notes},
                   {"evidence", d->evidence},
                   {"history", timeline},
                   {"conflicts", conflicts},
                   {"has_conflicts", !conflicts.empty()},
                   {"can_verify", auditor && p.status != ProblemStatus::kVerified},
                   {"can_reopen", auditor && (p.status == ProblemStatus::kVerified ||
                                              p.status == ProblemStatus::kCompleted)},
                   {"csrf", c.session->csrf},
                   {"message", web::Get(c.query, "m")}});
}

web::Response ConsoleApp::ProblemAction(Ctx& c, const std::string& id, int number,
                                        const std::string& verb) {
  if (verb != "verify" && verb != "reopen") return Error(c, 404, "no such action");
  // 销号 and 回头看 ask for the password again.
  Status pw = accounts_.Reauthenticate(c.session->account.name, web::Get(c.form, "password"));
  if (!pw.ok()) {
    if (pw.code() == Status::Code::kUnavailable) return Error(c, 429, pw.message());
    return Error(c, 403, "密码错误 (wrong password)");
  }
  const std::string& who = c.session->account.name;
  auto r = verb == "verify"
               ? ops_.Verify(who, id, number, c.req.remote)
               : ops_.Reopen(who, id, number, web::Get(c.form, "reason"), c.req.remote);
  if (!r.ok()) return FromStatus(c, r.status());
  if (c.json_out || c.json_in)
    return web::Response::Json(r->outcome == "rejected" ? 409 : 200,
                               json{{"outcome", r->outcome},
                                    {"reason", r->reason},
                                    {"server_seq", r->server_seq}}
                                   .dump());
  const std::string msg = r->outcome == "applied"
                              ? (verb == "verify" ? "已销号" : "已回头看，问题重新打开")
                              : std::string(OutcomeLabel(r->outcome)) + "：" + r->reason;
  return web::Response::Redirect("/schools/" + web::UrlEncode(id) + "/problems/" +
                                 std::to_string(number) + "?m=" + web::UrlEncode(msg));
}

web::Response ConsoleApp::Conflicts(Ctx& c, const std::string& id) {
  auto all = view_.AuditQuery(id, "conflicts", "");
  if (!all.ok()) return FromStatus(c, all.status());
  web::Table t = MakeTable(id + " 冲突", {"编号", "对象", "行", "字段", "保留值", "保留方",
                                          "落选值", "落选方"});
  json items = json::array();
  for (const auto& cf : *all) {
    const std::string winner = ValueText(cf["winner"]["value"]);
    const std::string loser = ValueText(cf["loser"]["value"]);
    t.rows.push_back({std::to_string(cf["id"].get<uint64_t>()), cf["entity"], cf["row"],
                      cf["field"], winner, cf["winner"]["author"], loser, cf["loser"]["author"]});
    items.push_back(json{{"id", cf["id"]},
                         {"entity", cf["entity"]},
                         {"row", cf["row"]},
                         {"field", cf["field"]},
                         {"winner", winner},
                         {"winner_author", cf["winner"]["author"]},
                         {"loser", loser},
                         {"loser_author", cf["loser"]["author"]}});
  }
  c.table = std::move(t);
  return Page(c, "conflicts", id + " 冲突",
              json{{"school", id},
                   {"items", items},
                   {"can_resolve", !c.session->read_only()},
                   {"csrf", c.session->csrf},
                   {"message", web::Get(c.query, "m")}});
}

web::Response ConsoleApp::ResolveConflict(Ctx& c, const std::string& id, uint64_t conflict_id) {
  const std::string value = web::Get(c.form, "value");
  auto r = ops_.ResolveConflict(c.session->account.name, id, conflict_id, value, c.req.remote);
  if (!r.ok()) return FromStatus(c, r.status());
  if (c.json_out || c.json_in)
    return web::Response::Json(200, json{{"outcome", r->outcome}, {"reason", r->reason}}.dump());
  return web::Response::Redirect("/schools/" + web::UrlEncode(id) + "/conflicts?m=" +
                                 web::UrlEncode(std::string("冲突已处理：") +
                                                OutcomeLabel(r->outcome)));
}

web::Response ConsoleApp::Rejected(Ctx& c, const std::string& id) {
  auto all = view_.AuditQuery(id, "rejected", "");
  if (!all.ok()) return FromStatus(c, all.status());
  web::Table t = MakeTable(id + " 被拒绝的操作", {"日志序号", "时间", "作者", "设备", "对象",
                                                  "改动", "原因"});
  json items = json::array();
  for (const auto& leaf : *all) {
    std::string changes;
    for (auto it = leaf["fields"].begin(); it != leaf["fields"].end(); ++it)
      changes += (changes.empty() ? "" : "；") + it.key() + "=" + ValueText(it.value());
    const std::string when = FormatTime(leaf["server_time_ms"].get<int64_t>());
    t.rows.push_back({std::to_string(leaf["index"].get<uint64_t>()), when, leaf["author"],
                      leaf["device"], leaf["entity"], changes, leaf["reason"]});
    items.push_back(json{{"index", leaf["index"]}, {"when", when}, {"author", leaf["author"]},
                         {"device", leaf["device"]}, {"entity", leaf["entity"]},
                         {"changes", changes}, {"reason", leaf["reason"]}});
  }
  c.table = std::move(t);
  return Page(c, "rejected", id + " 被拒绝的操作", json{{"school", id}, {"items", items}});
}

web::Response ConsoleApp::Audit(Ctx& c, const std::string& id, const std::string& part) {
  if (part == "leaves.jsonl") {
    auto text = view_.ExportText(id);
    if (!text.ok()) return FromStatus(c, text.status());
    return web::Response::Download("application/x-ndjson", id + "-leaves.jsonl",
                                   std::move(*text));
  }
  auto cp = view_.Checkpoint(id);
  if (!cp.ok()) return FromStatus(c, cp.status());
  if (part == "checkpoint") {
    if (!*cp) return Error(c, 404, "no checkpoint yet");
    return web::Response::Download("text/plain; charset=utf-8", id + "-checkpoint.txt",
                                   (*cp)->note);
  }
  if (!part.empty()) return Error(c, 404, "no such page");
  auto verdict = view_.Verify(id);
  if (!verdict.ok()) return FromStatus(c, verdict.status());
  auto summary = view_.Summary(id, Today());
  if (!summary.ok()) return FromStatus(c, summary.status());
  return Page(c, "audit", id + " 审计日志",
              json{{"school", id},
                   {"log_size", summary->log_size},
                   {"checkpoint_size", summary->checkpoint_size},
                   {"checkpoint", *cp ? (*cp)->note : ""},
                   {"verification", *verdict},
                   {"verified", *verdict == "ok"},
                   {"last_sync", FormatTime(summary->last_sync_ms)}});
}

}  // namespace rectify
