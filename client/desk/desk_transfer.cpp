// The desk's transfer pages: sync, USB bundles, Excel/CSV in and out, and
// the printable notice (docs/desk.md).
#include "client/desk/desk_app.h"
#include "client/desk/desk_internal.h"
#include "client/ledger/evidence_store.h"
#include "client/ledger/ledger_history.h"
#include "client/report/csv_export.h"
#include "client/report/notice.h"
#include "client/report/spreadsheet_import.h"
#include "client/report/xlsx_export.h"
#include "client/sync/bundle.h"
#include "client/sync/evidence_sync.h"
#include "client/sync/sync_runner.h"
#include "shared/token.h"

namespace rectify {

using nlohmann::json;

namespace {

std::string Remembered(Ledger& ledger, const char* key) { return ledger.GetMeta(key).value_or(""); }

}  // namespace

web::Response DeskApp::SyncPage(Ctx& c) {
  json data = {{"server", Remembered(ledger_, kMetaServer)},
               {"identity", Remembered(ledger_, kMetaIdentity)},
               {"pending", ledger_.PendingCount()}};
  data["known"] = !data["server"].get<std::string>().empty();
  return Page(c, "sync", "同步", data);
}

web::Response DeskApp::SyncPost(Ctx& c) {
  auto target = ResolveSyncTarget(ledger_, web::Get(c.form, "server"), web::Get(c.form, "identity"),
                                  web::Get(c.form, "school"));
  if (!target.ok()) return Error(c, 400, "同步设置有误：" + target.status().message());
  const uint64_t mark = ConfirmedHighWater(ledger_);
  SyncRunOptions opts;
  auto run = RunSyncOnce(ledger_, *target, opts, clock_);
  json data = {{"ok", run.ok()}};
  if (!run.ok()) {
    data["error"] = run.status().message();
    data["offline"] = run.status().code() == Status::Code::kUnavailable ||
                      run.status().code() == Status::Code::kIOError;
    return Page(c, "sync_result", "同步结果", data, 502);
  }
  seen_mark_ = mark;  // "what the district changed" now means: in this sync
  const auto& s = run->summary;
  json rejections = json::array();
  for (const auto& r : s.rejections) rejections.push_back(r);
  data["summary"] = {
      {"pushed", s.pushed},       {"applied", s.applied},     {"superseded", s.superseded},
      {"rejected", s.rejected},   {"replayed", s.replayed},   {"pulled", s.pulled},
      {"conflicts", s.conflicts}, {"tree_size", s.tree_size}, {"millis", run->millis}};
  data["rejections"] = rejections;
  data["replayed"] = s.replayed > 0;
  data["has_rejections"] = !rejections.empty();
  LocalEvidenceStore store(EvidenceDir());
  EvidenceSyncOptions eopts;
  auto ev = SyncEvidence(ledger_, store, *target, eopts);
  if (ev.ok()) {
    data["evidence"] = {{"uploaded", ev->uploaded},
                        {"bytes", ev->bytes_uploaded},
                        {"on_server", ev->already_on_server + ev->held_by_server},
                        {"referenced", ev->referenced}};
  } else {
    data["evidence_error"] = ev.status().message();
  }
  return Page(c, "sync_result", "同步结果", data);
}

web::Response DeskApp::BundleExport(Ctx& c) {
  std::string identity = web::Get(c.form, "identity");
  if (identity.empty()) identity = Remembered(ledger_, kMetaIdentity);
  if (identity.empty()) return Error(c, 400, "请填写本机证书目录（rectifyd enroll 生成的目录）。");
  LocalEvidenceStore store(EvidenceDir());
  SchoolExportOptions opts;
  opts.evidence = &store;
  SchoolExportSummary sum;
  auto bytes = ExportSchoolBundle(ledger_, identity, &sum, opts);
  if (!bytes.ok()) return Error(c, 400, "导出离线包失败：" + bytes.status().message());
  return web::Response::Download("application/octet-stream",
                                 ledger_.school_id() + "-" + Today() + ".rbundle",
                                 std::move(*bytes));
}

web::Response DeskApp::BundleImport(Ctx& c) {
  const web::FormPart* file = web::FindPart(c.parts, "file");
  if (!file || file->data.empty()) return Error(c, 400, "请选择区里发来的离线包文件。");
  std::string identity = web::Get(c.form, "identity");
  if (identity.empty()) identity = Remembered(ledger_, kMetaIdentity);
  if (identity.empty()) return Error(c, 400, "请填写本机证书目录（rectifyd enroll 生成的目录）。");
  const uint64_t mark = ConfirmedHighWater(ledger_);
  LocalEvidenceStore store(EvidenceDir());
  auto sum = ImportDistrictBundle(ledger_, identity, file->data, &store);
  if (!sum.ok()) return Error(c, 400, "导入离线包失败：" + sum.status().message());
  seen_mark_ = mark;
  std::string msg = "已导入区里的离线包：" + std::to_string(sum->ops) + " 条修改，冲突 " +
                    std::to_string(sum->conflicts) + " 条，被区里拒绝 " +
                    std::to_string(sum->dropped_rejected) + " 条";
  for (const auto& r : sum->rejections) msg += "；" + r;
  if (sum->stale) msg += "（这个包比台账已有的更旧，未改变任何内容）";
  flash_ = msg + "。";
  return web::Response::Redirect("/");
}

web::Response DeskApp::ImportPage(Ctx& c) {
  return Page(c, "import", "导入 Excel 台账", json::object());
}

web::Response DeskApp::ImportPreview(Ctx& c) {
  const web::FormPart* file = web::FindPart(c.parts, "file");
  if (!file || file->data.empty()) return Error(c, 400, "请选择 .xlsx 或 .csv 文件。");
  SpreadsheetInfo info;
  std::vector<std::string> row_errors;
  auto rows = ParseLedgerSpreadsheet(file->data, file->filename, web::Get(c.form, "sheet"), &info,
                                     &row_errors);
  json data = {{"file", file->filename}};
  if (!rows.ok()) {
    // All or nothing, as on the command line; every bad row is listed.
    if (row_errors.empty()) row_errors.push_back(rows.status().message());
    data["errors"] = row_errors;
    data["error_count"] = row_errors.size();
    data["has_errors"] = true;
    return Page(c, "import_preview", "导入预览", data, 400);
  }
  json list = json::array();
  for (const auto& r : *rows) {
    std::string measures;
    for (const auto& m : r.measures) measures += (measures.empty() ? "" : "；") + m;
    list.push_back({{"line", r.line},
                    {"number", r.number},
                    {"aspect", r.aspect},
                    {"category", r.category},
                    {"title", r.title},
                    {"measures", measures},
                    {"department", r.department},
                    {"person", r.person},
                    {"deadline", r.deadline},
                    {"kind", r.kind},
                    {"status", r.status},
                    {"result", r.result}});
  }
  const std::string id = NewToken().substr(0, 16);
  imports_.clear();  // one preview at a time
  imports_[id] = PendingImport{file->filename, std::move(*rows)};
  data["rows"] = list;
  data["count"] = list.size();
  data["id"] = id;
  data["format"] = info.format;
  return Page(c, "import_preview", "导入预览", data);
}

web::Response DeskApp::ImportApply(Ctx& c) {
  auto it = imports_.find(web::Get(c.form, "id"));
  if (it == imports_.end()) return Error(c, 409, "预览已过期，请重新选择文件。");
  ImportSummary sum;
  Status st = ledger_.ImportRows(it->second.rows, options_.author, &sum);
  const std::string name = it->second.file_name;
  imports_.erase(it);
  return Back(c, "/ledger", st,
              "已导入 " + name + "：新建问题 " + std::to_string(sum.problems_created) +
                  " 个，更新 " + std::to_string(sum.problems_updated) + " 个，未变 " +
                  std::to_string(sum.problems_unchanged) + " 个，措施 " +
                  std::to_string(sum.measures_written) + " 条。");
}

web::Response DeskApp::Export(Ctx& c, const std::string& format) {
  auto snap = ledger_.Snapshot();
  if (!snap.ok()) return Error(c, 404, "台账还是空的。");
  const std::string base =
      (snap->school.name.empty() ? ledger_.school_id() : snap->school.name) + "整改台账-" + Today();
  if (format == "csv")
    return web::Response::Download("text/csv; charset=utf-8", base + ".csv",
                                   ExportLedgerCsv(*snap));
  auto bytes = ExportLedgerXlsx(*snap);
  if (!bytes.ok()) return Error(c, 500, bytes.status().message());
  return web::Response::Download(
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", base + ".xlsx",
      std::move(*bytes));
}

web::Response DeskApp::Notice(Ctx& c) {
  auto snap = ledger_.Snapshot();
  if (!snap.ok()) return Error(c, 404, "台账还是空的。");
  const bool pub = web::Get(c.query, "edition") == "public";
  auto notice = RenderNotice(*snap, NoticeFormat::kHtml, Today(),
                             pub ? NoticeEdition::kPublic : NoticeEdition::kInternal);
  // The dual-core browsers of school PCs pick their WebKit engine by this tag.
  std::string html = std::move(notice.text);
  const std::string charset = "<meta charset=\"utf-8\">";
  if (auto at = html.find(charset); at != std::string::npos)
    html.insert(at + charset.size(), "\n<meta name=\"renderer\" content=\"webkit\">");
  return web::Response::Html(200, std::move(html));
}

}  // namespace rectify
