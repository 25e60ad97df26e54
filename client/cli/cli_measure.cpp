// `rectify measure add|done|list` and `rectify note add`.
#include <memory>
#include <string>

#include "client/cli/cli_commands.h"
#include "client/cli/cli_util.h"
#include "client/report/csv_import.h"

namespace rectify {

namespace {

struct MeasureArgs {
  std::string ref, text, owner, deadline, date;
  int ordinal = 0;
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
  if (ctx.json) return PrintJson(ctx, {{"id", *id}});
  *ctx.out << "measure added to problem " << a.ref << " (" << *id << ")\n";
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

  CLI::App* note = app.add_subcommand("note", "progress notes (append-only)");
  note->require_subcommand(1);
  auto na = std::make_shared<MeasureArgs>();
  CLI::App* nadd = note->add_subcommand("add", "add a dated progress note to a problem");
  nadd->add_option("problem", na->ref, "problem number or id")->required();
  nadd->add_option("--text", na->text, "the note")->required();
  nadd->add_option("--date", na->date, "date (default today)");
  nadd->callback([&ctx, na] { RunNoteAdd(ctx, *na); });
}

}  // namespace rectify
