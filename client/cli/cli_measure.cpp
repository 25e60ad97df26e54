// `rectify measure add|done|list|edit|delete` and `rectify note add|list|delete`.
#include <memory>
#include <string>

#include "client/cli/cli_commands.h"
#include "client/cli/cli_util.h"
#include "client/report/csv_import.h"

namespace rectify {

namespace {

struct MeasureArgs {
  std::string ref, text, owner, deadline, date, note;
  int ordinal = 0;
  FieldOptions fields;
};

// Empty means today; anything else must be a real date.
Result<std::string> DateOrToday(CliContext& ctx, const std::string& text) {
  if (text.empty()) return ctx.Today();
  if (auto d = NormalizeDate(text)) return *d;
  return Status::InvalidArgument("--date: not a date (YYYY-MM-DD): " + text);
}

void RunMeasureAdd(CliContext& ctx, const MeasureArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto id = (*l)->AddMeasure(a.ref, a.text, a.owner, a.deadline, ctx.author);
  if (!id.ok()) return ctx.Fail(id.status());
  int ordinal = 0;
  if (auto p = (*l)->GetProblem(a.ref); p.ok())
    for (const auto& m : p->measures)
      if (m.id == *id) ordinal = m.ordinal;
  if (ctx.json) return PrintJson(ctx, {{"id", *id}, {"ordinal", ordinal}});
  *ctx.out << "measure " << ordinal << " added to problem " << a.ref << " (" << *id << ")\n";
}

void RunMeasureEdit(CliContext& ctx, const MeasureArgs& a) {
  if (!a.fields.any()) return ctx.Fail("nothing to change; give at least one option");
  auto fields = a.fields.Collect();
  if (!fields.ok()) return ctx.Fail(fields.status());
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Status st = (*l)->EditMeasure(a.ref, a.ordinal, *fields, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"ok", true}});
  *ctx.out << "problem " << a.ref << " measure " << a.ordinal << " updated\n";
}

void RunMeasureDelete(CliContext& ctx, const MeasureArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Status st = (*l)->DeleteMeasure(a.ref, a.ordinal, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"ok", true}});
  *ctx.out << "problem " << a.ref << " measure " << a.ordinal << " deleted\n";
}

void RunMeasureDone(CliContext& ctx, const MeasureArgs& a) {
  auto date = DateOrToday(ctx, a.date);
  if (!date.ok()) return ctx.Fail(date.status());
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Status st = (*l)->MarkMeasureDone(a.ref, a.ordinal, *date, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"ok", true}, {"done_date", *date}});
  *ctx.out << "problem " << a.ref << " measure " << a.ordinal << " done on " << *date << "\n";
}

void RunMeasureList(CliContext& ctx, const std::string& ref) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto p = (*l)->GetProblem(ref);
  if (!p.ok()) return ctx.Fail(p.status());
  if (ctx.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& m : p->measures) j.push_back(MeasureJson(m));
    return PrintJson(ctx, j);
  }
  *ctx.out << "序号 no.\t完成 done\t时限 deadline\t责任 owner\t措施 measure\n";
  for (const auto& m : p->measures) {
    *ctx.out << m.ordinal << "\t" << (m.done_date.empty() ? "-" : m.done_date) << "\t"
             << (m.deadline.empty() ? "-" : m.deadline) << "\t" << (m.owner.empty() ? "-" : m.owner)
             << "\t" << m.text << "\n";
  }
  *ctx.out << p->measures.size() << " measure(s)\n";
}

void RunNoteAdd(CliContext& ctx, const MeasureArgs& a) {
  auto date = DateOrToday(ctx, a.date);
  if (!date.ok()) return ctx.Fail(date.status());
  if (a.text.empty()) return ctx.Fail("--text must not be empty");
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto id = (*l)->AddNote(a.ref, *date, ctx.author, a.text);
  if (!id.ok()) return ctx.Fail(id.status());
  if (ctx.json) return PrintJson(ctx, {{"id", *id}, {"date", *date}});
  *ctx.out << "note added to problem " << a.ref << " (" << *id << ")\n";
}

void RunNoteList(CliContext& ctx, const std::string& ref) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto p = (*l)->GetProblem(ref);
  if (!p.ok()) return ctx.Fail(p.status());
  if (ctx.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& n : p->notes) j.push_back(NoteJson(n));
    return PrintJson(ctx, j);
  }
  *ctx.out << "序号 no.\t日期 date\t记录人 author\t进展 note\n";
  for (const auto& n : p->notes)
    *ctx.out << n.number << "\t" << n.date << "\t" << n.author << "\t" << n.text << "\n";
  *ctx.out << p->notes.size() << " note(s)\n";
}

void RunNoteDelete(CliContext& ctx, const MeasureArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Status st = (*l)->DeleteNote(a.ref, a.note, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"ok", true}});
  *ctx.out << "problem " << a.ref << " note " << a.note << " deleted\n";
}

}  // namespace

void AddMeasureCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* measure = app.add_subcommand("measure", "rectification measures (整改措施)");
  measure->require_subcommand(1);

  auto add = std::make_shared<MeasureArgs>();
  CLI::App* ma = measure->add_subcommand("add", "add a measure to a problem");
  ma->add_option("problem", add->ref, "problem number or id")->required();
  ma->add_option("--text", add->text, "what will be done")->required();
  ma->add_option("--owner", add->owner, "who is responsible");
  ma->add_option("--deadline", add->deadline, "YYYY-MM-DD or 长期");
  ma->callback([&ctx, add] { RunMeasureAdd(ctx, *add); });

  auto done = std::make_shared<MeasureArgs>();
  CLI::App* md = measure->add_subcommand("done", "mark a measure done");
  md->add_option("problem", done->ref, "problem number or id")->required();
  md->add_option("measure", done->ordinal, "measure number within the problem")->required();
  md->add_option("--date", done->date, "completion date (default today)");
  md->callback([&ctx, done] { RunMeasureDone(ctx, *done); });

  auto list_ref = std::make_shared<std::string>();
  CLI::App* ml = measure->add_subcommand("list", "list a problem's measures");
  ml->add_option("problem", *list_ref, "problem number or id")->required();
  ml->callback([&ctx, list_ref] { RunMeasureList(ctx, *list_ref); });

  using K = FieldOptions::Kind;
  auto ed = std::make_shared<MeasureArgs>();
  CLI::App* me = measure->add_subcommand("edit", "change a measure (an empty value clears it)");
  me->add_option("problem", ed->ref, "problem number or id")->required();
  me->add_option("measure", ed->ordinal, "measure number within the problem")->required();
  ed->fields.Add(me, "--text", "text", "what will be done");
  ed->fields.Add(me, "--owner", "owner", "who is responsible");
  ed->fields.Add(me, "--deadline", "deadline", "YYYY-MM-DD or 长期", K::kDeadline);
  ed->fields.Add(me, "--done-date", "done_date", "completion date YYYY-MM-DD", K::kDate);
  me->callback([&ctx, ed] { RunMeasureEdit(ctx, *ed); });

  auto del = std::make_shared<MeasureArgs>();
  CLI::App* mdel = measure->add_subcommand("delete", "delete a measure");
  mdel->add_option("problem", del->ref, "problem number or id")->required();
  mdel->add_option("measure", del->ordinal, "measure number within the problem")->required();
  mdel->callback([&ctx, del] { RunMeasureDelete(ctx, *del); });

  CLI::App* note = app.add_subcommand("note", "progress notes (append-only)");
  note->require_subcommand(1);
  auto na = std::make_shared<MeasureArgs>();
  CLI::App* nadd = note->add_subcommand("add", "add a dated progress note to a problem");
  nadd->add_option("problem", na->ref, "problem number or id")->required();
  nadd->add_option("--text", na->text, "the note")->required();
  nadd->add_option("--date", na->date, "date (default today)");
  nadd->callback([&ctx, na] { RunNoteAdd(ctx, *na); });
  auto nl = std::make_shared<std::string>();
  CLI::App* nlist = note->add_subcommand("list", "list a problem's progress notes");
  nlist->add_option("problem", *nl, "problem number or id")->required();
  nlist->callback([&ctx, nl] { RunNoteList(ctx, *nl); });
  auto nd = std::make_shared<MeasureArgs>();
  CLI::App* ndel = note->add_subcommand("delete", "delete a wrongly entered note");
  ndel->add_option("problem", nd->ref, "problem number or id")->required();
  ndel->add_option("note", nd->note, "note number (see note list) or id")->required();
  ndel->callback([&ctx, nd] { RunNoteDelete(ctx, *nd); });
}

}  // namespace rectify
