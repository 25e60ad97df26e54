// Attaching an evidence file (佐证材料) to a problem or one of its measures
// from bytes in memory (an upload from the desk, docs/desk.md): the file goes
// into the device's LocalEvidenceStore by its SHA-256, and one evidence row
// naming the hash is written through the Ledger (one op, so the hash is in
// the audit log). Thread-safety: like Ledger. Ownership: borrows everything.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "client/ledger/evidence_store.h"
#include "client/ledger/id_source.h"
#include "client/ledger/ledger.h"

namespace rectify {

struct AttachedEvidence {
  std::string id, sha256;
  uint64_t size = 0;
};

// `measure_ordinal` 0: the problem itself. InvalidArgument for an empty file,
// one over `max_bytes` or an empty name; NotFound for an unknown problem or
// measure; PermissionDenied for a verified problem at a school. Nothing is
// written to the ledger when the store refuses the bytes.
Result<AttachedEvidence> AttachEvidence(Ledger& ledger, LocalEvidenceStore& store, IdSource& ids,
                                        const std::string& problem_ref, int measure_ordinal,
                                        const std::string& name, std::string_view bytes,
                                        uint64_t max_bytes, const std::string& author);

}  // namespace rectify
