// `rectify stats`, `rectify due` (三色预警), `rectify report` (the public notice).
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "client/cli/cli_commands.h"
#include "client/cli/cli_util.h"
#include "client/report/notice.h"
#include "shared/stats.h"

namespace rectify {

namespace {

Result<LedgerSnapshot> LoadSnapshot(CliContext& ctx) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return l.status();
  return (*l)->Snapshot();
}

void RunStats(CliContext& ctx) {
  auto snap = LoadSnapshot(ctx);
  if (!snap.ok()) return ctx.Fail(snap.status());
  LedgerStats s = ComputeStats(*snap);
  if (ctx.json) return PrintJson(ctx, StatsToJson(s));
  std::ostream& o = *ctx.out;
  o << "问题总数 total: " << s.total << " (方面 aspects: " << s.aspects << ")\n"
    << "未开始 not_started: " << s.not_started << "\n"
    << "推进中 in_progress: " << s.in_progress << "\n"
    << "已完成 completed: " << s.completed << "\n"
    << "长期坚持 long_term: " << s.long_term << "\n"
    << "已销号 verified: " << s.verified << "\n"
    << "整改措施 measures: " << s.measures << " (done " << s.measures_done << ")\n"
    << "完成率 completion rate: " << FormatPercent(s.completion_rate) << "\n"
    << snap->rule.Describe() << "\n";
}

// ANSI colours only when writing to a real terminal, never into files or pipes.
bool UseColour(const CliContext& ctx) {
  return !ctx.json && ctx.out == &std::cout && isatty(STDOUT_FILENO) == 1;
}

std::string_view ColourLabel(DueColor c) {
  switch (c) {
    case DueColor::kRed:
      return "红 red";
    case DueColor::kYellow:
      return "黄 yellow";
    case DueColor::kGreen:
      return "绿 green";
  }
  return "";
}

std::string_view AnsiColour(DueColor c) {
  switch (c) {
    case DueColor::kRed:
      return "\x1b[31m";
    case DueColor::kYellow:
      return "\x1b[33m";
    case DueColor::kGreen:
      return "\x1b[32m";
  }
  return "";
}

void RunDue(CliContext& ctx, int days) {
  if (days < -1) return ctx.Fail("--days must not be negative");
  auto snap = LoadSnapshot(ctx);
  if (!snap.ok()) return ctx.Fail(snap.status());
  if (days >= 0) snap->warn_days = days;
  std::string today = ctx.Today();
  auto items = ComputeDue(*snap, today);
  if (ctx.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& d : items)
      j.push_back({{"number", d.number},
                   {"title", d.title},
                   {"deadline", d.deadline},
                   {"department", d.department},
                   {"person", d.person},
                   {"color", std::string(DueColorName(d.color))},
                   {"days_left", d.days_left}});
    return PrintJson(ctx, {{"today", today}, {"warn_days", snap->warn_days}, {"items", j}});
  }
  bool colour = UseColour(ctx);
  int counts[3] = {0, 0, 0};
  for (const auto& d : items) {
    ++counts[static_cast<int>(d.color)];
    if (colour) *ctx.out << AnsiColour(d.color);
    *ctx.out << ColourLabel(d.color) << "\t" << d.number << "\t" << d.deadline << "\t";
    if (d.days_left < 0)
      *ctx.out << "逾期 overdue " << -d.days_left << " day(s)";
    else
      *ctx.out << d.days_left << " day(s) left";
    *ctx.out << "\t" << (d.department.empty() ? "-" : d.department) << "\t" << d.title;
    if (colour) *ctx.out << "\x1b[0m";
    *ctx.out << "\n";
  }
  *ctx.out << "today " << today << ": " << counts[static_cast<int>(DueColor::kRed)] << " red, "
           << counts[static_cast<int>(DueColor::kYellow)] << " yellow, "
           << counts[static_cast<int>(DueColor::kGreen)] << " green\n";
}

struct ReportArgs {
  std::string format = "md";
  std::string out;
  bool public_edition = false;
};

void RunReport(CliContext& ctx, const ReportArgs& a) {
  NoticeFormat format;
  if (a.format == "md" || a.format == "markdown")
    format = NoticeFormat::kMarkdown;
  else if (a.format == "html")
    format = NoticeFormat::kHtml;
  else
    return ctx.Fail("--format: expected md or html, got " + a.format);
  auto snap = LoadSnapshot(ctx);
  if (!snap.ok()) return ctx.Fail(snap.status());
  Notice notice =
      RenderNotice(*snap, format, ctx.Today(),
                   a.public_edition ? NoticeEdition::kPublic : NoticeEdition::kInternal);
  for (const auto& w : notice.warnings) ctx.Warn(w);
  if (a.out.empty()) {
    *ctx.out << notice.text;
    return;
  }
  Status st = WriteOutputFile(a.out, notice.text);
  if (!st.ok()) return ctx.Fail(st);
  *ctx.err << "notice written to " << a.out << "\n";
}

}  // namespace

void AddReportCommands(CLI::App& app, CliContext& ctx) {
  app.add_subcommand("stats", "problem counts and the completion rate (完成率)")->callback([&ctx] {
    RunStats(ctx);
  });

  auto days = std::make_shared<int>(-1);
  CLI::App* due = app.add_subcommand("due", "deadline warnings (三色预警): red, yellow, green");
  due->add_option("--days", *days, "yellow this many days before a deadline (default: ledger's)");
  due->callback([&ctx, days] { RunDue(ctx, *days); });

  auto ra = std::make_shared<ReportArgs>();
  CLI::App* rep =
      app.add_subcommand("report", "print the notice (通报): 内部稿, or 社会公开稿 with --public");
  rep->add_option("--format", ra->format, "md or html (an A4 print page)")->capture_default_str();
  rep->add_flag("--public", ra->public_edition,
                "社会公开稿: no 责任人 names, nothing marked internal");
  rep->add_option("--out", ra->out, "output file (default: standard output)");
  rep->callback([&ctx, ra] { RunReport(ctx, *ra); });
}

}  // namespace rectify
