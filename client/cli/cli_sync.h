// `rectify sync ...` commands (written by the lead). Hooked into the CLI by
// RunCli (client/cli/cli.h). Not thread-safe; called once while building the app.
#pragma once

#include <string>

#include "client/ledger/ledger.h"
#include "client/sync/sync_runner.h"

namespace CLI {
class App;
}  // namespace CLI

namespace rectify {

struct CliContext;

// Registers the sync subcommands on `app`. `ctx` must outlive `app`.
void AddSyncCommands(CLI::App& app, CliContext& ctx);

}  // namespace rectify
