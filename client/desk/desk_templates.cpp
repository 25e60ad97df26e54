// The desk's pages (docs/desk.md). Every {{value}} is HTML-escaped by
// mustache; the only triple mustache is the layout's {{{body}}}, a page this
// file rendered. No script: every action is a plain form with the CSRF token.
#include "client/desk/desk_app.h"

namespace rectify {

namespace {

constexpr const char* kLayout = R"html(<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="renderer" content="webkit">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · 巡察整改台账</title>
<link rel="stylesheet" href="/style.css"></head>
<body>
<header class="noprint"><span class="brand">巡察整改台账{{#school}}（{{school}}）{{/school}}</span>
{{#nav}}<nav><a href="/">今日待办</a><a href="/ledger">整改台账</a><a href="/import">导入 Excel</a>
<a href="/sync">同步</a><a href="/notice">通报（内部稿）</a><a href="/notice?edition=public">通报（公开稿）</a>
<a href="/school">学校信息</a></nav>{{/nav}}
</header>
<main>
<h1>{{title}}</h1>
{{#flash}}<p class="msg" id="flash">{{flash}}</p>{{/flash}}
{{{body}}}
</main>
</body></html>
)html";

constexpr const char* kStyle = R"css(
body{font-family:"Microsoft YaHei","Noto Sans CJK SC","PingFang SC",sans-serif;margin:0;color:#222;font-size:14px}
header{background:#a31b1b;color:#fff;padding:.4em 1em;display:flex;gap:1em;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none;margin-right:1em}.brand{font-weight:bold}
main{padding:.8em 1.2em;max-width:1340px}h1{font-size:1.4em;margin:.3em 0}h2{font-size:1.15em}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #bbb;padding:.25em .4em;text-align:left;vertical-align:top}
th{background:#f3f3f3;white-space:nowrap}td.n{white-space:nowrap}
.red{background:#f8d0d0}.yellow{background:#fff3c0}.ok{color:#176b17}.bad{color:#a31b1b;font-weight:bold}
.msg{background:#eef6ee;border:1px solid #9c9;padding:.5em}.err{background:#fbeaea;border:1px solid #c99;padding:.5em}
.filters{display:flex;gap:.8em;flex-wrap:wrap;align-items:center;margin:.5em 0}
form.inline{display:inline;margin:0}fieldset{margin:.6em 0;border:1px solid #ccc}
label{display:inline-block;margin:.2em .6em .2em 0}input[type=text],textarea{width:100%;box-sizing:border-box}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:.3em 1em}.mono{font-family:monospace;word-break:break-all}
.small{font-size:.85em;color:#555}button{padding:.2em .8em}.big{font-size:1.2em;padding:.4em 2em}
@media print{.noprint,form,button,select{display:none}header{display:none}a{color:#000;text-decoration:none}
 main{max-width:none;padding:0}body{font-size:11pt}@page{size:A4 landscape;margin:12mm}}
)css";

constexpr const char* kError = R"html(<p class="err" id="error">{{status}}：{{message}}</p>
<p class="noprint"><a href="/">返回今日待办</a></p>)html";

constexpr const char* kToday = R"html(
<p>今天是 {{today}}。{{#pending}}有 <strong id="pending">{{pending}}</strong> 条修改尚未同步，<a href="/sync">去同步</a>。{{/pending}}</p>
{{#has_stats}}<p id="stats">共 {{stats.total}} 个问题：未开始 {{stats.not_started}}，推进中 {{stats.in_progress}}，已完成 {{stats.completed}}，长期坚持 {{stats.long_term}}，已销号 {{stats.verified}}；完成率 {{stats.completion_percent}}。</p>{{/has_stats}}
{{#empty}}<p class="err">台账还是空的：请先 <a href="/import">导入 Excel 台账</a>。</p>{{/empty}}
<h2>区里的最新变化（上次同步以来）</h2>
{{#has_changes}}<table id="changes"><tr><th>序号</th><th>问题</th><th>变化</th><th>经办</th></tr>
{{#changes}}<tr><td class="n"><a href="/problems/{{number}}">{{number}}</a></td><td>{{title}}</td><td>{{what}}</td><td>{{author}}</td></tr>{{/changes}}</table>{{/has_changes}}
{{^has_changes}}<p class="small">没有新的变化。</p>{{/has_changes}}
<h2>已超期（红色预警）</h2>
{{#has_red}}<table id="red"><tr><th>序号</th><th>问题</th><th>整改时限</th><th>超期天数</th><th>责任部门</th><th>责任人</th></tr>
{{#red}}<tr class="red"><td class="n"><a href="/problems/{{number}}">{{number}}</a></td><td>{{title}}</td><td class="n">{{deadline}}</td><td>{{days}} 天</td><td>{{department}}</td><td>{{person}}</td></tr>{{/red}}</table>{{/has_red}}
{{^has_red}}<p class="small">没有超期问题。</p>{{/has_red}}
<h2>即将到期（黄色预警）</h2>
{{#has_yellow}}<table id="yellow"><tr><th>序号</th><th>问题</th><th>整改时限</th><th>剩余天数</th><th>责任部门</th><th>责任人</th></tr>
{{#yellow}}<tr class="yellow"><td class="n"><a href="/problems/{{number}}">{{number}}</a></td><td>{{title}}</td><td class="n">{{deadline}}</td><td>{{days}} 天</td><td>{{department}}</td><td>{{person}}</td></tr>{{/yellow}}</table>{{/has_yellow}}
{{^has_yellow}}<p class="small">没有即将到期的问题。</p>{{/has_yellow}}
<h2>已完成但没有佐证材料</h2>
{{#has_undocumented}}<ul id="undocumented">{{#undocumented}}<li><a href="/problems/{{number}}">问题 {{number}}</a>（{{status}}）{{title}}</li>{{/undocumented}}</ul>{{/has_undocumented}}
{{^has_undocumented}}<p class="small">都有佐证材料。</p>{{/has_undocumented}}
<h2>待处理的冲突</h2>
{{#has_conflicts}}<ul id="conflicts">{{#conflicts}}<li>{{what}} 的 {{field}}：采用“{{winner}}”，另一方为“{{loser}}” <a href="/conflicts">处理</a></li>{{/conflicts}}</ul>{{/has_conflicts}}
{{^has_conflicts}}<p class="small">没有冲突。</p>{{/has_conflicts}}
)html";

constexpr const char* kLedger = R"html(
<form class="filters noprint" method="get" action="/ledger">
<label>整改状态 <select name="status"><option value="">全部</option>{{#statuses}}<option value="{{code}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statuses}}</select></label>
<label>方面 <select name="aspect"><option value="">全部</option>{{#aspects}}<option{{#selected}} selected{{/selected}}>{{title}}</option>{{/aspects}}</select></label>
<label>责任部门 <select name="department"><option value="">全部</option>{{#departments}}<option{{#selected}} selected{{/selected}}>{{name}}</option>{{/departments}}</select></label>
<label>关键词 <input name="q" value="{{q}}" size="12"></label>
<button type="submit">筛选</button> <a href="/ledger">清除</a>
<span>显示 {{count}} / {{total}} 个问题</span>
<a href="/export.xlsx">下载 Excel (.xlsx)</a> <a href="/export.csv">下载 CSV</a>
</form>
<table id="ledger"><thead><tr><th>序号</th><th>方面</th><th>类别</th><th>问题</th><th>整改措施</th><th>责任部门</th><th>责任人</th><th>整改时限</th><th>整改类型</th><th>整改状态</th><th>整改结果</th></tr></thead><tbody>
{{#rows}}<tr id="p{{number}}"><td class="n"><a href="/problems/{{number}}">{{number}}</a></td><td>{{aspect}}</td><td>{{category}}</td><td>{{title}}</td><td>{{measures}}</td><td>{{department}}</td><td>{{person}}</td><td class="n">{{deadline}}</td><td>{{kind}}</td>
<td class="n"><span class="status">{{status}}</span>{{^verified}}<form class="inline noprint" method="post" action="/problems/{{number}}/status"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="back" value="{{back}}">
<select name="status" aria-label="问题{{number}}的整改状态">{{#statuses}}<option value="{{code}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statuses}}</select><button type="submit">改</button></form>{{/verified}}</td>
<td>{{result}}</td></tr>{{/rows}}
</tbody></table>
)html";

constexpr const char* kProblem = R"html(
<p><a class="noprint" href="/ledger">← 返回台账</a>　整改状态：<strong id="status">{{status}}</strong></p>
{{^verified}}<form class="noprint" method="post" action="/problems/{{number}}/status"><input type="hidden" name="csrf" value="{{csrf}}">
<label>改为 <select name="status">{{#statuses}}<option value="{{code}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statuses}}</select></label>
<button type="submit">保存状态</button></form>{{/verified}}
{{#verified}}<p class="msg">本问题已由区里销号，学校不能再修改。</p>{{/verified}}
<form method="post" action="/problems/{{number}}/edit"><input type="hidden" name="csrf" value="{{csrf}}">
<fieldset><legend>问题信息</legend>
<p><label for="title">问题</label><textarea id="title" name="title" rows="2">{{title}}</textarea></p>
<p><label for="detail">问题详情</label><textarea id="detail" name="detail" rows="3">{{detail}}</textarea></p>
<div class="grid">
<label>责任部门 <input type="text" name="department" value="{{department}}"></label>
<label>责任人 <input type="text" name="person" value="{{person}}"></label>
<label>整改时限（YYYY-MM-DD 或 长期） <input type="text" name="deadline" value="{{deadline}}"></label>
<label>整改类型 <select name="kind">{{#kinds}}<option value="{{code}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/kinds}}</select></label>
</div>
<p><label for="result">整改结果</label><textarea id="result" name="result" rows="3">{{result}}</textarea></p>
{{^verified}}<button type="submit">保存</button>{{/verified}}</fieldset></form>

<h2>整改措施</h2>
<table id="measures"><tr><th>序</th><th>措施</th><th>责任人</th><th>时限</th><th>完成</th></tr>
{{#measures}}<tr><td>{{ordinal}}</td><td>{{text}}</td><td>{{owner}}</td><td>{{deadline}}</td><td>{{#done}}{{done_date}}{{/done}}{{^done}}<form class="inline" method="post" action="/problems/{{number}}/measures/{{ordinal}}/done"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">标记完成</button></form>{{/done}}</td></tr>{{/measures}}
</table>
{{^verified}}<form class="noprint" method="post" action="/problems/{{number}}/measures"><input type="hidden" name="csrf" value="{{csrf}}">
<fieldset><legend>添加措施</legend><p><input type="text" name="text" placeholder="措施内容" required></p>
<label>责任人 <input name="owner"></label><label>时限 <input name="deadline" placeholder="YYYY-MM-DD"></label> <button type="submit">添加</button></fieldset></form>{{/verified}}

<h2>进展记录</h2>
<ul id="notes">{{#notes}}<li>{{date}} {{author}}：{{text}}</li>{{/notes}}</ul>
<form class="noprint" method="post" action="/problems/{{number}}/notes"><input type="hidden" name="csrf" value="{{csrf}}">
<fieldset><legend>添加进展</legend><label>日期 <input name="date" value="{{today}}"></label>
<p><textarea name="text" rows="2" required></textarea></p><button type="submit">添加</button></fieldset></form>

<h2>佐证材料</h2>
{{#has_evidence}}<table id="evidence"><tr><th>文件</th><th>措施</th><th>大小</th><th>SHA-256</th><th>本机</th><th>区里</th></tr>
{{#evidence}}<tr><td>{{name}}</td><td>{{#measure}}{{measure}}{{/measure}}</td><td class="n">{{size}}</td><td class="mono small">{{sha256}}</td><td>{{#local}}有{{/local}}{{^local}}无{{/local}}</td><td class="district">{{#district}}<span class="ok">已收到</span>{{/district}}{{^district}}<span class="bad">未上传</span>{{/district}}</td></tr>{{/evidence}}</table>{{/has_evidence}}
{{^verified}}<form class="noprint" method="post" action="/problems/{{number}}/evidence" enctype="multipart/form-data"><input type="hidden" name="csrf" value="{{csrf}}">
<fieldset><legend>附上文件（不超过 {{max_mb}} MB）</legend><input type="file" name="file" required>
<label>对应措施序号（可空） <input name="measure" size="3"></label> <button type="submit">上传</button></fieldset></form>{{/verified}}

<h2>修改记录</h2>
<table id="history"><tr><th>#</th><th>对象</th><th>内容</th><th>记录人</th><th>状态</th><th class="noprint"></th></tr>
{{#local}}<tr><td>{{seq}}</td><td>{{entity}}</td><td>{{#fields}}{{field}}：{{value}}<br>{{/fields}}</td><td>{{author}}</td><td>{{#pending}}未同步{{/pending}}{{^pending}}已报送{{/pending}}</td>
<td class="noprint">{{#undoable}}<form class="inline" method="post" action="/undo/{{seq}}"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="back" value="/problems/{{number}}"><button type="submit">撤销</button></form>{{/undoable}}</td></tr>{{/local}}
</table>
<h3>区里确认的当前值</h3>
<table id="confirmed"><tr><th>字段</th><th>值</th><th>最后修改人</th></tr>
{{#confirmed}}<tr>{{#fields}}<td>{{field}}</td><td>{{value}}</td>{{/fields}}<td>{{author}}</td></tr>{{/confirmed}}</table>
)html";

constexpr const char* kConflicts = R"html(
{{#none}}<p>没有待处理的冲突。</p>{{/none}}
<table id="conflicts">{{#conflicts}}<tr><td>#{{id}}</td><td>{{entity}} {{field}}</td>
<td>采用：“{{winner}}”（{{winner_author}}）<br>另一方：“{{loser}}”（{{loser_author}}）</td>
<td><form method="post" action="/conflicts/{{id}}/resolve"><input type="hidden" name="csrf" value="{{csrf}}">
<button name="keep" value="winner">保留采用的值</button> <button name="keep" value="loser">改用另一方</button></form></td></tr>{{/conflicts}}</table>
)html";

constexpr const char* kSchool = R"html(
<p>学校代码：{{school_id}}</p>
<form method="post" action="/school/profile"><input type="hidden" name="csrf" value="{{csrf}}">
<fieldset><legend>学校信息</legend><div class="grid">
<label>学校名称 <input type="text" name="name" value="{{school.name}}"></label>
<label>党组织名称 <input type="text" name="org_name" value="{{school.org_name}}"></label>
<label>联系电话 <input type="text" name="phone" value="{{school.phone}}"></label>
<label>邮政编码 <input type="text" name="postal" value="{{school.postal}}"></label>
<label>电子邮箱 <input type="text" name="email" value="{{school.email}}"></label></div>
<button type="submit">保存</button></fieldset></form>
<form method="post" action="/school/inspection"><input type="hidden" name="csrf" value="{{csrf}}">
<fieldset><legend>本轮巡察</legend><div class="grid">
<label>巡察组 <input type="text" name="group_name" value="{{inspection.group_name}}"></label>
<label>巡察类型 <input type="text" name="kind" value="{{inspection.kind}}"></label>
<label>进驻开始 <input type="text" name="onsite_from" value="{{inspection.onsite_from}}"></label>
<label>进驻结束 <input type="text" name="onsite_to" value="{{inspection.onsite_to}}"></label>
<label>反馈日期 <input type="text" name="feedback_date" value="{{inspection.feedback_date}}"></label>
<label>整改方案日期 <input type="text" name="plan_date" value="{{inspection.plan_date}}"></label>
<label>阶段 <input type="text" name="phase" value="{{inspection.phase}}"></label>
<label>通报日期 <input type="text" name="notice_date" value="{{inspection.notice_date}}"></label></div>
<button type="submit">保存</button></fieldset></form>
)html";

constexpr const char* kSync = R"html(
<p>本机有 <strong>{{pending}}</strong> 条修改尚未报送区里。</p>
<form method="post" action="/sync"><input type="hidden" name="csrf" value="{{csrf}}">
{{^known}}<fieldset><legend>第一次同步</legend>
<label>区里服务器（地址:端口） <input name="server" required></label>
<label>本机证书目录 <input name="identity" size="40" required></label></fieldset>{{/known}}
{{#known}}<p class="small">服务器 {{server}}，证书目录 {{identity}}</p>{{/known}}
<p><button class="big" id="sync" type="submit">立即同步</button></p>
<p class="small">同步时请勿关闭页面；网络慢时可能需要一两分钟。</p></form>
<h2>没有网络时：U 盘离线包</h2>
<form method="post" action="/bundle/export"><input type="hidden" name="csrf" value="{{csrf}}">
{{^known}}<label>本机证书目录 <input name="identity" size="40"></label>{{/known}}
<button type="submit">导出待报送的修改（离线包）</button></form>
<form method="post" action="/bundle/import" enctype="multipart/form-data"><input type="hidden" name="csrf" value="{{csrf}}">
{{^known}}<label>本机证书目录 <input name="identity" size="40"></label>{{/known}}
<label>区里发来的离线包 <input type="file" name="file" required></label> <button type="submit">导入</button></form>
)html";

constexpr const char* kSyncResult = R"html(
{{#ok}}<div class="msg" id="summary"><p>同步完成：报送 {{summary.pushed}} 条修改（区里采用 {{summary.applied}} 条，被更新的修改覆盖 {{summary.superseded}} 条，拒绝 {{summary.rejected}} 条{{#replayed}}，区里早已收到 {{summary.replayed}} 条{{/replayed}}），
从区里取回 {{summary.pulled}} 条，冲突 {{summary.conflicts}} 条。审计日志已核验（共 {{summary.tree_size}} 条记录）。</p>
{{#evidence}}<p>佐证材料：本次上传 {{evidence.uploaded}} 个，区里已有 {{evidence.on_server}} 个，共 {{evidence.referenced}} 个。</p>{{/evidence}}
{{#evidence_error}}<p class="bad">佐证材料未能全部上传：{{evidence_error}}（下次同步时继续）。</p>{{/evidence_error}}</div>
{{#has_rejections}}<h2>被区里拒绝的修改</h2><ul id="rejections">{{#rejections}}<li>{{.}}</li>{{/rejections}}</ul>{{/has_rejections}}{{/ok}}
{{^ok}}<p class="err" id="summary">同步没有完成：{{error}}</p>{{#offline}}<p>连不上区里的服务器：修改都保存在本机，恢复网络后再同步，或用 U 盘离线包。</p>{{/offline}}{{/ok}}
<p><a href="/">返回今日待办</a>　<a href="/sync">再同步一次</a></p>
)html";

constexpr const char* kImport = R"html(
<p>选择学校的整改台账（Excel .xlsx 或 CSV）。可以有合并的标题行；表头需含“序号”和“问题”列。导入前会先显示预览，确认后才写入台账。</p>
<form method="post" action="/import/preview" enctype="multipart/form-data"><input type="hidden" name="csrf" value="{{csrf}}">
<p><input type="file" name="file" accept=".xlsx,.xlsm,.csv" required></p>
<p><label>工作表（可空，默认第一个） <input name="sheet" size="12"></label></p>
<p><button type="submit" id="preview">预览</button></p></form>
)html";

constexpr const char* kImportPreview = R"html(
<p>文件：{{file}}</p>
{{#errors}}<p class="err error">{{.}}</p>{{/errors}}
{{#has_errors}}<p>共 {{error_count}} 处错误，台账没有任何改动。请在 Excel 里改正后 <a href="/import">重新选择文件</a>。</p>{{/has_errors}}
{{#id}}<p>共 {{count}} 行，没有发现错误。确认后一次写入台账（全部写入或全部不写）。</p>
<form method="post" action="/import/apply"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="id" value="{{id}}">
<button type="submit" class="big" id="apply">确认导入</button> <a href="/import">取消</a></form>
<table id="preview"><tr><th>行</th><th>序号</th><th>方面</th><th>类别</th><th>问题</th><th>整改措施</th><th>责任部门</th><th>责任人</th><th>整改时限</th><th>整改类型</th><th>整改状态</th><th>整改结果</th></tr>
{{#rows}}<tr><td>{{line}}</td><td>{{number}}</td><td>{{aspect}}</td><td>{{category}}</td><td>{{title}}</td><td>{{measures}}</td><td>{{department}}</td><td>{{person}}</td><td>{{deadline}}</td><td>{{kind}}</td><td>{{status}}</td><td>{{result}}</td></tr>{{/rows}}</table>{{/id}}
)html";

}  // namespace

Status AddDeskTemplates(web::TemplateSet& set) {
  const std::pair<const char*, const char*> all[] = {
      {"layout", kLayout},       {"style.css", kStyle},
      {"error", kError},         {"today", kToday},
      {"ledger", kLedger},       {"problem", kProblem},
      {"conflicts", kConflicts}, {"school", kSchool},
      {"sync", kSync},           {"sync_result", kSyncResult},
      {"import", kImport},       {"import_preview", kImportPreview}};
  for (const auto& [name, text] : all) RECTIFY_RETURN_IF_ERROR(set.Add(name, text));
  return Status::OK();
}

}  // namespace rectify
