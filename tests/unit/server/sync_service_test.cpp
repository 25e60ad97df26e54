#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "server/service/audit_query.h"
#include "shared/audit_export_verify.h"
#include "shared/checkpoint.h"
#include "shared/merkle.h"
#include "sync_fixture.h"

using namespace rectify;
using namespace rectify::testing;
using protocol::Outcome;

namespace {

protocol::ProofRequest LeafProof(uint64_t index, uint64_t size) {
  protocol::ProofRequest q;
  q.leaf_index = index;
  q.tree_size = size;
  return q;
}

std::vector<Hash> ToHashes(const std::vector<std::string>& raw) {
  std::vector<Hash> out;
  for (const auto& r : raw) out.push_back(*HashFromBytes(r));
  return out;
}

Checkpoint VerifiedCheckpoint(SyncFixture& fx, const std::string& note) {
  auto cp = VerifyNote(note, kDefaultLogName, VerifyingKey::FromSigningKey(fx.key));
  REQUIRE(cp.ok());
  return *cp;
}

// Pushes `n` title edits of distinct rows from `ctx`, starting at `seq`.
void PushTitles(SyncFixture& fx, const protocol::SessionContext& ctx, uint64_t seq, int n) {
  std::vector<Op> ops;
  for (int i = 0; i < n; ++i)
    ops.push_back(SyncFixture::MakeOp(ctx, seq + i, "problem", "p" + std::to_string(seq + i),
                                      {F("title", Text("t"))}, kNow + static_cast<int64_t>(i)));
  auto ack = fx.Push(ctx, ops);
  REQUIRE(ack.ok());
}

}  // namespace

TEST_CASE("sync service: admission by certificate, school and revocation") {
  SyncFixture fx;
  CHECK(fx.service->Admit(SyncFixture::School("A", "dA")).ok());
  CHECK(fx.service->Admit(SyncFixture::Auditor("B", "aud")).ok());
  auto cross = SyncFixture::School("A", "dA");
  cross.school_id = "B";  // A's device asking to work on B
  auto st = fx.service->Admit(cross);
  CHECK(st.code() == Status::Code::kPermissionDenied);
  REQUIRE_FALSE(fx.log_lines.empty());
  const std::string& line = fx.log_lines.back();
  CHECK(line.find("dA") != std::string::npos);
  CHECK(line.find("school A") != std::string::npos);
  CHECK(line.find("school B") != std::string::npos);
  // Every later request of that device is refused too, but logged once.
  const size_t lines = fx.log_lines.size();
  for (int i = 0; i < 5; ++i)
    CHECK(fx.service->Admit(cross).code() == Status::Code::kPermissionDenied);
  CHECK(fx.log_lines.size() == lines);
  fx.revoked.push_back("lost-laptop");
  CHECK(fx.service->Admit(SyncFixture::School("A", "lost-laptop")).code() ==
        Status::Code::kPermissionDenied);
  auto nobody = SyncFixture::School("A", "x");
  nobody.peer.role = "janitor";
  CHECK(fx.service->Admit(nobody).code() == Status::Code::kPermissionDenied);
}

TEST_CASE("sync service: school A can neither read nor write school B") {
  SyncFixture fx;
  auto b = SyncFixture::School("B", "dB");
  PushTitles(fx, b, 1, 3);
  auto a_as_b = SyncFixture::School("A", "dA");
  a_as_b.school_id = "B";
  Op sneaky = SyncFixture::MakeOp(a_as_b, 1, "problem", "p1", {F("title", Text("hacked"))}, kNow);
  CHECK(fx.Push(a_as_b, {sneaky}).status().code() == Status::Code::kPermissionDenied);
  CHECK(fx.service->Pull(a_as_b, {0, 100, 0}).status().code() == Status::Code::kPermissionDenied);
  CHECK(fx.service->Proof(a_as_b, LeafProof(0, 0)).status().code() ==
        Status::Code::kPermissionDenied);
  CHECK(fx.LeafCount("B") == 3);
  // A's own session sees nothing of B.
  auto a = SyncFixture::School("A", "dA");
  auto pull = fx.service->Pull(a, {0, 100, 0});
  REQUIRE(pull.ok());
  CHECK(pull->ops.empty());
  CHECK(pull->checkpoint.empty());
  // An op naming B inside A's session is rejected for tenancy and stays in A.
  Op wrong = SyncFixture::MakeOp(a, 1, "problem", "p1", {F("title", Text("x"))}, kNow);
  wrong.school_id = "B";
  CHECK(fx.PushOne(a, wrong).outcome == Outcome::kRejected);
  CHECK(fx.LeafCount("B") == 3);
  CHECK(fx.LeafCount("A") == 1);
  CHECK(fx.Row("B", "problem", "p1").at("title").value == Value{Text("t")});
}

TEST_CASE("sync service: pull pages through the op stream with its conflicts") {
  SyncFixture fx;
  auto a = SyncFixture::School("A", "dA");
  auto other = SyncFixture::School("A", "dZ");
  PushTitles(fx, a, 1, 25);
  // A conflicting older write on p3: superseded, conflict at server_seq 26.
  fx.PushOne(other,
             SyncFixture::MakeOp(other, 1, "problem", "p3", {F("title", Text("旧"))}, kNow - 1000));
  std::vector<uint64_t> seqs;
  uint64_t cursor = 0;
  size_t conflicts = 0;
  int pages = 0;
  for (;;) {
    auto page = fx.service->Pull(a, {cursor, 10, 0});
    REQUIRE(page.ok());
    ++pages;
    CHECK(page->ops.size() <= 10);
    for (const auto& op : page->ops) seqs.push_back(op.server_seq);
    conflicts += page->conflicts.size();
    if (!page->conflicts.empty()) CHECK(page->ops.back().server_seq == 26);
    cursor = page->next_cursor;
    if (!page->more) break;
    REQUIRE(pages < 10);
  }
  CHECK(pages == 3);
  CHECK(conflicts == 1);
  REQUIRE(seqs.size() == 26);
  for (size_t i = 0; i < seqs.size(); ++i) CHECK(seqs[i] == i + 1);
  auto tail = fx.service->Pull(a, {cursor, 10, 0});
  CHECK(tail->ops.empty());
  CHECK(tail->next_cursor == 26);
  CHECK_FALSE(tail->more);
}

TEST_CASE("sync service: every pull carries a checkpoint consistent with the last one") {
  SyncFixture fx;
  auto a = SyncFixture::School("A", "dA");
  PushTitles(fx, a, 1, 3);
  auto p1 = fx.service->Pull(a, {0, 100, 0});
  REQUIRE(p1.ok());
  Checkpoint c1 = VerifiedCheckpoint(fx, p1->checkpoint);
  CHECK(c1.size == 3);
  CHECK(c1.origin == "rectify.district/A");
  CHECK(p1->consistency_proof.empty());
  PushTitles(fx, a, 4, 5);
  PushTitles(fx, a, 9, 1);
  auto p2 = fx.service->Pull(a, {3, 100, c1.size});
  REQUIRE(p2.ok());
  CHECK(p2->from_cursor == 3);
  CHECK(p2->proof_from_size == 3);
  Checkpoint c2 = VerifiedCheckpoint(fx, p2->checkpoint);
  CHECK(c2.size == 9);
  auto proof = ToHashes(p2->consistency_proof);
  CHECK(VerifyConsistency(c1.size, c2.size, c1.root, c2.root, proof).ok());
  // A mutated proof or a forged earlier root fails.
  auto bad = proof;
  REQUIRE_FALSE(bad.empty());
  bad[0][0] ^= 1;
  CHECK_FALSE(VerifyConsistency(c1.size, c2.size, c1.root, c2.root, bad).ok());
  Hash forged = c1.root;
  forged[5] ^= 0x80;
  CHECK_FALSE(VerifyConsistency(c1.size, c2.size, forged, c2.root, proof).ok());
  // A client that knows more than the server: history was rewritten.
  auto ahead = fx.service->Pull(a, {0, 100, 50});
  CHECK(ahead.status().code() == Status::Code::kCorruption);
}

TEST_CASE("sync service: inclusion proofs of a school's leaves verify") {
  SyncFixture fx;
  auto a = SyncFixture::School("A", "dA");
  PushTitles(fx, a, 1, 7);
  auto empty_school = fx.service->Proof(SyncFixture::School("C", "dC"), LeafProof(0, 0));
  CHECK(empty_school.status().code() == Status::Code::kNotFound);
  for (uint64_t i = 0; i < 7; ++i) {
    auto r = fx.service->Proof(a, LeafProof(i, 0));
    REQUIRE(r.ok());
    Checkpoint cp = VerifiedCheckpoint(fx, r->checkpoint);
    auto proof = ToHashes(r->proof);
    CHECK(VerifyInclusion(i, cp.size, LeafHash(r->leaf), proof, cp.root).ok());
    CHECK_FALSE(VerifyInclusion((i + 1) % 7, cp.size, LeafHash(r->leaf), proof, cp.root).ok());
  }
  CHECK(fx.service->Proof(a, LeafProof(7, 0)).status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("sync service: audit queries are for auditors and answer from the log") {
  SyncFixture fx;
  auto school = SyncFixture::School("A", "dA");
  auto auditor = SyncFixture::Auditor("A", "aud");
  // Day 1 (2023-11-15 local, UTC+8): problem 3 created and started.
  fx.clock.Set(kNow);
  fx.PushOne(school,
             SyncFixture::MakeOp(school, 1, "problem", "p3",
                                 {F("number", Value{int64_t{3}}), F("status", Text("in_progress")),
                                  F("title", Text("食堂"))},
                                 kNow));
  fx.PushOne(school,
             SyncFixture::MakeOp(school, 2, "measure", "m1",
                                 {F("problem_id", Text("p3")), F("text", Text("公示"))}, kNow + 1));
  fx.PushOne(school, SyncFixture::MakeOp(school, 3, "problem", "p4", {F("status", Text("oops"))},
                                         kNow + 2));  // rejected
  // Three days later it is completed.
  const int64_t later = kNow + 3LL * 24 * 3600 * 1000;
  fx.clock.Set(later);
  fx.PushOne(school, SyncFixture::MakeOp(school, 4, "problem", "p3",
                                         {F("status", Text("completed"))}, later));

  protocol::AuditQuery q{"log", "A", "", 0};
  CHECK(fx.service->Audit(school, q).status().code() == Status::Code::kPermissionDenied);

  auto log = fx.service->Audit(auditor, q);
  REQUIRE(log.ok());
  auto rows = nlohmann::json::parse(log->json);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0]["author"] == "张三");
  CHECK(rows[0]["fields"]["title"] == "食堂");
  CHECK(rows[0]["peer"] == "10.0.0.7:5555");
  CHECK(rows[0]["batch"] == "sess1/b");
  CHECK(rows[2]["outcome"] == "rejected");
  auto since = fx.service->Audit(auditor, {"log", "A", "", later});
  CHECK(nlohmann::json::parse(since->json).size() == 1);
  auto rejected = fx.service->Audit(auditor, {"rejected", "A", "", 0});
  CHECK(nlohmann::json::parse(rejected->json).size() == 1);

  auto history = fx.service->Audit(auditor, {"history", "A", "3", 0});
  REQUIRE(history.ok());
  auto h = nlohmann::json::parse(history->json);
  CHECK(h["row_ids"] == nlohmann::json::array({"p3"}));
  CHECK(h["leaves"].size() == 3);  // two problem ops and its measure

  auto as_of = fx.service->Audit(auditor, {"as_of", "A", "2023-11-15", 0});
  REQUIRE(as_of.ok());
  auto s = nlohmann::json::parse(as_of->json);
  CHECK(s["problems"] == 1);
  CHECK(s["problem_status_counts"]["in_progress"] == 1);
  CHECK(s["problem_status_counts"]["completed"] == 0);
  auto now =
      nlohmann::json::parse(fx.service->Audit(auditor, {"as_of", "A", "2023-11-20", 0})->json);
  CHECK(now["problem_status_counts"]["completed"] == 1);
  auto before =
      nlohmann::json::parse(fx.service->Audit(auditor, {"as_of", "A", "2023-11-01", 0})->json);
  CHECK(before["rows"].empty());
  CHECK(fx.service->Audit(auditor, {"as_of", "A", "2023-02-30", 0}).status().code() ==
        Status::Code::kInvalidArgument);
  CHECK(fx.service->Audit(auditor, {"nonsense", "A", "", 0}).status().code() ==
        Status::Code::kInvalidArgument);

  auto exp = fx.service->Audit(auditor, {"export", "A", "", 0});
  REQUIRE(exp.ok());
  CHECK(exp->leaves.size() == 4);
  auto vk = ParseVerifierKey(exp->public_key);
  REQUIRE(vk.ok());
  CHECK(VerifyExport(exp->leaves, exp->checkpoint, vk->name, vk->key).ok());
  auto tampered = exp->leaves;
  tampered[1][tampered[1].size() / 2] ^= 1;
  CHECK_FALSE(VerifyExport(tampered, exp->checkpoint, vk->name, vk->key).ok());
}

TEST_CASE("audit query: end of day in local time") {
  // 2024-01-01 ends at 2024-01-02T00:00+08:00 = 2024-01-01T16:00Z.
  CHECK(*EndOfDayMillis("2024-01-01", 480) == 1704067200000 + 16LL * 3600 * 1000);
  CHECK_FALSE(EndOfDayMillis("2024-1-1", 480).ok());
  CHECK_FALSE(EndOfDayMillis("2023-02-29", 480).ok());
}
