// `rectify bundle export|import`: sync by USB stick (docs/bundles.md).
#include <CLI/CLI.hpp>

#include "client/cli/cli_commands.h"
#include "client/cli/cli_context.h"
#include "client/cli/cli_util.h"
#include "client/sync/bundle.h"
#include "client/sync/sync_runner.h"

namespace rectify {

namespace {

struct BundleArgs {
  std::string file, identity;
  bool no_evidence = false;
  uint64_t max_evidence_mb = 512;
};

// The flag, else the identity the ledger remembers (the bundle operations
// store it once they succeeded with it).
Result<std::string> IdentityDir(Ledger& ledger, const std::string& flag) {
  if (!flag.empty()) return flag;
  std::string dir = ledger.GetMeta(kMetaIdentity).value_or("");
  if (dir.empty()) return Status::InvalidArgument("no identity: give --identity DIR once");
  return dir;
}

void RunExport(CliContext& ctx, const BundleArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto dir = IdentityDir(**l, a.identity);
  if (!dir.ok()) return ctx.Fail(dir.status());
  const LocalEvidenceStore store(LocalEvidenceStore::DirFor(ctx.db_path));
  SchoolExportOptions options;
  if (!a.no_evidence) options.evidence = &store;
  options.max_evidence_bytes = a.max_evidence_mb << 20;
  SchoolExportSummary s;
  auto bytes = ExportSchoolBundle(**l, *dir, &s, options);
  if (!bytes.ok()) return ctx.Fail(bytes.status().Annotate("bundle export"));
  if (Status st = WriteOutputFile(a.file, *bytes); !st.ok()) return ctx.Fail(st);
  if (ctx.json)
    return PrintJson(ctx, {{"file", a.file},
                           {"school", s.school_id},
                           {"device", s.device_id},
                           {"ops", s.ops},
                           {"first_seq", s.first_seq},
                           {"last_seq", s.last_seq},
                           {"evidence_files", s.evidence_files},
                           {"evidence_bytes", s.evidence_bytes},
                           {"evidence_left_out", s.evidence_left_out},
                           {"notes", s.notes},
                           {"bytes", bytes->size()}});
  *ctx.out << "wrote " << a.file << ": " << s.ops << " pending changes (seq " << s.first_seq << ".."
           << s.last_seq << ") and " << s.evidence_files << " evidence files (" << s.evidence_bytes
           << " bytes) of school " << s.school_id
           << "; they stay pending until the district's bundle comes back\n";
  for (const auto& n : s.notes) *ctx.out << "  " << n << "\n";
}

void RunImport(CliContext& ctx, const BundleArgs& a) {
  ctx.may_create = !a.identity.empty();  // a new device may join by USB stick
  auto l = ctx.ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  auto dir = IdentityDir(**l, a.identity);
  if (!dir.ok()) return ctx.Fail(dir.status());
  auto bytes = ReadInputFile(a.file);
  if (!bytes.ok()) return ctx.Fail(bytes.status());
  LocalEvidenceStore store(LocalEvidenceStore::DirFor(ctx.db_path));
  auto s = ImportDistrictBundle(**l, *dir, *bytes, &store);
  if (!s.ok()) return ctx.Fail(s.status().Annotate("bundle import " + a.file));
  if (ctx.json)
    return PrintJson(ctx, {{"file", a.file},
                           {"ops", s->ops},
                           {"conflicts", s->conflicts},
                           {"dropped_rejected", s->dropped_rejected},
                           {"rejections", s->rejections},
                           {"cursor_before", s->cursor_before},
                           {"cursor_after", s->cursor_after},
                           {"tree_size", s->tree_size},
                           {"stale", s->stale},
                           {"evidence_files", s->evidence_files},
                           {"evidence_stored", s->evidence_stored},
                           {"evidence_bytes", s->evidence_bytes},
                           {"evidence_present", s->evidence_present},
                           {"evidence_unreferenced", s->evidence_unreferenced}});
  *ctx.out << "imported " << a.file << ": " << s->ops << " ops, " << s->conflicts
           << " conflicts; cursor " << s->cursor_before << " -> " << s->cursor_after
           << "; audit log "
           << (s->stale ? "older than the one already verified (kept)" : "verified") << " at size "
           << s->tree_size << "; evidence files: " << s->evidence_stored << " stored ("
           << s->evidence_bytes << " bytes), " << s->evidence_present << " already here, "
           << s->evidence_unreferenced << " not named by this ledger (skipped)\n";
  for (const auto& r : s->rejections) *ctx.out << "  rejected and removed: " << r << "\n";
}

}  // namespace

void AddBundleCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* bundle = app.add_subcommand(
      "bundle", "Sync by USB stick: signed offline bundles for when there is no link at all");
  bundle->require_subcommand(1);
  auto ex = std::make_shared<BundleArgs>();
  CLI::App* exp = bundle->add_subcommand(
      "export",
      "Write every pending change and evidence file to FILE, signed with this device's key");
  exp->add_option("FILE", ex->file, "bundle file to write (e.g. on the USB stick)")->required();
  exp->add_option("--identity", ex->identity, "identity directory (remembered, shared with sync)");
  exp->add_flag("--no-evidence", ex->no_evidence, "carry the changes only, no evidence file");
  exp->add_option("--max-evidence-mb", ex->max_evidence_mb,
                  "evidence files past this many MiB in total are left out (and listed)")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{0}, uint64_t{1000}));
  exp->callback([&ctx, ex] { RunExport(ctx, *ex); });
  auto im = std::make_shared<BundleArgs>();
  CLI::App* imp = bundle->add_subcommand(
      "import", "Apply a bundle from `rectifyd bundle export`, verifying the district's log");
  imp->add_option("FILE", im->file, "bundle file from the district")->required();
  imp->add_option("--identity", im->identity, "identity directory (remembered, shared with sync)");
  imp->callback([&ctx, im] { RunImport(ctx, *im); });
}

}  // namespace rectify
