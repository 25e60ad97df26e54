#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

#include "server/sqlite_store.h"

using namespace rectify;

namespace {

struct StoreDir {
  std::filesystem::path path;
  explicit StoreDir(const std::string& tag) {
    path = std::filesystem::temp_directory_path() /
           ("rectify_store_test_" + tag + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~StoreDir() { std::filesystem::remove_all(path); }
};

StoredOp MakeOp(const std::string& device, uint64_t seq, uint64_t server_seq,
                protocol::Outcome outcome = protocol::Outcome::kApplied) {
  StoredOp s;
  s.op.device_id = device;
  s.op.device_seq = seq;
  s.op.school_id = "s1";
  s.op.entity = "problem";
  s.op.row_id = "p1";
  s.op.fields = {{"title", Value{std::string("问题一")}, {}}};
  s.op.hlc = Hlc::Make(1000 + static_cast<int64_t>(seq), 0);
  s.op.author = "张三";
  s.result.device_seq = seq;
  s.result.outcome = outcome;
  s.result.server_seq = server_seq;
  s.result.reason = outcome == protocol::Outcome::kRejected ? "tenant" : "";
  s.result.leaf_index = seq - 1;
  s.received_ms = 42;
  return s;
}

}  // namespace

TEST_CASE("store: ops, rows, conflicts, leaves, nodes, checkpoints round trip") {
  StoreDir dir("roundtrip");
  auto store = SqliteStore::Open(dir.path.string());
  REQUIRE(store.ok());
  {
    auto txn = (*store)->Begin("s1");
    REQUIRE(txn.ok());
    SchoolTxn& t = **txn;
    CHECK(*t.NextServerSeq() == 1);
    REQUIRE(t.AppendOp(MakeOp("d1", 1, 1)).ok());
    REQUIRE(t.AppendOp(MakeOp("d1", 2, 0, protocol::Outcome::kRejected)).ok());
    REQUIRE(t.AppendOp(MakeOp("d1", 3, 2, protocol::Outcome::kSuperseded)).ok());
    CHECK(t.AppendOp(MakeOp("d1", 3, 3)).code() == Status::Code::kAlreadyExists);
    RowState row;
    row["title"] = FieldState{Value{std::string("标题")}, Stamp{Hlc{77}, "d1"}, "李四"};
    row["number"] = FieldState{Value{int64_t{3}}, Stamp{Hlc{78}, "d2"}, "王五"};
    REQUIRE(t.WriteFields("problem", "p1", row).ok());
    ConflictRecord c{0, 2, "problem", "p1", "title", row["title"], row["number"], "lww"};
    REQUIRE(t.AppendConflict(c).ok());
    CHECK(*t.AppendLeaf("leaf0") == 0);
    CHECK(*t.AppendLeaf(std::string("le\0af1", 6)) == 1);
    Hash h{};
    h[0] = 7;
    REQUIRE(t.PutNode(0, 1, h).ok());
    CHECK_FALSE(t.PutNode(0, 1, h).ok());  // nodes are immutable
    REQUIRE(t.SaveCheckpoint({1, "note1"}).ok());
    REQUIRE(t.SaveCheckpoint({2, "note2"}).ok());
    REQUIRE(t.Commit().ok());
  }
  auto txn = (*store)->BeginRead("s1");
  REQUIRE(txn.ok());
  SchoolTxn& t = **txn;
  CHECK(t.read_only());
  CHECK(*t.LastDeviceSeq("d1") == 3);
  CHECK(*t.LastDeviceSeq("d2") == 0);
  CHECK(*t.LastServerSeq() == 2);
  CHECK(*t.NextServerSeq() == 3);
  auto found = t.FindOp("d1", 2);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->result.outcome == protocol::Outcome::kRejected);
  CHECK((*found)->result.reason == "tenant");
  CHECK((*found)->result.server_seq == 0);
  CHECK((*found)->op == MakeOp("d1", 2, 0).op);
  CHECK_FALSE(t.FindOp("d1", 9)->has_value());
  auto after = t.OpsAfter(0, 10);
  REQUIRE(after.ok());
  REQUIRE(after->size() == 2);  // the rejected op is never pulled
  CHECK((*after)[0].result.server_seq == 1);
  CHECK((*after)[1].result.outcome == protocol::Outcome::kSuperseded);
  CHECK(t.OpsAfter(1, 10)->size() == 1);
  CHECK(t.OpsAfter(0, 1)->size() == 1);
  auto row = t.ReadRow("problem", "p1");
  REQUIRE(row.ok());
  CHECK(row->at("title").value == Value{std::string("标题")});
  CHECK(row->at("title").stamp == Stamp{Hlc{77}, "d1"});
  CHECK(row->at("title").author == "李四");
  CHECK(row->at("number").value == Value{int64_t{3}});
  CHECK(t.FindRows("problem", "number", Value{int64_t{3}})->size() == 1);
  CHECK(t.FindRows("problem", "number", Value{int64_t{4}})->empty());
  auto conflicts = t.ConflictsInRange(1, 2);
  REQUIRE(conflicts->size() == 1);
  CHECK((*conflicts)[0].winner.author == "李四");
  CHECK((*conflicts)[0].loser.value == Value{int64_t{3}});
  CHECK(t.ConflictsInRange(2, 5)->empty());
  CHECK(t.ConflictsForRow("problem", "p1")->size() == 1);
  CHECK(*t.LeafCount() == 2);
  auto leaves = t.ReadLeaves(0, 10);
  REQUIRE(leaves->size() == 2);
  CHECK((*leaves)[1] == std::string("le\0af1", 6));
  CHECK((*t.GetNode(0, 1))->at(0) == 7);
  CHECK_FALSE(t.GetNode(0, 0)->has_value());
  CHECK((*t.LatestCheckpoint())->note == "note2");
  CHECK(t.AppendLeaf("x").status().code() == Status::Code::kFailedPrecondition);
  CHECK(*(*store)->ListSchools() == std::vector<std::string>{"s1"});
}

TEST_CASE("store: a unit of work that is not committed leaves nothing") {
  StoreDir dir("atomic");
  auto store = SqliteStore::Open(dir.path.string());
  REQUIRE(store.ok());
  {
    auto txn = (*store)->Begin("s1");
    REQUIRE(txn.ok());
    REQUIRE((*txn)->AppendOp(MakeOp("d1", 1, 1)).ok());
    REQUIRE((*txn)->AppendLeaf("leaf").ok());
    REQUIRE((*txn)->SaveCheckpoint({1, "n"}).ok());
    // Destroyed without Commit(): a failed batch.
  }
  auto txn = (*store)->BeginRead("s1");
  REQUIRE(txn.ok());
  CHECK(*(*txn)->LeafCount() == 0);
  CHECK(*(*txn)->LastDeviceSeq("d1") == 0);
  CHECK_FALSE((*txn)->LatestCheckpoint()->has_value());
  CHECK((*store)->ListSchools()->empty());
}

TEST_CASE("store: schools are isolated and data survives reopening") {
  StoreDir dir("isolation");
  {
    auto store = SqliteStore::Open(dir.path.string());
    REQUIRE(store.ok());
    auto txn = (*store)->Begin("A");
    REQUIRE(txn.ok());
    REQUIRE((*txn)->AppendOp(MakeOp("d1", 1, 1)).ok());
    REQUIRE((*txn)->AppendLeaf("a0").ok());
    REQUIRE((*txn)->Commit().ok());
    CHECK((*txn)->AppendLeaf("late").status().code() == Status::Code::kFailedPrecondition);
  }
  auto store = SqliteStore::Open(dir.path.string());
  REQUIRE(store.ok());
  auto b = (*store)->BeginRead("B");
  REQUIRE(b.ok());
  CHECK((*b)->OpsAfter(0, 100)->empty());
  CHECK(*(*b)->LeafCount() == 0);
  CHECK_FALSE((*b)->FindOp("d1", 1)->has_value());
  auto a = (*store)->BeginRead("A");
  CHECK((*a)->OpsAfter(0, 100)->size() == 1);
  CHECK(*(*a)->ReadLeaves(0, 5) == std::vector<std::string>{"a0"});
}

TEST_CASE("store: writers are serialised, readers see committed snapshots") {
  StoreDir dir("threads");
  auto store = SqliteStore::Open(dir.path.string());
  REQUIRE(store.ok());
  std::atomic<int> failures{0};
  auto writer = [&](const std::string& school) {
    for (int i = 0; i < 20; ++i) {
      auto txn = (*store)->Begin(school);
      if (!txn.ok() || !(*txn)->AppendLeaf("x").ok() || !(*txn)->Commit().ok()) ++failures;
      auto r = (*store)->BeginRead(school);
      if (!r.ok() || !(*r)->LeafCount().ok()) ++failures;
    }
  };
  std::thread t1(writer, "A"), t2(writer, "B"), t3(writer, "A");
  t1.join();
  t2.join();
  t3.join();
  CHECK(failures == 0);
  CHECK(*(*(*store)->BeginRead("A"))->LeafCount() == 40);
  CHECK(*(*(*store)->BeginRead("B"))->LeafCount() == 20);
}

TEST_CASE("store: refuses a database from a newer rectifyd") {
  StoreDir dir("version");
  {
    auto db = Database::Open((dir.path / "rectifyd.db").string());
    REQUIRE(db.ok());
    REQUIRE((*db)->SetUserVersion(99).ok());
  }
  auto store = SqliteStore::Open(dir.path.string());
  CHECK(store.status().code() == Status::Code::kFailedPrecondition);
}
