// The district's read side for the console (docs/console.md): each school's
// ledger rebuilt from the field states the server holds, its statistics and
// 三色预警 under the shared rules (shared/stats.h), its log size, last sync
// and verification. Reads only through the Store interface.
//
// Ownership: borrows `store`. Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/storage/store.h"
#include "shared/domain.h"
#include "shared/ed25519.h"
#include "shared/stats.h"

namespace rectify {

struct SchoolSummary {
  std::string id, name;
  LedgerStats stats;
  int red = 0, yellow = 0;   // overdue; due within the school's warning window
  int64_t last_sync_ms = 0;  // server time of the newest leaf; 0 if none
  uint64_t log_size = 0;
  uint64_t checkpoint_size = 0;
  // "ok" (verified at this size), "failed: …", or "unchecked".
  std::string verification;
};

// A problem with the children the problem page shows (rows as the server holds them).
struct ProblemDetail {
  ProblemInfo info;
  std::string status_reason;
  std::string aspect_title, category_title;
  std::vector<std::map<std::string, std::string>> notes, evidence;  // field -> text
};

class DistrictView {
 public:
  DistrictView(Store& store, VerifyingKey log_key, std::string log_name);

  Result<std::vector<std::string>> Schools();
  // The school's current inspection as a LedgerSnapshot (live rows only).
  Result<LedgerSnapshot> Ledger(const std::string& school_id);
  // Kept per school until its log grows or the day changes (every change to a
  // school's rows is a new leaf), so the overview recomputes only schools that
  // synced since it was last shown.
  Result<SchoolSummary> Summary(const std::string& school_id, const std::string& today);
  // NotFound if the school has no problem numbered `number`.
  Result<ProblemDetail> Problem(const std::string& school_id, int number);
  // Rebuilds the school's tree and checks every signed checkpoint; the
  // result is kept until the log grows. "ok" or "failed: …".
  Result<std::string> Verify(const std::string& school_id);
  // One of server/service/audit_query.h's kinds, parsed.
  Result<nlohmann::json> AuditQuery(const std::string& school_id, const std::string& kind,
                                    const std::string& arg);
  Result<std::optional<StoredCheckpoint>> Checkpoint(const std::string& school_id);
  // The export file of docs/audit-log.md, as `rectify audit export` writes it.
  Result<std::string> ExportText(const std::string& school_id);

 private:
  Store& store_;
  VerifyingKey log_key_;
  std::string log_name_;
  std::mutex mu_;
  std::map<std::string, std::pair<uint64_t, std::string>> verified_;  // school -> (size, result)
  struct CachedSummary {
    uint64_t log_size = 0;
    std::string today;
    SchoolSummary summary;
  };
  std::map<std::string, CachedSummary> summaries_;
};

}  // namespace rectify
