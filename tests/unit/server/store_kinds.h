// Every store test runs against every Store implementation: SQLite in a
// fresh folder and PostgreSQL in a fresh database of the test cluster
// (tests/pg_cluster.h). A StoreUnderTest can be opened several times (two
// servers on one database, or a reopen after a restart).
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "pg_cluster.h"
#include "server/storage/pg_store.h"
#include "server/storage/sqlite_store.h"

namespace rectify::testing {

struct StoreUnderTest {
  std::string kind;           // "sqlite" or "postgresql"
  std::string location;       // folder or URI
  std::filesystem::path dir;  // a scratch folder (the SQLite store lives here)
  Result<std::unique_ptr<Store>> Open() const {
    if (kind == "sqlite") {
      auto s = SqliteStore::Open(location);
      if (!s.ok()) return s.status();
      return std::unique_ptr<Store>(std::move(*s));
    }
    auto s = PgStore::Open(location);
    if (!s.ok()) return s.status();
    return std::unique_ptr<Store>(std::move(*s));
  }
  ~StoreUnderTest() {
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

inline std::filesystem::path ScratchDir(const std::string& tag) {
  static std::atomic<int> counter{0};
  auto path =
      std::filesystem::temp_directory_path() /
      ("rectify_store_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(++counter));
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path;
}

// Runs `body(StoreUnderTest&)` once per store kind, each in a SUBCASE.
template <class Body>
void ForEachStore(const std::string& tag, Body body) {
  SUBCASE("sqlite") {
    StoreUnderTest s{"sqlite", "", ScratchDir(tag)};
    s.location = s.dir.string();
    body(s);
  }
  SUBCASE("postgresql") {
    PgCluster* cluster = PgCluster::Get();
    if (!cluster) return;  // skipped, with a message (outside CI only)
    StoreUnderTest s{"postgresql", cluster->NewDatabase(), ScratchDir(tag)};
    body(s);
  }
}

}  // namespace rectify::testing
