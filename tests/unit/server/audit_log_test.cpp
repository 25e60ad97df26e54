#include <doctest/doctest.h>

#include "server/service/audit_log.h"
#include "shared/audit_leaf.h"
#include "shared/checkpoint.h"
#include "shared/merkle.h"
#include "shared/sqlite.h"
#include "sync_fixture.h"

using namespace rectify;
using namespace rectify::testing;
using protocol::Outcome;

namespace {

// Pushes a mix of applied, superseded and rejected ops; returns how many.
uint64_t PushMixed(SyncFixture& fx) {
  auto a = SyncFixture::School("A", "dA");
  auto b = SyncFixture::School("A", "dB");
  fx.PushOne(a, SyncFixture::MakeOp(a, 1, "problem", "p1", {F("title", Text("一"))}, kNow + 10));
  fx.PushOne(b, SyncFixture::MakeOp(b, 1, "problem", "p1", {F("title", Text("二"))}, kNow));
  Op bad = SyncFixture::MakeOp(a, 2, "nope", "p1", {F("title", Text("三"))}, kNow);
  auto ack = fx.Push(
      a, {bad, SyncFixture::MakeOp(a, 3, "problem", "p2", {F("title", Text("四"))}, kNow + 20)});
  REQUIRE(ack.ok());
  return 4;
}

// Runs one fixed SQL statement against the store file, as an attacker with
// disk access would.
void Tamper(SyncFixture& fx, const std::string& sql, const std::string& pg_sql = "") {
  if (fx.kind == "postgresql") {
    PgCluster::Get()->Psql(pg_sql.empty() ? sql : pg_sql, PgCluster::DbOf(fx.uri));
    return;
  }
  auto db = Database::Open((fx.dir / "rectifyd.db").string());
  REQUIRE(db.ok());
  REQUIRE((*db)->Exec(sql).ok());
}

VerifyingKey Vk(SyncFixture& fx) { return VerifyingKey::FromSigningKey(fx.key); }

}  // namespace

TEST_CASE("audit log: one leaf per op received, whatever its outcome") {
  SyncFixture fx;
  const uint64_t n = PushMixed(fx);
  CHECK(fx.LeafCount("A") == n);
  auto txn = fx.store->BeginRead("A");
  auto leaves = (*txn)->ReadLeaves(0, n);
  REQUIRE(leaves->size() == n);
  std::vector<std::string> outcomes;
  for (uint64_t i = 0; i < n; ++i) {
    auto leaf = DecodeAuditLeaf((*leaves)[i]);
    REQUIRE(leaf.ok());
    CHECK(leaf->index == i);
    CHECK(leaf->school_id == "A");
    CHECK(leaf->role == "school");
    CHECK(leaf->peer == "10.0.0.7:5555");
    CHECK(leaf->server_time_ms == static_cast<uint64_t>(kNow));
    Op op;
    CHECK(DecodeOp(leaf->op_bytes, &op));
    CHECK(op.device_id == leaf->device_id);
    outcomes.push_back(leaf->outcome);
  }
  CHECK(outcomes == std::vector<std::string>{"applied", "superseded", "rejected", "applied"});
  auto cp = (*txn)->LatestCheckpoint();
  REQUIRE(cp->has_value());
  CHECK((*cp)->size == n);
  CHECK(VerifySchoolLog(*fx.store, "A", Vk(fx)).ok());
  CHECK(VerifyAllLogs(*fx.store, Vk(fx)).ok());
  CHECK(VerifySchoolLog(*fx.store, "nobody", Vk(fx)).ok());
}

TEST_CASE("audit log: checkpoints of successive batches are consistent") {
  SyncFixture fx;
  auto a = SyncFixture::School("A", "dA");
  std::vector<Checkpoint> cps;
  for (uint64_t batch = 0; batch < 6; ++batch) {
    std::vector<Op> ops;
    for (uint64_t i = 0; i <= batch; ++i) {
      uint64_t seq = batch * (batch + 1) / 2 + i + 1;
      ops.push_back(SyncFixture::MakeOp(a, seq, "progress_note", "n" + std::to_string(seq),
                                        {F("text", Text("进展"))},
                                        kNow + static_cast<int64_t>(seq)));
    }
    REQUIRE(fx.Push(a, ops).ok());
    auto txn = fx.store->BeginRead("A");
    auto cp = (*txn)->LatestCheckpoint();
    REQUIRE(cp->has_value());
    auto parsed = VerifyNote((*cp)->note, kDefaultLogName, Vk(fx));
    REQUIRE(parsed.ok());
    cps.push_back(*parsed);
  }
  auto txn = fx.store->BeginRead("A");
  auto log = AuditLog::Open(**txn);
  REQUIRE(log.ok());
  for (size_t i = 0; i < cps.size(); ++i) {
    for (size_t j = i + 1; j < cps.size(); ++j) {
      auto proof = (*log)->ConsistencyProof(cps[i].size, cps[j].size);
      REQUIRE(proof.ok());
      CHECK(VerifyConsistency(cps[i].size, cps[j].size, cps[i].root, cps[j].root, *proof).ok());
    }
  }
  // The signed roots are the RFC 6962 roots of the stored leaves.
  auto leaves = (*txn)->ReadLeaves(0, cps.back().size);
  std::vector<Hash> hashes;
  for (const auto& l : *leaves) hashes.push_back(LeafHash(l));
  CHECK(RootOf(hashes) == cps.back().root);
}

TEST_CASE("audit log: a batch of replays signs nothing new") {
  SyncFixture fx;
  auto a = SyncFixture::School("A", "dA");
  Op op = SyncFixture::MakeOp(a, 1, "problem", "p1", {F("title", Text("x"))}, kNow);
  fx.PushOne(a, op);
  auto note = [&] {
    auto txn = fx.store->BeginRead("A");
    auto cp = (*txn)->LatestCheckpoint();
    REQUIRE(cp->has_value());
    return (*cp)->note;
  };
  std::string note1 = note();
  fx.PushOne(a, op);
  std::string note2 = note();
  CHECK(note1 == note2);
}

TEST_CASE("audit log: editing a stored leaf is detected and named") {
  SyncFixture fx;
  PushMixed(fx);
  REQUIRE(VerifySchoolLog(*fx.store, "A", Vk(fx)).ok());
  // Rewrite the rejected op's leaf as if it had been applied.
  Tamper(fx,
         "UPDATE leaves SET bytes = CAST(replace(CAST(bytes AS TEXT), 'rejected', "
         "'applied') AS BLOB) WHERE school_id = 'A' AND idx = 2",
         "UPDATE leaves SET bytes = decode(replace(encode(bytes, 'hex'), encode('rejected', "
         "'hex'), encode('applied', 'hex')), 'hex') WHERE school_id = 'A' AND idx = 2");
  Status st = VerifySchoolLog(*fx.store, "A", Vk(fx));
  CHECK(st.code() == Status::Code::kCorruption);
  CHECK_MESSAGE(st.message().find("leaf 2") != std::string::npos, st.message());
  CHECK(VerifyAllLogs(*fx.store, Vk(fx)).code() == Status::Code::kCorruption);
}

TEST_CASE("audit log: deleting a leaf or editing its recorded hash too is detected") {
  SyncFixture fx;
  PushMixed(fx);
  SUBCASE("delete the last leaf") {
    Tamper(fx, "DELETE FROM leaves WHERE school_id = 'A' AND idx = 3");
    CHECK(VerifySchoolLog(*fx.store, "A", Vk(fx)).code() == Status::Code::kCorruption);
  }
  SUBCASE("delete a middle leaf") {
    Tamper(fx, "DELETE FROM leaves WHERE school_id = 'A' AND idx = 1");
    CHECK(VerifySchoolLog(*fx.store, "A", Vk(fx)).code() == Status::Code::kCorruption);
  }
  SUBCASE("swap two leaves") {
    Tamper(fx, "UPDATE leaves SET idx = 100 WHERE school_id = 'A' AND idx = 0");
    Tamper(fx, "UPDATE leaves SET idx = 0 WHERE school_id = 'A' AND idx = 1");
    Tamper(fx, "UPDATE leaves SET idx = 1 WHERE school_id = 'A' AND idx = 100");
    Status st = VerifySchoolLog(*fx.store, "A", Vk(fx));
    CHECK(st.code() == Status::Code::kCorruption);
    CHECK(st.message().find("leaf 0") != std::string::npos);
  }
  SUBCASE("forge a checkpoint note") {
    Tamper(fx, "UPDATE checkpoints SET note = replace(note, 'A', 'B') WHERE school_id = 'A'");
    CHECK(VerifySchoolLog(*fx.store, "A", Vk(fx)).code() == Status::Code::kCorruption);
  }
  SUBCASE("edit a leaf and its recorded hash: the signed root still catches it") {
    // Replace leaf 1 with a copy of leaf 0, hash included, so only the signed
    // checkpoint stands between the attacker and a clean verify.
    Tamper(fx,
           "UPDATE leaves SET (bytes, hash) = (SELECT bytes, hash FROM leaves WHERE "
           "school_id='A' AND idx=0) WHERE school_id='A' AND idx=1");
    CHECK(VerifySchoolLog(*fx.store, "A", Vk(fx)).code() == Status::Code::kCorruption);
  }
  SUBCASE("edit only a leaf's recorded hash: named exactly") {
    Tamper(fx, "UPDATE leaves SET hash = zeroblob(32) WHERE school_id='A' AND idx=2",
           "UPDATE leaves SET hash = decode(repeat('00', 32), 'hex') WHERE school_id='A' AND "
           "idx=2");
    Status st = VerifySchoolLog(*fx.store, "A", Vk(fx));
    CHECK(st.code() == Status::Code::kCorruption);
    CHECK(st.message().find("leaf 2") != std::string::npos);
  }
}

TEST_CASE("audit log: the server refuses to sign on top of a rewritten history") {
  SyncFixture fx;
  PushMixed(fx);
  // Rewrite the stored tree (leaf 0's hash; the nodes over it are derived
  // from the leaf hashes) — a consistent forgery of the tree that no longer
  // extends the signed checkpoint.
  Tamper(fx, "UPDATE leaves SET hash = zeroblob(32) WHERE school_id = 'A' AND idx = 0",
         "UPDATE leaves SET hash = decode(repeat('00', 32), 'hex') WHERE school_id = 'A' AND "
         "idx = 0");
  auto a = SyncFixture::School("A", "dA");
  auto ack =
      fx.Push(a, {SyncFixture::MakeOp(a, 4, "problem", "p9", {F("title", Text("x"))}, kNow)});
  CHECK(ack.status().code() == Status::Code::kFailedPrecondition);
  CHECK(fx.LeafCount("A") == 4);  // the refused batch left nothing behind
}
