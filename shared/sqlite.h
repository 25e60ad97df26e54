// Small RAII layer over the SQLite C API (in the spirit of SQLiteCpp). Generic:
// no ledger or server knowledge. Every value reaches SQL through a bound
// parameter; Exec() is for DDL and fixed statements only.
//
// Thread-safety: a Database and its Statements belong to one thread at a time.
// Ownership: a Transaction must not outlive the Database it was made from. A
// Statement should not either; if it does, it is finalized rather than reused.
//
// Statements are recycled: destroying one resets it, clears its bindings and
// keeps it in its Database's idle pool, and Prepare() of the same SQL text
// takes it back instead of compiling again (compiling was half of the
// client's cost of applying a pull, docs/PERFORMANCE.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "shared/op.h"
#include "shared/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace rectify {

class Statement;

// Idle compiled statements of one Database, by SQL text. Internal to
// Database and Statement; shared so a Statement can tell that its Database
// is gone.
struct StatementPool {
  ~StatementPool();
  std::unordered_multimap<std::string, sqlite3_stmt*> idle;
  uint64_t compiled = 0;  // statements compiled by Prepare (not taken from the pool)
};

class Database {
 public:
  // Opens (creating if needed) the file at `path` and sets journal_mode=WAL,
  // foreign_keys=ON, busy_timeout (5 s) and synchronous=NORMAL (durable in WAL
  // mode at every checkpointed commit; FULL is used when `durable_sync`).
  // ":memory:" opens a private in-memory database. kExisting and kReadOnly
  // never create a file (IOError naming it if it is missing); kReadOnly
  // refuses every write (PermissionDenied naming the file).
  enum class OpenMode { kCreate, kExisting, kReadOnly };
  static Result<std::unique_ptr<Database>> Open(const std::string& path, bool durable_sync = false,
                                                OpenMode mode = OpenMode::kCreate);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more ';'-separated statements with no parameters (DDL, PRAGMA).
  Status Exec(const std::string& sql);
  // Compiles one statement, or takes an idle one of the same SQL text.
  Result<Statement> Prepare(std::string_view sql);
  // How many statements Prepare compiled (the rest came from the pool).
  uint64_t statements_compiled() const { return pool_->compiled; }

  // PRAGMA user_version, the schema version of the file.
  Result<int64_t> UserVersion();
  Status SetUserVersion(int64_t version);

  int64_t LastInsertRowId() const;
  int64_t Changes() const;  // rows changed by the last INSERT/UPDATE/DELETE
  bool InTransaction() const;
  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }

 private:
  Database(sqlite3* db, std::string path)
      : db_(db), path_(std::move(path)), pool_(std::make_shared<StatementPool>()) {}
  sqlite3* db_;
  std::string path_;
  std::shared_ptr<StatementPool> pool_;  // destroyed before db_ is closed
};

// A prepared statement. Movable, not copyable. Parameter indices start at 1,
// column indices at 0 (as in SQLite).
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Status Bind(int index, int64_t v);
  Status Bind(int index, std::string_view text);
  Status Bind(int index, const std::string& text) { return Bind(index, std::string_view(text)); }
  Status Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Status Bind(int index, const Value& v);  // NULL, INTEGER or TEXT
  Status BindBlob(int index, std::string_view bytes);
  Status BindNull(int index);

  // Advances one row: true if a row is available, false when done.
  Result<bool> Step();
  // Steps until done (for INSERT/UPDATE/DELETE); an unexpected row is not an error.
  Status Run();
  // Resets to run again and clears all bindings.
  Status Reset();

  int64_t ColumnInt(int col) const;
  std::string ColumnText(int col) const;
  std::string ColumnBlob(int col) const;
  Value ColumnValue(int col) const;  // INTEGER -> int64_t, TEXT/BLOB -> string, NULL
  bool ColumnIsNull(int col) const;
  int ColumnCount() const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt, std::weak_ptr<StatementPool> pool, std::string sql)
      : db_(db), stmt_(stmt), pool_(std::move(pool)), sql_(std::move(sql)) {}
  Status Check(int rc, const char* what) const;
  void Release();  // back to the pool, or finalized
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::weak_ptr<StatementPool> pool_;
  std::string sql_;
};

// BEGIN IMMEDIATE on Begin(); Commit() makes it durable; destruction without
// Commit() rolls back (never throws). Not nestable: one per Database at a time.
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();

  Status Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;  // null once committed, rolled back or moved from
};

}  // namespace rectify
