#include "server/admin/rectifyd_store_cmds.h"

#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "server/admin/rectifyd_cli.h"
#include "server/service/serve_wiring.h"
#include "server/service/store_migration.h"
#include "server/storage/pg_store.h"
#include "server/storage/sqlite_store.h"

namespace rectify {

namespace {

struct MigrateArgs {
  std::string from, to;
  bool json = false;
};

int RunMigrate(const MigrateArgs& a) {
  auto fail = [&](const Status& st) { return ReportFailure("migrate", st, a.json); };
  if (!IsPostgresUri(a.to))
    return fail(Status::InvalidArgument("--to wants a postgresql:// URI, got \"" + a.to + "\""));
  auto log_name = ReadDistrictLogName(a.from);
  if (!log_name.ok()) return fail(log_name.status());
  auto key = ReadLogKey(a.from);
  if (!key.ok()) return fail(key.status());
  auto done = MigrateToPostgres(a.from, a.to, VerifyingKey::FromSigningKey(*key), *log_name);
  if (!done.ok()) return fail(done.status());
  nlohmann::json report = nlohmann::json::array();
  for (const auto& m : *done) {
    report.push_back(
        {{"school", m.school_id}, {"leaves", m.leaves}, {"ops", m.ops}, {"copied", m.copied}});
    if (!a.json)
      std::cout << (m.copied ? "copied   " : "present  ") << m.school_id << ": " << m.leaves
                << " leaves, " << m.ops << " ops, verified on both sides\n";
  }
  if (a.json)
    std::cout << nlohmann::json{{"ok", true}, {"schools", report}}.dump() << "\n";
  else
    std::cout << "migrated " << done->size() << " school(s); serve with --store <the URI>\n";
  return 0;
}

struct BackupArgs {
  std::string data_dir, out, store;
  bool json = false;
};

int RunBackup(const BackupArgs& a) {
  if (IsPostgresUri(a.store))
    return ReportFailure("backup",
                         Status::InvalidArgument("a PostgreSQL store is backed up with pg_dump or "
                                                 "pg_basebackup (docs/operations.md)"),
                         a.json);
  auto store = SqliteStore::Open(a.data_dir);
  if (!store.ok()) return ReportFailure("backup", store.status(), a.json);
  if (Status st = (*store)->Backup(a.out); !st.ok()) return ReportFailure("backup", st, a.json);
  if (a.json)
    std::cout << nlohmann::json{{"ok", true}, {"out", a.out}}.dump() << "\n";
  else
    std::cout << "backed up " << (*store)->path() << " to " << a.out
              << " (restore: stop rectifyd, copy it to DIR/rectifyd.db)\n";
  return 0;
}

}  // namespace

void AddMigrateCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<MigrateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "migrate", "copy a district's SQLite store into PostgreSQL, verify both (safe to re-run)");
  cmd->add_option("--from", args->from, "district directory (its rectifyd.db)")->required();
  cmd->add_option("--to", args->to, "postgresql://user@host/db")->required();
  cmd->add_flag("--json", args->json, "machine-readable result");
  cmd->callback([args, exit_code] { *exit_code = RunMigrate(*args); });
}

void AddBackupCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<BackupArgs>();
  CLI::App* cmd = app.add_subcommand(
      "backup", "online copy of DIR/rectifyd.db while the server runs (SQLite backup API)");
  cmd->add_option("--data", args->data_dir, "district directory")->required();
  cmd->add_option("--out", args->out, "file to write (must not exist)")->required();
  AddStoreOption(cmd, &args->store);
  cmd->add_flag("--json", args->json, "machine-readable result");
  cmd->callback([args, exit_code] { *exit_code = RunBackup(*args); });
}

}  // namespace rectify
