// A storage-fault seam under SQLite (docs/security.md, "Storage faults"): an
// SQLite VFS that wraps the default unix VFS and, on command, fails writes,
// fsyncs or reads, or reports a full disk (SQLITE_FULL). Tests and the
// simulation install it; production code never does, and while no fault is
// set it only forwards (one mutex-free flag check per I/O call).
//
// Faults apply to files whose path contains `path_contains` (all files when
// empty): the main database, its WAL and journal alike.
#pragma once

#include <cstdint>
#include <string>

#include "shared/status.h"

namespace rectify {

struct StorageFaults {
  std::string path_contains;  // which files; "" = every file
  bool fail_writes = false;   // xWrite -> SQLITE_IOERR_WRITE
  bool disk_full = false;     // xWrite and growing xTruncate -> SQLITE_FULL
  bool fail_syncs = false;    // xSync -> SQLITE_IOERR_FSYNC
  bool fail_reads = false;    // xRead -> SQLITE_IOERR_READ
  // Let this many matching writes succeed first (a fault mid-transaction).
  uint64_t writes_before_fault = 0;
};

class FaultVfs {
 public:
  // Registers the wrapper as SQLite's default VFS (idempotent). Connections
  // opened afterwards go through it; call before opening any database.
  static Status Install();
  // Arms `faults` (replacing any earlier ones); Clear() disarms.
  static void Set(const StorageFaults& faults);
  static void Clear();
  // Faults injected since Install (each failed call counts once).
  static uint64_t injected();
};

}  // namespace rectify
