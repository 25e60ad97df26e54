// The storage-fault seam (shared/fault_vfs.h) over real SQLite files: each
// fault fails the statement with a clear error, leaves the committed state
// as it was, and once cleared the same write succeeds.
#include "shared/fault_vfs.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "shared/sqlite.h"

using namespace rectify;

namespace {

struct Dir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("rectify_fault_vfs_" + std::to_string(::getpid()));
  Dir() {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~Dir() {
    FaultVfs::Clear();
    std::filesystem::remove_all(path);
  }
};

int64_t Rows(Database& db) {
  auto st = db.Prepare("SELECT COUNT(*) FROM t");
  REQUIRE(st.ok());
  REQUIRE(*st->Step());
  return st->ColumnInt(0);
}

// Inserts `n` rows of 4 KiB in one transaction (enough to touch several pages).
Status InsertMany(Database& db, int n) {
  auto tx = Transaction::Begin(db);
  if (!tx.ok()) return tx.status();
  for (int i = 0; i < n; ++i) {
    auto st = db.Prepare("INSERT INTO t(v) VALUES (?)");
    if (!st.ok()) return st.status();
    RECTIFY_RETURN_IF_ERROR(st->Bind(1, std::string(4096, static_cast<char>('a' + i % 26))));
    RECTIFY_RETURN_IF_ERROR(st->Run());
  }
  return tx->Commit();
}

}  // namespace

TEST_CASE("fault VFS: a full disk, a failed write, fsync or read fail cleanly and then recover") {
  REQUIRE(FaultVfs::Install().ok());
  Dir dir;
  const std::string path = (dir.path / "ledger.db").string();
  auto db = Database::Open(path, /*durable_sync=*/true);
  REQUIRE(db.ok());
  REQUIRE((*db)->Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)").ok());
  REQUIRE(InsertMany(**db, 3).ok());
  REQUIRE(Rows(**db) == 3);

  struct Case {
    const char* name;
    StorageFaults faults;
    const char* says;
  };
  const Case cases[] = {
      {"full disk", {"ledger.db", false, true, false, false, 0}, "full"},
      {"full disk mid-transaction", {"ledger.db", false, true, false, false, 4}, "full"},
      {"write error", {"ledger.db", true, false, false, false, 0}, "I/O error"},
      {"fsync error", {"ledger.db", false, false, true, false, 0}, "I/O error"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const uint64_t before = FaultVfs::injected();
    FaultVfs::Set(c.faults);
    Status st = InsertMany(**db, 20);
    FaultVfs::Clear();
    CHECK(st.code() == Status::Code::kIOError);
    CHECK(st.message().find(c.says) != std::string::npos);
    CHECK(FaultVfs::injected() > before);
    // Nothing half-written is visible, on this connection or a fresh one.
    CHECK(Rows(**db) == 3);
    auto fresh = Database::Open(path);
    REQUIRE(fresh.ok());
    CHECK(Rows(**fresh) == 3);
    // And the same write goes through once the fault clears.
    REQUIRE(InsertMany(**db, 1).ok());
    CHECK(Rows(**db) == 4);
    REQUIRE((*db)->Exec("DELETE FROM t WHERE id > 3").ok());
  }

  // A read fault on another file leaves this one alone; on this one it fails.
  FaultVfs::Set({"other.db", false, false, false, true, 0});
  CHECK(Rows(**db) == 3);
  FaultVfs::Set({"ledger.db", false, false, false, true, 0});
  auto fresh = Database::Open(path);
  Status read = fresh.status();
  if (fresh.ok()) {
    auto st = (*fresh)->Prepare("SELECT COUNT(*) FROM t");
    read = st.ok() ? st->Step().status() : st.status();
  }
  FaultVfs::Clear();
  CHECK(read.code() == Status::Code::kIOError);
  CHECK(Rows(**db) == 3);
}
