// `rectify status`: who this device is and what is waiting to be synced, with
// each thing that needs doing followed by the command that does it.
#include <string>
#include <vector>

#include "client/cli/cli_commands.h"
#include "client/cli/cli_util.h"
#include "client/sync/ledger_sync_store.h"
#include "client/sync/sync_runner.h"
#include "shared/time_format.h"

namespace rectify {

namespace {

// kMetaLastSync: written by RunSyncOnce after a successful sync (epoch ms);
// 0 when unset or garbled.
int64_t LastSyncMillis(Ledger& ledger) {
  const std::string millis = ledger.GetMeta(kMetaLastSync).value_or("");
  if (millis.empty() || millis.size() > 18 ||
      millis.find_first_not_of("0123456789") != std::string::npos)
    return 0;
  return std::stoll(millis);
}

// The warnings of `status`: what needs doing, each with the command that does it.
std::vector<std::string> StatusWarnings(const CliContext& ctx, Ledger& ledger, int64_t last_sync,
                                        uint64_t pending, size_t open_conflicts) {
  std::vector<std::string> w;
  if (ledger.school_id().empty())
    w.push_back(ctx.Say("台账还没有学校：运行 rectify init --school-id 编号 --school-name 校名，"
                        "或用 rectify sync --server 地址:端口 --identity 证书目录 加入",
                        "the ledger has no school yet: run rectify init --school-id ID "
                        "--school-name NAME, or join with rectify sync --server HOST:PORT "
                        "--identity DIR"));
  if (ctx.author_source.empty())
    w.push_back(std::string(ctx.Say("修改记录的作者将是 “", "changes are recorded as author '")) +
                kUnknownAuthor +
                ctx.Say("”：用 --author 姓名 或 export RECTIFY_AUTHOR=姓名 设置",
                        "': set --author NAME or export RECTIFY_AUTHOR=NAME"));
  if (last_sync == 0 && !ledger.school_id().empty())
    w.push_back(ctx.Say("从未同步：运行 rectify sync --server 地址:端口 --identity 证书目录",
                        "never synced: run rectify sync --server HOST:PORT --identity DIR"));
  else if (pending > 0)
    w.push_back(std::to_string(pending) +
                ctx.Say(" 项修改尚未发送：运行 rectify sync", " changes not sent yet: run rectify sync"));
  if (open_conflicts > 0)
    w.push_back(std::to_string(open_conflicts) +
                ctx.Say(" 个冲突待处理：运行 rectify conflicts 查看，rectify conflicts resolve 编号 "
                        "--keep mine|theirs 处理",
                        " conflicts to review: run rectify conflicts, then rectify conflicts "
                        "resolve ID --keep mine|theirs"));
  return w;
}

void RunStatus(CliContext& ctx) {
  auto l = ctx.ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Ledger& ledger = **l;
  const int64_t last_sync = LastSyncMillis(ledger);
  std::string halted = ledger.GetMeta(kMetaHalted).value_or("");
  uint64_t pending = ledger.PendingCount();
  const size_t open_conflicts = ledger.Conflicts(false).size();
  const auto warnings = StatusWarnings(ctx, ledger, last_sync, pending, open_conflicts);
  if (ctx.json) {
    PrintJson(ctx, {{"db", ctx.db_path},
                    {"device_id", ledger.device_id()},
                    {"device_name", DeviceNames(ledger).Label(ctx, ledger.device_id(), "", false)},
                    {"school_id", ledger.school_id()},
                    {"role", RoleName(ledger.role())},
                    {"author", ctx.author},
                    {"author_source", ctx.author_source},
                    {"pending_ops", pending},
                    {"open_conflicts", open_conflicts},
                    {"last_device_seq", ledger.LastDeviceSeq()},
                    {"pull_cursor", ledger.pull_cursor()},
                    {"last_sync", FormatRfc3339(last_sync)},
                    {"last_sync_ms", last_sync},
                    {"sync_halted", halted},
                    {"warnings", warnings}});
    return;
  }
  std::ostream& o = *ctx.out;
  const std::string never = ctx.Say("从未同步", "never");
  o << ctx.Say("台账文件：", "ledger: ") << ctx.db_path << "\n"
    << ctx.Say("本机：", "device: ") << DeviceNames(ledger).Label(ctx, ledger.device_id(), "", false)
    << ctx.Say("（", " (") << (ctx.english ? RoleName(ledger.role()) : RoleLabel(ledger.role()))
    << ctx.Say("），台账编号 ", "), ledger id ") << ledger.device_id() << ctx.Say("", ")") << "\n"
    << ctx.Say("学校：", "school: ")
    << (ledger.school_id().empty() ? ctx.Say("（无）", "(none)") : ledger.school_id()) << "\n"
    << ctx.Say("作者：", "author: ") << ctx.author
    << (ctx.author_source.empty()
            ? ctx.Say("（未设置：--author、RECTIFY_AUTHOR、USER 都没有）\n",
                      " (none of --author, RECTIFY_AUTHOR, USER is set)\n")
            : std::string(ctx.Say("（来自 ", " (from ")) + ctx.author_source + ctx.Say("）\n", ")\n"))
    << ctx.Say("待发送的修改：", "pending changes: ") << pending << ctx.Say("（本机序号至 ", " (last seq ")
    << ledger.LastDeviceSeq() << ctx.Say("）\n", ")\n")
    << ctx.Say("已拉取至：", "pull cursor: ") << ledger.pull_cursor() << "\n"
    << ctx.Say("上次同步：", "last sync: ")
    << (last_sync == 0 ? never : FormatLocalTime(last_sync)) << "\n";
  if (!halted.empty())
    o << ctx.Say("同步已停止：", "sync halted: ") << halted
      << ctx.Say("（区里的审计日志与本机核对不上：请联系区巡察办，勿自行重试）",
                 " (the district's audit log no longer matches this ledger: contact the "
                 "district; do not retry)")
      << "\n";
  for (const auto& w : warnings) ctx.Warn(w);
}

}  // namespace

void AddStatusCommands(CLI::App& app, CliContext& ctx) {
  app.add_subcommand("status", "device id, school, pending changes, last sync")->callback([&ctx] {
    RunStatus(ctx);
  });
}

}  // namespace rectify
