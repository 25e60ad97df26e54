// Offline verification of an audit-log export (layout in docs/audit-log.md).
// Pure: the caller reads the files and passes their bytes; nothing here
// touches a file path. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "shared/checkpoint.h"
#include "shared/ed25519.h"
#include "shared/status.h"

namespace rectify {

// Splits the contents of leaves.jsonl into leaf encodings: every line,
// including the last, must end in '\n'; empty lines are Corruption. An empty
// file is an empty log.
Result<std::vector<std::string>> SplitLeavesJsonl(std::string_view contents);
// The inverse: each encoding followed by '\n'.
std::string JoinLeavesJsonl(const std::vector<std::string>& leaf_encodings);

// OK iff `checkpoint_note` is signed by (key_name, key), and the leaves are
// exactly the log it commits to: each decodes as a canonical AuditLeaf, leaf i
// carries index i, all share one school_id, their count is the checkpoint size
// and their RFC 6962 root is its root. Otherwise Corruption naming the first
// bad leaf ("leaf 17: ...") or, for a root mismatch, the narrowest leaf range
// the signed checkpoints allow: each of `earlier_checkpoint_notes` (optional,
// any order, same key and origin) pins the root of a prefix, so an edited
// leaf is located between the last matching and the first mismatching one.
// On success, `verified` (if not null) receives the checkpoint.
Status VerifyExport(const std::vector<std::string>& leaf_encodings,
                    const std::string& checkpoint_note, const std::string& key_name,
                    const VerifyingKey& key,
                    const std::vector<std::string>& earlier_checkpoint_notes = {},
                    Checkpoint* verified = nullptr);

}  // namespace rectify
