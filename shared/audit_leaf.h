// AuditLeaf: one entry of a school's audit log (docs/design.md §5) and its
// canonical byte encoding. The Merkle leaf hash is LeafHash(EncodeAuditLeaf()).
//
// Encoding (documented in docs/audit-log.md): one JSON object, UTF-8, keys
// sorted by byte order, no whitespace, integers as plain decimals, strings
// with JSON's minimal escapes (\" \\ \b \f \n \r \t, other control characters
// as \u00xx lowercase, everything else raw UTF-8), and
//   "op": base64 of op_bytes, "v": 1 (format version).
// It never contains a newline, so an export stores one leaf per line. Decoding
// accepts only this exact canonical form, so each leaf has one encoding.
//
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/status.h"

namespace rectify {

struct AuditLeaf {
  uint64_t index = 0;  // position in the school's log, 0-based
  std::string school_id;
  std::string device_id;
  std::string role;
  std::string author;
  std::string peer;  // remote address as the server saw it
  std::string batch_id;
  uint64_t device_seq = 0;
  uint64_t device_hlc = 0;        // the op's HLC as received, before any clamp
  uint64_t server_time_ms = 0;    // server receive time, Unix ms
  std::string outcome;            // "applied" | "superseded" | "rejected"
  std::string reason;             // why rejected/superseded; "" if applied
  std::string rule;               // the rule that decided, e.g. "lww-field"
  uint64_t clamped_from_hlc = 0;  // 0 if not clamped
  std::string op_bytes;           // EncodeOp() of the op as received (binary)

  bool operator==(const AuditLeaf&) const = default;
};

// InvalidArgument if a text field is not valid UTF-8 or outcome is unknown.
Result<std::string> EncodeAuditLeaf(const AuditLeaf& leaf);
// Corruption unless `bytes` is exactly a canonical encoding.
Result<AuditLeaf> DecodeAuditLeaf(std::string_view bytes);

bool IsValidAuditOutcome(std::string_view outcome);
// The Chinese label of an outcome: 已应用 / 被覆盖 / 已拒绝; the outcome itself
// for anything else.
std::string_view AuditOutcomeLabel(std::string_view outcome);

}  // namespace rectify
