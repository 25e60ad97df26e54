#include "client/sync/bundle.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "client/sync/evidence_sync.h"
#include "client/sync/identity.h"
#include "client/sync/ledger_sync_store.h"
#include "client/sync/sync_runner.h"
#include "protocol/messages.h"
#include "shared/bundle_format.h"
#include "shared/checkpoint.h"
#include "shared/role.h"

namespace rectify {

namespace {

// Makes the ledger's school the identity's (a fresh second device learns it
// here, as it would from the hello of an online sync) and refuses a mismatch.
Status MatchIdentity(Ledger& ledger, const protocol::PeerIdentity& id,
                     const std::string& bundle_school) {
  if (ParseRole(id.role) == Role::kSchool && id.school_id != bundle_school)
    return Status::PermissionDenied("the bundle is for school '" + bundle_school +
                                    "' but this device belongs to school '" + id.school_id + "'");
  RECTIFY_RETURN_IF_ERROR(CheckIdentityFitsLedger(ledger, id, bundle_school));
  if (ledger.school_id().empty()) return ledger.SetIdentity(bundle_school, id.role);
  if (ledger.school_id() != bundle_school)
    return Status::PermissionDenied("the bundle is for school '" + bundle_school +
                                    "' but this ledger is school '" + ledger.school_id() + "'");
  return Status::OK();
}

Result<protocol::PullResponse> OpenDistrictBundle(const std::string& identity_dir,
                                                  std::string_view bytes, Bundle* bundle) {
  auto ca = ReadFileBytes(identity_dir + "/ca.pem");
  if (!ca.ok()) return ca.status();
  auto opened = OpenBundle(bytes, *ca);
  if (!opened.ok()) return opened.status();
  if (opened->kind != BundleKind::kDistrictToSchool)
    return Status::InvalidArgument(
        std::string("this is a ") + BundleKindName(opened->kind) +
        " bundle; the district imports it with `rectifyd bundle import`");
  // Only the server's certificate speaks for the district: a device, even
  // one of this district, cannot forge the district's answer.
  auto ou = CertificateOrgUnit(opened->signer_cert_pem);
  if (!ou.ok() || *ou != "server")
    return Status::PermissionDenied("bundle is not signed by the district server's certificate");
  protocol::PullResponse pull;
  if (Status st = protocol::DecodeBody(opened->contents.body, &pull); !st.ok())
    return Status::Corruption("bundle payload is malformed: " + st.message());
  *bundle = std::move(*opened);
  return pull;
}

// Verifies the bundle's checkpoint and keeps it, like an online pull. A
// checkpoint older than the ledger's is skipped (returns true: stale).
Result<bool> AcceptBundleCheckpoint(LedgerSyncStore& store, const VerifierKey& key,
                                    const protocol::PullResponse& pull, uint64_t* size) {
  auto cp = VerifyNote(pull.checkpoint, key.name, key.key);
  if (!cp.ok()) return cp.status().Annotate("district checkpoint in the bundle");
  *size = cp->size;
  const uint64_t known = store.KnownTreeSize();
  if (cp->size < known) return true;
  if (cp->size == known) {
    RECTIFY_RETURN_IF_ERROR(store.AcceptCheckpoint(pull.checkpoint, {}));
    return false;
  }
  if (known > 0 && pull.proof_from_size != known)
    return Status::FailedPrecondition(
        "the bundle proves the log from size " + std::to_string(pull.proof_from_size) +
        " but this ledger verified size " + std::to_string(known) +
        "; ask the district for `rectifyd bundle export --known-size " + std::to_string(known) +
        "`");
  RECTIFY_RETURN_IF_ERROR(store.AcceptCheckpoint(pull.checkpoint, pull.consistency_proof));
  return false;
}

Status DropRejected(Ledger& ledger, const std::vector<BundleRejection>& rejections,
                    DistrictImportSummary* s) {
  std::set<uint64_t> pending;
  for (const Op& op : ledger.PendingOps(ledger.PendingCount())) pending.insert(op.device_seq);
  std::vector<uint64_t> drop;
  for (const auto& r : rejections) {
    if (r.device_id != ledger.device_id() || !pending.count(r.device_seq)) continue;
    drop.push_back(r.device_seq);
    s->rejections.push_back("seq " + std::to_string(r.device_seq) + ": " + r.reason);
  }
  s->dropped_rejected = drop.size();
  return drop.empty() ? Status::OK() : ledger.DropRejected(drop);
}

// The evidence files a school bundle carries (see SchoolExportOptions).
void AddSchoolEvidence(Ledger& ledger, const SchoolExportOptions& o, BundleContents* c,
                       SchoolExportSummary* s) {
  std::set<std::string> seen;
  uint64_t budget = o.max_evidence_bytes;
  for (const EvidenceRow& row : ListEvidenceRows(ledger)) {
    if (row.sha256.empty() || !seen.insert(row.sha256).second) continue;
    if (!o.evidence->Has(row.sha256) || ledger.GetMeta(EvidenceUploadedKey(row.sha256))) continue;
    const std::string path = o.evidence->PathOf(row.sha256);
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    auto leave_out = [&](const std::string& why) {
      ++s->evidence_left_out;
      s->notes.push_back("evidence " + row.sha256 + " (" + row.name + ") left out: " + why);
    };
    if (ec) {
      leave_out("cannot read " + path);
      continue;
    }
    if (size > budget) {
      leave_out(std::to_string(size) + " bytes would pass --max-evidence-mb");
      continue;
    }
    auto bytes = ReadFileBytes(path);
    if (!bytes.ok()) {
      leave_out(bytes.status().message());
      continue;
    }
    BundleEvidence e = MakeBundleEvidence(*bytes);
    if (e.sha256 != row.sha256 || e.size != size) {
      leave_out("the local copy is damaged (it hashes to " + e.sha256 + ")");
      continue;
    }
    budget -= size;
    ++s->evidence_files;
    s->evidence_bytes += size;
    c->evidence.push_back(std::move(e));
  }
}

// Writes the bundle's evidence files that a visible row of the (just
// updated) ledger names; the district held each of them completely.
Status StoreDistrictEvidence(Ledger& ledger, LocalEvidenceStore& store,
                             const std::vector<BundleEvidence>& evidence,
                             DistrictImportSummary* s) {
  std::set<std::string> named;
  for (const EvidenceRow& row : ListEvidenceRows(ledger)) named.insert(row.sha256);
  for (const BundleEvidence& e : evidence) {
    ++s->evidence_files;
    if (!named.count(e.sha256)) {
      ++s->evidence_unreferenced;
      continue;
    }
    RECTIFY_RETURN_IF_ERROR(ledger.SetMeta(EvidenceUploadedKey(e.sha256), "1"));
    if (store.Has(e.sha256)) {
      ++s->evidence_present;
      continue;
    }
    RECTIFY_RETURN_IF_ERROR(store.PutBlob(e.sha256, JoinBundleEvidence(e)));
    ++s->evidence_stored;
    s->evidence_bytes += e.size;
  }
  return Status::OK();
}

}  // namespace

Result<std::string> ExportSchoolBundle(Ledger& ledger, const std::string& identity_dir,
                                       SchoolExportSummary* summary,
                                       const SchoolExportOptions& options) {
  if (ledger.school_id().empty())
    return Status::FailedPrecondition("the ledger has no school yet: nothing to export");
  auto id = LoadIdentity(identity_dir);
  if (!id.ok()) return id.status();
  RECTIFY_RETURN_IF_ERROR(CheckIdentityFitsLedger(ledger, *id, ledger.school_id())
                              .Annotate("the identity in " + identity_dir));
  const IdentityFiles files = IdentityFilesIn(identity_dir);
  auto cert = ReadFileBytes(files.cert_file);
  if (!cert.ok()) return cert.status();
  auto key = ReadFileBytes(files.key_file);
  if (!key.ok()) return key.status();

  SchoolExportSummary s;
  s.school_id = ledger.school_id();
  s.device_id = ledger.device_id();
  Bundle b;
  if (options.evidence) AddSchoolEvidence(ledger, options, &b.contents, &s);
  protocol::PushBatch batch;
  batch.ops = ledger.PendingOps(ledger.PendingCount());
  if (batch.ops.empty() && b.contents.evidence.empty())
    return Status::FailedPrecondition("no pending changes and no evidence file: nothing to export");
  if (!batch.ops.empty()) {
    s.ops = batch.ops.size();
    s.first_seq = batch.ops.front().device_seq;
    s.last_seq = batch.ops.back().device_seq;
  }
  // Deterministic: the same pending ops give the same batch id, so the audit
  // log shows a re-exported bundle as the same batch.
  batch.batch_id = "bundle-" + ledger.device_id() + "-" + std::to_string(s.first_seq) + "-" +
                   std::to_string(s.last_seq);
  b.kind = BundleKind::kSchoolToDistrict;
  b.contents.school_id = ledger.school_id();
  b.contents.device_id = ledger.device_id();
  b.contents.body = protocol::EncodeBody(batch);
  b.signer_cert_pem = *cert;
  auto sealed = SealBundle(b, *key);
  if (!sealed.ok()) return sealed.status().Annotate(identity_dir);
  // Remembered only now that the identity has proved usable (as for sync).
  RECTIFY_RETURN_IF_ERROR(ledger.SetMeta(kMetaIdentity, identity_dir));
  if (summary) *summary = std::move(s);
  return sealed;
}

Result<DistrictImportSummary> ImportDistrictBundle(Ledger& ledger, const std::string& identity_dir,
                                                   std::string_view bytes,
                                                   LocalEvidenceStore* evidence) {
  auto id = LoadIdentity(identity_dir);
  if (!id.ok()) return id.status();
  auto key = LoadLogKey(identity_dir);
  if (!key.ok()) return key.status();
  Bundle bundle;
  auto pull = OpenDistrictBundle(identity_dir, bytes, &bundle);
  if (!pull.ok()) return pull.status();
  // Checked before anything is written: a gap would skip ops for ever.
  if (pull->from_cursor > ledger.pull_cursor())
    return Status::FailedPrecondition(
        "the bundle starts after cursor " + std::to_string(pull->from_cursor) +
        " but this ledger holds ops only up to " + std::to_string(ledger.pull_cursor()) +
        "; ask the district for `rectifyd bundle export --since " +
        std::to_string(ledger.pull_cursor()) + "`");
  if (auto cp = VerifyNote(pull->checkpoint, key->name, key->key); !cp.ok())
    return cp.status().Annotate("district checkpoint in the bundle");
  RECTIFY_RETURN_IF_ERROR(MatchIdentity(ledger, *id, bundle.contents.school_id));

  LedgerSyncStore store(ledger, key->name, key->key);
  if (auto halted = store.HaltReason(); !halted.empty())
    return Status::Corruption("sync is halted for this ledger: " + halted);
  DistrictImportSummary s;
  s.cursor_before = ledger.pull_cursor();
  auto stale = AcceptBundleCheckpoint(store, *key, *pull, &s.tree_size);
  if (!stale.ok()) return stale.status();
  s.stale = *stale;
  RECTIFY_RETURN_IF_ERROR(store.ApplyPull(*pull));
  RECTIFY_RETURN_IF_ERROR(DropRejected(ledger, bundle.contents.rejections, &s));
  s.ops = pull->ops.size();
  s.conflicts = pull->conflicts.size();
  s.cursor_after = ledger.pull_cursor();
  if (evidence)
    RECTIFY_RETURN_IF_ERROR(StoreDistrictEvidence(ledger, *evidence, bundle.contents.evidence, &s));
  RECTIFY_RETURN_IF_ERROR(ledger.SetMeta(kMetaIdentity, identity_dir));
  return s;
}

}  // namespace rectify
