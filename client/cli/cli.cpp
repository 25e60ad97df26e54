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

void AddGlobalOptions(CLI::App& app, CliContext& ctx) {
  ctx.db_path = EnvOr("RECTIFY_DB", "rectify.db");
  ctx.author = EnvOr("RECTIFY_AUTHOR", EnvOr("USER", "unknown"));
  app.add_option("--db", ctx.db_path, "ledger file (default $RECTIFY_DB, else ./rectify.db)");
  app.add_flag("--json", ctx.json, "machine-readable JSON output");
  app.add_option("--author", ctx.author, "your name, recorded in every change")
      ->capture_default_str();
  // Advanced: fixes "today" so that due/report output is reproducible.
  app.add_option("--today", ctx.today, "override today's date (YYYY-MM-DD)")
      ->group("")
      ->check([](const std::string& s) -> std::string {
        return IsValidDate(s) ? std::string() : "not a date (YYYY-MM-DD): " + s;
      });
}

// CLI11 reports an unknown first word as "A subcommand is required"; name it instead.
std::string UnknownCommand(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--db" || a == "--author" || a == "--today") {
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
