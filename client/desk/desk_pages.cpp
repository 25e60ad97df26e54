// The desk's ledger pages: today, the ledger table, one problem (fields,
// status, measures, notes, evidence, history and undo), conflicts, the
// school and its inspection (docs/desk.md).
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <set>

#include "client/desk/desk_app.h"
#include "client/desk/desk_internal.h"
#include "client/ledger/evidence_attach.h"
#include "client/ledger/evidence_store.h"
#include "client/ledger/ledger_history.h"
#include "client/report/csv_export.h"
#include "client/sync/evidence_sync.h"
#include "shared/domain.h"
#include "shared/stats.h"

namespace rectify {

using nlohmann::json;

namespace desk {

std::string StatusText(const std::string& code) {
  auto s = ParseStatus(code);
  return s ? std::string(StatusLabel(*s)) : code;
}

json StatusOptions(const std::string& current) {
  json out = json::array();
  for (auto s : {ProblemStatus::kNotStarted, ProblemStatus::kInProgress, ProblemStatus::kCompleted,
                 ProblemStatus::kLongTerm, ProblemStatus::kVerified}) {
    const std::string code(StatusCode(s));
    out.push_back(
        {{"code", code}, {"label", std::string(StatusLabel(s))}, {"selected", code == current}});
  }
  return out;
}

}  // namespace desk

namespace {

const char* FieldLabel(const std::string& f) {
  static const std::map<std::string, const char*> kLabels = {
      {"number", "序号"},         {"title", "问题"},          {"detail", "问题详情"},
      {"kind", "整改类型"},       {"status", "整改状态"},     {"status_reason", "原因"},
      {"deadline", "整改时限"},   {"department", "责任部门"}, {"person", "责任人"},
      {"result", "整改结果"},     {"text", "内容"},           {"owner", "责任人"},
      {"done_date", "完成日期"},  {"date", "日期"},           {"name", "文件名"},
      {"sha256", "SHA-256"},      {"size", "大小"},           {"deleted", "删除"},
      {"ordinal", "序次"},        {"aspect_id", "方面"},      {"category_id", "类别"},
      {"problem_id", "所属问题"}, {"measure_id", "所属措施"}, {"inspection_id", "所属巡察"},
      {"author", "记录人"}};
  auto it = kLabels.find(f);
  return it == kLabels.end() ? "" : it->second;
}

const char* EntityLabel(const std::string& e) {
  if (e == "problem") return "问题";
  if (e == "measure") return "整改措施";
  if (e == "progress_note") return "进展记录";
  if (e == "evidence") return "佐证材料";
  return "";
}

std::string ShowValue(const std::string& field, const std::string& value) {
  if (field == "status") return desk::StatusText(value);
  if (field == "kind") {
    auto k = ParseKind(value);
    return k ? std::string(KindLabel(*k)) : value;
  }
  return value;
}

json HistoryJson(const HistoryEntry& e) {
  json fields = json::array();
  for (const auto& [f, v] : e.fields) {
    const char* label = FieldLabel(f);
    fields.push_back({{"field", *label ? label : f}, {"value", ShowValue(f, v)}});
  }
  return {{"seq", e.device_seq},  {"entity", EntityLabel(e.entity)},
          {"author", e.author},   {"device", e.device_id},
          {"pending", e.pending}, {"undoable", e.undoable},
          {"fields", fields}};
}

Value FormValue(const web::Params& form, const std::string& name) {
  const std::string v = web::Get(form, name);
  if (v.empty()) return Value{};
  return v;
}

std::string FormatSize(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " 字节";
  char buf[32];
  if (bytes < (1u << 20))
    std::snprintf(buf, sizeof buf, "%.1f KB", static_cast<double>(bytes) / 1024);
  else
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

bool ParseNumber(const std::string& s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

web::Response DeskApp::Today(Ctx& c) {
  auto snap = ledger_.Snapshot();
  json data = {{"today", Today()},           {"red", json::array()},
               {"yellow", json::array()},    {"undocumented", json::array()},
               {"conflicts", json::array()}, {"changes", json::array()}};
  if (snap.ok()) {
    for (const auto& d : ComputeDue(*snap, Today())) {
      if (d.color == DueColor::kGreen) continue;
      json item = {
          {"number", d.number},     {"title", d.title},
          {"deadline", d.deadline}, {"department", d.department},
          {"person", d.person},     {"days", d.days_left < 0 ? -d.days_left : d.days_left}};
      data[d.color == DueColor::kRed ? "red" : "yellow"].push_back(item);
    }
    std::set<std::string> with_evidence;
    for (const auto& e : ListEvidenceRows(ledger_)) with_evidence.insert(e.problem_id);
    for (const auto& p : snap->problems)
      if ((p.status == ProblemStatus::kCompleted || p.status == ProblemStatus::kVerified) &&
          !with_evidence.count(p.id))
        data["undocumented"].push_back({{"number", p.number},
                                        {"title", p.title},
                                        {"status", std::string(StatusLabel(p.status))}});
    data["stats"] = StatsToJson(ComputeStats(*snap));
    data["has_stats"] = !snap->problems.empty();
  } else {
    data["empty"] = snap.status().message();
  }
  for (const auto& k : ledger_.Conflicts(false)) {
    std::string what = k.entity + " " + k.row_id;
    if (k.entity == "problem")
      if (auto p = ledger_.GetProblem(k.row_id); p.ok()) what = "问题 " + std::to_string(p->number);
    data["conflicts"].push_back({{"id", k.id},
                                 {"what", what},
                                 {"field", FieldLabel(k.field)},
                                 {"winner", ValueToString(k.winner_value)},
                                 {"loser", ValueToString(k.loser_value)}});
  }
  if (auto changes = ForeignProblemChanges(ledger_, seen_mark_); changes.ok()) {
    for (const auto& ch : *changes) {
      auto p = ledger_.GetProblem(ch.row_id);
      if (!p.ok()) continue;
      json item = {{"number", p->number}, {"title", p->title}, {"author", ch.author}};
      std::string what;
      for (const auto& [f, v] : ch.fields) {
        if (f == "status" && v == StatusCode(ProblemStatus::kVerified))
          what += "已销号 ";
        else if (f == "status")
          what += "状态改为" + desk::StatusText(v) + " ";
        else if (f == "status_reason" && !v.empty())
          what += "（回头看原因：" + v + "） ";
        else if (f == "number")
          what += "新问题 ";
        else if (f == "title")
          what += "问题表述已改 ";
      }
      item["what"] = what;
      data["changes"].push_back(item);
    }
  }
  data["pending"] = ledger_.PendingCount();
  data["has_red"] = !data["red"].empty();
  data["has_yellow"] = !data["yellow"].empty();
  data["has_undocumented"] = !data["undocumented"].empty();
  data["has_conflicts"] = !data["conflicts"].empty();
  data["has_changes"] = !data["changes"].empty();
  return Page(c, "today", "今日待办", data);
}

web::Response DeskApp::LedgerTable(Ctx& c) {
  auto snap = ledger_.Snapshot();
  if (!snap.ok()) return Error(c, 404, "台账还没有巡察和问题：请先导入 Excel 台账。");
  const std::string want_status = web::Get(c.query, "status");
  const std::string want_dept = web::Get(c.query, "department");
  const std::string want_aspect = web::Get(c.query, "aspect");
  const std::string want_text = web::Get(c.query, "q");
  const auto records = LedgerExportRecords(*snap);
  std::set<std::string> departments;
  json rows = json::array();
  for (size_t i = 0; i < snap->problems.size() && i < records.size(); ++i) {
    const auto& p = snap->problems[i];
    const auto& r = records[i];  // 序号 方面 类别 问题 详情 措施 部门 责任人 时限 类型 状态 结果
    if (!p.department.empty()) departments.insert(p.department);
    if (!want_status.empty() && StatusCode(p.status) != want_status) continue;
    if (!want_dept.empty() && p.department != want_dept) continue;
    if (!want_aspect.empty() && r[1] != want_aspect) continue;
    if (!want_text.empty() && r[3].find(want_text) == std::string::npos &&
        r[5].find(want_text) == std::string::npos)
      continue;
    rows.push_back({{"number", p.number},
                    {"aspect", r[1]},
                    {"category", r[2]},
                    {"title", r[3]},
                    {"measures", r[5]},
                    {"department", r[6]},
                    {"person", r[7]},
                    {"deadline", r[8]},
                    {"kind", r[9]},
                    {"status", r[10]},
                    {"result", r[11]},
                    {"statuses", desk::StatusOptions(std::string(StatusCode(p.status)))},
                    {"verified", p.status == ProblemStatus::kVerified}});
  }
  json aspects = json::array();
  for (const auto& a : snap->aspects)
    aspects.push_back({{"title", a.title}, {"selected", a.title == want_aspect}});
  json depts = json::array();
  for (const auto& d : departments) depts.push_back({{"name", d}, {"selected", d == want_dept}});
  json data = {{"rows", rows},
               {"count", rows.size()},
               {"total", snap->problems.size()},
               {"statuses", desk::StatusOptions(want_status)},
               {"aspects", aspects},
               {"departments", depts},
               {"q", want_text},
               {"back", c.req.query.empty() ? "/ledger" : "/ledger?" + c.req.query}};
  return Page(c, "ledger", "整改台账", data);
}

web::Response DeskApp::Problem(Ctx& c, const std::string& number) {
  auto p = ledger_.GetProblem(number);
  if (!p.ok()) return Error(c, 404, "没有问题 " + number);
  LocalEvidenceStore store(EvidenceDir());
  json measures = json::array();
  for (const auto& m : p->measures)
    measures.push_back({{"ordinal", m.ordinal},
                        {"text", m.text},
                        {"owner", m.owner},
                        {"deadline", m.deadline},
                        {"done_date", m.done_date},
                        {"done", !m.done_date.empty()}});
  json evidence = json::array();
  for (const auto& e : ListEvidenceRows(ledger_, p->id)) {
    int measure = 0;
    for (const auto& m : p->measures)
      if (m.id == e.measure_id) measure = m.ordinal;
    evidence.push_back({{"name", e.name},
                        {"size", FormatSize(static_cast<uint64_t>(e.size))},
                        {"bytes", e.size},
                        {"sha256", e.sha256},
                        {"measure", measure},
                        {"local", store.Has(e.sha256)},
                        {"district", ledger_.GetMeta(EvidenceUploadedKey(e.sha256)).has_value()}});
  }
  json notes = json::array();
  if (auto list = ListProgressNotes(ledger_, p->id); list.ok())
    for (const auto& n : *list)
      notes.push_back({{"date", n.date}, {"text", n.text}, {"author", n.author}});
  json local = json::array(), confirmed = json::array();
  if (auto h = LoadProblemHistory(ledger_, p->id); h.ok()) {
    for (const auto& e : h->local) local.push_back(HistoryJson(e));
    for (const auto& e : h->confirmed) confirmed.push_back(HistoryJson(e));
  }
  json kinds = json::array();
  for (auto k : {ProblemKind::kImmediate, ProblemKind::kWithinPeriod, ProblemKind::kOngoing})
    kinds.push_back({{"code", std::string(KindCode(k))},
                     {"label", std::string(KindLabel(k))},
                     {"selected", k == p->kind}});
  json data = {{"number", p->number},
               {"title", p->title},
               {"detail", p->detail},
               {"deadline", p->deadline},
               {"department", p->department},
               {"person", p->person},
               {"result", p->result},
               {"kinds", kinds},
               {"status", std::string(StatusLabel(p->status))},
               {"statuses", desk::StatusOptions(std::string(StatusCode(p->status)))},
               {"verified", p->status == ProblemStatus::kVerified},
               {"measures", measures},
               {"evidence", evidence},
               {"has_evidence", !evidence.empty()},
               {"notes", notes},
               {"local", local},
               {"confirmed", confirmed},
               {"today", Today()},
               {"max_mb", options_.max_evidence_bytes >> 20}};
  return Page(c, "problem", "问题 " + std::to_string(p->number), data);
}

web::Response DeskApp::ProblemPost(Ctx& c, const std::string& number, const std::string& verb) {
  const std::string here = "/problems/" + number;
  const std::string back =
      web::Get(c.form, "back").starts_with("/ledger") ? web::Get(c.form, "back") : here;
  const std::string& who = options_.author;
  if (verb == "status") {
    Status st = ledger_.SetProblemStatus(number, web::Get(c.form, "status"),
                                         web::Get(c.form, "reason"), who);
    return Back(c, back, st, "问题 " + number + " 的整改状态已保存（同步后报送区里）。");
  }
  if (verb == "edit") {
    Fields f;
    for (const char* name :
         {"title", "detail", "kind", "deadline", "department", "person", "result"})
      if (c.form.count(name)) f.emplace_back(name, FormValue(c.form, name));
    f.erase(std::remove_if(f.begin(), f.end(),
                           [](const auto& kv) { return kv.first == "title" && IsNull(kv.second); }),
            f.end());
    return Back(c, here, ledger_.EditProblem(number, f, who), "问题 " + number + " 已保存。");
  }
  if (verb == "measures") {
    auto id = ledger_.AddMeasure(number, web::Get(c.form, "text"), web::Get(c.form, "owner"),
                                 web::Get(c.form, "deadline"), who);
    return Back(c, here, id.status(), "已添加整改措施。");
  }
  if (verb.starts_with("measure-done:")) {
    int64_t ordinal = 0;
    if (!ParseNumber(verb.substr(13), &ordinal)) return Error(c, 404, "没有这条措施");
    std::string date = web::Get(c.form, "date");
    if (date.empty()) date = Today();
    return Back(c, here, ledger_.MarkMeasureDone(number, static_cast<int>(ordinal), date, who),
                "措施 " + std::to_string(ordinal) + " 已标记完成。");
  }
  if (verb == "notes") {
    std::string date = web::Get(c.form, "date");
    if (date.empty()) date = Today();
    auto id = ledger_.AddNote(number, date, who, web::Get(c.form, "text"));
    return Back(c, here, id.status(), "已添加进展记录。");
  }
  if (verb == "evidence") {
    const web::FormPart* file = web::FindPart(c.parts, "file");
    if (!file || file->filename.empty()) return Error(c, 400, "请选择要上传的文件。");
    int64_t measure = 0;
    const std::string m = web::Get(c.form, "measure");
    if (!m.empty() && !ParseNumber(m, &measure)) return Error(c, 400, "措施序号应为数字");
    LocalEvidenceStore store(EvidenceDir());
    std::string name = file->filename;
    if (auto slash = name.find_last_of("/\\"); slash != std::string::npos) name.erase(0, slash + 1);
    auto added = AttachEvidence(ledger_, store, ids_, number, static_cast<int>(measure), name,
                                file->data, options_.max_evidence_bytes, who);
    return Back(c, here, added.status(),
                added.ok() ? "已附上佐证材料 " + name + "（" + FormatSize(added->size) +
                                 "，SHA-256 " + added->sha256.substr(0, 16) + "…），同步后上传。"
                           : "");
  }
  return Error(c, 404, "没有这个操作");
}

web::Response DeskApp::Undo(Ctx& c, const std::string& seq) {
  int64_t n = 0;
  if (!ParseNumber(seq, &n) || n <= 0) return Error(c, 404, "没有这条修改");
  const std::string back =
      web::Get(c.form, "back").starts_with("/problems/") ? web::Get(c.form, "back") : "/";
  return Back(c, back, UndoPendingOp(ledger_, static_cast<uint64_t>(n), options_.author),
              "已撤销修改 #" + seq + "（撤销本身也记录在台账里）。");
}

web::Response DeskApp::Conflicts(Ctx& c) {
  json list = json::array();
  for (const auto& k : ledger_.Conflicts(false))
    list.push_back({{"id", k.id},
                    {"entity", EntityLabel(k.entity)},
                    {"field", FieldLabel(k.field)},
                    {"winner", ValueToString(k.winner_value)},
                    {"winner_author", k.winner_author},
                    {"loser", ValueToString(k.loser_value)},
                    {"loser_author", k.loser_author}});
  return Page(c, "conflicts", "冲突处理", json{{"conflicts", list}, {"none", list.empty()}});
}

web::Response DeskApp::ResolveConflict(Ctx& c, const std::string& id) {
  int64_t n = 0;
  if (!ParseNumber(id, &n)) return Error(c, 404, "没有这个冲突");
  for (const auto& k : ledger_.Conflicts(false)) {
    if (k.id != n) continue;
    const Value v = web::Get(c.form, "keep") == "loser" ? k.loser_value : k.winner_value;
    return Back(c, "/conflicts", ledger_.ResolveConflict(k.id, v, options_.author),
                "冲突 #" + id + " 已处理（同步后报送）。");
  }
  return Error(c, 404, "没有这个冲突，或已处理");
}

web::Response DeskApp::SchoolPage(Ctx& c) {
  json data = {{"school_id", ledger_.school_id()}};
  if (auto snap = ledger_.Snapshot(); snap.ok()) {
    const auto& s = snap->school;
    const auto& i = snap->inspection;
    data["school"] = {{"name", s.name},
                      {"org_name", s.org_name},
                      {"phone", s.phone},
                      {"postal", s.postal},
                      {"email", s.email}};
    data["inspection"] = {{"group_name", i.group_name},
                          {"kind", i.kind},
                          {"onsite_from", i.onsite_from},
                          {"onsite_to", i.onsite_to},
                          {"feedback_date", i.feedback_date},
                          {"plan_date", i.plan_date},
                          {"phase", i.phase},
                          {"notice_date", i.notice_date}};
  }
  return Page(c, "school", "学校与巡察信息", data);
}

web::Response DeskApp::SchoolPost(Ctx& c, const std::string& what) {
  Fields f;
  if (what == "profile") {
    for (const char* name : {"name", "org_name", "phone", "postal", "email"})
      if (c.form.count(name)) f.emplace_back(name, FormValue(c.form, name));
    return Back(c, "/school", ledger_.EditSchool(f, options_.author), "学校信息已保存。");
  }
  if (what == "inspection") {
    for (const char* name : {"group_name", "kind", "onsite_from", "onsite_to", "feedback_date",
                             "plan_date", "phase", "notice_date"})
      if (c.form.count(name)) f.emplace_back(name, FormValue(c.form, name));
    return Back(c, "/school", ledger_.EditInspection(f, options_.author), "巡察信息已保存。");
  }
  return Error(c, 404, "没有这个操作");
}

}  // namespace rectify
