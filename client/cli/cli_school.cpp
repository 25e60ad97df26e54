// `rectify init`, `rectify school show|edit`,
// `rectify inspection add|edit|show|list|use`.
#include <memory>
#include <string>

#include "client/cli/cli_commands.h"
#include "client/cli/cli_util.h"
#include "shared/schema.h"

namespace rectify {

namespace {

struct InitArgs {
  std::string id, name, org;
};

void RunInit(CliContext& ctx, const InitArgs& a) {
  ctx.may_create = true;
  auto l = ctx.ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Status st = (*l)->InitSchool(a.id, a.name, a.org, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json)
    PrintJson(ctx, {{"school_id", a.id}, {"device_id", (*l)->device_id()}, {"db", ctx.db_path}});
  else
    *ctx.out << "initialised ledger " << ctx.db_path << " for " << a.name << " (" << a.id << ")\n";
}

void RunSchoolShow(CliContext& ctx) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto row = (*l)->GetRow(entity::kSchool, (*l)->school_id());
  if (!row) return ctx.Fail("school row " + (*l)->school_id() + " not found");
  if (ctx.json) {
    nlohmann::json j = RowJson(*row);
    j["id"] = (*l)->school_id();
    return PrintJson(ctx, j);
  }
  *ctx.out << "id: " << (*l)->school_id() << "\n";
  PrintRow(ctx, *row);
}

void RunSchoolEdit(CliContext& ctx, const FieldOptions& opts, const std::string& rule) {
  auto fields = opts.Collect();
  if (!fields.ok()) return ctx.Fail(fields.status());
  if (!rule.empty()) {
    auto parsed = CompletionRule::Parse(rule);
    if (!parsed) return ctx.Fail("--completion-rule: expected default or strict, got " + rule);
    fields->emplace_back("completion_rule", Value{parsed->code});
  }
  if (fields->empty()) return ctx.Fail("nothing to change; give at least one option");
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Status st = (*l)->EditSchool(*fields, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (!ctx.json)
    *ctx.out << "school updated\n";
  else
    PrintJson(ctx, {{"ok", true}});
}

void AddInspectionFieldOptions(CLI::App* cmd, FieldOptions& o) {
  using K = FieldOptions::Kind;
  o.Add(cmd, "--group", "group_name", "inspecting group, e.g. 区委第一巡察组");
  o.Add(cmd, "--kind", "kind", "inspection kind, e.g. 常规巡察");
  o.Add(cmd, "--onsite-from", "onsite_from", "on-site inspection from (YYYY-MM-DD)", K::kDate);
  o.Add(cmd, "--onsite-to", "onsite_to", "on-site inspection to (YYYY-MM-DD)", K::kDate);
  o.Add(cmd, "--feedback-date", "feedback_date", "feedback meeting date (反馈)", K::kDate);
  o.Add(cmd, "--plan-date", "plan_date", "rectification plan date (整改方案)", K::kDate);
  o.Add(cmd, "--phase", "phase", "phase, e.g. 集中整改 or 日常整改");
  o.Add(cmd, "--notice-date", "notice_date", "public notice date (通报)", K::kDate);
}

void RunInspectionWrite(CliContext& ctx, const FieldOptions& opts, bool add) {
  auto fields = opts.Collect();
  if (!fields.ok()) return ctx.Fail(fields.status());
  if (!add && fields->empty()) return ctx.Fail("nothing to change; give at least one option");
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  if (add) {
    auto id = (*l)->AddInspection(*fields, ctx.author);
    if (!id.ok()) return ctx.Fail(id.status());
    if (ctx.json) return PrintJson(ctx, {{"id", *id}, {"current", true}});
    *ctx.out << "inspection added: " << *id << "\n"
             << "它现在是当前巡察 (now current): problem list, stats and the notice show its "
                "problems; `rectify inspection list` shows every inspection and "
                "`rectify inspection use N` switches back\n";
    return;
  }
  Status st = (*l)->EditInspection(*fields, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"ok", true}});
  *ctx.out << "inspection updated\n";
}

void RunInspectionList(CliContext& ctx) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto all = (*l)->ListInspections();
  if (!all.ok()) return ctx.Fail(all.status());
  if (ctx.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& e : *all)
      j.push_back({{"number", e.ordinal},
                   {"id", e.id},
                   {"group", e.group_name},
                   {"kind", e.kind},
                   {"onsite_from", e.onsite_from},
                   {"problems", e.problems},
                   {"current", e.current}});
    return PrintJson(ctx, j);
  }
  *ctx.out << "序号 number | 巡察组 group | 类型 kind | 进驻 from | 问题 problems\n";
  for (const auto& e : *all)
    *ctx.out << (e.current ? "* " : "  ") << e.ordinal << " | " << e.group_name << " | " << e.kind
             << " | " << e.onsite_from << " | " << e.problems << "\n";
  if (all->empty()) *ctx.out << "  (none yet: `rectify inspection add`)\n";
}

void RunInspectionUse(CliContext& ctx, const std::string& ref) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto id = (*l)->UseInspection(ref);
  if (!id.ok()) return ctx.Fail(id.status());
  if (ctx.json) return PrintJson(ctx, {{"id", *id}, {"current", true}});
  *ctx.out << "current inspection: " << ref << " (" << *id << ")\n";
}

void RunInspectionShow(CliContext& ctx) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto id = (*l)->CurrentInspectionId();
  if (!id.ok()) return ctx.Fail("no inspection yet; run `rectify inspection add` first");
  auto row = (*l)->GetRow(entity::kInspection, *id);
  if (!row) return ctx.Fail("inspection " + *id + " not found");
  if (ctx.json) {
    nlohmann::json j = RowJson(*row);
    j["id"] = *id;
    return PrintJson(ctx, j);
  }
  *ctx.out << "id: " << *id << "\n";
  PrintRow(ctx, *row);
}

}  // namespace

void AddSchoolCommands(CLI::App& app, CliContext& ctx) {
  auto init = std::make_shared<InitArgs>();
  CLI::App* ic = app.add_subcommand("init", "create the ledger file for a school");
  ic->add_option("--school-id", init->id, "school id (e.g. the unified social credit code)")
      ->required();
  ic->add_option("--school-name", init->name, "school name (被巡察单位)")->required();
  ic->add_option("--org-name", init->org, "party organisation name (中共…支部委员会)");
  ic->callback([&ctx, init] { RunInit(ctx, *init); });

  CLI::App* school = app.add_subcommand("school", "show or edit the school");
  school->require_subcommand(1);
  school->add_subcommand("show", "show the school")->callback([&ctx] { RunSchoolShow(ctx); });
  CLI::App* se = school->add_subcommand("edit", "edit the school's details");
  auto sopts = std::make_shared<FieldOptions>();
  auto rule = std::make_shared<std::string>();
  sopts->Add(se, "--name", "name", "school name");
  sopts->Add(se, "--org-name", "org_name", "party organisation name");
  sopts->Add(se, "--phone", "phone", "public phone number");
  sopts->Add(se, "--postal", "postal", "postal box / address");
  sopts->Add(se, "--email", "email", "public e-mail address");
  sopts->Add(se, "--warn-days", "warn_days", "yellow warning this many days before a deadline",
             FieldOptions::Kind::kInt);
  se->add_option("--completion-rule", *rule, "default (long-term counts as done) or strict");
  se->callback([&ctx, sopts, rule] { RunSchoolEdit(ctx, *sopts, *rule); });

  CLI::App* insp = app.add_subcommand("inspection", "the inspection (巡察) being rectified");
  insp->require_subcommand(1);
  CLI::App* ia = insp->add_subcommand("add", "start a new inspection; it becomes current");
  auto aopts = std::make_shared<FieldOptions>();
  AddInspectionFieldOptions(ia, *aopts);
  ia->callback([&ctx, aopts] { RunInspectionWrite(ctx, *aopts, true); });
  CLI::App* ie = insp->add_subcommand("edit", "edit the current inspection");
  auto eopts = std::make_shared<FieldOptions>();
  AddInspectionFieldOptions(ie, *eopts);
  ie->callback([&ctx, eopts] { RunInspectionWrite(ctx, *eopts, false); });
  insp->add_subcommand("show", "show the current inspection")->callback([&ctx] {
    RunInspectionShow(ctx);
  });
  insp->add_subcommand("list", "every inspection of the ledger; * marks the current one")
      ->callback([&ctx] { RunInspectionList(ctx); });
  auto use_ref = std::make_shared<std::string>();
  CLI::App* use = insp->add_subcommand("use", "make another inspection current (this device)");
  use->add_option("NUMBER", *use_ref, "the inspection's number in `inspection list`, or its id")
      ->required();
  use->callback([&ctx, use_ref] { RunInspectionUse(ctx, *use_ref); });
}

}  // namespace rectify
