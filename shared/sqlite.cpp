#include "shared/sqlite.h"

#include <sqlite3.h>

#include <utility>

namespace rectify {

namespace {

Status SqliteError(sqlite3* db, int rc, const std::string& what) {
  int primary = rc & 0xff;
  // The cases a user can fix are said in their terms, naming the file.
  const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
  const std::string name = file && *file ? file : "the database";
  if (primary == SQLITE_READONLY)
    return Status::PermissionDenied(name +
                                    " is read-only here (no permission to write it, or its "
                                    "folder); reading works, changes do not");
  if (primary == SQLITE_FULL)
    return Status::IOError("the disk holding " + name + " is full; nothing was changed");
  std::string msg = what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Status::Unavailable(msg);
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return Status::Corruption(msg);
  if (primary == SQLITE_CONSTRAINT || primary == SQLITE_MISMATCH || primary == SQLITE_RANGE)
    return Status::InvalidArgument(msg);
  if (primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_CANTOPEN ||
      primary == SQLITE_READONLY)
    return Status::IOError(msg);
  return Status::Internal(msg);
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const std::string& path, bool durable_sync,
                                                 OpenMode mode) {
  sqlite3* raw = nullptr;
  const int flags = mode == OpenMode::kCreate     ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                    : mode == OpenMode::kExisting ? SQLITE_OPEN_READWRITE
                                                  : SQLITE_OPEN_READONLY;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status st = SqliteError(raw, rc, "opening " + path);
    sqlite3_close(raw);
    return st;
  }
  std::unique_ptr<Database> db(new Database(raw, path));
  sqlite3_extended_result_codes(raw, 1);
  // busy_timeout first: the WAL switch itself may wait for another process.
  sqlite3_busy_timeout(raw, 5000);
  std::string pragmas = "PRAGMA foreign_keys=ON;";
  if (path != ":memory:" && mode != OpenMode::kReadOnly) pragmas += "PRAGMA journal_mode=WAL;";
  pragmas += durable_sync ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
  Status st = db->Exec(pragmas);
  if (!st.ok()) return st.Annotate("opening " + path);
  return db;
}

Database::~Database() {
  pool_.reset();  // finalizes the idle statements; live ones finalize themselves
  // close_v2 defers the close until outstanding statements are finalized, so
  // a statement leaked by a caller cannot make the destructor fail.
  sqlite3_close_v2(db_);
}

StatementPool::~StatementPool() {
  for (auto& [sql, stmt] : idle) sqlite3_finalize(stmt);
}

Status Database::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return SqliteError(nullptr, rc, msg);
  }
  return Status::OK();
}

Result<Statement> Database::Prepare(std::string_view sql) {
  std::string key(sql);
  if (auto it = pool_->idle.find(key); it != pool_->idle.end()) {
    sqlite3_stmt* stmt = it->second;
    pool_->idle.erase(it);
    return Statement(db_, stmt, pool_, std::move(key));
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteError(db_, rc, "preparing '" + std::string(sql.substr(0, 80)) + "'");
  }
  ++pool_->compiled;
  return Statement(db_, stmt, pool_, std::move(key));
}

Result<int64_t> Database::UserVersion() {
  auto stmt = Prepare("PRAGMA user_version");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::Internal("PRAGMA user_version returned no row");
  return stmt->ColumnInt(0);
}

Status Database::SetUserVersion(int64_t version) {
  // PRAGMA takes no bound parameters; the value is an integer we format.
  return Exec("PRAGMA user_version=" + std::to_string(version));
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int64_t Database::Changes() const { return sqlite3_changes64(db_); }
bool Database::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

// ---- Statement --------------------------------------------------------------

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      pool_(std::move(other.pool_)),
      sql_(std::move(other.sql_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    Release();
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    pool_ = std::move(other.pool_);
    sql_ = std::move(other.sql_);
  }
  return *this;
}

Statement::~Statement() { Release(); }

void Statement::Release() {
  if (stmt_ == nullptr) return;
  sqlite3_stmt* stmt = std::exchange(stmt_, nullptr);
  // A few hundred distinct statements at most per connection; past that
  // (generated SQL gone wild) statements are simply finalized.
  constexpr size_t kMaxIdle = 512;
  auto pool = pool_.lock();
  if (pool && pool->idle.size() < kMaxIdle) {
    // A reset also ends any read this statement kept open.
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    pool->idle.emplace(std::move(sql_), stmt);
    return;
  }
  sqlite3_finalize(stmt);
}

Status Statement::Check(int rc, const char* what) const {
  if (rc == SQLITE_OK) return Status::OK();
  return SqliteError(db_, rc, what);
}

Status Statement::Bind(int index, int64_t v) {
  return Check(sqlite3_bind_int64(stmt_, index, v), "binding integer");
}

Status Statement::Bind(int index, std::string_view text) {
  return Check(
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
      "binding text");
}

Status Statement::Bind(int index, const Value& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return Bind(index, *i);
  if (const auto* s = std::get_if<std::string>(&v)) return Bind(index, std::string_view(*s));
  return BindNull(index);
}

Status Statement::BindBlob(int index, std::string_view bytes) {
  return Check(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT),
               "binding blob");
}

Status Statement::BindNull(int index) {
  return Check(sqlite3_bind_null(stmt_, index), "binding null");
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, "executing '" + std::string(sqlite3_sql(stmt_)).substr(0, 80) + "'");
}

Status Statement::Run() {
  for (;;) {
    auto row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::OK();
  }
}

Status Statement::Reset() {
  // sqlite3_reset repeats the last step's error, which the caller already saw.
  sqlite3_reset(stmt_);
  return Check(sqlite3_clear_bindings(stmt_), "clearing bindings");
}

int64_t Statement::ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Statement::ColumnText(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

std::string Statement::ColumnBlob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

Value Statement::ColumnValue(int col) const {
  switch (sqlite3_column_type(stmt_, col)) {
    case SQLITE_INTEGER:
      return ColumnInt(col);
    case SQLITE_NULL:
      return std::monostate{};
    case SQLITE_FLOAT:
      return static_cast<int64_t>(sqlite3_column_double(stmt_, col));
    default:
      return ColumnText(col);
  }
}

bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }

// ---- Transaction ------------------------------------------------------------

Result<Transaction> Transaction::Begin(Database& db) {
  // IMMEDIATE takes the write lock now, so a later write cannot fail with
  // SQLITE_BUSY halfway through the transaction.
  Status st = db.Exec("BEGIN IMMEDIATE");
  if (!st.ok()) return st;
  return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  if (db_ != nullptr && db_->InTransaction()) {
    // Errors are ignored: a failed rollback leaves SQLite to roll back on close.
    sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Status Transaction::Commit() {
  if (db_ == nullptr) return Status::FailedPrecondition("transaction already finished");
  Status st = db_->Exec("COMMIT");
  if (!st.ok()) return st;
  db_ = nullptr;
  return Status::OK();
}

}  // namespace rectify
