#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

#include "server/storage/sqlite_node_store.h"
#include "server/storage/sqlite_store.h"
#include "shared/merkle.h"
#include "shared/merkle_tree.h"
#include "shared/sqlite.h"
#include "store_kinds.h"

using namespace rectify;
using rectify::testing::ForEachStore;
using rectify::testing::StoreUnderTest;

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
  ForEachStore("roundtrip", [](StoreUnderTest& where) {
    auto store = where.Open();
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
      Hash h{};
      h[0] = 7;
      CHECK(*t.AppendLeaf("leaf0", Hash{}) == 0);
      CHECK(*t.AppendLeaf(std::string("le\0af1", 6), h) == 1);
      CHECK(t.PutNode(0, 1, h).code() == Status::Code::kInvalidArgument);  // comes with the leaf
      Hash high{};
      high[0] = 9;
      REQUIRE(t.PutNode(4, 0, high).ok());
      CHECK_FALSE(t.PutNode(4, 0, high).ok());  // stored nodes are immutable
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
    CHECK((*t.GetNode(0, 1))->at(0) == 7);                            // the leaf's hash
    CHECK(**t.GetNode(1, 0) == NodeHash(Hash{}, **t.GetNode(0, 1)));  // derived from two leaves
    CHECK_FALSE(t.GetNode(0, 2)->has_value());
    CHECK_FALSE(t.GetNode(2, 0)->has_value());  // needs four leaves
    CHECK((*t.GetNode(4, 0))->at(0) == 9);
    CHECK_FALSE(t.GetNode(5, 0)->has_value());
    CHECK((*t.LatestCheckpoint())->note == "note2");
    CHECK(t.AppendLeaf("x", Hash{}).status().code() == Status::Code::kFailedPrecondition);
    CHECK(*(*store)->ListSchools() == std::vector<std::string>{"s1"});
  });
}

TEST_CASE("store: ReadEntity lists every row of one entity of one school in byte order") {
  ForEachStore("read_entity", [](StoreUnderTest& where) {
    auto store = where.Open();
    REQUIRE(store.ok());
    auto field = [](const std::string& v, uint64_t hlc) {
      return FieldState{Value{v}, Stamp{Hlc{hlc}, "d1"}, "张三"};
    };
    {
      auto txn = (*store)->BeginRead("s1");
      REQUIRE(txn.ok());
      auto none = (*txn)->ReadEntity("problem");
      REQUIRE(none.ok());
      CHECK(none->empty());
    }
    {
      auto txn = (*store)->Begin("s1");
      REQUIRE(txn.ok());
      // Inserted out of order; byte order puts "P2" before "p1" and "p1" before "p10".
      REQUIRE((*txn)->WriteFields("problem", "问题", {{"title", field("三", 3)}}).ok());
      REQUIRE((*txn)->WriteFields("problem", "p10", {{"title", field("二", 2)}}).ok());
      REQUIRE((*txn)->WriteFields("problem", "p1",
                                  {{"title", field("一", 1)}, {"number", {Value{int64_t{7}},
                                                                          Stamp{Hlc{4}, "d2"},
                                                                          "李四"}}})
                  .ok());
      REQUIRE((*txn)->WriteFields("problem", "P2", {{"title", field("四", 5)}}).ok());
      REQUIRE((*txn)->WriteFields("inspection", "i1", {{"title", field("检查", 6)}}).ok());
      REQUIRE((*txn)->Commit().ok());
      auto other = (*store)->Begin("s2");
      REQUIRE(other.ok());
      REQUIRE((*other)->WriteFields("problem", "p0", {{"title", field("别校", 7)}}).ok());
      REQUIRE((*other)->Commit().ok());
    }
    auto txn = (*store)->BeginRead("s1");
    REQUIRE(txn.ok());
    auto rows = (*txn)->ReadEntity("problem");
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 4);
    CHECK((*rows)[0].first == "P2");
    CHECK((*rows)[1].first == "p1");
    CHECK((*rows)[2].first == "p10");
    CHECK((*rows)[3].first == "问题");
    const RowState& p1 = (*rows)[1].second;
    REQUIRE(p1.size() == 2);
    CHECK(p1.at("title").value == Value{std::string("一")});
    CHECK(p1.at("number").value == Value{int64_t{7}});
    CHECK(p1.at("number").stamp == Stamp{Hlc{4}, "d2"});
    CHECK(p1.at("number").author == "李四");
    CHECK((*rows)[3].second.at("title").value == Value{std::string("三")});
    auto inspections = (*txn)->ReadEntity("inspection");
    REQUIRE(inspections.ok());
    REQUIRE(inspections->size() == 1);
    CHECK((*inspections)[0].first == "i1");
  });
}

TEST_CASE("store: a unit of work that is not committed leaves nothing") {
  ForEachStore("atomic", [](StoreUnderTest& where) {
    auto store = where.Open();
    REQUIRE(store.ok());
    {
      auto txn = (*store)->Begin("s1");
      REQUIRE(txn.ok());
      REQUIRE((*txn)->AppendOp(MakeOp("d1", 1, 1)).ok());
      REQUIRE((*txn)->AppendLeaf("leaf", Hash{}).ok());
      REQUIRE((*txn)->SaveCheckpoint({1, "n"}).ok());
      // Destroyed without Commit(): a failed batch.
    }
    auto txn = (*store)->BeginRead("s1");
    REQUIRE(txn.ok());
    CHECK(*(*txn)->LeafCount() == 0);
    CHECK(*(*txn)->LastDeviceSeq("d1") == 0);
    CHECK_FALSE((*txn)->LatestCheckpoint()->has_value());
    CHECK((*store)->ListSchools()->empty());
  });
}

TEST_CASE("store: schools are isolated and data survives reopening") {
  ForEachStore("isolation", [](StoreUnderTest& where) {
    {
      auto store = where.Open();
      REQUIRE(store.ok());
      auto txn = (*store)->Begin("A");
      REQUIRE(txn.ok());
      REQUIRE((*txn)->AppendOp(MakeOp("d1", 1, 1)).ok());
      REQUIRE((*txn)->AppendLeaf("a0", Hash{}).ok());
      REQUIRE((*txn)->Commit().ok());
      CHECK((*txn)->AppendLeaf("late", Hash{}).status().code() ==
            Status::Code::kFailedPrecondition);
    }
    auto store = where.Open();
    REQUIRE(store.ok());
    auto b = (*store)->BeginRead("B");
    REQUIRE(b.ok());
    CHECK((*b)->OpsAfter(0, 100)->empty());
    CHECK(*(*b)->LeafCount() == 0);
    CHECK_FALSE((*b)->FindOp("d1", 1)->has_value());
    auto a = (*store)->BeginRead("A");
    CHECK((*a)->OpsAfter(0, 100)->size() == 1);
    CHECK(*(*a)->ReadLeaves(0, 5) == std::vector<std::string>{"a0"});
  });
}

TEST_CASE("store: writers are serialised, readers see committed snapshots") {
  ForEachStore("threads", [](StoreUnderTest& where) {
    auto store = where.Open();
    REQUIRE(store.ok());
    std::atomic<int> failures{0};
    auto writer = [&](const std::string& school) {
      for (int i = 0; i < 20; ++i) {
        auto txn = (*store)->Begin(school);
        if (!txn.ok() || !(*txn)->AppendLeaf("x", Hash{}).ok() || !(*txn)->Commit().ok())
          ++failures;
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
  });
}

TEST_CASE("store: refuses a database from a newer rectifyd") {
  ForEachStore("version", [](StoreUnderTest& where) {
    if (where.kind == "sqlite") {
      auto db = Database::Open((where.dir / "rectifyd.db").string());
      REQUIRE(db.ok());
      REQUIRE((*db)->SetUserVersion(99).ok());
    } else {
      REQUIRE(where.Open().ok());  // creates version 1
      auto* cluster = rectify::testing::PgCluster::Get();
      cluster->Psql("UPDATE rectify_schema SET version = 99", cluster->DbOf(where.location));
    }
    auto store = where.Open();
    CHECK(store.status().code() == Status::Code::kFailedPrecondition);
    CHECK(store.status().message().find("newer") != std::string::npos);
  });
}

TEST_CASE("sqlite store: a version-1 database migrates to leaf hashes and upper nodes only") {
  StoreDir dir("migrate");
  const std::string path = (dir.path / "rectifyd.db").string();
  // The tree the v1 database holds: 37 leaves, every perfect node stored.
  constexpr uint64_t kLeaves = 37;
  InMemoryNodeStore mem;
  MerkleTree reference(mem, 0);
  std::vector<std::string> leaves;
  for (uint64_t i = 0; i < kLeaves; ++i) {
    leaves.push_back("leaf" + std::to_string(i));
    REQUIRE(reference.Append(LeafHash(leaves.back())).ok());
  }
  {
    // The version-1 tables as rectifyd 1 created them (the fixture of the
    // old format; the v1 tables the migration does not touch are left out).
    auto db = Database::Open(path, true);
    REQUIRE(db.ok());
    REQUIRE((*db)
                ->Exec(R"sql(
      CREATE TABLE fields(
        school_id TEXT NOT NULL, entity TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL,
        value, hlc INTEGER NOT NULL, device_id TEXT NOT NULL, author TEXT NOT NULL,
        PRIMARY KEY(school_id, entity, row_id, field));
      CREATE INDEX fields_by_value ON fields(school_id, entity, field, value);
      CREATE TABLE leaves(
        school_id TEXT NOT NULL, idx INTEGER NOT NULL, bytes BLOB NOT NULL,
        PRIMARY KEY(school_id, idx));
      CREATE TABLE merkle_nodes(
        school_id TEXT NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
        PRIMARY KEY(school_id, level, idx));
      CREATE TABLE ops(
        school_id TEXT NOT NULL, device_id TEXT NOT NULL, device_seq INTEGER NOT NULL,
        server_seq INTEGER, outcome INTEGER NOT NULL, reason TEXT NOT NULL,
        leaf_index INTEGER NOT NULL, received_ms INTEGER NOT NULL, op BLOB NOT NULL,
        PRIMARY KEY(school_id, device_id, device_seq));
      CREATE UNIQUE INDEX ops_by_seq ON ops(school_id, server_seq) WHERE server_seq IS NOT NULL;
      INSERT INTO fields VALUES('s1', 'problem', 'p1', 'number', 7, 1, 'd1', 'a');)sql")
                .ok());
    auto leaf = (*db)->Prepare("INSERT INTO leaves VALUES('s1', ?1, ?2)");
    auto node = (*db)->Prepare("INSERT INTO merkle_nodes VALUES('s1', ?1, ?2, ?3)");
    REQUIRE(leaf.ok());
    REQUIRE(node.ok());
    for (uint64_t i = 0; i < kLeaves; ++i) {
      REQUIRE(leaf->Reset().ok());
      REQUIRE(leaf->Bind(1, static_cast<int64_t>(i)).ok());
      REQUIRE(leaf->BindBlob(2, leaves[i]).ok());
      REQUIRE(leaf->Run().ok());
    }
    for (uint32_t level = 0; (uint64_t{1} << level) <= kLeaves; ++level) {
      for (uint64_t i = 0; ((i + 1) << level) <= kLeaves; ++i) {
        REQUIRE(node->Reset().ok());
        REQUIRE(node->Bind(1, static_cast<int64_t>(level)).ok());
        REQUIRE(node->Bind(2, static_cast<int64_t>(i)).ok());
        REQUIRE(node->BindBlob(3, HashBytes(*mem.Get(level, i))).ok());
        REQUIRE(node->Run().ok());
      }
    }
    const StoredOp op = MakeOp("d1", 1, 1);
    auto ins = (*db)->Prepare("INSERT INTO ops VALUES('s1', 'd1', 1, 1, 0, '', 0, 5, ?1)");
    REQUIRE(ins.ok());
    REQUIRE(ins->BindBlob(1, EncodeOp(op.op)).ok());
    REQUIRE(ins->Run().ok());
    REQUIRE((*db)->SetUserVersion(1).ok());
  }
  auto store = SqliteStore::OpenFile(path);
  REQUIRE(store.ok());
  {
    auto txn = (*store)->BeginRead("s1");
    REQUIRE(txn.ok());
    for (uint64_t i = 0; i < kLeaves; ++i) CHECK(**(*txn)->GetNode(0, i) == LeafHash(leaves[i]));
    SqliteNodeStore nodes(**txn);
    MerkleTree migrated(nodes, kLeaves);
    for (uint64_t size : {1ull, 2ull, 15ull, 16ull, 17ull, 32ull, 33ull, 37ull}) {
      INFO("size " << size);
      CHECK(*migrated.Root(size) == *reference.Root(size));
      CHECK(*migrated.InclusionProof(size - 1, size) == *reference.InclusionProof(size - 1, size));
      CHECK(*migrated.ConsistencyProof(size / 2, size) ==
            *reference.ConsistencyProof(size / 2, size));
    }
    CHECK(*(*txn)->FindRows("problem", "number", Value{int64_t{7}}) ==
          std::vector<std::string>{"p1"});
    auto op = (*txn)->FindOp("d1", 1);
    REQUIRE(op.ok());
    REQUIRE(op->has_value());
    CHECK((*op)->op == MakeOp("d1", 1, 1).op);
    CHECK((*op)->received_ms == 5);
    CHECK(*(*txn)->LastServerSeq() == 1);
  }
  auto db = Database::Open(path, true);
  REQUIRE(db.ok());
  CHECK(*(*db)->UserVersion() == SqliteStore::kSchemaUserVersion);
  auto low = (*db)->Prepare("SELECT count(*) FROM merkle_nodes WHERE level < 4");
  REQUIRE(low.ok());
  REQUIRE(*low->Step());
  CHECK(low->ColumnInt(0) == 0);
  auto high = (*db)->Prepare("SELECT count(*) FROM merkle_nodes WHERE level >= 4");
  REQUIRE(high.ok());
  REQUIRE(*high->Step());
  CHECK(high->ColumnInt(0) == 3);  // (4,0) (4,1) (5,0)
}
