// Store over one SQLite file, DIR/rectifyd.db (WAL, synchronous=FULL: a
// commit is on disk before Commit() returns, so an acknowledged op survives
// kill -9 and power loss). Schema versioned by PRAGMA user_version.
//
// Concurrency: SQLite has one writer per file, so write units of work are
// serialised by ONE store-wide writer mutex (held from Begin() until the txn
// is committed or destroyed) on one writer connection. Read units of work use
// pooled reader connections and WAL snapshots, so they never wait for the
// writer. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/storage/store.h"
#include "shared/sqlite.h"

namespace rectify {

class SqliteStore final : public Store {
 public:
  static constexpr int64_t kSchemaUserVersion = 2;

  // Opens (creating if needed) DIR/rectifyd.db. `dir` must exist. Fails with
  // FailedPrecondition on a file written by a newer rectifyd.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& dir);
  // Opens a database file at an explicit path (tests, tools).
  static Result<std::unique_ptr<SqliteStore>> OpenFile(const std::string& path);
  ~SqliteStore() override;

  Result<std::unique_ptr<SchoolTxn>> Begin(const std::string& school_id) override;
  Result<std::unique_ptr<SchoolTxn>> BeginRead(const std::string& school_id) override;
  Result<std::vector<std::string>> ListSchools() override;

  // Reads everything of one school in one snapshot (for `rectifyd migrate`).
  Result<SchoolDump> DumpSchool(const std::string& school_id);
  // An online, consistent copy of the whole database into the file `dest`
  // (SQLite's backup API; writers keep going meanwhile). `dest` must not exist.
  Status Backup(const std::string& dest);

  const std::string& path() const { return path_; }

  // A connection with its prepared statements, reused across units of work
  // (statements are destroyed before the database).
  struct Connection {
    std::unique_ptr<Database> db;
    std::unordered_map<std::string, Statement> statements;
  };
  // Returns a reader connection to the pool (used by read txns).
  void ReleaseReader(std::unique_ptr<Connection> conn);

 private:
  SqliteStore(std::string path, std::unique_ptr<Database> writer);
  Result<std::unique_ptr<Connection>> AcquireReader();

  const std::string path_;
  std::mutex writer_mu_;  // held by the one open write txn
  Connection writer_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> readers_;
};

}  // namespace rectify
