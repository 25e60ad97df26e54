// Ledger domain commands: the status state machine, numbering, import, snapshot.
#include <doctest/doctest.h>

#include <unistd.h>
#include <atomic>
#include <filesystem>

#include "client/ledger/ledger.h"

using namespace rectify;

namespace {

struct CmdEnv {
  std::filesystem::path dir;
  ManualClock clock{1'708'300'800'000};
  SequentialIdSource ids{"d"};
  std::unique_ptr<Ledger> ledger;

  explicit CmdEnv(const std::string& role = "school") {
    static std::atomic<int> n{0};
    dir = std::filesystem::temp_directory_path() /
          ("rectify_ledger_cmd_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto r = Ledger::Open((dir / "l.db").string(), clock, ids);
    REQUIRE(r.ok());
    ledger = std::move(r).value();
    REQUIRE(ledger->InitSchool("s1", "杏花学校", "中共杏花学校支部委员会", "王").ok());
    REQUIRE(ledger->SetIdentity("s1", role).ok());
  }
  ~CmdEnv() {
    ledger.reset();
    std::filesystem::remove_all(dir);
  }
  Ledger* operator->() { return ledger.get(); }
};

std::string AddSimple(CmdEnv& env, const std::string& title, int64_t number = 0) {
  NewProblem p;
  p.title = title;
  p.number = number;
  auto id = env->AddProblem(p, "王");
  REQUIRE_MESSAGE(id.ok(), id.status().ToString());
  return *id;
}

ProblemStatus StatusOf(CmdEnv& env, const std::string& ref) {
  auto p = env->GetProblem(ref);
  REQUIRE(p.ok());
  return p->status;
}

ImportRow Row(int line, const std::string& number, const std::string& aspect,
              const std::string& category, const std::string& title) {
  ImportRow r;
  r.line = line;
  r.number = number;
  r.aspect = aspect;
  r.category = category;
  r.title = title;
  return r;
}

}  // namespace

TEST_CASE("ledger commands: a school can never verify nor touch a verified problem") {
  CmdEnv env;
  AddSimple(env, "问题一");
  CHECK(StatusOf(env, "1") == ProblemStatus::kNotStarted);
  REQUIRE(env->SetProblemStatus("1", "推进中", "", "王").ok());  // Chinese
  CHECK(StatusOf(env, "1") == ProblemStatus::kInProgress);
  REQUIRE(env->SetProblemStatus("1", "completed", "", "王").ok());  // English
  CHECK(StatusOf(env, "1") == ProblemStatus::kCompleted);
  const uint64_t pending = env->PendingCount();
  CHECK(env->SetProblemStatus("1", "已销号", "", "王").code() == Status::Code::kPermissionDenied);
  CHECK(env->SetProblemStatus("1", "verified", "", "王").code() == Status::Code::kPermissionDenied);
  // Reopening is the auditor's.
  CHECK(env->SetProblemStatus("1", "in_progress", "", "王").code() ==
        Status::Code::kPermissionDenied);
  CHECK(env->SetProblemStatus("1", "whatever", "", "王").code() == Status::Code::kInvalidArgument);
  CHECK(env->PendingCount() == pending);

  // The auditor verifies; then the school can change nothing of it.
  REQUIRE(env->SetIdentity("s1", "auditor").ok());
  REQUIRE(env->SetProblemStatus("1", "已销号", "", "巡察办").ok());
  REQUIRE(env->SetIdentity("s1", "school").ok());
  CHECK(env->EditProblem("1", {{"result", std::string("x")}}, "王").code() ==
        Status::Code::kPermissionDenied);
  CHECK(env->SetProblemStatus("1", "推进中", "", "王").code() == Status::Code::kPermissionDenied);
  CHECK(env->AddMeasure("1", "措施", "", "", "王").status().code() ==
        Status::Code::kPermissionDenied);
  CHECK(env->PendingCount() == pending + 1);
  // Notes stay allowed.
  CHECK(env->AddNote("1", "2024-03-01", "王", "回访").ok());

  // Auditor reopening needs a reason, which is stored.
  REQUIRE(env->SetIdentity("s1", "auditor").ok());
  CHECK(env->SetProblemStatus("1", "in_progress", "", "巡察办").code() ==
        Status::Code::kInvalidArgument);
  CHECK(StatusOf(env, "1") == ProblemStatus::kVerified);
  REQUIRE(env->SetProblemStatus("1", "in_progress", "整改不彻底", "巡察办").ok());
  CHECK(StatusOf(env, "1") == ProblemStatus::kInProgress);
  auto row = env->GetRow("problem", *env->ResolveProblem("1"));
  CHECK(ValueToString(row->at("status_reason")) == "整改不彻底");
}

TEST_CASE("ledger commands: problem numbers are unique and auto-assigned") {
  CmdEnv env;
  auto id1 = AddSimple(env, "一");
  auto id5 = AddSimple(env, "五", 5);
  auto id6 = AddSimple(env, "六");
  CHECK(*env->ResolveProblem("1") == id1);
  CHECK(*env->ResolveProblem("5") == id5);
  CHECK(*env->ResolveProblem("6") == id6);
  CHECK(*env->ResolveProblem(id6) == id6);
  NewProblem dup;
  dup.title = "重复";
  dup.number = 5;
  CHECK(env->AddProblem(dup, "王").status().code() == Status::Code::kAlreadyExists);
  CHECK(env->EditProblem("6", {{"number", std::string("5")}}, "王").code() ==
        Status::Code::kAlreadyExists);
  REQUIRE(
      env->EditProblem("6", {{"number", std::string("7")}, {"kind", std::string("立行立改")}}, "王")
          .ok());
  CHECK(env->GetProblem("7")->kind == ProblemKind::kImmediate);
  CHECK(env->EditProblem("7", {{"status", std::string("completed")}}, "王").code() ==
        Status::Code::kInvalidArgument);
  CHECK(env->GetProblem("99").status().code() == Status::Code::kNotFound);
}

TEST_CASE("ledger commands: measures, notes and validation of dates") {
  CmdEnv env;
  AddSimple(env, "一");
  REQUIRE(env->AddMeasure("1", "召开会议", "办公室", "2024-03-31", "王").ok());
  REQUIRE(env->AddMeasure("1", "长期坚持学习", "", "长期", "王").ok());
  CHECK(env->AddMeasure("1", "x", "", "2024-13-01", "王").status().code() ==
        Status::Code::kInvalidArgument);
  REQUIRE(env->MarkMeasureDone("1", 1, "2024-03-20", "王").ok());
  CHECK(env->MarkMeasureDone("1", 3, "2024-03-20", "王").code() == Status::Code::kNotFound);
  CHECK(env->MarkMeasureDone("1", 2, "yesterday", "王").code() == Status::Code::kInvalidArgument);
  auto p = env->GetProblem("1");
  REQUIRE(p->measures.size() == 2);
  CHECK(p->measures[0].ordinal == 1);
  CHECK(p->measures[0].done_date == "2024-03-20");
  CHECK(p->measures[1].deadline == "长期");
  CHECK(env->AddNote("1", "2024-3-1", "王", "x").status().code() == Status::Code::kInvalidArgument);
  CHECK(env->EditSchool(
               {{"warn_days", std::string("7")}, {"completion_rule", std::string("strict")}}, "王")
            .ok());
  CHECK(env->EditSchool({{"completion_rule", std::string("lenient")}}, "王").code() ==
        Status::Code::kInvalidArgument);
  CHECK(env->EditSchool({{"deleted", int64_t{1}}}, "王").code() == Status::Code::kInvalidArgument);
  auto snap = env->Snapshot();
  CHECK(snap->warn_days == 7);
  CHECK(snap->rule.code == "strict");
}

TEST_CASE("ledger commands: list filters by status, department, category and overdue") {
  CmdEnv env;
  NewProblem a;
  a.title = "A";
  a.aspect = "方面一";
  a.new_aspect = true;
  a.category = "（一）党建";
  a.department = "办公室";
  a.deadline = "2024-03-01";
  REQUIRE(env->AddProblem(a, "王").ok());
  NewProblem b = a;
  b.title = "B";
  b.category = "（二）教学";
  b.department = "教务处";
  b.status = "已完成";
  REQUIRE(env->AddProblem(b, "王").ok());
  NewProblem c = a;
  c.title = "C";
  c.deadline = "长期";
  REQUIRE(env->AddProblem(c, "王").ok());
  auto titles = [&](const ProblemFilter& f) {
    std::string out;
    for (const auto& p : env->ListProblems(f)) out += p.title;
    return out;
  };
  CHECK(titles({}) == "ABC");
  CHECK(titles({ProblemStatus::kCompleted, "", "", ""}) == "B");
  CHECK(titles({std::nullopt, "（一）党建", "", ""}) == "AC");
  CHECK(titles({std::nullopt, "", "教务处", ""}) == "B");
  CHECK(titles({std::nullopt, "", "", "2024-03-02"}) == "A");  // B done, C long-term
  CHECK(titles({std::nullopt, "", "", "2024-03-01"}).empty());
}

TEST_CASE("ledger commands: import creates, re-import writes no op, a change writes one") {
  CmdEnv env;
  std::vector<ImportRow> rows = {Row(2, "1", "政治建设", "（一）学习", "学习不深入"),
                                 Row(3, "2", "政治建设", "（二）宿舍", "宿舍管理"),
                                 Row(4, "3", "业务工作", "", "招聘教师")};
  rows[0].measures = {"召开会议", "专题学习"};
  rows[0].status = "已完成";
  rows[1].kind = "立行立改";
  rows[1].deadline = "2024-04-30";
  ImportSummary sum;
  REQUIRE(env->ImportRows(rows, "王", &sum).ok());
  CHECK(sum.problems_created == 3);
  CHECK(sum.aspects_created == 2);
  CHECK(sum.categories_created == 2);
  CHECK(sum.measures_written == 2);
  CHECK(sum.ops_written > 0);
  const uint64_t pending = env->PendingCount();

  ImportSummary again;
  REQUIRE(env->ImportRows(rows, "王", &again).ok());
  CHECK(again.ops_written == 0);
  CHECK(again.problems_created == 0);
  CHECK(again.problems_unchanged == 3);
  CHECK(env->PendingCount() == pending);

  rows[2].result = "已招聘1人";
  rows[0].measures[1] = "专题学习（修订）";
  ImportSummary changed;
  REQUIRE(env->ImportRows(rows, "王", &changed).ok());
  CHECK(changed.ops_written == 2);
  CHECK(changed.problems_updated == 1);
  CHECK(env->GetProblem("3")->result == "已招聘1人");
  CHECK(env->GetProblem("1")->measures[1].text == "专题学习（修订）");
  CHECK(env->GetProblem("2")->kind == ProblemKind::kImmediate);

  // A bad row aborts the whole import, naming its line.
  auto bad = rows;
  bad[2].result = "changed again";
  bad[1].status = "verified";  // a school cannot
  const uint64_t before = env->PendingCount();
  Status st = env->ImportRows(bad, "王", nullptr);
  CHECK(st.code() == Status::Code::kPermissionDenied);
  CHECK(st.message().find("line 3") != std::string::npos);
  CHECK(env->PendingCount() == before);
  CHECK(env->GetProblem("3")->result == "已招聘1人");
}

TEST_CASE("ledger commands: snapshot is in notice order") {
  CmdEnv env;
  REQUIRE(
      env->EditSchool({{"phone", std::string("0467-1")}, {"email", std::string("x@y.cn")}}, "王")
          .ok());
  REQUIRE(env->AddInspection({{"group_name", std::string("区委第一巡察组")},
                              {"onsite_from", std::string("2023-10-14")},
                              {"onsite_to", std::string("2023-11-17")},
                              {"notice_date", std::string("2024-05-20")}},
                             "王")
              .ok());
  // Entered out of order on purpose.
  NewProblem p;
  p.aspect = "二、业务";
  p.new_aspect = true;
  p.title = "问题三";
  p.number = 3;
  REQUIRE(env->AddProblem(p, "王").ok());
  p.aspect = "一、政治";
  p.category = "（二）宿舍";
  p.title = "问题二";
  p.number = 2;
  REQUIRE(env->AddProblem(p, "王").ok());
  p.category = "（一）学习";
  p.title = "问题一";
  p.number = 1;
  REQUIRE(env->AddProblem(p, "王").ok());
  REQUIRE(env->AddMeasure("2", "m1", "", "", "王").ok());
  REQUIRE(env->AddMeasure("2", "m2", "", "", "王").ok());
  REQUIRE(env->AddAccountability("disposition", "政务处分", 1, 0, "", "王").ok());
  REQUIRE(env->AddAccountability("funds", "追回资金", 0, 123456, "", "王").ok());
  CHECK_FALSE(env->AddAccountability("fine", "x", 0, 0, "", "王").ok());
  REQUIRE(env->AddNextStep("（一）持续整改", "坚持不懈", "王").ok());
  REQUIRE(env->AddNextStep("（二）建立长效机制", "", "王").ok());

  auto snap = env->Snapshot();
  REQUIRE(snap.ok());
  CHECK(snap->school.name == "杏花学校");
  CHECK(snap->school.org_name == "中共杏花学校支部委员会");
  CHECK(snap->school.phone == "0467-1");
  CHECK(snap->rule.code == "default");
  CHECK(snap->warn_days == 10);
  CHECK(snap->inspection.group_name == "区委第一巡察组");
  CHECK(snap->inspection.notice_date == "2024-05-20");
  // Aspects in the order first created (ordinal), categories likewise.
  REQUIRE(snap->aspects.size() == 2);
  CHECK(snap->aspects[0].title == "二、业务");
  CHECK(snap->aspects[0].ordinal == 1);
  CHECK(snap->aspects[1].title == "一、政治");
  REQUIRE(snap->aspects[1].categories.size() == 2);
  CHECK(snap->aspects[1].categories[0].title == "（二）宿舍");
  CHECK(snap->aspects[1].categories[1].title == "（一）学习");
  // Problems by number.
  REQUIRE(snap->problems.size() == 3);
  CHECK(snap->problems[0].title == "问题一");
  CHECK(snap->problems[1].title == "问题二");
  CHECK(snap->problems[2].title == "问题三");
  CHECK(snap->problems[1].aspect_id == snap->aspects[1].id);
  CHECK(snap->problems[1].category_id == snap->aspects[1].categories[0].id);
  REQUIRE(snap->problems[1].measures.size() == 2);
  CHECK(snap->problems[1].measures[1].text == "m2");
  REQUIRE(snap->accountability.size() == 2);
  CHECK(snap->accountability[0].label == "政务处分");
  CHECK(snap->accountability[1].amount_fen == 123456);
  REQUIRE(snap->next_steps.size() == 2);
  CHECK(snap->next_steps[0].ordinal == 1);
  CHECK(snap->next_steps[1].title == "（二）建立长效机制");

  // A newer inspection becomes the current one.
  REQUIRE(env->AddInspection({{"group_name", std::string("第二巡察组")}}, "王").ok());
  snap = env->Snapshot();
  CHECK(snap->inspection.group_name == "第二巡察组");
  CHECK(snap->problems.empty());
}

TEST_CASE("defect 11: an unknown aspect is refused, not silently created") {
  CmdEnv env;
  REQUIRE(env->AddAspect("政治建设", "王").ok());
  const auto before = env->DumpState();
  NewProblem p;
  p.title = "宿舍管理不规范";
  p.aspect = "不存在的方面";
  auto refused = env->AddProblem(p, "王");
  REQUIRE(!refused.ok());
  CHECK(refused.status().code() == Status::Code::kNotFound);
  CHECK(refused.status().message().find("不存在的方面") != std::string::npos);
  CHECK(refused.status().message().find("1 政治建设") != std::string::npos);  // names what exists
  CHECK(refused.status().message().find("aspect add") != std::string::npos);  // and the fix
  CHECK(env->DumpState() == before);
  CHECK(!env->AddCategory("不存在的方面", "（一）", "王").ok());
  CHECK(env->DumpState() == before);
  // By ordinal, and explicitly new.
  p.aspect = "1";
  auto in_first = env->AddProblem(p, "王");
  REQUIRE(in_first.ok());
  p.aspect = "新方面";
  p.new_aspect = true;
  REQUIRE(env->AddProblem(p, "王").ok());
  auto aspects = env->ListAspects();
  REQUIRE(aspects.ok());
  REQUIRE(aspects->size() == 2);
  CHECK((*aspects)[1].aspect.title == "新方面");
  CHECK((*aspects)[0].problems == 1);
}

TEST_CASE("defect 11: aspects and categories are listed, renamed and deleted") {
  CmdEnv env;
  REQUIRE(env->AddCategory("政治建设", "（一）学习", "王", /*new_aspect=*/true).ok());
  REQUIRE(env->AddAspect("空方面", "王").ok());
  NewProblem p;
  p.title = "问题";
  p.aspect = "政治建设";
  p.category = "（一）学习";
  REQUIRE(env->AddProblem(p, "王").ok());
  REQUIRE(env->RenameAspect("1", "一、政治建设", "王").ok());
  CHECK(env->RenameAspect("2", "一、政治建设", "王").code() == Status::Code::kAlreadyExists);
  REQUIRE(env->RenameCategory("一、政治建设", "1", "（一）理论学习", "王").ok());
  auto snap = env->Snapshot();
  REQUIRE(snap.ok());
  REQUIRE(snap->aspects.size() == 2);
  CHECK(snap->aspects[0].title == "一、政治建设");
  CHECK(snap->aspects[0].categories.at(0).title == "（一）理论学习");
  // Not while problems live under it; nothing changes.
  const auto before = env->DumpState();
  Status st = env->DeleteAspect("1", "王");
  CHECK(st.code() == Status::Code::kFailedPrecondition);
  CHECK(st.message().find("1 problem") != std::string::npos);
  CHECK(env->DeleteCategory("1", "1", "王").code() == Status::Code::kFailedPrecondition);
  CHECK(env->DumpState() == before);
  // Empty ones go, and are gone from the snapshot (the notice's source).
  REQUIRE(env->DeleteAspect("空方面", "王").ok());
  REQUIRE(env->DeleteProblem("1", "王").ok());
  REQUIRE(env->DeleteCategory("1", "（一）理论学习", "王").ok());
  snap = env->Snapshot();
  REQUIRE(snap.ok());
  REQUIRE(snap->aspects.size() == 1);
  CHECK(snap->aspects[0].categories.empty());
  CHECK(snap->problems.empty());
  CHECK(env->RowIds("aspect").size() == 1);  // the tombstoned rows are kept, not removed
}

TEST_CASE("defect 11: measures, notes, accountability and next steps can be corrected") {
  CmdEnv env;
  AddSimple(env, "问题一");
  REQUIRE(env->AddMeasure("1", "召开会议", "", "", "王").ok());
  REQUIRE(env->AddMeasure("1", "检查记录", "", "", "王").ok());
  REQUIRE(env->EditMeasure("1", 2, {{"owner", std::string("政教处")}, {"deadline", std::string("长期")}},
                           "王")
              .ok());
  CHECK(!env->EditMeasure("1", 2, {{"deadline", std::string("2024-02-30")}}, "王").ok());
  CHECK(!env->EditMeasure("1", 2, {{"text", std::string()}}, "王").ok());
  CHECK(env->EditMeasure("1", 9, {{"owner", std::string("x")}}, "王").code() ==
        Status::Code::kNotFound);
  REQUIRE(env->DeleteMeasure("1", 1, "王").ok());
  auto p = env->GetProblem("1");
  REQUIRE(p.ok());
  REQUIRE(p->measures.size() == 1);
  CHECK(p->measures[0].owner == "政教处");
  CHECK(p->measures[0].deadline == "长期");

  REQUIRE(env->AddNote("1", "2024-03-02", "王", "第二次检查").ok());
  REQUIRE(env->AddNote("1", "2024-03-01", "李", "已召开会议").ok());
  p = env->GetProblem("1");
  REQUIRE(p->notes.size() == 2);
  CHECK(p->notes[0].text == "已召开会议");  // by date
  CHECK(p->notes[0].number == 1);
  CHECK(p->notes[0].author == "李");
  REQUIRE(env->DeleteNote("1", "1", "王").ok());
  CHECK(env->DeleteNote("1", "5", "王").code() == Status::Code::kNotFound);
  p = env->GetProblem("1");
  REQUIRE(p->notes.size() == 1);
  CHECK(p->notes[0].text == "第二次检查");

  REQUIRE(env->AddAccountability("funds", "追回资金", 0, 100, "", "王").ok());
  REQUIRE(env->AddAccountability("disposition", "诫勉谈话", 1, 0, "", "王").ok());
  REQUIRE(env->EditAccountability("2", {{"count", std::string("3")}, {"note", std::string("备注")}},
                                  "王")
              .ok());
  CHECK(env->EditAccountability("2", {{"kind", std::string("gift")}}, "王").code() ==
        Status::Code::kInvalidArgument);
  CHECK(env->EditAccountability("2", {{"count", int64_t{-1}}}, "王").code() ==
        Status::Code::kInvalidArgument);
  REQUIRE(env->DeleteAccountability("1", "王").ok());
  auto acc = env->ListAccountability();
  REQUIRE(acc.ok());
  REQUIRE(acc->size() == 1);
  CHECK(acc->at(0).number == 1);
  CHECK(acc->at(0).info.label == "诫勉谈话");
  CHECK(acc->at(0).info.count == 3);
  CHECK(acc->at(0).info.note == "备注");

  REQUIRE(env->AddNextStep("健全制度", "持续修订", "王").ok());
  REQUIRE(env->AddNextStep("加强学习", "", "王").ok());
  REQUIRE(env->EditNextStep("1", {{"text", std::string("每学期修订")}}, "王").ok());
  CHECK(env->EditNextStep("2", {{"title", std::string()}}, "王").code() ==
        Status::Code::kInvalidArgument);
  REQUIRE(env->DeleteNextStep("2", "王").ok());
  auto snap = env->Snapshot();
  REQUIRE(snap.ok());
  REQUIRE(snap->next_steps.size() == 1);
  CHECK(snap->next_steps[0].text == "每学期修订");
  CHECK(snap->accountability.size() == 1);
}

TEST_CASE("defect 11: a school cannot delete a verified problem, its measures or notes") {
  CmdEnv env("auditor");
  AddSimple(env, "问题一");
  REQUIRE(env->AddMeasure("1", "召开会议", "", "", "王").ok());
  REQUIRE(env->AddNote("1", "2024-03-01", "王", "进展").ok());
  REQUIRE(env->SetProblemStatus("1", "已销号", "", "审计").ok());
  REQUIRE(env->SetIdentity("s1", "school").ok());
  const auto before = env->DumpState();
  CHECK(env->DeleteProblem("1", "王").code() == Status::Code::kPermissionDenied);
  CHECK(env->DeleteMeasure("1", 1, "王").code() == Status::Code::kPermissionDenied);
  CHECK(env->DeleteNote("1", "1", "王").code() == Status::Code::kPermissionDenied);
  CHECK(env->DumpState() == before);
}
