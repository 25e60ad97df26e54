// Ledger sync-facing API: outbox states, rejected ops, pulled ops, conflicts.
#include <doctest/doctest.h>

#include <unistd.h>
#include <atomic>
#include <filesystem>

#include "client/ledger/ledger.h"
#include "shared/schema.h"

using namespace rectify;

namespace {

constexpr int64_t kT0 = 1'708'300'800'000;

// One device: its own clock, ids and file.
struct Device {
  std::filesystem::path dir;
  ManualClock clock{kT0};
  SequentialIdSource ids;
  std::unique_ptr<Ledger> ledger;

  explicit Device(const std::string& name) : ids(name) {
    static std::atomic<int> n{0};
    dir = std::filesystem::temp_directory_path() /
          ("rectify_ledger_sync_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto r = Ledger::Open((dir / "l.db").string(), clock, ids);
    REQUIRE(r.ok());
    ledger = std::move(r).value();
    REQUIRE(ledger->SetIdentity("s1", "school").ok());
  }
  ~Device() {
    ledger.reset();
    std::filesystem::remove_all(dir);
  }
  Ledger* operator->() { return ledger.get(); }
};

// A minimal stand-in for the server: accepts every op, in arrival order.
struct FakeServer {
  std::vector<Op> log;
  void Push(Device& d) {
    auto ops = d->PendingOps(1000);
    std::vector<uint64_t> seqs;
    for (auto& op : ops) {
      log.push_back(op);
      seqs.push_back(op.device_seq);
    }
    REQUIRE(d->MarkAcked(seqs).ok());
  }
  void Pull(Device& d) {
    std::vector<Op> ops(log.begin() + static_cast<long>(d->pull_cursor()), log.end());
    REQUIRE(d->ApplyPulled(ops, log.size()).ok());
  }
};

std::string Val(Device& d, const char* entity, const std::string& id, const char* field) {
  auto row = d->GetRow(entity, id);
  if (!row) return "<no row>";
  return ValueToString(row->at(field));
}

Op RemoteOp(const std::string& device, uint64_t seq, int64_t millis, const std::string& row,
            const std::string& value, Stamp base = {}) {
  Op op;
  op.device_id = device;
  op.device_seq = seq;
  op.school_id = "s1";
  op.entity = "problem";
  op.row_id = row;
  op.hlc = Hlc::Make(millis, 0);
  op.author = device + "-user";
  op.schema_version = kSchemaVersion;
  op.fields = {{"result", value, base}};
  return op;
}

}  // namespace

TEST_CASE("ledger sync: acked ops leave PendingOps but stay visible until pulled back") {
  Device a("A");
  REQUIRE(a->Edit("problem", "p1", {{"result", std::string("v1")}}, "u").ok());
  REQUIRE(a->Edit("problem", "p1", {{"title", std::string("t")}}, "u").ok());
  REQUIRE(a->MarkAcked({1, 99}).ok());  // unknown seq ignored
  auto pending = a->PendingOps(10);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].device_seq == 2);
  CHECK(Val(a, "problem", "p1", "result") == "v1");
  // Rebuilding the row (here via a pull of nothing for it) keeps acked ops applied.
  REQUIRE(a->ApplyPulled({RemoteOp("B", 1, kT0 - 5, "p2", "x")}, 1).ok());
  CHECK(Val(a, "problem", "p1", "result") == "v1");
}

TEST_CASE("ledger sync: acks in any order, with gaps and repeats, mark exactly those ops") {
  Device a("A");
  for (int i = 0; i < 9; ++i)
    REQUIRE(a->Edit("problem", "p" + std::to_string(i), {{"title", std::string("t")}}, "u").ok());
  REQUIRE(a->MarkAcked({7, 1, 2, 2, 4, 9, 5}).ok());
  std::vector<uint64_t> left;
  for (const Op& op : a->PendingOps(20)) left.push_back(op.device_seq);
  CHECK(left == std::vector<uint64_t>{3, 6, 8});
  CHECK(a->PendingCount() == 3);
  REQUIRE(a->MarkAcked({}).ok());
  CHECK(a->PendingCount() == 3);
}

TEST_CASE("ledger sync: a rejected op disappears from the view") {
  Device a("A");
  // Canon holds a server-confirmed value; then a local edit on top is rejected.
  REQUIRE(a->ApplyPulled({RemoteOp("B", 1, kT0 - 1000, "p1", "server")}, 1).ok());
  CHECK(Val(a, "problem", "p1", "result") == "server");
  REQUIRE(a->Edit("problem", "p1", {{"result", std::string("mine")}}, "u").ok());
  REQUIRE(a->Edit("problem", "p9", {{"title", std::string("new row")}}, "u").ok());
  CHECK(Val(a, "problem", "p1", "result") == "mine");
  REQUIRE(a->DropRejected({1, 2}).ok());
  CHECK(Val(a, "problem", "p1", "result") == "server");
  CHECK(Val(a, "problem", "p9", "title") == "<no row>");
  CHECK(a->PendingCount() == 0);
  CHECK(a->DumpState() == a->DumpCanon());
}

TEST_CASE("ledger sync: a pulled newer remote write beats a pending older local one") {
  Device a("A");
  REQUIRE(a->Edit("problem", "p1", {{"result", std::string("local")}}, "u").ok());
  const Op local = a->PendingOps(1)[0];
  // B wrote later (higher hlc) without having seen A's value.
  Op remote = RemoteOp("B", 1, local.hlc.millis() + 10, "p1", "remote");
  REQUIRE(a->ApplyPulled({remote}, 1).ok());
  CHECK(Val(a, "problem", "p1", "result") == "remote");
  CHECK(a->PendingCount() == 1);  // the local op is still owed to the server
  // And later stamps exceed the observed remote one.
  REQUIRE(a->Edit("problem", "p1", {{"title", std::string("t")}}, "u").ok());
  CHECK(a->PendingOps(10).back().hlc > remote.hlc);
}

TEST_CASE("ledger sync: a pending newer local write beats a pulled older remote one") {
  Device a("A");
  REQUIRE(a->Edit("problem", "p1", {{"title", std::string("t")}}, "u").ok());
  a.clock.Advance(60'000);
  REQUIRE(a->Edit("problem", "p1", {{"result", std::string("local")}}, "u").ok());
  Op remote = RemoteOp("B", 1, kT0 + 1, "p1", "remote");
  REQUIRE(a->ApplyPulled({remote}, 1).ok());
  CHECK(Val(a, "problem", "p1", "result") == "local");
  CHECK(a->DumpCanon().at("problem/p1/result") == "remote");
  // Idempotent: the same batch again changes nothing, cursor never goes back.
  auto state = a->DumpState();
  auto canon = a->DumpCanon();
  REQUIRE(a->ApplyPulled({remote}, 1).ok());
  REQUIRE(a->ApplyPulled({remote}, 0).ok());
  CHECK(a->DumpState() == state);
  CHECK(a->DumpCanon() == canon);
  CHECK(a->pull_cursor() == 1);
}

TEST_CASE("ledger sync: pulling back our own ops empties the outbox and converges") {
  Device a("A"), b("B");
  FakeServer server;
  REQUIRE(a->InitSchool("s1", "杏花学校", "", "a").ok());
  NewProblem p;
  p.title = "宿舍管理不规范";
  p.aspect = "政治建设";
  p.new_aspect = true;
  auto pid = a->AddProblem(p, "a");
  REQUIRE(pid.ok());
  server.Push(a);
  server.Pull(b);
  CHECK(Val(b, "problem", *pid, "title") == "宿舍管理不规范");
  // Concurrent edits of the same field and of different fields.
  b.clock.Advance(5'000);
  REQUIRE(a->Edit("problem", *pid, {{"result", std::string("A's")}}, "a").ok());
  REQUIRE(b->Edit("problem", *pid, {{"result", std::string("B's")}}, "b").ok());
  REQUIRE(b->Edit("problem", *pid, {{"person", std::string("张")}}, "b").ok());
  server.Push(b);
  server.Push(a);
  server.Pull(a);
  server.Pull(b);
  server.Pull(a);
  CHECK(a->PendingCount() == 0);
  CHECK(b->PendingCount() == 0);
  CHECK(a->LastDeviceSeq() > 0);
  CHECK(a->DumpState() == b->DumpState());
  CHECK(a->DumpState() == a->DumpCanon());
  CHECK(b->DumpState() == b->DumpCanon());
  CHECK(Val(a, "problem", *pid, "result") == "B's");  // higher hlc wins
  CHECK(Val(a, "problem", *pid, "person") == "张");
  // Replaying the whole log from zero changes nothing.
  auto state = a->DumpState();
  REQUIRE(a->ApplyPulled(server.log, server.log.size()).ok());
  CHECK(a->DumpState() == state);
  auto no_outbox = a->db().Prepare("SELECT COUNT(*) FROM outbox");
  REQUIRE(*no_outbox->Step());
  CHECK(no_outbox->ColumnInt(0) == 0);
}

TEST_CASE("ledger sync: conflicts are stored once and can be resolved") {
  Device a("A");
  LocalConflict c;
  c.server_id = "c-1";
  c.entity = "problem";
  c.row_id = "p1";
  c.field = "result";
  c.winner_value = std::string("W");
  c.winner_author = "甲";
  c.winner_device = "B";
  c.winner_hlc = Hlc::Make(kT0, 2);
  c.loser_value = int64_t{5};
  c.loser_author = "乙";
  c.loser_device = "A";
  c.loser_hlc = Hlc::Make(kT0, 1);
  c.rule = kMergeRuleName;
  REQUIRE(a->StoreConflicts({c, c}).ok());
  REQUIRE(a->StoreConflicts({c}).ok());
  auto list = a->Conflicts(false);
  REQUIRE(list.size() == 1);
  CHECK(list[0].winner_value == Value{std::string("W")});
  CHECK(list[0].loser_value == Value{int64_t{5}});
  CHECK(list[0].winner_hlc == c.winner_hlc);
  CHECK(list[0].winner_author == "甲");
  CHECK(list[0].rule == kMergeRuleName);
  REQUIRE(a->MarkConflictResolved(list[0].id).ok());
  CHECK(a->Conflicts(false).empty());
  CHECK(a->Conflicts(true).size() == 1);
  CHECK(a->MarkConflictResolved(12345).code() == Status::Code::kNotFound);
}

TEST_CASE("ledger sync: resolving a conflict is always a new op, even keeping the current value") {
  Device a("A");
  REQUIRE(a->Edit("problem", "p1", {{"result", std::string("W")}}, "甲").ok());
  const uint64_t before = a->PendingCount();
  LocalConflict c;
  c.server_id = "c-9";
  c.entity = "problem";
  c.row_id = "p1";
  c.field = "result";
  c.winner_value = std::string("W");
  c.loser_value = std::string("L");
  c.rule = kMergeRuleName;
  REQUIRE(a->StoreConflicts({c}).ok());
  const int64_t id = a->Conflicts(false).at(0).id;
  REQUIRE(a->ResolveConflict(id, std::string("W"), "审核人").ok());
  CHECK(a->PendingCount() == before + 1);  // audited even though nothing changed
  auto ops = a->PendingOps(100);
  CHECK(ops.back().fields.at(0).field == "result");
  CHECK(ops.back().author == "审核人");
  CHECK(a->Conflicts(false).empty());
  // Resolving twice is refused and writes nothing.
  CHECK_FALSE(a->ResolveConflict(id, std::string("L"), "x").ok());
  CHECK(a->PendingCount() == before + 1);
  CHECK(a->ResolveConflict(999, std::string("L"), "x").code() == Status::Code::kNotFound);
}

TEST_CASE("defect 11: deletions are ops: they sync and the other device no longer shows them") {
  Device a("A"), b("B");
  FakeServer server;
  REQUIRE(a->InitSchool("s1", "杏花学校", "", "a").ok());
  NewProblem p;
  p.title = "宿舍管理不规范";
  p.aspect = "政治建设";
  p.new_aspect = true;
  REQUIRE(a->AddProblem(p, "a").ok());
  p.title = "食堂";
  REQUIRE(a->AddProblem(p, "a").ok());
  REQUIRE(a->AddMeasure("1", "召开会议", "", "", "a").ok());
  REQUIRE(a->AddAccountability("funds", "追回资金", 0, 100, "", "a").ok());
  REQUIRE(a->AddNextStep("健全制度", "", "a").ok());
  REQUIRE(a->AddAspect("空方面", "a").ok());
  server.Push(a);
  server.Pull(b);
  REQUIRE(b->ListProblems({}).size() == 2);
  REQUIRE(b->ListAspects()->size() == 2);
  const uint64_t pending = a->PendingCount();
  REQUIRE(a->DeleteProblem("1", "a").ok());
  REQUIRE(a->DeleteAccountability("1", "a").ok());
  REQUIRE(a->DeleteNextStep("1", "a").ok());
  REQUIRE(a->DeleteAspect("空方面", "a").ok());
  CHECK(a->PendingCount() == pending + 5);  // problem, its measure, item, step, aspect
  server.Push(a);
  server.Pull(b);
  server.Pull(a);
  auto snap = b->Snapshot();
  REQUIRE(snap.ok());
  REQUIRE(snap->problems.size() == 1);
  CHECK(snap->problems[0].title == "食堂");
  CHECK(snap->accountability.empty());
  CHECK(snap->next_steps.empty());
  REQUIRE(snap->aspects.size() == 1);
  CHECK(snap->aspects[0].title == "政治建设");
  CHECK(a->DumpState() == b->DumpState());
}
