// `rectify status`: who this device is and what is waiting to be synced.
#include <ctime>
#include <string>

#include "client/cli/cli_commands.h"
#include "client/cli/cli_util.h"
#include "client/sync/sync_runner.h"

namespace rectify {

namespace {

// kMetaLastSync: written by RunSyncOnce after a successful sync (epoch ms).
constexpr const char* kMetaHalted = "sync.halted";

// Epoch milliseconds -> local "YYYY-MM-DD HH:MM:SS"; empty when unset or garbled.
std::string LocalTime(const std::string& millis) {
  if (millis.empty() || millis.find_first_not_of("0123456789") != std::string::npos) return "";
  std::time_t t = static_cast<std::time_t>(std::stoll(millis) / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

void RunStatus(CliContext& ctx) {
  auto l = ctx.ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Ledger& ledger = **l;
  std::string last_sync = LocalTime(ledger.GetMeta(kMetaLastSync).value_or(""));
  std::string halted = ledger.GetMeta(kMetaHalted).value_or("");
  uint64_t pending = ledger.PendingCount();
  if (ctx.json) {
    PrintJson(ctx, {{"db", ctx.db_path},
                    {"device_id", ledger.device_id()},
                    {"school_id", ledger.school_id()},
                    {"role", RoleName(ledger.role())},
                    {"pending_ops", pending},
                    {"last_device_seq", ledger.LastDeviceSeq()},
                    {"pull_cursor", ledger.pull_cursor()},
                    {"last_sync", last_sync},
                    {"sync_halted", halted}});
    return;
  }
  std::ostream& o = *ctx.out;
  o << "ledger: " << ctx.db_path << "\n"
    << "device: " << ledger.device_id() << " (" << RoleName(ledger.role()) << ")\n"
    << "school: " << (ledger.school_id().empty() ? "(none; run rectify init)" : ledger.school_id())
    << "\n"
    << "pending changes: " << pending << " (last seq " << ledger.LastDeviceSeq() << ")\n"
    << "pull cursor: " << ledger.pull_cursor() << "\n"
    << "last sync: " << (last_sync.empty() ? "never" : last_sync) << "\n";
  if (!halted.empty()) o << "sync halted: " << halted << "\n";
}

}  // namespace

void AddStatusCommands(CLI::App& app, CliContext& ctx) {
  app.add_subcommand("status", "device id, school, pending changes, last sync")->callback([&ctx] {
    RunStatus(ctx);
  });
}

}  // namespace rectify
