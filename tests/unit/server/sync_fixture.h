// Test fixture for the server's store, resolver, audit log and sync service:
// a store in a fresh /tmp directory, a manual clock and a log key. The store
// is SQLite, or PostgreSQL (a fresh database of tests/pg_cluster.h) when
// RECTIFY_TEST_STORE=postgresql: ctest runs server_tests both ways.
#pragma once

#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "pg_cluster.h"
#include "server/service/sync_service_impl.h"
#include "server/storage/pg_store.h"
#include "server/storage/sqlite_store.h"
#include "shared/clock.h"
#include "shared/ed25519.h"
#include "shared/schema.h"

namespace rectify::testing {

// 2023-11-14T22:13:20Z.
inline constexpr int64_t kNow = 1'700'000'000'000;

inline std::string Text(const char* s) { return s; }

struct SyncFixture {
  std::filesystem::path dir;
  std::string kind = StoreKindFromEnv();  // "sqlite" or "postgresql"
  std::string uri;                        // postgresql only
  std::unique_ptr<Store> store;
  ManualClock clock{kNow};
  SigningKey key = *SigningKey::Generate();
  std::vector<std::string> log_lines;
  std::vector<std::string> revoked;
  std::unique_ptr<SyncServiceImpl> service;

  SyncFixture() {
    static std::atomic<int> counter{0};
    dir = std::filesystem::temp_directory_path() /
          ("rectify_sync_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    if (kind == "postgresql") {
      PgCluster* cluster = PgCluster::Get();
      REQUIRE_MESSAGE(cluster != nullptr, "RECTIFY_TEST_STORE=postgresql needs PostgreSQL");
      uri = cluster->NewDatabase();
      auto s = PgStore::Open(uri);
      REQUIRE(s.ok());
      store = std::move(*s);
    } else {
      auto s = SqliteStore::Open(dir.string());
      REQUIRE(s.ok());
      store = std::move(*s);
    }
    SyncServiceOptions opts;
    opts.log = [this](const std::string& line) { log_lines.push_back(line); };
    opts.is_revoked = [this](const std::string& d) {
      for (const auto& r : revoked)
        if (r == d) return true;
      return false;
    };
    service = std::make_unique<SyncServiceImpl>(*store, key, clock, opts);
  }
  ~SyncFixture() {
    service.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }

  static std::string StoreKindFromEnv() {
    const char* env = std::getenv("RECTIFY_TEST_STORE");
    return env && std::string(env) == "postgresql" ? "postgresql" : "sqlite";
  }

  static protocol::SessionContext School(const std::string& school, const std::string& device) {
    protocol::SessionContext ctx;
    ctx.peer = {school, device, "school", "10.0.0.7:5555"};
    ctx.school_id = school;
    ctx.batch_prefix = "sess1";
    return ctx;
  }
  static protocol::SessionContext Auditor(const std::string& school, const std::string& device) {
    protocol::SessionContext ctx;
    ctx.peer = {"", device, "auditor", "10.0.0.9:6000"};
    ctx.school_id = school;
    ctx.batch_prefix = "sess2";
    return ctx;
  }

  static Op MakeOp(const protocol::SessionContext& ctx, uint64_t seq, const std::string& entity,
                   const std::string& row, std::vector<FieldChange> fields, int64_t hlc_ms,
                   const std::string& author = "张三") {
    Op op;
    op.device_id = ctx.peer.device_id;
    op.device_seq = seq;
    op.school_id = ctx.school_id;
    op.entity = entity;
    op.row_id = row;
    op.fields = std::move(fields);
    op.hlc = Hlc::Make(hlc_ms, 0);
    op.author = author;
    op.schema_version = kSchemaVersion;
    return op;
  }

  Result<protocol::PushAck> Push(const protocol::SessionContext& ctx, std::vector<Op> ops,
                                 const std::string& batch_id = "b") {
    protocol::PushBatch batch{batch_id, std::move(ops)};
    return service->Push(ctx, batch);
  }

  // Pushes one op and returns its result (the push must succeed).
  protocol::OpResult PushOne(const protocol::SessionContext& ctx, const Op& op) {
    auto ack = Push(ctx, {op});
    REQUIRE(ack.ok());
    REQUIRE(ack->results.size() == 1);
    return ack->results[0];
  }

  RowState Row(const std::string& school, const std::string& entity, const std::string& row) {
    auto txn = store->BeginRead(school);
    REQUIRE(txn.ok());
    auto r = (*txn)->ReadRow(entity, row);
    REQUIRE(r.ok());
    return *r;
  }

  uint64_t LeafCount(const std::string& school) {
    auto txn = store->BeginRead(school);
    REQUIRE(txn.ok());
    return *(*txn)->LeafCount();
  }
};

inline FieldChange F(const std::string& name, Value v, Stamp base = {}) {
  return FieldChange{name, std::move(v), std::move(base)};
}

}  // namespace rectify::testing
