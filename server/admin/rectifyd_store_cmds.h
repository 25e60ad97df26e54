// `rectifyd migrate` (SQLite district -> PostgreSQL) and `rectifyd backup`
// (docs/operations.md). Same conventions as rectifyd_cli.h.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace rectify {

void AddMigrateCommand(CLI::App& app, int* exit_code);
void AddBackupCommand(CLI::App& app, int* exit_code);

}  // namespace rectify
