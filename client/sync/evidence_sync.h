// Moves evidence files between the device's LocalEvidenceStore and the
// district server (docs/evidence.md): the thin I/O around
// protocol::EvidenceSession. Uploads resume from what the server holds and
// skip what it already has; downloads resume from the local .part file and
// are verified before they become a blob. A connection cut after it made
// progress is reconnected at once (a link cut every ~100 KB still finishes
// a 20 MB file in one call); one that made none is retried a few times with
// backoff, then the call fails and the next sync resumes.
// Not thread-safe: one run at a time per ledger.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "client/ledger/evidence_store.h"
#include "client/ledger/ledger.h"
#include "client/sync/sync_runner.h"
#include "protocol/evidence_session.h"

namespace rectify {

// One visible evidence row of the ledger.
struct EvidenceRow {
  std::string id, problem_id, measure_id, sha256, name;
  int64_t size = 0;
};

struct EvidenceSyncOptions {
  ChannelOptions channel;
  uint32_t chunk_bytes = protocol::kDefaultEvidenceChunk;
  uint32_t window_bytes = protocol::kDefaultEvidenceWindow;
  uint64_t max_chunks = 0;  // test hook, see EvidenceSessionOptions; ends the call
  // Transport failures in a row without progress before giving up; each is
  // preceded by a backoff of up to base_backoff_ms * 2^n.
  int max_idle_reconnects = 3;
  int64_t base_backoff_ms = 500;
  // (sha256, bytes the other side holds, file size).
  std::function<void(const std::string&, uint64_t, uint64_t)> progress;
  // Polled between connections: true stops reconnecting (e.g. on SIGINT).
  std::function<bool()> stop;
};

struct EvidenceSyncReport {
  uint64_t referenced = 0;         // distinct hashes in the ledger
  uint64_t local = 0;              // of those, present in the local store
  uint64_t already_on_server = 0;  // complete on the server before this run
  uint64_t resumed = 0;            // partly on the server before this run
  uint64_t uploaded = 0;           // completed by this run
  uint64_t bytes_uploaded = 0, chunks = 0;
  uint64_t connections = 0;  // sessions opened (reconnects after cuts included)
  // Files this device does not hold, found complete on the server (uploaded
  // by another device): recorded like an upload, so `evidence list` says so.
  uint64_t held_by_server = 0;
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

// Downloads one blob into `store` (resuming a partial download, reconnecting
// like SyncEvidence); OK once it is there and verified.
Status FetchEvidence(LocalEvidenceStore& store, const std::string& sha256, const SyncTarget& target,
                     const EvidenceSyncOptions& options);

}  // namespace rectify
