// `rectify import FILE.csv [--dry-run]`, `rectify export --format csv [--out FILE]`.
#include <memory>
#include <set>
#include <string>

#include "client/cli/cli_commands.h"
#include "client/cli/cli_util.h"
#include "client/report/csv_export.h"
#include "client/report/csv_import.h"
#include "client/report/text_encoding.h"

namespace rectify {

namespace {

struct ImportArgs {
  std::string file;
  bool dry_run = false;
};

std::string BaseName(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Dry run: compares row numbers with the problems already in the ledger, without writing.
void ReportDryRun(CliContext& ctx, Ledger& ledger, const std::vector<ImportRow>& rows,
                  nlohmann::json& j) {
  std::set<std::string> existing;
  for (const auto& p : ledger.ListProblems(ProblemFilter{}))
    existing.insert(std::to_string(p.number));
  int matched = 0;
  for (const auto& r : rows)
    if (!r.number.empty() && existing.count(r.number)) ++matched;
  j["dry_run"] = true;
  j["existing_problems_matched"] = matched;
  j["new_problems"] = static_cast<int>(rows.size()) - matched;
  if (ctx.json) return PrintJson(ctx, j);
  *ctx.out << "encoding: " << j["encoding"].get<std::string>() << "\n"
           << "rows: " << rows.size() << "\n"
           << "would match existing problems: " << matched << "\n"
           << "would create problems: " << (static_cast<int>(rows.size()) - matched) << "\n"
           << "dry run: nothing imported\n";
}

void RunImport(CliContext& ctx, const ImportArgs& a) {
  auto bytes = ReadInputFile(a.file);
  if (!bytes.ok()) return ctx.Fail(bytes.status());
  std::string encoding;
  auto text = ToUtf8(*bytes, &encoding);
  if (!text.ok()) return ctx.Fail(text.status().Annotate(BaseName(a.file)));
  auto rows = ParseLedgerCsv(*bytes, a.file);
  if (!rows.ok()) return ctx.Fail(rows.status().message() + "\nnothing was imported");
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  nlohmann::json j = {{"file", a.file}, {"encoding", encoding}, {"rows", rows->size()}};
  if (a.dry_run) return ReportDryRun(ctx, **l, *rows, j);
  ImportSummary s;
  Status st = (*l)->ImportRows(*rows, ctx.author, &s);
  if (!st.ok()) return ctx.Fail(st.message() + "\nnothing was imported");
  j.update({{"aspects_created", s.aspects_created},
            {"categories_created", s.categories_created},
            {"problems_created", s.problems_created},
            {"problems_updated", s.problems_updated},
            {"problems_unchanged", s.problems_unchanged},
            {"measures_written", s.measures_written},
            {"ops_written", s.ops_written}});
  if (ctx.json) return PrintJson(ctx, j);
  *ctx.out << "encoding: " << encoding << "\n"
           << "rows: " << rows->size() << "\n"
           << "problems created: " << s.problems_created << "\n"
           << "problems updated: " << s.problems_updated << "\n"
           << "problems unchanged: " << s.problems_unchanged << "\n"
           << "aspects created: " << s.aspects_created
           << ", categories created: " << s.categories_created
           << ", measures written: " << s.measures_written << "\n"
           << "changes recorded: " << s.ops_written << "\n";
}

struct ExportArgs {
  std::string format = "csv";
  std::string out;
};

void RunExport(CliContext& ctx, const ExportArgs& a) {
  if (a.format != "csv") return ctx.Fail("--format: only csv is supported, got " + a.format);
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto snap = (*l)->Snapshot();
  if (!snap.ok()) return ctx.Fail(snap.status());
  std::string csv = ExportLedgerCsv(*snap);
  if (a.out.empty()) {
    *ctx.out << csv;
    return;
  }
  Status st = WriteOutputFile(a.out, csv);
  if (!st.ok()) return ctx.Fail(st);
  *ctx.err << "exported " << snap->problems.size() << " problem(s) to " << a.out << "\n";
}

}  // namespace

void AddTransferCommands(CLI::App& app, CliContext& ctx) {
  auto ia = std::make_shared<ImportArgs>();
  CLI::App* imp = app.add_subcommand(
      "import", "import a ledger spreadsheet saved as CSV (UTF-8 or GB18030); all or nothing");
  imp->add_option("file", ia->file, "the .csv file")->required();
  imp->add_flag("--dry-run", ia->dry_run, "check the file and report, change nothing");
  imp->callback([&ctx, ia] { RunImport(ctx, *ia); });

  auto ea = std::make_shared<ExportArgs>();
  CLI::App* exp = app.add_subcommand("export", "export the ledger as CSV (re-importable)");
  exp->add_option("--format", ea->format, "csv")->capture_default_str();
  exp->add_option("--out", ea->out, "output file (default: standard output)");
  exp->callback([&ctx, ea] { RunExport(ctx, *ea); });
}

}  // namespace rectify
