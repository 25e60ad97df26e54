#include <doctest/doctest.h>

#include <unistd.h>
#include <filesystem>

#include "shared/sqlite.h"

using namespace rectify;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("rectify_sqlite_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

int64_t CountRows(Database& db) {
  auto st = db.Prepare("SELECT COUNT(*) FROM t");
  REQUIRE(st.ok());
  REQUIRE(*st->Step());
  return st->ColumnInt(0);
}

}  // namespace

TEST_CASE("sqlite: open sets WAL and round-trips bound values of every type") {
  TempDir dir;
  auto db = Database::Open((dir.path / "a.db").string());
  REQUIRE(db.ok());
  auto mode = (*db)->Prepare("PRAGMA journal_mode");
  REQUIRE(mode.ok());
  REQUIRE(*mode->Step());
  CHECK(mode->ColumnText(0) == "wal");
  auto fk = (*db)->Prepare("PRAGMA foreign_keys");
  REQUIRE(*fk->Step());
  CHECK(fk->ColumnInt(0) == 1);

  REQUIRE((*db)->Exec("CREATE TABLE t(a, b, c, d)").ok());
  auto ins = (*db)->Prepare("INSERT INTO t VALUES(?1, ?2, ?3, ?4)");
  REQUIRE(ins.ok());
  // A value with a quote and an embedded NUL proves binding, not concatenation.
  const std::string tricky = std::string("it's 整改'); DROP TABLE t;--") + '\0' + "x";
  REQUIRE(ins->Bind(1, int64_t{-42}).ok());
  REQUIRE(ins->Bind(2, tricky).ok());
  REQUIRE(ins->Bind(3, Value{}).ok());
  REQUIRE(ins->BindBlob(4, std::string("\x00\x01\xff", 3)).ok());
  REQUIRE(ins->Run().ok());
  CHECK((*db)->Changes() == 1);

  auto sel = (*db)->Prepare("SELECT a, b, c, d FROM t");
  REQUIRE(sel.ok());
  auto row = sel->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  CHECK(sel->ColumnInt(0) == -42);
  CHECK(std::get<int64_t>(sel->ColumnValue(0)) == -42);
  CHECK(sel->ColumnText(1) == tricky);
  CHECK(sel->ColumnIsNull(2));
  CHECK(IsNull(sel->ColumnValue(2)));
  CHECK(sel->ColumnBlob(3) == std::string("\x00\x01\xff", 3));
  auto done = sel->Step();
  REQUIRE(done.ok());
  CHECK_FALSE(*done);
}

TEST_CASE("sqlite: reset clears bindings so a statement can be reused") {
  auto db = Database::Open(":memory:");
  REQUIRE(db.ok());
  REQUIRE((*db)->Exec("CREATE TABLE t(a)").ok());
  auto ins = (*db)->Prepare("INSERT INTO t VALUES(?1)");
  REQUIRE(ins->Bind(1, int64_t{1}).ok());
  REQUIRE(ins->Run().ok());
  REQUIRE(ins->Reset().ok());
  REQUIRE(ins->Run().ok());  // bindings cleared: inserts NULL
  auto sel = (*db)->Prepare("SELECT COUNT(*), COUNT(a) FROM t");
  REQUIRE(*sel->Step());
  CHECK(sel->ColumnInt(0) == 2);
  CHECK(sel->ColumnInt(1) == 1);
}

TEST_CASE("sqlite: errors are values carrying SQLite's message") {
  auto db = Database::Open(":memory:");
  REQUIRE(db.ok());
  auto bad = (*db)->Prepare("SELEKT 1");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("syntax error") != std::string::npos);
  REQUIRE((*db)->Exec("CREATE TABLE t(a PRIMARY KEY)").ok());
  auto ins = (*db)->Prepare("INSERT INTO t VALUES(1)");
  REQUIRE(ins->Run().ok());
  REQUIRE(ins->Reset().ok());
  Status dup = ins->Run();
  CHECK(dup.code() == Status::Code::kInvalidArgument);
  CHECK(dup.message().find("UNIQUE") != std::string::npos);
  CHECK_FALSE(Database::Open("/nonexistent-dir/x/y.db").ok());
}

TEST_CASE("sqlite: transaction rolls back unless committed") {
  TempDir dir;
  auto db = Database::Open((dir.path / "t.db").string());
  REQUIRE(db.ok());
  Database& d = **db;
  REQUIRE(d.Exec("CREATE TABLE t(a)").ok());
  {
    auto tx = Transaction::Begin(d);
    REQUIRE(tx.ok());
    CHECK(d.InTransaction());
    REQUIRE(d.Exec("INSERT INTO t VALUES(1)").ok());
  }  // destroyed without Commit
  CHECK_FALSE(d.InTransaction());
  CHECK(CountRows(d) == 0);
  {
    auto tx = Transaction::Begin(d);
    REQUIRE(tx.ok());
    REQUIRE(d.Exec("INSERT INTO t VALUES(1)").ok());
    REQUIRE(tx->Commit().ok());
    CHECK_FALSE(tx->Commit().ok());  // second commit is an error, not a crash
  }
  CHECK(CountRows(d) == 1);
  // A committed transaction survives reopening the file.
  db = Database::Open((dir.path / "t.db").string());
  REQUIRE(db.ok());
  CHECK(CountRows(**db) == 1);
}

TEST_CASE("sqlite: user_version round-trips") {
  auto db = Database::Open(":memory:");
  REQUIRE(db.ok());
  CHECK(*(*db)->UserVersion() == 0);
  REQUIRE((*db)->SetUserVersion(7).ok());
  CHECK(*(*db)->UserVersion() == 7);
}

TEST_CASE("sqlite: statements are recycled by SQL text, reset and unbound") {
  auto db = Database::Open(":memory:");
  REQUIRE(db.ok());
  REQUIRE((*db)->Exec("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES(1),(2),(3)").ok());
  const uint64_t before = (*db)->statements_compiled();
  {
    auto st = (*db)->Prepare("SELECT ?1");
    REQUIRE(st.ok());
    REQUIRE(st->Bind(1, int64_t{5}).ok());
    REQUIRE(*st->Step());
    CHECK(st->ColumnInt(0) == 5);
  }
  {
    auto st = (*db)->Prepare("SELECT ?1");  // the same statement, bindings cleared
    REQUIRE(st.ok());
    REQUIRE(*st->Step());
    CHECK(st->ColumnIsNull(0));
  }
  {
    auto scan = (*db)->Prepare("SELECT x FROM t ORDER BY x");
    REQUIRE(scan.ok());
    REQUIRE(*scan->Step());
    CHECK(scan->ColumnInt(0) == 1);
  }  // dropped mid-scan
  {
    auto scan = (*db)->Prepare("SELECT x FROM t ORDER BY x");
    REQUIRE(scan.ok());
    REQUIRE(*scan->Step());
    CHECK(scan->ColumnInt(0) == 1);  // starts over
    // The same SQL twice at once: the second is compiled anew.
    auto again = (*db)->Prepare("SELECT x FROM t ORDER BY x");
    REQUIRE(again.ok());
    REQUIRE(*again->Step());
    CHECK(again->ColumnInt(0) == 1);
    REQUIRE(*scan->Step());
    CHECK(scan->ColumnInt(0) == 2);
  }
  CHECK((*db)->statements_compiled() == before + 3);
  for (int i = 0; i < 100; ++i) REQUIRE((*db)->Prepare("SELECT ?1").ok());
  CHECK((*db)->statements_compiled() == before + 3);
  // A dropped mid-scan statement holds no read: a write goes through and
  // the next scan sees it.
  REQUIRE((*db)->Exec("INSERT INTO t VALUES(4)").ok());
  auto count = (*db)->Prepare("SELECT count(*) FROM t");
  REQUIRE(count.ok());
  REQUIRE(*count->Step());
  CHECK(count->ColumnInt(0) == 4);
}

TEST_CASE("sqlite: a statement outliving its database is finalized, not pooled") {
  auto db = Database::Open(":memory:");
  REQUIRE(db.ok());
  auto st = (*db)->Prepare("SELECT 1");
  REQUIRE(st.ok());
  Statement kept = std::move(*st);
  db->reset();  // the database goes first; the statement must not touch its pool
}
