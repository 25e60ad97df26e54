// Registration of the `rectify` command groups, one function per cli_<group>.cpp.
// Each adds its subcommands to `app`; the callbacks run the command against
// `ctx`, which must outlive `app`. Called once by RunCli.
#pragma once

#include <CLI/CLI.hpp>

#include "client/cli/cli_context.h"

namespace rectify {

void AddSchoolCommands(CLI::App& app, CliContext& ctx);     // init, school, inspection
void AddStructureCommands(CLI::App& app, CliContext& ctx);  // aspect, category
void AddProblemCommands(CLI::App& app, CliContext& ctx);    // problem
void AddMeasureCommands(CLI::App& app, CliContext& ctx);    // measure, note
void AddExtrasCommands(CLI::App& app, CliContext& ctx);     // accountability, next-step
void AddTransferCommands(CLI::App& app, CliContext& ctx);   // import, export
void AddReportCommands(CLI::App& app, CliContext& ctx);     // stats, due, report
void AddStatusCommands(CLI::App& app, CliContext& ctx);     // status
void AddBundleCommands(CLI::App& app, CliContext& ctx);     // bundle export, bundle import
void AddDeskCommand(CLI::App& app, CliContext& ctx);         // desk (client/desk)

}  // namespace rectify
