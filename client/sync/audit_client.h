// Audit queries from a device (docs/design.md §5 and docs/audit-log.md): an
// auditor's questions about a school's log, and any device's inclusion proof of
// one of its own ops, checked against the signed checkpoint.
//
// Each call is one request/answer session over the sync channel; nothing in
// the ledger changes. Thread-safety: none needed (no shared state).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "client/sync/sync_runner.h"
#include "protocol/messages.h"
#include "shared/audit_leaf.h"
#include "shared/checkpoint.h"
#include "shared/status.h"

namespace rectify {

// `kind` is one of log, rejected, conflicts, history, as_of (docs/protocol.md);
// `arg` its argument (a problem for history, a date for as_of). The server
// answers in pages cut by bytes; this asks until the last one and returns
// them merged into one answer (the rows of every page, in order).
// `page_bytes` > 0 asks for pages smaller than the server's budget (tests).
Result<protocol::AuditResponse> RunAuditQuery(const SyncTarget& target, const std::string& kind,
                                              const std::string& arg, int64_t since_ms,
                                              uint64_t page_bytes = 0);

// The school's export page by page, each handed to `on_page` as it arrives
// (the first carries the checkpoint the export commits to, every one the
// verifier key); stops at the first error `on_page` returns. Memory and every
// frame stay bounded at any log size (docs/audit-log.md §4).
Status FetchAuditExport(const SyncTarget& target, uint64_t page_bytes,
                        const std::function<Status(const protocol::AuditResponse&)>& on_page);

// The proof that op `device_seq` of `device_id` is in the school's log.
struct ProvenOp {
  uint64_t leaf_index = 0;
  Checkpoint checkpoint;  // verified with the log key of the identity directory
  AuditLeaf leaf;
};

// Fetches the leaf and inclusion proof of the op and verifies the checkpoint's
// signature, that the leaf is that op, and the proof. Corruption names the
// check that failed.
Result<ProvenOp> ProveOwnOp(const SyncTarget& target, const std::string& device_id,
                            uint64_t device_seq);

}  // namespace rectify
