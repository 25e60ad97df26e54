// `rectify audit ...` commands (written by the lead). Hooked into the CLI by
// RunCli (client/cli/cli.h). Not thread-safe; called once while building the app.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace rectify {

struct CliContext;

// Registers the audit subcommands on `app`. `ctx` must outlive `app`.
void AddAuditCommands(CLI::App& app, CliContext& ctx);

}  // namespace rectify
