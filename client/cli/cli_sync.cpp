// `rectify sync` and `rectify conflicts`: the sync client on the command line.
#include "client/cli/cli_sync.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <random>
#include <thread>

#include <CLI/CLI.hpp>

#include "client/cli/cli_context.h"
#include "client/cli/cli_evidence.h"
#include "client/cli/cli_progress.h"
#include "client/cli/cli_util.h"
#include "client/sync/sync_runner.h"
#include "shared/schema.h"
#include "shared/time_format.h"

namespace rectify {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void OnStopSignal(int) { g_stop = true; }

struct SyncArgs {
  std::string server, identity, every, school;
  size_t batch = 2000;  // the largest push batch; the size adapts below it
  int retries = 0;
  int64_t io_timeout_ms = 30'000;
};

// What one `rectify sync` invocation learns about the link, kept across its
// retries and `--every` rounds.
struct LinkState {
  AdaptiveSize push, pull;
  int failures = 0;         // consecutive failed attempts without progress (backoff exponent)
  nlohmann::json evidence;  // the evidence report of the last successful sync
  std::mt19937_64 rng{std::random_device{}()};
  explicit LinkState(size_t max_batch) {
    push.max = max_batch;
    push.min = std::min<size_t>(10, max_batch);
    push.next = std::min<size_t>(100, max_batch);
    pull.next = 200;
    pull.min = 20;
    pull.max = 2000;
  }
};

bool IsTransportFailure(const Status& st) {
  return st.code() == Status::Code::kUnavailable || st.code() == Status::Code::kIOError;
}

nlohmann::json SummaryJson(const SyncRun& run, const nlohmann::json& evidence) {
  const auto& s = run.summary;
  return {{"pushed", s.pushed},           {"applied", s.applied},
          {"superseded", s.superseded},   {"replayed", s.replayed},
          {"rejected", s.rejected},       {"pulled", s.pulled},
          {"conflicts", s.conflicts},     {"batches", s.batches},
          {"tree_size", s.tree_size},     {"rejections", s.rejections},
          {"bytes_sent", run.bytes_sent}, {"bytes_received", run.bytes_received},
          {"millis", run.millis},         {"evidence", evidence}};
}

void PrintSummary(CliContext& ctx, const SyncRun& run, const nlohmann::json& evidence) {
  if (ctx.json) return PrintJson(ctx, SummaryJson(run, evidence));
  const auto& s = run.summary;
  std::ostream& o = *ctx.out;
  if (ctx.english) {
    o << "synced: pushed " << s.pushed << " (applied " << s.applied << ", superseded "
      << s.superseded << ", rejected " << s.rejected;
    if (s.replayed > 0) o << ", already held by the server " << s.replayed;
    o << "), pulled " << s.pulled << ", conflicts " << s.conflicts
      << "; audit log verified at size " << s.tree_size << "\n";
  } else {
    o << "同步完成：发送 " << s.pushed << " 项（已应用 " << s.applied << "，被覆盖 " << s.superseded
      << "，被拒绝 " << s.rejected;
    if (s.replayed > 0) o << "，服务器早已收到 " << s.replayed;
    o << "），拉取 " << s.pulled << " 项，冲突 " << s.conflicts << " 个；审计日志已核验（共 "
      << s.tree_size << " 条）\n";
  }
  for (const auto& r : s.rejections) o << ctx.Say("  被拒绝：", "  rejected: ") << r << "\n";
  if (s.conflicts > 0)
    ctx.Warn(std::to_string(s.conflicts) +
             ctx.Say(" 个冲突：运行 rectify conflicts 查看双方的值，rectify conflicts resolve 编号 "
                     "--keep mine|theirs 处理",
                     " conflicts: run rectify conflicts to see both values, then rectify "
                     "conflicts resolve ID --keep mine|theirs"));
}

Result<SyncRun> SyncOnce(CliContext& ctx, Ledger& ledger, const SyncTarget& t, const SyncArgs& a,
                         LinkState& link) {
  SyncRunOptions opts;
  opts.batch_ops = a.batch;
  opts.push_size = &link.push;
  opts.pull_size = &link.pull;
  opts.channel.io_timeout_ms = a.io_timeout_ms;
  opts.progress = ProgressBar(ctx);
  auto run = RunSyncOnce(ledger, t, opts, SystemClock::Instance());
  if (run.ok()) link.evidence = SyncEvidenceAfterSync(ctx, ledger, t);  // docs/evidence.md
  return run;
}

// Sleeps up to `ms`, waking early on SIGINT/SIGTERM.
void SleepInterruptibly(int64_t ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!g_stop && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(ms, 100)));
}

// SyncOnce, retried up to --retries times on a transport failure with
// exponential backoff and jitter. An attempt that moved anything (acked ops
// or pulled ones) resets the backoff: on a link that is cut every few hundred
// kilobytes each attempt makes progress, and waiting minutes would be wrong.
Result<SyncRun> SyncWithRetries(CliContext& ctx, Ledger& ledger, const SyncTarget& t,
                                const SyncArgs& a, LinkState& link) {
  for (int retry = 0;; ++retry) {
    const uint64_t pending = ledger.PendingCount(), cursor = ledger.pull_cursor();
    auto run = SyncOnce(ctx, ledger, t, a, link);
    if (run.ok()) link.failures = 0;
    if (run.ok() || !IsTransportFailure(run.status()) || retry >= a.retries || g_stop) return run;
    if (ledger.PendingCount() < pending || ledger.pull_cursor() > cursor) link.failures = 0;
    const int64_t wait = BackoffMillis(link.failures++, link.rng(), 500, 30'000);
    ctx.Warn(ctx.english ? "sync attempt " + std::to_string(retry + 1) + " failed (" +
                               run.status().ToString() + "); retry " + std::to_string(retry + 1) +
                               "/" + std::to_string(a.retries) + " in " + std::to_string(wait) +
                               "ms, batch " + std::to_string(link.push.next) + " ops"
                         : "第 " + std::to_string(retry + 1) + " 次同步失败（" +
                               run.status().ToString() + "）；" + std::to_string(wait) +
                               " 毫秒后重试（" + std::to_string(retry + 1) + "/" +
                               std::to_string(a.retries) + "，每批 " +
                               std::to_string(link.push.next) + " 项），已发送的不会重发");
    SleepInterruptibly(wait);
  }
}

void RunSync(CliContext& ctx, const SyncArgs& a) {
  // A new device joins by its first sync with an identity: that makes its ledger.
  ctx.may_create = !a.identity.empty();
  auto l = ctx.ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Ledger& ledger = **l;
  auto target = ResolveSyncTarget(ledger, a.server, a.identity, a.school);
  if (!target.ok()) return ctx.Fail(target.status());
  LinkState link(a.batch);
  if (a.every.empty()) {
    if (a.retries > 0) {
      std::signal(SIGINT, OnStopSignal);
      std::signal(SIGTERM, OnStopSignal);
    }
    auto run = SyncWithRetries(ctx, ledger, *target, a, link);
    if (!run.ok()) return ctx.Fail(run.status().Annotate("sync"));
    return PrintSummary(ctx, *run, link.evidence);
  }
  auto period = ParseDuration(a.every);
  if (!period.ok()) return ctx.Fail(period.status().Annotate("--every"));
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  while (!g_stop) {
    auto run = SyncWithRetries(ctx, ledger, *target, a, link);
    if (run.ok()) {
      PrintSummary(ctx, *run, link.evidence);
      SleepInterruptibly(*period);
      continue;
    }
    // History rewritten: never retry automatically.
    if (run.status().code() == Status::Code::kCorruption) return ctx.Fail(run.status());
    const int64_t wait = BackoffMillis(link.failures++, link.rng());
    ctx.Warn(ctx.english ? "sync failed (" + run.status().ToString() + "); retrying in " +
                               std::to_string(wait / 1000) + "s"
                         : "同步失败（" + run.status().ToString() + "）；" +
                               std::to_string(wait / 1000) + " 秒后自动重试，按 Ctrl-C 停止");
    SleepInterruptibly(wait);
  }
}

nlohmann::json SideJson(const CliContext& ctx, const DeviceNames& names, const Value& value,
                        const std::string& author, const std::string& device, Hlc hlc) {
  return {{"value", ValueToString(value)},
          {"author", author},
          {"device", device},
          {"device_name", names.Label(ctx, device)},
          {"hlc", hlc.raw},
          {"time", FormatRfc3339(hlc)}};
}

nlohmann::json ConflictJson(const CliContext& ctx, Ledger& ledger, const DeviceNames& names,
                            const LocalConflict& c) {
  nlohmann::json j = {
      {"id", c.id},
      {"entity", c.entity},
      {"row_id", c.row_id},
      {"row", RowLabel(ctx, ledger, c.entity, c.row_id)},
      {"field", c.field},
      {"winner", SideJson(ctx, names, c.winner_value, c.winner_author, c.winner_device,
                          c.winner_hlc)},
      {"loser", SideJson(ctx, names, c.loser_value, c.loser_author, c.loser_device, c.loser_hlc)},
      {"rule", c.rule},
      {"resolved", c.resolved}};
  if (c.entity == entity::kProblem)
    if (auto p = ledger.GetProblem(c.row_id); p.ok()) j["problem_number"] = p->number;
  return j;
}

// "  保留：“值” — 作者，设备 名称，时间"
void PrintSide(CliContext& ctx, const DeviceNames& names, const char* zh, const char* en,
               const std::string& field, const Value& value, const std::string& author,
               const std::string& device, Hlc hlc) {
  *ctx.out << ctx.Say(zh, en) << ctx.Say("“", "\"") << ValueLabel(ctx, field, value)
           << ctx.Say("” — ", "\" by ") << author << ctx.Say("，设备 ", " on ")
           << names.Label(ctx, device) << ctx.Say("，", " at ") << FormatLocalTime(hlc) << "\n";
}

void RunConflicts(CliContext& ctx, bool all) {
  auto l = ctx.ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Ledger& ledger = **l;
  const DeviceNames names(ledger);
  auto conflicts = ledger.Conflicts(all);
  if (ctx.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& c : conflicts) arr.push_back(ConflictJson(ctx, ledger, names, c));
    return PrintJson(ctx, arr);
  }
  if (conflicts.empty()) {
    *ctx.out << ctx.Say("没有冲突\n", "no conflicts\n");
    return;
  }
  for (const auto& c : conflicts) {
    std::string title;
    if (c.entity == entity::kProblem)
      if (auto p = ledger.GetProblem(c.row_id); p.ok()) title = "（" + p->title + "）";
    *ctx.out << ctx.Say("冲突 #", "conflict #") << c.id << " "
             << RowLabel(ctx, ledger, c.entity, c.row_id) << title << ctx.Say(" 字段 ", " field ")
             << c.field << (c.resolved ? ctx.Say("（已处理）", " (resolved)") : "") << "\n";
    PrintSide(ctx, names, "  保留：", "  kept:   ", c.field, c.winner_value, c.winner_author,
              c.winner_device, c.winner_hlc);
    PrintSide(ctx, names, "  落选：", "  lost:   ", c.field, c.loser_value, c.loser_author,
              c.loser_device, c.loser_hlc);
    *ctx.out << ctx.Say("  规则：", "  rule:   ") << c.rule << "\n";
    if (!c.resolved)
      *ctx.out << ctx.Say("  处理：rectify conflicts resolve ", "  resolve: rectify conflicts resolve ")
               << c.id << ctx.Say(" --keep mine|theirs|新值\n", " --keep mine|theirs|VALUE\n");
  }
}

void RunResolve(CliContext& ctx, int64_t id, const std::string& keep) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Ledger& ledger = **l;
  const LocalConflict* found = nullptr;
  auto conflicts = ledger.Conflicts(true);
  for (const auto& c : conflicts)
    if (c.id == id) found = &c;
  if (!found) return ctx.Fail(Status::NotFound("no conflict #" + std::to_string(id)));
  if (found->resolved) return ctx.Fail("conflict #" + std::to_string(id) + " is already resolved");
  Value chosen;
  const std::string me = ledger.device_id();
  if (keep == "mine") {
    if (found->winner_device == me)
      chosen = found->winner_value;
    else if (found->loser_device == me)
      chosen = found->loser_value;
    else
      return ctx.Fail("neither side of conflict #" + std::to_string(id) +
                      " was written on this device; use --keep theirs, winner, loser or a value");
  } else if (keep == "theirs") {
    if (found->winner_device != me)
      chosen = found->winner_value;
    else
      chosen = found->loser_value;
  } else if (keep == "winner") {
    chosen = found->winner_value;
  } else if (keep == "loser") {
    chosen = found->loser_value;
  } else {
    chosen = keep;
  }
  // The resolution is an ordinary op: audited, synced, and itself mergeable.
  Status st = ledger.ResolveConflict(found->id, chosen, ctx.author);
  if (!st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"resolved", id}, {"value", ValueToString(chosen)}});
  *ctx.out << ctx.Say("冲突 #", "conflict #") << id << ctx.Say(" 已处理：", " resolved: ")
           << found->field << " = \"" << ValueToString(chosen)
           << ctx.Say("\"（运行 rectify sync 发送）\n", "\" (sync to send it)\n");
}

}  // namespace

void AddSyncCommands(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<SyncArgs>();
  CLI::App* sync = app.add_subcommand(
      "sync", "push pending changes to the district server and pull everything new");
  sync->add_option("--server", args->server, "HOST:PORT of rectifyd (remembered after first use)");
  sync->add_option("--identity", args->identity,
                   "directory from `rectifyd enroll` with ca.pem, device.pem, device.key, log.pub "
                   "(remembered)");
  sync->add_option("--school", args->school, "auditors: the school to work on (remembered)");
  sync->add_option("--every", args->every,
                   "keep syncing at this period (e.g. 10m) until stopped, backing off on failures");
  sync->add_option("--batch", args->batch,
                   "largest push batch in ops (the size adapts to the link, starting at 100)")
      ->check(CLI::Range(1, 100000));
  sync->add_option("--retries", args->retries,
                   "on a network failure retry up to N times with backoff, resuming where the "
                   "last attempt stopped")
      ->check(CLI::Range(0, 100000));
  sync->add_option("--timeout-ms", args->io_timeout_ms, "deadline for each read and write")
      ->check(CLI::Range(100, 3'600'000));
  sync->callback([&ctx, args] { RunSync(ctx, *args); });

  auto all = std::make_shared<bool>(false);
  CLI::App* conflicts = app.add_subcommand(
      "conflicts", "conflicts found by the server: both values, authors and devices");
  conflicts->add_flag("--all", *all, "include resolved conflicts");
  conflicts->callback([&ctx, all, conflicts] {
    if (conflicts->get_subcommands().empty()) RunConflicts(ctx, *all);
  });
  auto id = std::make_shared<int64_t>(0);
  auto keep = std::make_shared<std::string>();
  CLI::App* resolve =
      conflicts->add_subcommand("resolve", "resolve a conflict with a new, audited edit");
  resolve->add_option("ID", *id, "conflict number from `rectify conflicts`")->required();
  resolve->add_option("--keep", *keep, "mine | theirs | winner | loser | a new value")->required();
  resolve->callback([&ctx, id, keep] { RunResolve(ctx, *id, *keep); });
}

}  // namespace rectify
