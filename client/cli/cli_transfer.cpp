// `rectify import FILE.csv|FILE.xlsx [--sheet NAME] [--dry-run]`,
// `rectify export --format csv|xlsx [--out FILE]`.
#include <algorithm>
#include <memory>
#include <set>
#include <string>

#include "client/cli/cli_commands.h"
#include "client/cli/cli_util.h"
#include "client/report/csv_export.h"
#include "client/report/spreadsheet_import.h"
#include "client/report/xlsx_export.h"

namespace rectify {

namespace {

struct ImportArgs {
  std::string file;
  std::string sheet;
  bool dry_run = false;
};

constexpr size_t kPreviewRows = 5;

std::string SheetLine(const XlsxInfo& x) {
  return "sheet: " + x.sheet + " (header in row " + std::to_string(x.header_row) +
         (x.header_rows == 2 ? " and the next" : "") + ", " + std::to_string(x.skipped_rows) +
         " title row(s) above skipped)\n";
}

void PrintPreview(std::ostream& o, const std::vector<ImportRow>& rows) {
  o << "preview (first " << std::min(rows.size(), kPreviewRows) << " of " << rows.size()
    << " rows): 序号 | 方面 | 问题 | 整改状态 | 整改时限\n";
  for (size_t i = 0; i < rows.size() && i < kPreviewRows; ++i) {
    const ImportRow& r = rows[i];
    o << "  " << (r.where.empty() ? "line " + std::to_string(r.line) : r.where) << ": " << r.number
      << " | " << r.aspect << " | " << r.title << " | " << r.status << " | " << r.deadline << "\n";
  }
}

// Dry run: compares row numbers with the problems already in the ledger, without writing.
void ReportDryRun(CliContext& ctx, Ledger& ledger, const std::vector<ImportRow>& rows,
                  const XlsxInfo& info, nlohmann::json& j) {
  std::set<std::string> existing;
  for (const auto& p : ledger.ListProblems(ProblemFilter{}))
    existing.insert(std::to_string(p.number));
  int matched = 0;
  for (const auto& r : rows)
    if (!r.number.empty() && existing.count(r.number)) ++matched;
  j["dry_run"] = true;
  j["existing_problems_matched"] = matched;
  j["new_problems"] = static_cast<int>(rows.size()) - matched;
  nlohmann::json preview = nlohmann::json::array();
  for (size_t i = 0; i < rows.size() && i < kPreviewRows; ++i)
    preview.push_back({{"number", rows[i].number},
                       {"aspect", rows[i].aspect},
                       {"title", rows[i].title},
                       {"status", rows[i].status},
                       {"deadline", rows[i].deadline}});
  j["preview"] = preview;
  if (ctx.json) return PrintJson(ctx, j);
  *ctx.out << "encoding: " << j["encoding"].get<std::string>() << "\n";
  if (j.contains("sheet")) *ctx.out << SheetLine(info);
  *ctx.out << "rows: " << rows.size() << "\n";
  PrintPreview(*ctx.out, rows);
  *ctx.out << "would match existing problems: " << matched << "\n"
           << "would create problems: " << (static_cast<int>(rows.size()) - matched) << "\n"
           << "dry run: nothing imported\n";
}

void RunImport(CliContext& ctx, const ImportArgs& a) {
  auto bytes = ReadInputFile(a.file);
  if (!bytes.ok()) return ctx.Fail(bytes.status());
  SpreadsheetInfo info;
  auto rows = ParseLedgerSpreadsheet(*bytes, a.file, a.sheet, &info);
  if (!rows.ok()) return ctx.Fail(rows.status().message() + "\nnothing was imported");
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  const std::string& encoding = info.encoding;
  nlohmann::json j = {{"file", a.file}, {"encoding", encoding}, {"rows", rows->size()}};
  if (info.format == "xlsx")
    j.update({{"sheet", info.xlsx.sheet},
              {"header_row", info.xlsx.header_row},
              {"header_rows", info.xlsx.header_rows}});
  if (a.dry_run) return ReportDryRun(ctx, **l, *rows, info.xlsx, j);
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
  *ctx.out << "encoding: " << encoding << "\n";
  if (info.format == "xlsx") *ctx.out << SheetLine(info.xlsx);
  *ctx.out << "rows: " << rows->size() << "\n"
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
  if (a.format != "csv" && a.format != "xlsx")
    return ctx.Fail("--format: expected csv or xlsx, got " + a.format);
  if (a.format == "xlsx" && a.out.empty())
    return ctx.Fail("--format xlsx needs --out FILE.xlsx (a workbook is not text)");
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto snap = (*l)->Snapshot();
  if (!snap.ok()) return ctx.Fail(snap.status());
  Result<std::string> bytes = a.format == "xlsx" ? ExportLedgerXlsx(*snap) : ExportLedgerCsv(*snap);
  if (!bytes.ok()) return ctx.Fail(bytes.status());
  if (a.out.empty()) {
    *ctx.out << *bytes;
    return;
  }
  Status st = WriteOutputFile(a.out, *bytes);
  if (!st.ok()) return ctx.Fail(st);
  *ctx.err << "exported " << snap->problems.size() << " problem(s) to " << a.out << "\n";
}

}  // namespace

void AddTransferCommands(CLI::App& app, CliContext& ctx) {
  auto ia = std::make_shared<ImportArgs>();
  CLI::App* imp = app.add_subcommand(
      "import", "import a ledger spreadsheet (.xlsx, or CSV in UTF-8 or GB18030); all or nothing");
  imp->add_option("file", ia->file, "the .xlsx or .csv file")->required();
  imp->add_option("--sheet", ia->sheet, ".xlsx: the worksheet to read (default: the first)");
  imp->add_flag("--dry-run", ia->dry_run, "check the file and report, change nothing");
  imp->callback([&ctx, ia] { RunImport(ctx, *ia); });

  auto ea = std::make_shared<ExportArgs>();
  CLI::App* exp = app.add_subcommand("export", "export the ledger as CSV or .xlsx (re-importable)");
  exp->add_option("--format", ea->format, "csv or xlsx")->capture_default_str();
  exp->add_option("--out", ea->out, "output file (default: standard output)");
  exp->callback([&ctx, ea] { RunExport(ctx, *ea); });
}

}  // namespace rectify
