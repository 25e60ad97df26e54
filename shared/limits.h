// Size limits that make every op fit the protocol by construction
// (docs/protocol.md "Limits", docs/decisions.md). One place: the ledger checks
// them at every edit and import, the server's resolver refuses what exceeds
// them, and every answer that carries many ops or leaves is cut by
// kAnswerByteBudget, never by a count alone. Pure, thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "shared/op.h"

namespace rectify {

// One text value of one field (bytes of UTF-8): 64 KiB, some 20,000 Chinese
// characters, far more than any ledger cell a person writes.
inline constexpr size_t kMaxTextFieldBytes = 64u << 10;
// One op as EncodeOp writes it (its audit leaf is at most 4/3 of this plus a
// few hundred bytes): 256 KiB.
inline constexpr size_t kMaxOpBytes = 256u << 10;
// The ops, leaves or rows one answer carries (pull, audit page, bundle part):
// 4 MiB, a quarter of the 16 MiB frame, so one answer of a budget plus one
// item of at most kMaxOpBytes (base64 and JSON escapes included) always fits.
inline constexpr size_t kAnswerByteBudget = 4u << 20;

// A message naming `where` (e.g. "problem.result") when `value` is text over
// kMaxTextFieldBytes; nullopt when it fits.
std::optional<std::string> TextFieldTooLarge(std::string_view where, const Value& value);

// A message naming the op (entity, row, device_seq) when EncodeOp(op) is over
// kMaxOpBytes; nullopt when it fits.
std::optional<std::string> OpTooLarge(const Op& op);

}  // namespace rectify
