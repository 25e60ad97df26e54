#include "client/cli/cli.h"

#include <cstdlib>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "client/cli/cli_audit.h"
#include "client/cli/cli_commands.h"
#include "client/cli/cli_context.h"
#include "client/cli/cli_evidence.h"
#include "client/cli/cli_sync.h"
#include "client/ledger/ledger.h"
#include "client/sync/bundle.h"

namespace rectify {

namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : fallback;
}

// Where the author recorded in every change comes from, said as it is.
std::string AuthorHelp(const CliContext& ctx) {
  const std::string now = "now '" + ctx.author + "'";
  if (ctx.author_source.empty())
    return "your name, recorded in every change; default $RECTIFY_AUTHOR, else $USER, else '" +
           std::string(kUnknownAuthor) + "' (" + now + ": neither is set)";
  return "your name, recorded in every change; default $RECTIFY_AUTHOR, else $USER (" + now +
         ", from " + ctx.author_source + ")";
}

void AddGlobalOptions(CLI::App& app, CliContext& ctx) {
  ctx.db_path = EnvOr("RECTIFY_DB", "rectify.db");
  ctx.author = EnvOr("RECTIFY_AUTHOR", EnvOr("USER", ""));
  ctx.author_source = !EnvOr("RECTIFY_AUTHOR", "").empty() ? "$RECTIFY_AUTHOR"
                      : !ctx.author.empty()                ? "$USER"
                                                           : "";
  if (ctx.author.empty()) ctx.author = kUnknownAuthor;
  ctx.english = EnvOr("RECTIFY_LANG", "zh") == "en";
  app.add_option("--db", ctx.db_path, "ledger file (default $RECTIFY_DB, else ./rectify.db)");
  app.add_flag("--json", ctx.json, "machine-readable JSON output");
  app.add_option("--author", ctx.author, AuthorHelp(ctx))->each([&ctx](const std::string&) {
    ctx.author_source = "--author";
  });
  app.add_option_function<std::string>(
         "--lang", [&ctx](const std::string& lang) { ctx.english = lang == "en"; },
         "language of the CLI's own messages: zh (default) or en; default $RECTIFY_LANG")
      ->check(CLI::IsMember({"zh", "en"}));
  // Advanced: fixes "today" so that due/report output is reproducible.
  app.add_option("--today", ctx.today, "override today's date (YYYY-MM-DD)")
      ->group("")
      ->check([](const std::string& s) -> std::string {
        return IsValidDate(s) ? std::string() : "not a date (YYYY-MM-DD): " + s;
      });
}

// CLI11 shows a subcommand's own options only; the global ones (which may
// follow the subcommand) go into the footer of every subcommand's --help.
std::string GlobalOptionsHelp(const CLI::App& app) {
  std::string text = "Global options (before or after the command):\n";
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty() || opt->get_name() == "--help") continue;
    std::string name = opt->get_name();
    if (opt->get_type_size() != 0) name += " " + opt->get_type_name();
    if (name.size() < 28) name.resize(28, ' ');
    text += "  " + name + " " + opt->get_description() + "\n";
  }
  return text;
}

void AddGlobalHelp(CLI::App& app, const std::string& footer) {
  for (CLI::App* sub : app.get_subcommands({})) {
    sub->footer(footer);
    AddGlobalHelp(*sub, footer);
  }
}

// CLI11 reports an unknown first word as "A subcommand is required"; name it instead.
std::string UnknownCommand(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--db" || a == "--author" || a == "--today" || a == "--lang") {
      ++i;  // skip the option's value
      continue;
    }
    if (a.empty() || a[0] == '-') continue;
    for (const CLI::App* sub : app.get_subcommands({}))
      if (sub->get_name() == a) return "";
    return a;
  }
  return "";
}

}  // namespace

bool WantsJson(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "--json") return true;
  return false;
}

int RunCli(int argc, char** argv, std::ostream& out, std::ostream& err) {
  CliContext ctx;
  ctx.out = &out;
  ctx.err = &err;
  CLI::App app{"rectify: the school's inspection-rectification ledger (整改台账)", "rectify"};
  app.set_version_flag("--version", std::string("rectify ") + RECTIFY_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  AddGlobalOptions(app, ctx);
  AddSchoolCommands(app, ctx);
  AddStructureCommands(app, ctx);
  AddProblemCommands(app, ctx);
  AddMeasureCommands(app, ctx);
  AddExtrasCommands(app, ctx);
  AddTransferCommands(app, ctx);
  AddReportCommands(app, ctx);
  AddStatusCommands(app, ctx);
  AddSyncCommands(app, ctx);
  AddAuditCommands(app, ctx);
  AddBundleCommands(app, ctx);
  AddEvidenceCommands(app, ctx);
  AddDeskCommand(app, ctx);
  AddGlobalHelp(app, GlobalOptionsHelp(app));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 signals --help as a "successful" ParseError with exit code 0.
    if (e.get_exit_code() == 0) return app.exit(e, out, err);
    std::string unknown = UnknownCommand(app, argc, argv);
    const std::string message =
        unknown.empty() ? std::string(e.what()) : "unknown command '" + unknown + "'";
    if (ctx.json || WantsJson(argc, argv)) {
      err << JsonError("usage", message + "; run with --help for more information", 2) << "\n";
      return 2;
    }
    err << "rectify: error: " << message << "\n";
    err << "Run with --help for more information.\n";
    return 2;
  }
  return ctx.exit_code;
}

}  // namespace rectify
