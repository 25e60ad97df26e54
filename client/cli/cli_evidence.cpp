// `rectify evidence ...`: evidence files (佐证材料) attached to problems.
#include "client/cli/cli_evidence.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <memory>

#include "client/cli/cli_progress.h"
#include "client/cli/cli_sync.h"
#include "client/cli/cli_util.h"
#include "client/ledger/id_source.h"
#include "client/sync/evidence_sync.h"

namespace rectify {

namespace {

struct EvidenceArgs {
  std::string problem, file, name, ref, out, server, identity, school;
  int measure = 0;
  uint64_t max_bytes = 100ull << 20;
};

uint64_t MaxChunksFromEnv() {
  const char* v = std::getenv("RECTIFY_EVIDENCE_MAX_CHUNKS");
  return v ? std::strtoull(v, nullptr, 10) : 0;
}

// Set by a SIGINT/SIGTERM while an upload or download reconnects.
std::atomic<bool> g_evidence_stop{false};
using SignalHandler = void (*)(int);
SignalHandler g_prev_int = SIG_DFL, g_prev_term = SIG_DFL;

extern "C" void OnEvidenceStop(int sig) {
  g_evidence_stop = true;
  // Chain to `rectify sync`'s own handler so its --every loop stops too.
  const SignalHandler prev = sig == SIGINT ? g_prev_int : g_prev_term;
  if (prev != SIG_DFL && prev != SIG_IGN && prev != SIG_ERR) prev(sig);
}

// While alive, a stop signal ends the transfer cleanly (what is in flight is
// answered, nothing new is sent, no reconnect) instead of being lost in the
// reconnect loop; only installed where a handler already is (`rectify sync
// --retries` or `--every`): elsewhere the default (end the process) is what
// the user wants.
class StopSignalScope {
 public:
  StopSignalScope() {
    g_evidence_stop = false;
    g_prev_int = std::signal(SIGINT, SIG_DFL);
    g_prev_term = std::signal(SIGTERM, SIG_DFL);
    install_ = g_prev_int != SIG_DFL && g_prev_int != SIG_IGN && g_prev_int != SIG_ERR;
    std::signal(SIGINT, install_ ? OnEvidenceStop : g_prev_int);
    std::signal(SIGTERM, install_ ? OnEvidenceStop : g_prev_term);
  }
  ~StopSignalScope() {
    std::signal(SIGINT, g_prev_int);
    std::signal(SIGTERM, g_prev_term);
  }
  StopSignalScope(const StopSignalScope&) = delete;
  StopSignalScope& operator=(const StopSignalScope&) = delete;

 private:
  bool install_ = false;
};

// One progress display per file (docs/evidence.md, "Transfer"): a bar on a
// terminal, a line per 10 % otherwise, nothing with --json.
std::function<void(const std::string&, uint64_t, uint64_t)> EvidenceProgress(
    CliContext& ctx, const std::string& verb) {
  if (!ProgressBar(ctx, {ProgressUnit::kBytes, "", true})) return {};
  auto current = std::make_shared<std::string>();
  auto bar = std::make_shared<std::function<void(uint64_t, uint64_t)>>();
  return [&ctx, verb, current, bar](const std::string& sha, uint64_t done, uint64_t total) {
    if (sha != *current) {
      *current = sha;
      *bar = ProgressBar(ctx, {ProgressUnit::kBytes, verb + " " + sha.substr(0, 12), true});
    }
    if (*bar) (*bar)(done, total);
  };
}

EvidenceSyncOptions SyncOptions(CliContext& ctx, const std::string& verb) {
  EvidenceSyncOptions o;
  o.max_chunks = MaxChunksFromEnv();
  o.progress = EvidenceProgress(ctx, verb);
  o.stop = [] { return g_evidence_stop.load(); };
  return o;
}

std::string BaseName(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

nlohmann::json ReportJson(const EvidenceSyncReport& r) {
  return {{"referenced", r.referenced},
          {"local", r.local},
          {"already_on_server", r.already_on_server},
          {"resumed", r.resumed},
          {"uploaded", r.uploaded},
          {"bytes_uploaded", r.bytes_uploaded},
          {"chunks", r.chunks},
          {"connections", r.connections},
          {"held_by_server", r.held_by_server}};
}

void RunAdd(CliContext& ctx, const EvidenceArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Ledger& ledger = **l;
  auto problem = ledger.GetProblem(a.problem);
  if (!problem.ok()) return ctx.Fail(problem.status());
  std::string measure_id;
  if (a.measure > 0) {
    for (const auto& m : problem->measures)
      if (m.ordinal == a.measure) measure_id = m.id;
    if (measure_id.empty())
      return ctx.Fail("problem " + a.problem + " has no measure " + std::to_string(a.measure));
  }
  LocalEvidenceStore store(LocalEvidenceStore::DirFor(ctx.db_path));
  auto blob = store.AddFile(a.file, a.max_bytes);
  if (!blob.ok()) return ctx.Fail(blob.status());
  // The hash goes into the op, hence into the audit log: the file is pinned.
  const std::string id = (ctx.ids ? *ctx.ids : RandomIdSource::Instance()).NewId();
  Fields fields = {{"problem_id", problem->id},
                   {"measure_id", measure_id.empty() ? Value{} : Value{measure_id}},
                   {"sha256", blob->sha256},
                   {"name", a.name.empty() ? BaseName(a.file) : a.name},
                   {"size", static_cast<int64_t>(blob->size)},
                   {"deleted", int64_t{0}}};
  if (Status st = ledger.Edit("evidence", id, fields, ctx.author); !st.ok()) return ctx.Fail(st);
  if (ctx.json) return PrintJson(ctx, {{"id", id}, {"sha256", blob->sha256}, {"size", blob->size}});
  *ctx.out << "evidence " << id << " added to problem " << a.problem << ": sha256 " << blob->sha256
           << ", " << blob->size << " bytes (sync to upload)\n";
}

void RunList(CliContext& ctx, const EvidenceArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Ledger& ledger = **l;
  std::string problem_id;
  if (!a.problem.empty()) {
    auto p = ledger.ResolveProblem(a.problem);
    if (!p.ok()) return ctx.Fail(p.status());
    problem_id = *p;
  }
  LocalEvidenceStore store(LocalEvidenceStore::DirFor(ctx.db_path));
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& e : ListEvidenceRows(ledger, problem_id)) {
    const bool local = store.Has(e.sha256);
    const bool uploaded = ledger.GetMeta(EvidenceUploadedKey(e.sha256)).has_value();
    if (ctx.json) {
      arr.push_back({{"id", e.id},
                     {"problem_id", e.problem_id},
                     {"measure_id", e.measure_id},
                     {"sha256", e.sha256},
                     {"name", e.name},
                     {"size", e.size},
                     {"local", local},
                     {"uploaded", uploaded}});
      continue;
    }
    *ctx.out << e.id << "\t" << e.name << "\t" << e.size << "\t" << e.sha256.substr(0, 12) << "\t"
             << (local ? "local" : "remote") << "\t" << (uploaded ? "uploaded" : "not uploaded")
             << "\n";
  }
  if (ctx.json) PrintJson(ctx, arr);
}

// ID, full hash, or a unique prefix of at least 8 characters of either (as
// `evidence list` shows them) -> row.
Result<EvidenceRow> FindRow(Ledger& ledger, const std::string& ref) {
  std::vector<EvidenceRow> hits;
  const auto prefix_of = [&](const std::string& full) {
    return ref.size() >= 8 && full.rfind(ref, 0) == 0;
  };
  for (auto& e : ListEvidenceRows(ledger)) {
    if (e.id == ref || e.sha256 == ref || prefix_of(e.sha256) || prefix_of(e.id))
      hits.push_back(std::move(e));
  }
  if (hits.empty()) return Status::NotFound("no evidence " + ref);
  for (size_t i = 1; i < hits.size(); ++i)
    if (hits[i].sha256 != hits[0].sha256)
      return Status::InvalidArgument("evidence " + ref + " is ambiguous");
  return hits[0];
}

void RunGet(CliContext& ctx, const EvidenceArgs& a) {
  auto l = ctx.ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  Ledger& ledger = **l;
  auto row = FindRow(ledger, a.ref);
  // A full hash not (yet) in this ledger may still be fetched: the server
  // decides whether this school may read it.
  if (!row.ok() && a.ref.size() == 64 && !a.out.empty())
    row = EvidenceRow{"", "", "", a.ref, "", 0};
  if (!row.ok()) return ctx.Fail(row.status());
  LocalEvidenceStore store(LocalEvidenceStore::DirFor(ctx.db_path));
  bool downloaded = false;
  if (!store.Has(row->sha256)) {
    auto target = ResolveSyncTarget(ledger, a.server, a.identity, a.school);
    if (!target.ok()) return ctx.Fail(target.status());
    StopSignalScope signals;
    Status st = FetchEvidence(store, row->sha256, *target, SyncOptions(ctx, "download"));
    if (!st.ok()) return ctx.Fail(st.Annotate("downloading evidence " + row->sha256));
    downloaded = true;
  }
  const std::string out = a.out.empty() ? row->name : a.out;
  if (Status st = store.Export(row->sha256, out); !st.ok()) return ctx.Fail(st);
  if (ctx.json)
    return PrintJson(ctx, {{"sha256", row->sha256}, {"out", out}, {"downloaded", downloaded}});
  *ctx.out << "wrote " << out << " (sha256 verified" << (downloaded ? ", downloaded" : "") << ")\n";
}

void RunPush(CliContext& ctx, const EvidenceArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto target = ResolveSyncTarget(**l, a.server, a.identity, a.school);
  if (!target.ok()) return ctx.Fail(target.status());
  LocalEvidenceStore store(LocalEvidenceStore::DirFor(ctx.db_path));
  StopSignalScope signals;
  auto report = SyncEvidence(**l, store, *target, SyncOptions(ctx, "upload"));
  if (!report.ok()) return ctx.Fail(report.status().Annotate("evidence upload"));
  if (ctx.json) return PrintJson(ctx, ReportJson(*report));
  *ctx.out << "evidence: " << report->uploaded << " uploaded (" << report->bytes_uploaded
           << " bytes), " << report->already_on_server << " already on the server\n";
}

void AddTarget(CLI::App* cmd, EvidenceArgs& a) {
  cmd->add_option("--server", a.server, "HOST:PORT of rectifyd (default: the one sync remembers)");
  cmd->add_option("--identity", a.identity, "identity directory (default: the one sync remembers)");
  cmd->add_option("--school", a.school, "auditors: the school");
}

}  // namespace

nlohmann::json SyncEvidenceAfterSync(CliContext& ctx, Ledger& ledger, const SyncTarget& target) {
  LocalEvidenceStore store(LocalEvidenceStore::DirFor(ctx.db_path));
  StopSignalScope signals;
  auto report = SyncEvidence(ledger, store, target, SyncOptions(ctx, "upload"));
  if (!report.ok()) {
    ctx.Warn("evidence upload incomplete (" + report.status().ToString() +
             "); the next sync resumes it");
    return {{"error", report.status().ToString()}};
  }
  // Quiet when nothing moved; the numbers are always in `--json`.
  if (!ctx.json && report->uploaded > 0) {
    *ctx.err << "evidence: " << report->uploaded << " uploaded (" << report->bytes_uploaded
             << " bytes), " << report->already_on_server << " already on the server";
    if (report->connections > 1) *ctx.err << "; " << report->connections << " connections";
    *ctx.err << "\n";
  }
  return ReportJson(*report);
}

void AddEvidenceCommands(CLI::App& app, CliContext& ctx) {
  auto a = std::make_shared<EvidenceArgs>();
  CLI::App* ev = app.add_subcommand("evidence", "Evidence files (佐证材料) of problems");
  ev->require_subcommand(1);
  CLI::App* add =
      ev->add_subcommand("add", "Attach a file to a problem (hash recorded in the ledger)");
  add->add_option("PROBLEM", a->problem, "problem number or id")->required();
  add->add_option("FILE", a->file, "the file")->required()->check(CLI::ExistingFile);
  add->add_option("--measure", a->measure, "measure ordinal within the problem");
  add->add_option("--name", a->name, "display name (default: the file's name)");
  add->add_option("--max-bytes", a->max_bytes, "refuse larger files (default 100 MiB)");
  add->callback([&ctx, a] { RunAdd(ctx, *a); });
  CLI::App* list = ev->add_subcommand("list", "List evidence, local presence and upload state");
  list->add_option("PROBLEM", a->problem, "only this problem");
  list->callback([&ctx, a] { RunList(ctx, *a); });
  CLI::App* get = ev->add_subcommand("get", "Write an evidence file, downloading it if needed");
  get->add_option("REF", a->ref, "evidence id or sha256 (prefix of 8+ digits)")->required();
  get->add_option("--out", a->out, "output file (default: its name)");
  AddTarget(get, *a);
  get->callback([&ctx, a] { RunGet(ctx, *a); });
  CLI::App* push = ev->add_subcommand("push", "Upload missing evidence now (sync also does)");
  AddTarget(push, *a);
  push->callback([&ctx, a] { RunPush(ctx, *a); });
}

}  // namespace rectify
