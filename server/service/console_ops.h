// The console's actions as ops (docs/console.md "Actions become ops"): 销号,
// 回头看 and resolving a conflict are written as ops of a console device
// ("console-<account>", role auditor) and pushed through the same
// SyncService::Push as a device's batch, so the resolver judges them and the
// school's audit log records them like any other op.
//
// Ownership: borrows `store`, `sync` and `clock`. Thread-safety: thread-safe
// (one mutex: a console device's seq chain has no gaps).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "protocol/sync_service.h"
#include "server/storage/store.h"
#include "shared/clock.h"
#include "shared/hlc.h"

namespace rectify {

struct ActionResult {
  std::string outcome;  // "applied" | "superseded" | "rejected"
  std::string reason;
  uint64_t server_seq = 0;
};

class ConsoleOps {
 public:
  ConsoleOps(Store& store, protocol::SyncService& sync, const Clock& clock);

  // The console device id of an account.
  static std::string DeviceId(const std::string& account);

  // 销号: status -> verified. NotFound for an unknown problem number.
  Result<ActionResult> Verify(const std::string& account, const std::string& school_id,
                              int number, const std::string& address);
  // 回头看: status -> in_progress with a reason (InvalidArgument if empty).
  Result<ActionResult> Reopen(const std::string& account, const std::string& school_id,
                              int number, const std::string& reason, const std::string& address);
  // Resolves conflict `conflict_id` by writing `value` to its field.
  Result<ActionResult> ResolveConflict(const std::string& account, const std::string& school_id,
                                       uint64_t conflict_id, const std::string& value,
                                       const std::string& address);
  // Writes `fields` on (entity, row) as one op (issuing a problem list).
  Result<ActionResult> Write(const std::string& account, const std::string& school_id,
                             const std::string& entity, const std::string& row_id,
                             const std::vector<std::pair<std::string, Value>>& fields,
                             const std::string& address);

 private:
  Result<std::string> ProblemRow(const std::string& school_id, int number);

  Store& store_;
  protocol::SyncService& sync_;
  std::mutex mu_;
  HlcClock hlc_;
  uint64_t batches_ = 0;
};

}  // namespace rectify
