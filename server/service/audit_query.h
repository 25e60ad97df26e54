// The auditor's read-only queries over one school's log and ledger
// (docs/design.md §5 "Auditors get"). Results are JSON text in
// protocol::AuditResponse::json; "export" also fills leaves/checkpoint.
//
//   log        every leaf as a row {index, server_time_ms, device, role, author,
//              entity, row, fields, outcome, reason, rule, batch, peer,
//              device_seq, device_hlc, clamped_from_hlc}; q.since_ms filters
//              on server time (>=).
//   rejected   the rows of "log" whose outcome is rejected.
//   history    q.arg = a problem number or row id: {row_ids, leaves, conflicts}
//              for every leaf touching that problem row.
//   as_of      q.arg = YYYY-MM-DD: replays the applied/superseded ops the
//              server received before the end of that day (local time)
//              through MergeOp: {date, cutoff_ms, rows, problem_status_counts}.
//   conflicts  every conflict record of the school.
//   export     all encoded leaves, the latest checkpoint, the verifier key.
//
// Pure over a SchoolTxn (read-only is enough). Thread-compatible.
#pragma once

#include <cstdint>
#include <string>

#include "protocol/messages.h"
#include "server/storage/store.h"
#include "shared/limits.h"

namespace rectify {

struct AuditQueryContext {
  std::string verifier_key;             // for "export"
  int64_t utc_offset_minutes = 8 * 60;  // day boundaries of "as_of"
  // The bytes of rows or leaves one answer carries at most (at least one);
  // a query may ask for less (max_bytes). Every kind is paged: the answer's
  // `next` is the `from` of the next page while `more` is set (log, rejected,
  // history: a leaf index; as_of, conflicts: a row index; export: a leaf
  // index, later pages naming the first page's checkpoint size in `upto`).
  size_t byte_budget = kAnswerByteBudget;
};

Result<protocol::AuditResponse> RunAuditQuery(SchoolTxn& txn, const protocol::AuditQuery& q,
                                              const AuditQueryContext& ctx);

// Unix ms of the start of the day after `date` (YYYY-MM-DD) at the given
// UTC offset; InvalidArgument for a malformed date.
Result<int64_t> EndOfDayMillis(const std::string& date, int64_t utc_offset_minutes);

}  // namespace rectify
