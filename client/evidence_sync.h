// Moves evidence files between the device's LocalEvidenceStore and the
// district server (docs/evidence.md): the thin I/O around
// protocol::EvidenceSession. Uploads resume from what the server holds and
// skip what it already has; downloads resume from the local .part file and
// are verified before they become a blob.
// Not thread-safe: one run at a time per ledger.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "client/evidence_store.h"
#include "client/ledger.h"
#include "client/sync_runner.h"

namespace rectify {

// One visible evidence row of the ledger.
struct EvidenceRow {
  std::string id, problem_id, measure_id, sha256, name;
  int64_t size = 0;
};

struct EvidenceSyncOptions {
  ChannelOptions channel;
  uint32_t chunk_bytes = 256u << 10;
  uint64_t max_chunks = 0;  // test hook, see EvidenceSessionOptions
  // (sha256, bytes the other side holds, file size).
  std::function<void(const std::string&, uint64_t, uint64_t)> progress;
};

struct EvidenceSyncReport {
  uint64_t referenced = 0;         // distinct hashes in the ledger
  uint64_t local = 0;              // of those, present in the local store
  uint64_t already_on_server = 0;  // complete on the server before this run
  uint64_t resumed = 0;            // partly on the server before this run
  uint64_t uploaded = 0;           // completed by this run
  uint64_t bytes_uploaded = 0, chunks = 0;
};

// Ledger meta key set once the server is known to hold the blob completely.
std::string EvidenceUploadedKey(const std::string& sha256);

// Evidence rows not deleted, in id order; `problem_id` empty = all.
std::vector<EvidenceRow> ListEvidenceRows(Ledger& ledger, const std::string& problem_id = "");

// Uploads every locally present blob the ledger references that the server
// does not hold completely. Run after a successful sync, so the ops naming
// the blobs are on the server (else it refuses them).
Result<EvidenceSyncReport> SyncEvidence(Ledger& ledger, const LocalEvidenceStore& store,
                                        const SyncTarget& target,
                                        const EvidenceSyncOptions& options);

// Downloads one blob into `store` (resuming a partial download); OK once it
// is there and verified.
Status FetchEvidence(LocalEvidenceStore& store, const std::string& sha256, const SyncTarget& target,
                     const EvidenceSyncOptions& options);

}  // namespace rectify
