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
  *ctx.out << "synced: pushed " << s.pushed << " (applied " << s.applied << ", superseded "
           << s.superseded << ", rejected " << s.rejected;
  if (s.replayed > 0) *ctx.out << ", already held by the server " << s.replayed;
  *ctx.out << "), pulled " << s.pulled << ", conflicts " << s.conflicts
           << "; audit log verified at size " << s.tree_size << "\n";
  for (const auto& r : s.rejections) *ctx.out << "  rejected: " << r << "\n";
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
    ctx.Warn("sync attempt " + std::to_string(retry + 1) + " failed (" + run.status().ToString() +
             "); retry " + std::to_string(retry + 1) + "/" + std::to_string(a.retries) + " in " +
             std::to_string(wait) + "ms, batch " + std::to_string(link.push.next) + " ops");
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
    ctx.Warn("sync failed (" + run.status().ToString() + "); retrying in " +
             std::to_string(wait / 1000) + "s");
    SleepInterruptibly(wait);
  }
}

nlohmann::json ConflictJson(const LocalConflict& c) {
  return {{"id", c.id},
          {"entity", c.entity},
          {"row_id", c.row_id},
          {"field", c.field},
          {"winner",
           {{"value", ValueToString(c.winner_value)},
            {"author", c.winner_author},
            {"device", c.winner_device},
            {"hlc", c.winner_hlc.ToString()}}},
          {"loser",
           {{"value", ValueToString(c.loser_value)},
            {"author", c.loser_author},
            {"device", c.loser_device},
            {"hlc", c.loser_hlc.ToString()}}},
          {"rule", c.rule},
          {"resolved", c.resolved}};
}

// "问题 3" for a problem row, else "entity row".
std::string Describe(Ledger& ledger, const LocalConflict& c) {
  if (c.entity == "problem") {
    auto p = ledger.GetProblem(c.row_id);
    if (p.ok()) return "问题 " + std::to_string(p->number) + " (" + p->title + ")";
  }
  return c.entity + " " + c.row_id;
}

void RunConflicts(CliContext& ctx, bool all) {
  auto l = ctx.ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto conflicts = (*l)->Conflicts(all);
  if (ctx.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& c : conflicts) arr.push_back(ConflictJson(c));
    return PrintJson(ctx, arr);
  }
  if (conflicts.empty()) {
    *ctx.out << "no conflicts\n";
    return;
  }
  for (const auto& c : conflicts) {
    *ctx.out << "#" << c.id << " " << Describe(**l, c) << " field " << c.field
             << (c.resolved ? " (resolved)" : "") << "\n"
             << "  kept:   \"" << ValueToString(c.winner_value) << "\" by " << c.winner_author
             << " on " << c.winner_device << " at " << c.winner_hlc.ToString() << "\n"
             << "  lost:   \"" << ValueToString(c.loser_value) << "\" by " << c.loser_author
             << " on " << c.loser_device << " at " << c.loser_hlc.ToString() << "\n"
             << "  rule:   " << c.rule << "\n";
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
  *ctx.out << "conflict #" << id << " resolved: " << found->field << " = \""
           << ValueToString(chosen) << "\" (sync to send it)\n";
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
