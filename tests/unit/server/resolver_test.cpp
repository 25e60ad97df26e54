#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "server/service/audit_log.h"
#include "server/service/resolver.h"
#include "shared/audit_leaf.h"
#include "sync_fixture.h"

using namespace rectify;
using namespace rectify::testing;
using protocol::Outcome;

namespace {

AuditLeaf LeafAt(SyncFixture& fx, const std::string& school, uint64_t index) {
  auto txn = fx.store->BeginRead(school);
  REQUIRE(txn.ok());
  auto leaves = (*txn)->ReadLeaves(index, 1);
  REQUIRE(leaves.ok());
  REQUIRE(leaves->size() == 1);
  auto leaf = DecodeAuditLeaf((*leaves)[0]);
  REQUIRE(leaf.ok());
  return *leaf;
}

uint64_t PulledCount(SyncFixture& fx, const protocol::SessionContext& ctx) {
  auto pull = fx.service->Pull(ctx, protocol::PullRequest{0, 1000, 0});
  REQUIRE(pull.ok());
  return pull->ops.size();
}

}  // namespace

TEST_CASE("resolver: a replayed op returns its stored result and adds no leaf") {
  SyncFixture fx;
  auto a = SyncFixture::School("A", "dA");
  Op op1 = SyncFixture::MakeOp(a, 1, "problem", "p1", {F("title", Text("校服收费"))}, kNow);
  Op op2 = SyncFixture::MakeOp(a, 2, "problem", "p1", {F("title", Text("改"))}, kNow + 1);
  auto first = fx.PushOne(a, op1);
  CHECK(first.outcome == Outcome::kApplied);
  CHECK(first.server_seq == 1);
  CHECK(first.leaf_index == 0);
  auto again = fx.PushOne(a, op1);
  CHECK(again.server_seq == first.server_seq);
  CHECK(again.leaf_index == first.leaf_index);
  CHECK(again.outcome == first.outcome);
  CHECK(fx.LeafCount("A") == 1);
  // A resent batch that overlaps the stored chain: the old op is replayed,
  // the new one decided, and a duplicate inside the batch is answered once.
  auto ack = fx.Push(a, {op1, op2, op2});
  REQUIRE(ack.ok());
  REQUIRE(ack->results.size() == 3);
  CHECK(ack->results[0].server_seq == 1);
  CHECK(ack->results[1].server_seq == 2);
  CHECK(ack->results[2].server_seq == 2);
  CHECK(ack->results[2].leaf_index == ack->results[1].leaf_index);
  CHECK(fx.LeafCount("A") == 2);
  CHECK(PulledCount(fx, a) == 2);
}

TEST_CASE("resolver: a gap in device_seq refuses the whole batch") {
  SyncFixture fx;
  auto a = SyncFixture::School("A", "dA");
  fx.PushOne(a, SyncFixture::MakeOp(a, 1, "problem", "p1", {F("title", Text("x"))}, kNow));
  auto gap =
      fx.Push(a, {SyncFixture::MakeOp(a, 3, "problem", "p1", {F("title", Text("y"))}, kNow + 1)});
  CHECK(gap.status().code() == Status::Code::kInvalidArgument);
  CHECK(gap.status().message() == "gap: expected seq 2, got 3");
  // Seq 2 is fine but seq 4 after it is not: nothing of the batch is stored.
  auto partial =
      fx.Push(a, {SyncFixture::MakeOp(a, 2, "problem", "p1", {F("title", Text("y"))}, kNow + 1),
                  SyncFixture::MakeOp(a, 4, "problem", "p1", {F("title", Text("z"))}, kNow + 2)});
  CHECK(partial.status().message() == "gap: expected seq 3, got 4");
  CHECK(fx.LeafCount("A") == 1);
  CHECK(PulledCount(fx, a) == 1);
  CHECK(fx.Row("A", "problem", "p1").at("title").value == Value{Text("x")});
}

TEST_CASE("resolver: a ledger device id is bound to the first certificate that pushes it") {
  SyncFixture fx;
  auto a = SyncFixture::School("A", "dA");
  // The ledger made its ops before the device was enrolled: its own id.
  Op op = SyncFixture::MakeOp(a, 1, "problem", "p1", {F("title", Text("x"))}, kNow);
  op.device_id = "ledger-7f3a";
  REQUIRE(fx.Push(a, {op}).ok());
  CHECK(fx.LeafCount("A") == 1);
  // Another certificate of the same school may not speak for that ledger.
  auto b = SyncFixture::School("A", "dB");
  Op stolen = SyncFixture::MakeOp(b, 2, "problem", "p1", {F("title", Text("y"))}, kNow + 1);
  stolen.device_id = "ledger-7f3a";
  auto ack = fx.Push(b, {stolen});
  CHECK(ack.status().code() == Status::Code::kPermissionDenied);
  CHECK(fx.LeafCount("A") == 1);
  // A batch mixing two ledgers is refused whole.
  Op mine = SyncFixture::MakeOp(b, 1, "problem", "p2", {F("title", Text("z"))}, kNow + 2);
  auto mixed = fx.Push(b, {mine, stolen});
  CHECK(mixed.status().code() == Status::Code::kInvalidArgument);
  CHECK(fx.LeafCount("A") == 1);
}

TEST_CASE("resolver: validation rejects with a reason, logs a leaf, never pulls") {
  SyncFixture fx;
  auto a = SyncFixture::School("A", "dA");
  uint64_t seq = 0;
  auto reject = [&](Op op, const std::string& expected) {
    op.device_seq = ++seq;
    auto r = fx.PushOne(a, op);
    CHECK(r.outcome == Outcome::kRejected);
    CHECK(r.server_seq == 0);
    CHECK_MESSAGE(r.reason.find(expected) != std::string::npos, r.reason);
    AuditLeaf leaf = LeafAt(fx, "A", r.leaf_index);
    CHECK(leaf.outcome == "rejected");
    CHECK(leaf.reason == r.reason);
    CHECK(leaf.device_seq == seq);
  };
  Op base = SyncFixture::MakeOp(a, 0, "problem", "p1", {F("title", Text("x"))}, kNow);
  Op tenant = base;
  tenant.school_id = "B";
  reject(tenant, "tenant");
  Op entity = base;
  entity.entity = "salary";
  reject(entity, "unknown entity 'salary'");
  Op field = base;
  field.fields = {F("owner_password", Text("x"))};
  reject(field, "unknown field 'problem.owner_password'");
  Op int_in_text = base;
  int_in_text.fields = {F("title", Value{int64_t{5}})};
  reject(int_in_text, "must be text");
  Op text_in_int = base;
  text_in_int.fields = {F("number", Text("五"))};
  reject(text_in_int, "must be an integer");
  Op bad_date =
      SyncFixture::MakeOp(a, 0, "progress_note", "n1", {F("date", Text("2024/1/2"))}, kNow);
  reject(bad_date, "must be a date");
  Op newer = base;
  newer.schema_version = kSchemaVersion + 1;
  reject(newer, "newer than the server");
  Op unsorted = base;
  unsorted.fields = {F("title", Text("a")), F("detail", Text("b"))};
  reject(unsorted, "sorted");
  Op empty = base;
  empty.fields.clear();
  reject(empty, "no field");
  Op bad_status = base;
  bad_status.fields = {F("status", Text("done-ish"))};
  reject(bad_status, "unknown status");
  CHECK(fx.LeafCount("A") == seq);
  CHECK(PulledCount(fx, a) == 0);
  CHECK(fx.Row("A", "problem", "p1").empty());
  // Rejected ops consume their seq: the chain goes on after them.
  CHECK(fx.PushOne(a,
                   SyncFixture::MakeOp(a, seq + 1, "problem", "p1", {F("title", Text("ok"))}, kNow))
            .outcome == Outcome::kApplied);
}

TEST_CASE(
    "resolver: the ledger's field validators: an impossible date or a wrong type is rejected and "
    "logged") {
  SyncFixture fx;
  auto a = SyncFixture::School("A", "dA");
  uint64_t seq = 0;
  struct Case {
    std::string entity, field;
    Value value;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"progress_note", "date", Text("2024-02-30"), "must be a date YYYY-MM-DD (a real calendar day)"},
      {"progress_note", "date", Text("2023-02-29"), "must be a date"},
      {"progress_note", "date", Text(""), "must be a date"},
      {"measure", "done_date", Text("2024-13-01"), "must be a date"},
      {"problem", "deadline", Text("2024-02-30"), "must be a date YYYY-MM-DD or 长期"},
      {"problem", "deadline", Text(""), "must be a date YYYY-MM-DD or 长期"},
      {"measure", "deadline", Text("明年"), "must be a date YYYY-MM-DD or 长期"},
      {"problem", "number", Text("12a"), "problem.number must be an integer"},
      {"accountability", "amount_fen", Text("五千"), "must be an integer"},
      {"problem", "kind", Text("随便"), "unknown kind '随便'"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.field);
    Op op = SyncFixture::MakeOp(a, ++seq, c.entity, "r1", {F(c.field, c.value)}, kNow);
    auto r = fx.PushOne(a, op);
    CHECK(r.outcome == Outcome::kRejected);
    CHECK_MESSAGE(r.reason.find(c.expected) != std::string::npos, r.reason);
    AuditLeaf leaf = LeafAt(fx, "A", r.leaf_index);
    CHECK(leaf.outcome == "rejected");
    CHECK(leaf.reason == r.reason);
    CHECK(fx.Row("A", c.entity, "r1").empty());
  }
  CHECK(fx.LeafCount("A") == seq);
  // The same values in their valid form are applied.
  for (auto [entity, field, value] : std::vector<std::tuple<std::string, std::string, Value>>{
           {"progress_note", "date", Text("2024-02-29")},
           {"problem", "deadline", Text("长期")},
           {"problem", "number", Value{int64_t{12}}},
           {"problem", "kind", Text("immediate")}}) {
    CAPTURE(field);
    auto r = fx.PushOne(a, SyncFixture::MakeOp(a, ++seq, entity, "r2", {F(field, value)}, kNow));
    CHECK(r.outcome == Outcome::kApplied);
  }
}

TEST_CASE("resolver: only auditors verify (销号) or reopen (回头看), verified is read-only") {
  SyncFixture fx;
  auto school = SyncFixture::School("A", "dA");
  auto auditor = SyncFixture::Auditor("A", "aud1");
  uint64_t s = 0, u = 0;
  int64_t t = kNow;
  auto by_school = [&](std::vector<FieldChange> f) {
    return fx.PushOne(school, SyncFixture::MakeOp(school, ++s, "problem", "p3", f, ++t));
  };
  auto by_auditor = [&](std::vector<FieldChange> f) {
    return fx.PushOne(auditor,
                      SyncFixture::MakeOp(auditor, ++u, "problem", "p3", f, ++t, "巡察办"));
  };
  REQUIRE(by_school({F("number", Value{int64_t{3}}), F("status", Text("not_started"))}).outcome ==
          Outcome::kApplied);
  CHECK(by_school({F("status", Text("in_progress"))}).outcome == Outcome::kApplied);
  CHECK(by_school({F("status", Text("long_term"))}).outcome == Outcome::kApplied);
  CHECK(by_school({F("status", Text("completed"))}).outcome == Outcome::kApplied);
  auto self_verify = by_school({F("status", Text("verified"))});
  CHECK(self_verify.outcome == Outcome::kRejected);
  CHECK(self_verify.reason.find("only an auditor") != std::string::npos);
  auto self_reopen = by_school({F("status", Text("in_progress"))});
  CHECK(self_reopen.outcome == Outcome::kRejected);
  CHECK(self_reopen.reason.find("回头看") != std::string::npos);

  CHECK(by_auditor({F("status", Text("verified"))}).outcome == Outcome::kApplied);
  auto edit = by_school({F("result", Text("已整改"))});
  CHECK(edit.outcome == Outcome::kRejected);
  CHECK(edit.reason ==
        "problem 3 is verified (已销号) and read-only to a school; only an auditor can change it");
  auto no_reason = by_auditor({F("status", Text("in_progress"))});
  CHECK(no_reason.outcome == Outcome::kRejected);
  CHECK(no_reason.reason.find("status_reason") != std::string::npos);
  CHECK(fx.Row("A", "problem", "p3").at("status").value == Value{Text("verified")});
  auto reopen =
      by_auditor({F("status", Text("in_progress")), F("status_reason", Text("回头看发现反弹"))});
  CHECK(reopen.outcome == Outcome::kApplied);
  CHECK(by_school({F("result", Text("再整改"))}).outcome == Outcome::kApplied);
  CHECK(fx.Row("A", "problem", "p3").at("status").value == Value{Text("in_progress")});
}

TEST_CASE("resolver: a device clock a year ahead is clamped and does not win later") {
  SyncFixture fx;
  auto fast = SyncFixture::School("A", "fast-pc");
  auto honest = SyncFixture::School("A", "honest-pc");
  const int64_t year_ahead = kNow + 365LL * 24 * 3600 * 1000;
  Op future = SyncFixture::MakeOp(fast, 1, "problem", "p1", {F("title", Text("未来"))}, year_ahead);
  auto r = fx.PushOne(fast, future);
  CHECK(r.outcome == Outcome::kApplied);
  CHECK(r.reason.find("clock clamped") != std::string::npos);
  AuditLeaf leaf = LeafAt(fx, "A", r.leaf_index);
  CHECK(leaf.clamped_from_hlc == future.hlc.raw);
  CHECK(leaf.device_hlc == future.hlc.raw);
  auto pulled = fx.service->Pull(fast, protocol::PullRequest{0, 10, 0});
  REQUIRE(pulled.ok());
  REQUIRE(pulled->ops.size() == 1);
  CHECK(pulled->ops[0].op.hlc.millis() == kNow);  // stored as the server's stamp
  CHECK_FALSE(fx.log_lines.empty());
  // Within the skew bound nothing is clamped.
  auto near = fx.PushOne(
      fast, SyncFixture::MakeOp(fast, 2, "problem", "p2", {F("title", Text("近"))}, kNow + 60'000));
  CHECK(near.reason.empty());
  // A later honest write wins, as it would have had the PC's clock been right.
  fx.clock.Advance(10'000);
  auto later = fx.PushOne(honest, SyncFixture::MakeOp(honest, 1, "problem", "p1",
                                                      {F("title", Text("现在"))}, kNow + 10'000));
  CHECK(later.outcome == Outcome::kApplied);
  CHECK(fx.Row("A", "problem", "p1").at("title").value == Value{Text("现在")});
}

TEST_CASE("resolver: concurrent writes are recorded as conflicts with both sides") {
  SyncFixture fx;
  auto d1 = SyncFixture::School("A", "d1");
  auto d2 = SyncFixture::School("A", "d2");
  fx.PushOne(d1, SyncFixture::MakeOp(d1, 1, "problem", "p1", {F("person", Text("王"))}, kNow + 5,
                                     "王老师"));
  // d2 had not seen d1's write (base zero) and is older: it loses.
  auto lost = fx.PushOne(d2, SyncFixture::MakeOp(d2, 1, "problem", "p1", {F("person", Text("李"))},
                                                 kNow + 1, "李老师"));
  CHECK(lost.outcome == Outcome::kSuperseded);
  CHECK(lost.server_seq == 2);
  CHECK(LeafAt(fx, "A", lost.leaf_index).outcome == "superseded");
  auto pull = fx.service->Pull(d1, protocol::PullRequest{0, 100, 0});
  REQUIRE(pull.ok());
  CHECK(pull->ops.size() == 2);  // superseded ops are pulled too
  REQUIRE(pull->conflicts.size() == 1);
  const auto& c = pull->conflicts[0];
  CHECK(c.field == "person");
  CHECK(c.winner_value == Value{Text("王")});
  CHECK(c.winner_author == "王老师");
  CHECK(c.winner_device == "d1");
  CHECK(c.loser_value == Value{Text("李")});
  CHECK(c.loser_author == "李老师");
  CHECK(c.loser_device == "d2");
  CHECK(c.rule == kMergeRuleName);
  // A write that saw the current value is not a conflict.
  Stamp seen{Hlc::Make(kNow + 5, 0), "d1"};
  fx.PushOne(
      d2, SyncFixture::MakeOp(d2, 2, "problem", "p1", {F("person", Text("赵"), seen)}, kNow + 9));
  auto pull2 = fx.service->Pull(d1, protocol::PullRequest{2, 100, 0});
  CHECK(pull2->conflicts.empty());
  CHECK(fx.Row("A", "problem", "p1").at("person").value == Value{Text("赵")});
}

TEST_CASE("resolver: the same ops in any order converge to the same rows") {
  // Three devices, each with its own chain; interleavings differ per store.
  auto ctx = [](const std::string& d) { return SyncFixture::School("A", d); };
  std::map<std::string, std::vector<Op>> chains;
  chains["d1"] = {
      SyncFixture::MakeOp(ctx("d1"), 1, "problem", "p1", {F("title", Text("a1"))}, kNow + 3),
      SyncFixture::MakeOp(ctx("d1"), 2, "problem", "p1",
                          {F("person", Text("x")), F("title", Text("a2"))}, kNow + 9)};
  chains["d2"] = {
      SyncFixture::MakeOp(ctx("d2"), 1, "problem", "p1", {F("title", Text("b1"))}, kNow + 7),
      SyncFixture::MakeOp(ctx("d2"), 2, "measure", "m1", {F("text", Text("m"))}, kNow + 1)};
  chains["d3"] = {SyncFixture::MakeOp(ctx("d3"), 1, "problem", "p1",
                                      {F("detail", Text("c")), F("person", Text("y"))}, kNow + 9)};
  std::vector<std::string> order = {"d1", "d1", "d2", "d2", "d3"};
  std::sort(order.begin(), order.end());
  std::optional<std::pair<RowState, RowState>> first;
  int runs = 0;
  do {
    SyncFixture fx;
    std::map<std::string, size_t> next;
    for (const auto& d : order) {
      const Op& op = chains[d][next[d]++];
      fx.PushOne(ctx(d), op);
    }
    auto rows = std::make_pair(fx.Row("A", "problem", "p1"), fx.Row("A", "measure", "m1"));
    for (auto* row : {&rows.first, &rows.second})
      for (auto& [name, fs] : *row) fs.author.clear();  // authors are equal anyway
    if (!first) {
      first = rows;
      CHECK(rows.first.at("title").value == Value{Text("a2")});
      CHECK(rows.first.at("person").value == Value{Text("y")});  // tie at kNow+9: d3 > d1
    } else {
      CHECK(rows.first.size() == first->first.size());
      for (const auto& [name, fs] : first->first) {
        CHECK(rows.first.at(name).value == fs.value);
        CHECK(rows.first.at(name).stamp == fs.stamp);
      }
      CHECK(rows.second.at("text").value == first->second.at("text").value);
    }
    ++runs;
  } while (std::next_permutation(order.begin(), order.end()) && runs < 12);
  CHECK(runs >= 10);
}

TEST_CASE("resolver: a stored seq resent with a different op is refused, not acknowledged") {
  SyncFixture fx;
  auto a = SyncFixture::School("A", "dA");
  fx.PushOne(a, SyncFixture::MakeOp(a, 1, "problem", "p1", {F("title", Text("原"))}, kNow));
  // A device whose ledger was reset starts again at seq 1 with other content.
  auto ack =
      fx.Push(a, {SyncFixture::MakeOp(a, 1, "problem", "p1", {F("title", Text("新"))}, kNow + 5)});
  CHECK(ack.status().code() == Status::Code::kInvalidArgument);
  CHECK(ack.status().message().find("reused seq 1") != std::string::npos);
  CHECK(fx.Push(a, {SyncFixture::MakeOp(a, 0, "problem", "p1", {F("title", Text("x"))}, kNow)})
            .status()
            .code() == Status::Code::kInvalidArgument);
  CHECK(fx.LeafCount("A") == 1);
  // A clamped op resent as-is is still a replay (its stored hlc differs).
  const int64_t ahead = kNow + 365LL * 24 * 3600 * 1000;
  Op future = SyncFixture::MakeOp(a, 2, "problem", "p2", {F("title", Text("未来"))}, ahead);
  auto first = fx.PushOne(a, future);
  auto again = fx.PushOne(a, future);
  CHECK(again.server_seq == first.server_seq);
  CHECK(fx.LeafCount("A") == 2);
}
