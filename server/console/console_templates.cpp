// The console's pages (docs/console.md). Every {{value}} is HTML-escaped by
// mustache; the only triple mustache is the layout's {{{body}}}, which is a
// page this file rendered. No script: every action is a plain form.
#include "server/console/console_app.h"

namespace rectify {

namespace {

constexpr const char* kLayout = R"html(<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · 巡察整改督办平台</title>
<link rel="stylesheet" href="/style.css"></head>
<body>
<header class="noprint"><a class="brand" href="/">巡察整改督办平台</a>
{{#user}}<nav><a href="/">全区总览</a> <a href="/overdue">督办清单</a></nav>
<form class="logout" method="post" action="/logout"><input type="hidden" name="csrf" value="{{csrf}}">
<span>{{user}}（{{role}}）</span> <button type="submit">退出</button></form>{{/user}}
</header>
<main>
<h1>{{title}}</h1>
{{{body}}}
{{#has_table}}<p class="noprint"><a class="xlsx" href="{{xlsx_link}}">下载 Excel (.xlsx)</a></p>{{/has_table}}
</main>
</body></html>
)html";

constexpr const char* kStyle = R"css(
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#222}
header{background:#a31b1b;color:#fff;padding:.5em 1em;display:flex;gap:1.5em;align-items:center}
header a{color:#fff;text-decoration:none;margin-right:1em}.brand{font-weight:bold}
.logout{margin-left:auto}main{padding:1em 2em}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.red{background:#f8d0d0}.yellow{background:#fff3c0}
.ok{color:#176b17}.bad{color:#a31b1b;font-weight:bold}.msg{background:#eef6ee;border:1px solid #9c9;padding:.5em}
.err{background:#fbeaea;border:1px solid #c99;padding:.5em}.timeline li{margin:.4em 0}
fieldset{margin:.5em 0}pre{white-space:pre-wrap;word-break:break-all}
@media print{.noprint{display:none}header{display:none}a{color:#000;text-decoration:none}}
)css";

constexpr const char* kLogin = R"html(
{{#message}}<p class="err" id="message">{{message}}</p>{{/message}}
<form method="post" action="/login">
<p><label>用户名 <input name="name" value="{{name}}" autocomplete="username" required></label></p>
<p><label>密码 <input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">登录</button></p></form>
)html";

constexpr const char* kEnrol = R"html(
<p>为账号 <strong id="account">{{name}}</strong> 设置密码（此链接只能使用一次）。</p>
{{#message}}<p class="err">{{message}}</p>{{/message}}
<form method="post" action="/enrol"><input type="hidden" name="token" value="{{token}}">
<p><label>新密码 <input name="password" type="password" autocomplete="new-password" minlength="8" required></label></p>
<p><label>再输入一次 <input name="password2" type="password" autocomplete="new-password" minlength="8" required></label></p>
<p><button type="submit">设置密码</button></p></form>
)html";

constexpr const char* kError =
    R"html(<p class="err">{{status}}：{{message}}</p><p><a href="/">返回总览</a></p>)html";

constexpr const char* kOverview = R"html(
<p>日期 {{today}} · 学校 <span id="school-count">{{count}}</span> 所 · 问题 {{problems}} 个 ·
<span class="red">红色预警 {{red}}</span> · <span class="yellow">黄色预警 {{yellow}}</span></p>
<form class="noprint" method="get" action="/">
<label>查找 <input name="q" value="{{q}}"></label>
<label>排序 <select name="sort">{{#sorts}}<option value="{{key}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/sorts}}</select></label>
<label><input type="checkbox" name="order" value="desc"{{#desc}} checked{{/desc}}> 倒序</label>
<label><input type="radio" name="only" value=""> 全部</label>
<label><input type="radio" name="only" value="red"{{#only_red}} checked{{/only_red}}> 仅红色预警</label>
<label><input type="radio" name="only" value="yellow"{{#only_yellow}} checked{{/only_yellow}}> 仅黄色预警</label>
<button type="submit">筛选</button></form>
<table id="schools"><thead><tr><th>学校编号</th><th>学校</th><th>问题总数</th><th>未开始</th><th>推进中</th><th>已完成</th><th>长期坚持</th><th>已销号</th><th>完成率</th><th>红色预警</th><th>黄色预警</th><th>最近同步</th><th>日志条数</th><th>校验</th></tr></thead><tbody>
{{#schools}}<tr data-school="{{id}}"><td><a href="/schools/{{id}}">{{id}}</a></td><td><a href="/schools/{{id}}">{{name}}</a></td>
<td class="total">{{stats.total}}</td><td>{{stats.not_started}}</td><td>{{stats.in_progress}}</td><td>{{stats.completed}}</td><td>{{stats.long_term}}</td><td class="verified">{{stats.verified}}</td>
<td class="rate">{{completion_percent}}</td><td{{#any_red}} class="red"{{/any_red}}>{{red}}</td><td{{#any_yellow}} class="yellow"{{/any_yellow}}>{{yellow}}</td>
<td>{{last_sync}}</td><td>{{log_size}}</td><td class="{{#badge_ok}}ok{{/badge_ok}}{{#badge_bad}}bad{{/badge_bad}}"><a href="/schools/{{id}}/audit">{{badge}}</a></td></tr>
{{/schools}}</tbody></table>
)html";

constexpr const char* kOverdue = R"html(
<p>督办清单 · 日期 {{today}} · 红色：已逾期；黄色：临近整改时限</p>
<table id="overdue"><thead><tr><th>预警</th><th>学校</th><th>序号</th><th>问题</th><th>整改时限</th><th>剩余天数</th><th>责任部门</th><th>责任人</th></tr></thead><tbody>
{{#items}}<tr class="{{#red}}red{{/red}}{{^red}}yellow{{/red}}"><td>{{#red}}红{{/red}}{{^red}}黄{{/red}}</td><td><a href="/schools/{{school_id}}">{{school}}</a></td>
<td><a href="/schools/{{school_id}}/problems/{{number}}">{{number}}</a></td><td>{{title}}</td><td>{{deadline}}</td><td>{{days_left}}</td><td>{{department}}</td><td>{{person}}</td></tr>
{{/items}}</tbody></table>
)html";

constexpr const char* kSchool = R"html(
<p>学校编号 {{id}} · {{inspection}} · 完成率 <strong id="rate">{{completion_percent}}</strong>（{{rule_text}}）· 预警窗口 {{warn_days}} 天</p>
<p class="noprint"><a href="/schools/{{id}}/conflicts">冲突</a> · <a href="/schools/{{id}}/rejected">被拒绝的操作</a> · <a href="/schools/{{id}}/audit">审计日志</a></p>
<p>共 {{stats.total}} 个：未开始 {{stats.not_started}} · 推进中 {{stats.in_progress}} · 已完成 {{stats.completed}} · 长期坚持 {{stats.long_term}} · 已销号 {{stats.verified}}</p>
<details><summary>方面与类别</summary><ol>{{#aspects}}<li>{{title}}<ul>{{#categories}}<li>{{.}}</li>{{/categories}}</ul></li>{{/aspects}}</ol></details>
<form class="noprint" method="get" action="/schools/{{id}}">
<label>状态 <select name="status"><option value="">全部</option>{{#statuses}}<option value="{{code}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statuses}}</select></label>
<label>责任部门 <input name="department" value="{{department}}"></label>
<label>类别 <input name="category" value="{{category}}"></label>
<label><input type="checkbox" name="overdue" value="1"{{#overdue}} checked{{/overdue}}> 仅逾期</label>
<button type="submit">筛选</button></form>
<table id="problems"><thead><tr><th>序号</th><th>方面</th><th>类别</th><th>问题</th><th>整改类型</th><th>整改状态</th><th>整改时限</th><th>责任部门</th><th>责任人</th><th>预警</th></tr></thead><tbody>
{{#problems}}<tr class="{{#red}}red{{/red}}{{#yellow}}yellow{{/yellow}}" data-number="{{number}}"><td>{{number}}</td><td>{{aspect}}</td><td>{{category}}</td>
<td><a href="/schools/{{id}}/problems/{{number}}">{{title}}</a></td><td>{{kind}}</td><td class="status">{{status_label}}</td><td>{{deadline}}</td><td>{{department}}</td><td>{{person}}</td>
<td>{{#red}}红{{/red}}{{#yellow}}黄{{/yellow}}</td></tr>
{{/problems}}</tbody></table>
)html";

constexpr const char* kProblem = R"html(
{{#message}}<p class="msg" id="message">{{message}}</p>{{/message}}
<p><a href="/schools/{{school}}">返回 {{school}} 台账</a></p>
<table class="fields"><tbody>
<tr><th>序号</th><td>{{number}}</td></tr><tr><th>方面</th><td>{{aspect}}</td></tr><tr><th>类别</th><td>{{category}}</td></tr>
<tr><th>问题</th><td id="title">{{title}}</td></tr><tr><th>问题详情</th><td>{{detail}}</td></tr>
<tr><th>整改类型</th><td>{{kind}}</td></tr><tr><th>整改状态</th><td id="status">{{status_label}}</td></tr>
{{#status_reason}}<tr><th>状态说明</th><td>{{status_reason}}</td></tr>{{/status_reason}}
<tr><th>整改时限</th><td>{{deadline}}</td></tr><tr><th>责任部门</th><td>{{department}}</td></tr><tr><th>责任人</th><td>{{person}}</td></tr>
<tr><th>整改结果</th><td>{{result}}</td></tr></tbody></table>
<h2>整改措施</h2><ol>{{#measures}}<li>{{text}}{{#owner}}（{{owner}}）{{/owner}}{{#deadline}} 时限 {{deadline}}{{/deadline}}{{#done_date}} 完成于 {{done_date}}{{/done_date}}</li>{{/measures}}</ol>
<h2>进展记录</h2><ul>{{#notes}}<li>{{date}} {{author}}：{{text}}</li>{{/notes}}</ul>
<h2>佐证材料</h2><ul>{{#evidence}}<li>{{name}}（{{size}} 字节，SHA-256 {{sha256}}）</li>{{/evidence}}</ul>
{{#can_verify}}<form class="noprint" id="verify" method="post" action="/schools/{{school}}/problems/{{number}}/verify">
<fieldset><legend>销号</legend><input type="hidden" name="csrf" value="{{csrf}}">
<label>再次输入密码 <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">销号</button></fieldset></form>{{/can_verify}}
{{#can_reopen}}<form class="noprint" id="reopen" method="post" action="/schools/{{school}}/problems/{{number}}/reopen">
<fieldset><legend>回头看（重新打开）</legend><input type="hidden" name="csrf" value="{{csrf}}">
<label>原因 <input name="reason" required></label>
<label>再次输入密码 <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">回头看</button></fieldset></form>{{/can_reopen}}
<h2>历史（审计日志）</h2>
<ol class="timeline" id="history">{{#history}}<li{{#rejected}} class="red"{{/rejected}}>#{{index}} {{when}} · {{author}} · 设备 {{device}}（{{role}}）· {{entity}} ·
{{#fields}}<code>{{field}}={{value}}</code> {{/fields}}· <strong>{{outcome_label}}</strong>{{#reason}}（{{reason}}）{{/reason}}</li>{{/history}}</ol>
{{#has_conflicts}}<h2>冲突</h2>{{/has_conflicts}}<ul>{{#conflicts}}<li>字段 {{field}}：保留「{{winner}}」（{{winner_author}}），落选「{{loser}}」（{{loser_author}}）</li>{{/conflicts}}</ul>
)html";

constexpr const char* kConflicts = R"html(
{{#message}}<p class="msg">{{message}}</p>{{/message}}
<p><a href="/schools/{{school}}">返回 {{school}} 台账</a></p>
<table id="conflicts"><thead><tr><th>编号</th><th>对象</th><th>字段</th><th>保留值</th><th>落选值</th><th class="noprint">处理</th></tr></thead><tbody>
{{#items}}<tr><td>{{id}}</td><td>{{entity}} {{row}}</td><td>{{field}}</td><td>{{winner}}（{{winner_author}}）</td><td>{{loser}}（{{loser_author}}）</td>
<td class="noprint">{{#can_resolve}}<form method="post" action="/schools/{{school}}/conflicts/{{id}}/resolve"><input type="hidden" name="csrf" value="{{csrf}}">
<input name="value" value="{{winner}}"> <button type="submit">采用此值</button></form>{{/can_resolve}}</td></tr>
{{/items}}</tbody></table>
)html";

constexpr const char* kRejected = R"html(
<p><a href="/schools/{{school}}">返回 {{school}} 台账</a></p>
<table id="rejected"><thead><tr><th>日志序号</th><th>时间</th><th>作者</th><th>设备</th><th>对象</th><th>改动</th><th>原因</th></tr></thead><tbody>
{{#items}}<tr><td>{{index}}</td><td>{{when}}</td><td>{{author}}</td><td>{{device}}</td><td>{{entity}}</td><td>{{changes}}</td><td>{{reason}}</td></tr>{{/items}}
</tbody></table>
)html";

constexpr const char* kAudit = R"html(
<p><a href="/schools/{{school}}">返回 {{school}} 台账</a></p>
<table><tbody><tr><th>日志条数</th><td id="log-size">{{log_size}}</td></tr>
<tr><th>最新签名检查点覆盖</th><td>{{checkpoint_size}} 条</td></tr>
<tr><th>校验结果</th><td id="verification" class="{{#verified}}ok{{/verified}}{{^verified}}bad{{/verified}}">{{#verified}}通过：所有叶子与签名检查点一致{{/verified}}{{^verified}}{{verification}}{{/verified}}</td></tr>
<tr><th>最近同步</th><td>{{last_sync}}</td></tr></tbody></table>
<h2>最新签名检查点</h2><pre>{{checkpoint}}</pre>
<p class="noprint"><a href="/schools/{{school}}/audit/leaves.jsonl">下载审计导出 leaves.jsonl</a> ·
<a href="/schools/{{school}}/audit/checkpoint">下载检查点</a>（格式见 docs/audit-log.md）</p>
)html";

}  // namespace

Status AddConsoleTemplates(web::TemplateSet& set) {
  const std::pair<const char*, const char*> pages[] = {
      {"layout", kLayout},     {"style.css", kStyle},       {"login", kLogin},
      {"enrol", kEnrol},       {"error", kError},           {"overview", kOverview},
      {"overdue", kOverdue},   {"school", kSchool},         {"problem", kProblem},
      {"conflicts", kConflicts}, {"rejected", kRejected},   {"audit", kAudit}};
  for (const auto& [name, text] : pages) RECTIFY_RETURN_IF_ERROR(set.Add(name, text));
  return Status::OK();
}

}  // namespace rectify
