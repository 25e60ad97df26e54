// `rectify problem add|edit|show|list|status|delete`. Problems are addressed by their
// number in the current inspection ("7") or by row id.
#include <memory>
#include <string>

#include "client/cli/cli_commands.h"
#include "client/cli/cli_util.h"

namespace rectify {

namespace {

struct AddArgs {
  NewProblem p;
};

void RunProblemAdd(CliContext& ctx, AddArgs a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto id = (*l)->AddProblem(a.p, ctx.author);
  if (!id.ok()) return ctx.Fail(id.status());
  auto info = (*l)->GetProblem(*id);
  if (ctx.json) return PrintJson(ctx, info.ok() ? ProblemJson(*info) : nlohmann::json{{"id", *id}});
  *ctx.out << "problem " << (info.ok() ? info->number : 0) << " added (" << *id << ")\n";
}

struct EditArgs {
  std::string ref, kind, aspect, category;
  bool new_aspect = false;
  FieldOptions fields;
};

void RunProblemEdit(CliContext& ctx, const EditArgs& a) {
  if (!a.fields.any() && a.kind.empty() && a.aspect.empty() && a.category.empty())
    return ctx.Fail("nothing to change; give at least one option");
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto fields = a.fields.Collect();
  if (!fields.ok()) return ctx.Fail(fields.status());
  if (!a.kind.empty()) fields->emplace_back("kind", Value{a.kind});
  Status st = (*l)->EditProblem(a.ref, *fields, ctx.author, {a.aspect, a.category, a.new_aspect});
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"ok", true}});
  *ctx.out << "problem " << a.ref << " updated\n";
}

void PrintProblem(CliContext& ctx, const ProblemInfo& p) {
  std::ostream& o = *ctx.out;
  o << p.number << ". " << p.title << "\n";
  o << "  id: " << p.id << "\n";
  o << "  状态 status: " << StatusLabel(p.status) << " (" << StatusCode(p.status) << ")\n";
  o << "  类型 kind: " << KindLabel(p.kind) << "\n";
  if (!p.deadline.empty()) o << "  整改时限 deadline: " << p.deadline << "\n";
  if (!p.department.empty()) o << "  责任部门 department: " << p.department << "\n";
  if (!p.person.empty()) o << "  责任人 person: " << p.person << "\n";
  if (!p.detail.empty()) o << "  问题描述 detail: " << p.detail << "\n";
  if (!p.result.empty()) o << "  整改结果 result: " << p.result << "\n";
  for (const auto& m : p.measures) {
    o << "  措施 " << m.ordinal << ": " << m.text;
    if (!m.owner.empty()) o << " [" << m.owner << "]";
    if (!m.deadline.empty()) o << " (时限 " << m.deadline << ")";
    if (!m.done_date.empty()) o << " 已完成 " << m.done_date;
    o << "\n";
  }
  for (const auto& n : p.notes)
    o << "  进展 note " << n.number << " (" << n.date << ", " << n.author << "): " << n.text
      << "\n";
}

void RunProblemDelete(CliContext& ctx, const std::string& ref) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Status st = (*l)->DeleteProblem(ref, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"ok", true}});
  *ctx.out << "problem " << ref << " deleted\n";
}

void RunProblemShow(CliContext& ctx, const std::string& ref) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto p = (*l)->GetProblem(ref);
  if (!p.ok()) return ctx.Fail(p.status());
  if (ctx.json) return PrintJson(ctx, ProblemJson(*p));
  PrintProblem(ctx, *p);
}

struct ListArgs {
  std::string status, category, department;
  bool overdue = false;
};

void RunProblemList(CliContext& ctx, const ListArgs& a) {
  ProblemFilter f;
  if (!a.status.empty()) {
    f.status = ParseStatus(a.status);
    if (!f.status) return ctx.Fail("--status: unknown status " + a.status);
  }
  f.category_title = a.category;
  f.department = a.department;
  if (a.overdue) f.overdue_as_of = ctx.Today();
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto problems = (*l)->ListProblems(f);
  if (ctx.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& p : problems) j.push_back(ProblemJson(p));
    return PrintJson(ctx, j);
  }
  for (const auto& p : problems) {
    *ctx.out << p.number << "\t" << StatusLabel(p.status) << "\t"
             << (p.deadline.empty() ? "-" : p.deadline) << "\t"
             << (p.department.empty() ? "-" : p.department) << "\t" << p.title << "\n";
  }
  *ctx.out << problems.size() << " problem(s)\n";
}

struct StatusArgs {
  std::string ref, status, reason;
};

void RunProblemStatus(CliContext& ctx, const StatusArgs& a) {
  auto parsed = ParseStatus(a.status);
  if (!parsed)
    return ctx.Fail("unknown status " + a.status +
                    " (未开始/not_started, 推进中/in_progress, 已完成/completed, "
                    "长期坚持/long_term, 已销号/verified)");
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Status st = (*l)->SetProblemStatus(a.ref, a.status, a.reason, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"ok", true}, {"status", std::string(StatusCode(*parsed))}});
  *ctx.out << "problem " << a.ref << ": " << StatusLabel(*parsed) << "\n";
}

void AddProblemAdd(CLI::App* problem, CliContext& ctx) {
  auto a = std::make_shared<AddArgs>();
  NewProblem& p = a->p;
  CLI::App* c = problem->add_subcommand("add", "add a problem to the current inspection");
  c->add_option("--title", p.title, "problem title (问题)")->required();
  c->add_option("--number", p.number, "problem number (default: next free)");
  c->add_option("--aspect", p.aspect, "aspect (方面): title, ordinal or id of an existing one");
  c->add_flag("--new-aspect", p.new_aspect, "create --aspect if no aspect has that title");
  c->add_option("--category", p.category, "category title within --aspect, created if new");
  c->add_option("--detail", p.detail, "finding detail (问题描述)");
  c->add_option("--kind", p.kind, "立行立改|限期整改|长期坚持 or immediate|within_period|ongoing");
  c->add_option("--status", p.status, "initial status (default 未开始)");
  c->add_option("--deadline", p.deadline, "YYYY-MM-DD or 长期");
  c->add_option("--department", p.department, "responsible department (责任部门)");
  c->add_option("--person", p.person, "responsible person (责任人)");
  c->add_option("--result", p.result, "rectification result (整改结果)");
  c->callback([&ctx, a] { RunProblemAdd(ctx, *a); });
}

void AddProblemEdit(CLI::App* problem, CliContext& ctx) {
  using K = FieldOptions::Kind;
  auto a = std::make_shared<EditArgs>();
  CLI::App* c = problem->add_subcommand("edit", "edit a problem's fields");
  c->add_option("problem", a->ref, "problem number or id")->required();
  a->fields.Add(c, "--title", "title", "problem title");
  a->fields.Add(c, "--number", "number", "problem number", K::kInt);
  a->fields.Add(c, "--detail", "detail", "finding detail (问题描述)");
  a->fields.Add(c, "--deadline", "deadline", "YYYY-MM-DD or 长期", K::kDeadline);
  a->fields.Add(c, "--department", "department", "responsible department (责任部门)");
  a->fields.Add(c, "--person", "person", "responsible person (责任人)");
  a->fields.Add(c, "--result", "result", "rectification result (整改结果)");
  a->fields.Add(c, "--internal", "internal",
                "1: internal (内部), left out of the public notice; 0: public", K::kInt);
  c->add_option("--kind", a->kind, "立行立改|限期整改|长期坚持 or immediate|within_period|ongoing");
  c->add_option("--aspect", a->aspect, "move to this aspect (title, ordinal or id)");
  c->add_flag("--new-aspect", a->new_aspect, "create --aspect if no aspect has that title");
  c->add_option("--category", a->category, "move to this category (title)");
  c->callback([&ctx, a] { RunProblemEdit(ctx, *a); });
}

}  // namespace

void AddProblemCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* problem = app.add_subcommand("problem", "problems (问题) of the current inspection");
  problem->require_subcommand(1);
  AddProblemAdd(problem, ctx);
  AddProblemEdit(problem, ctx);

  auto ref = std::make_shared<std::string>();
  CLI::App* show = problem->add_subcommand("show", "show one problem with its measures and notes");
  show->add_option("problem", *ref, "problem number or id")->required();
  show->callback([&ctx, ref] { RunProblemShow(ctx, *ref); });

  auto la = std::make_shared<ListArgs>();
  CLI::App* list = problem->add_subcommand("list", "list problems");
  list->add_option("--status", la->status, "only this status (Chinese or English)");
  list->add_option("--category", la->category, "only this category title");
  list->add_option("--department", la->department, "only this department");
  list->add_flag("--overdue", la->overdue, "only open problems past their deadline");
  list->callback([&ctx, la] { RunProblemList(ctx, *la); });

  auto dref = std::make_shared<std::string>();
  CLI::App* del = problem->add_subcommand("delete", "delete a problem with its measures");
  del->add_option("problem", *dref, "problem number or id")->required();
  del->callback([&ctx, dref] { RunProblemDelete(ctx, *dref); });

  auto sa = std::make_shared<StatusArgs>();
  CLI::App* st = problem->add_subcommand("status", "set a problem's status");
  st->add_option("problem", sa->ref, "problem number or id")->required();
  st->add_option("status", sa->status, "未开始|推进中|已完成|长期坚持|已销号 or English")
      ->required();
  st->add_option("--reason", sa->reason, "reason (required to reopen)");
  st->callback([&ctx, sa] { RunProblemStatus(ctx, *sa); });
}

}  // namespace rectify
