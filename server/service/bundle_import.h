// Offline bundles on the district side (docs/bundles.md): importing a
// school's signed bundle of ops and evidence files, and exporting a school's
// signed bundle of the district's ops, checkpoint, rejections and evidence.
//
// Import never validates ops itself: it authenticates the envelope and the
// signer (district CA, revocation list) and verifies every evidence chunk,
// then feeds the ops to SyncServiceImpl::Push and the files to
// SyncServiceImpl::PutEvidenceChunk exactly as an online session would, so
// resolution, audit leaves, replays and the evidence tenancy rule behave
// identically. Every refusal of the envelope happens before anything is
// stored.
//
// Both functions open DIR/rectifyd.db themselves; they may run while
// `rectifyd serve` runs on the same directory (the store serialises writers).
// Thread-safe in the sense that concurrent calls each open their own store.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "shared/status.h"

namespace rectify {

struct BundleImportSummary {
  std::string school_id;
  std::string device_id;  // the signing certificate's device
  std::string role;
  uint64_t ops = 0, applied = 0, superseded = 0, rejected = 0;
  uint64_t replayed = 0;                // ops the district already held (answered from the store)
  std::vector<std::string> rejections;  // "seq N: reason"
  uint64_t tree_size = 0;               // the school's log size afterwards
  uint64_t evidence_files = 0;          // files in the bundle
  uint64_t evidence_stored = 0;         // completed in DIR/evidence by this import
  uint64_t evidence_bytes = 0;          // bytes of those
  uint64_t evidence_held = 0;           // already complete here
  std::vector<std::string> evidence_skipped;  // "<sha>: reason" (e.g. not recorded)
};

// Verifies and imports the school->district bundle at `bundle_path` into
// the district at `data_dir`. Errors: NotFound (file), Corruption (damaged
// or altered bundle, an evidence chunk whose hash is wrong: "evidence <sha>
// chunk N: hash mismatch"), PermissionDenied (signer not of this district,
// not a device, revoked, or another school), InvalidArgument (wrong kind),
// and whatever Push refuses (e.g. a gap in the device's seqs). Evidence files
// go to DIR/evidence after the ops, each only if an evidence row of the
// school records its hash (else listed in evidence_skipped).
Result<BundleImportSummary> ImportSchoolBundle(const std::string& data_dir,
                                               const std::string& bundle_path,
                                               std::function<void(const std::string&)> log = {});

struct DistrictExportOptions {
  std::string data_dir;
  std::string school_id;
  uint64_t since = 0;       // the school's pull cursor: ops after it are included
  uint64_t known_size = 0;  // the school's last verified log size: proof from it
  bool evidence = true;     // carry the evidence files the exported ops name
  uint64_t max_evidence_bytes = 512ull << 20;  // files beyond it are left out
};

struct DistrictExportSummary {
  uint64_t ops = 0, conflicts = 0, rejections = 0;
  uint64_t next_cursor = 0;
  uint64_t tree_size = 0;
  uint64_t evidence_files = 0, evidence_bytes = 0;
  uint64_t evidence_missing = 0;   // named by the ops but not complete here
  uint64_t evidence_left_out = 0;  // over max_evidence_bytes
  std::vector<std::string> notes;  // one line per file not carried, with the reason
};

// Builds the signed district->school bundle (bytes) through
// SyncServiceImpl::Pull and, for the evidence files named by the exported
// ops that DIR/evidence holds completely, SyncServiceImpl::GetEvidenceChunk;
// signed with DIR/server.key. NotFound if the school has no audit log yet.
Result<std::string> ExportDistrictBundle(const DistrictExportOptions& options,
                                         DistrictExportSummary* summary);

}  // namespace rectify
