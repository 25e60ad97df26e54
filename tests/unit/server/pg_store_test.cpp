// PostgreSQL-only behaviour of PgStore (the behaviour common to every store
// is in store_test.cpp): several servers on one database share one history
// per school, and a lost connection never half-commits.
#include <doctest/doctest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pg_cluster.h"
#include "server/storage/pg_store.h"
#include "shared/merkle.h"
#include "store_kinds.h"

using namespace rectify;
using rectify::testing::PgCluster;

namespace {

// One push as the sync service makes it: an op, its leaf, a checkpoint of
// the new size whose note names the leaf (so two servers' notes differ).
Status Push(Store& store, const std::string& school, const std::string& device, uint64_t seq) {
  auto txn = store.Begin(school);
  if (!txn.ok()) return txn.status();
  auto server_seq = (*txn)->NextServerSeq();
  if (!server_seq.ok()) return server_seq.status();
  auto index = (*txn)->AppendLeaf(device + "/" + std::to_string(seq), Hash{});
  if (!index.ok()) return index.status();
  StoredOp op;
  op.op.device_id = device;
  op.op.device_seq = seq;
  op.op.school_id = school;
  op.op.entity = "problem";
  op.op.row_id = "p1";
  op.result.device_seq = seq;
  op.result.server_seq = *server_seq;
  op.result.leaf_index = *index;
  RECTIFY_RETURN_IF_ERROR((*txn)->AppendOp(op));
  RECTIFY_RETURN_IF_ERROR(
      (*txn)->SaveCheckpoint({*index + 1, device + " signed " + std::to_string(*index + 1)}));
  return (*txn)->Commit();
}

}  // namespace

TEST_CASE("pg store: two servers on one database never assign one leaf index twice") {
  PgCluster* cluster = PgCluster::Get();
  if (!cluster) return;
  const std::string uri = cluster->NewDatabase();
  auto a = PgStore::Open(uri);
  auto b = PgStore::Open(uri);  // a second rectifyd: its own pool, same rows
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  std::atomic<int> failures{0};
  constexpr int kThreads = 4, kPushes = 15;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Store& store = t % 2 ? **a : **b;
      const std::string device = "d" + std::to_string(t);
      for (int i = 1; i <= kPushes; ++i) {
        if (!Push(store, "S", device, static_cast<uint64_t>(i)).ok()) ++failures;
        if (!Push(store, t < 2 ? "T" : "U", device, static_cast<uint64_t>(i)).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  auto txn = (*a)->BeginRead("S");
  REQUIRE(txn.ok());
  CHECK(*(*txn)->LeafCount() == kThreads * kPushes);
  auto leaves = (*txn)->ReadLeaves(0, 1000);
  REQUIRE(leaves.ok());
  CHECK(leaves->size() == kThreads * kPushes);
  std::set<std::string> distinct(leaves->begin(), leaves->end());
  CHECK(distinct.size() == leaves->size());  // every push is one leaf, no index given twice
  CHECK(*(*txn)->LastServerSeq() == kThreads * kPushes);
  CHECK((*(*txn)->OpsAfter(0, 1000)).size() == kThreads * kPushes);
  CHECK((*(*txn)->LatestCheckpoint())->size == kThreads * kPushes);
  CHECK(*(*b)->ListSchools() == std::vector<std::string>{"S", "T", "U"});
  CHECK(*(*(*b)->BeginRead("T"))->LeafCount() == 2 * kPushes);
}

TEST_CASE("pg store: a write whose connection dies commits nothing and the store recovers") {
  PgCluster* cluster = PgCluster::Get();
  if (!cluster) return;
  const std::string uri = cluster->NewDatabase();
  auto store = PgStore::Open(uri);
  REQUIRE(store.ok());
  REQUIRE(Push(**store, "S", "d1", 1).ok());
  {
    auto txn = (*store)->Begin("S");
    REQUIRE(txn.ok());
    REQUIRE((*txn)->AppendLeaf("lost", Hash{}).ok());
    REQUIRE((*txn)->SaveCheckpoint({2, "lost"}).ok());
    // The database ends this backend (a crash, a failover, an admin).
    cluster->Psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                      PgCluster::DbOf(uri) + "' AND pid <> pg_backend_pid()",
                  PgCluster::DbOf(uri));
    Status st = (*txn)->Commit();
    CHECK(st.code() == Status::Code::kUnavailable);
  }
  auto read = (*store)->BeginRead("S");
  REQUIRE(read.ok());
  CHECK(*(*read)->LeafCount() == 1);
  CHECK((*(*read)->LatestCheckpoint())->size == 1);
  read->reset();
  REQUIRE(Push(**store, "S", "d1", 2).ok());  // a fresh connection; the index is 1, not 2
  CHECK(*(*(*store)->BeginRead("S"))->ReadLeaves(1, 5) == std::vector<std::string>{"d1/2"});
}

TEST_CASE("pg store: a bad URI and an unreachable server are clear errors") {
  CHECK(PgStore::Open("mysql://x").status().code() == Status::Code::kInvalidArgument);
  auto st = PgStore::Open("postgresql:///nope?host=/nonexistent-dir&connect_timeout=2").status();
  CHECK(st.code() == Status::Code::kUnavailable);
  CHECK(st.message().find("cannot connect") != std::string::npos);
}

TEST_CASE("pg store: a loaded school keeps its conflict ids and later ones come after them") {
  PgCluster* cluster = PgCluster::Get();
  if (!cluster) return;
  auto store = PgStore::Open(cluster->NewDatabase());
  REQUIRE(store.ok());
  FieldState win{Value{std::string("甲")}, Stamp{Hlc{2}, "d1"}, "张三"};
  FieldState lose{Value{int64_t{5}}, Stamp{Hlc{1}, "d2"}, "李四"};
  SchoolDump dump;
  dump.school_id = "s1";
  dump.conflicts = {{7, 1, "problem", "p1", "title", win, lose, "lww"},
                    {40, 2, "problem", "p2", "title", lose, win, "lww"}};
  dump.leaves = {{"leaf0", LeafHash("leaf0")}};
  dump.checkpoints = {{1, "note1"}};
  bool copied = false;
  Status loaded = (*store)->LoadSchool(dump, &copied);
  REQUIRE_MESSAGE(loaded.ok(), loaded.ToString());
  CHECK(copied);
  {
    auto txn = (*store)->BeginRead("s1");
    REQUIRE(txn.ok());
    auto all = (*txn)->ConflictsInRange(0, 10);
    REQUIRE(all.ok());
    REQUIRE(all->size() == 2);
    CHECK((*all)[0].id == 7);
    CHECK((*all)[0].winner.value == Value{std::string("甲")});
    CHECK((*all)[0].loser.stamp == Stamp{Hlc{1}, "d2"});
    CHECK((*all)[0].loser.author == "李四");
    CHECK((*all)[1].id == 40);
    CHECK((*all)[1].winner.value == Value{int64_t{5}});
  }
  auto txn = (*store)->Begin("s1");
  REQUIRE(txn.ok());
  auto next = (*txn)->AppendConflict({0, 3, "problem", "p3", "title", win, lose, "lww"});
  REQUIRE(next.ok());
  CHECK(*next > 40);
  REQUIRE((*txn)->Commit().ok());
  // Loading the same copy again changes nothing.
  Status again = (*store)->LoadSchool(dump, &copied);
  REQUIRE_MESSAGE(again.ok(), again.ToString());
  CHECK_FALSE(copied);
}
