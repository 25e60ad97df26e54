// Schema migrations of the ledger file, keyed by PRAGMA user_version.
// Internal to the client module (used by Ledger::Open and its tests).
#pragma once

#include <cstdint>

#include "shared/sqlite.h"
#include "shared/status.h"

namespace rectify {

// The ledger file format this build writes.
inline constexpr int64_t kLedgerSchemaVersion = 4;

// Runs every migration above the file's user_version up to `target`
// (<= kLedgerSchemaVersion), each in its own transaction together with its
// user_version bump. A file newer than this build is refused (FailedPrecondition).
Status MigrateLedger(Database& db, int64_t target = kLedgerSchemaVersion);

// Checks that every entity and field of shared/schema.h has its table and
// column, so a schema.cpp change without a migration is caught at open.
Status CheckLedgerSchema(Database& db);

}  // namespace rectify
