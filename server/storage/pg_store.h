// Store over PostgreSQL (libpq), for a province: several stateless rectifyd
// on one database (docs/operations.md, docs/decisions.md "PostgreSQL").
//
// One history per school with many writers: a write unit of work is one
// READ COMMITTED transaction that first locks the school's row in log_heads
// (SELECT … FOR UPDATE). Leaf indexes and server sequence numbers are assigned
// from that row, so two servers can never give out one index twice; at
// Commit() the row is updated with a compare-and-set on the checkpoint it held
// at Begin() (size and SHA-256 of the signed note, which pins the root), then
// COMMIT. If the COMMIT's outcome is lost (connection dropped), Commit()
// re-reads the head row on a fresh connection and reports OK only if this
// unit of work's token is there.
//
// Read units of work are REPEATABLE READ READ ONLY transactions (one
// snapshot). Connections are pooled; write txns of different schools run in
// parallel, write txns of one school queue on its row lock. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "server/storage/store.h"

namespace rectify {

// True for a libpq URI (postgresql://… or postgres://…).
bool IsPostgresUri(std::string_view spec);

class PgStore final : public Store {
 public:
  static constexpr int64_t kSchemaVersion = 1;

  // Connects to `uri` and creates or migrates the schema (serialised across
  // servers starting at once). FailedPrecondition if the database was written
  // by a newer rectifyd; Unavailable if the server cannot be reached.
  static Result<std::unique_ptr<PgStore>> Open(const std::string& uri);
  ~PgStore() override;

  Result<std::unique_ptr<SchoolTxn>> Begin(const std::string& school_id) override;
  Result<std::unique_ptr<SchoolTxn>> BeginRead(const std::string& school_id) override;
  Result<std::vector<std::string>> ListSchools() override;

  // Copies `dump` into this database in one transaction (all or nothing).
  // A school already holding exactly that log (leaf count and latest
  // checkpoint) is left alone: *copied = false. A school holding anything
  // else is refused (FailedPrecondition), so a re-run never mixes histories.
  Status LoadSchool(const SchoolDump& dump, bool* copied);

  // One libpq connection and the statements prepared on it.
  class Conn;
  // Returns a connection to the pool (used by txns; broken ones are dropped).
  void Release(std::unique_ptr<Conn> conn);
  Result<std::unique_ptr<Conn>> Acquire();
  const std::string& uri() const { return uri_; }

 private:
  explicit PgStore(std::string uri);

  const std::string uri_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_;
};

}  // namespace rectify
