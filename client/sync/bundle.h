// Offline bundles on the school side (docs/bundles.md): export the ledger's
// pending ops and evidence files as a bundle signed with the device key, and
// import a district bundle exactly like a pull (checkpoint verified against
// the pinned log key, ops merged idempotently, rejected ops dropped from the
// outbox), then its evidence files into the local store.
//
// Ownership: borrows the Ledger and the LocalEvidenceStore for the call.
// Thread-safety: not thread-safe; one command at a time per Ledger.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "client/ledger/evidence_store.h"
#include "client/ledger/ledger.h"
#include "shared/status.h"

namespace rectify {

struct SchoolExportOptions {
  // Null: no evidence. Else every blob present here that a visible evidence
  // row names and the server is not known to hold (EvidenceUploadedKey).
  const LocalEvidenceStore* evidence = nullptr;
  uint64_t max_evidence_bytes = 512ull << 20;  // files beyond it are left out
};

struct SchoolExportSummary {
  std::string school_id, device_id;
  uint64_t ops = 0, first_seq = 0, last_seq = 0;
  uint64_t evidence_files = 0, evidence_bytes = 0;
  uint64_t evidence_left_out = 0;  // over max_evidence_bytes or damaged locally
  std::vector<std::string> notes;  // one line per file left out, with the reason
};

// All pending (unacknowledged) ops of `ledger` and the evidence files chosen
// by `options`, sealed with the device key of `identity_dir` (ca.pem,
// device.pem, device.key). Marks nothing acked: the ops stay pending until
// the district's answer comes back. Fails with FailedPrecondition if there
// is nothing to export (no op, no file) or the ledger has no school,
// PermissionDenied if the identity is of another school.
Result<std::string> ExportSchoolBundle(Ledger& ledger, const std::string& identity_dir,
                                       SchoolExportSummary* summary,
                                       const SchoolExportOptions& options = {});

struct DistrictImportSummary {
  uint64_t ops = 0, conflicts = 0;
  uint64_t dropped_rejected = 0;        // outbox ops the district had rejected
  std::vector<std::string> rejections;  // "seq N: reason", for this device's dropped ops
  uint64_t cursor_before = 0, cursor_after = 0;
  uint64_t tree_size = 0;              // the district checkpoint's size
  bool stale = false;                  // older than what the ledger already verified
  uint64_t evidence_files = 0;         // files in the bundle
  uint64_t evidence_stored = 0;        // written into the local store by this import
  uint64_t evidence_bytes = 0;         // bytes of those
  uint64_t evidence_present = 0;       // already held locally
  uint64_t evidence_unreferenced = 0;  // no visible evidence row names it: skipped
};

// Verifies a district->school bundle (signed by the district server's
// certificate, chained to identity_dir/ca.pem; checkpoint signed by the log
// key in identity_dir/log.pub, consistent with the ledger's last one) and
// applies it. Refusals store nothing: Corruption (damaged, bad signature,
// inconsistent history: then sync halts as for an online pull),
// PermissionDenied (not signed by this district's server, other school),
// FailedPrecondition (the bundle starts after the ledger's cursor or proves
// consistency from another size than the ledger's: ask the district for a
// bundle with --since/--known-size as printed). Every evidence chunk is
// verified before anything is applied (Corruption naming the file and chunk).
// After the ops, each evidence file a visible row names is written into
// `evidence` (if not null) unless already there, and marked as held by the
// server. Importing twice is harmless.
Result<DistrictImportSummary> ImportDistrictBundle(Ledger& ledger, const std::string& identity_dir,
                                                   std::string_view bytes,
                                                   LocalEvidenceStore* evidence = nullptr);

}  // namespace rectify
