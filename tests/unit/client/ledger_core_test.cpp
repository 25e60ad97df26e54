// Ledger core: the edit path, the outbox, persistence and migrations.
#include <doctest/doctest.h>

#include <unistd.h>
#include <atomic>
#include <filesystem>

#include "client/ledger/ledger.h"
#include "client/ledger/ledger_schema.h"
#include "shared/schema.h"

using namespace rectify;

namespace {

constexpr int64_t kT0 = 1'708'300'800'000;  // 2024-02-19

struct CoreEnv {
  std::filesystem::path dir;
  ManualClock clock{kT0};
  SequentialIdSource ids{"dev"};
  std::unique_ptr<Ledger> ledger;

  CoreEnv() {
    static std::atomic<int> n{0};
    dir = std::filesystem::temp_directory_path() /
          ("rectify_ledger_core_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    Reopen();
  }
  ~CoreEnv() {
    ledger.reset();
    std::filesystem::remove_all(dir);
  }
  std::string path() const { return (dir / "ledger.db").string(); }
  void Reopen() {
    ledger.reset();
    auto r = Ledger::Open(path(), clock, ids);
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    ledger = std::move(r).value();
  }
  Ledger& l() { return *ledger; }
};

std::string Field(Ledger& l, std::string_view entity, const std::string& id, const char* f) {
  auto row = l.GetRow(entity, id);
  REQUIRE(row.has_value());
  return ValueToString(row->at(f));
}

}  // namespace

TEST_CASE("ledger: a new file gets a device id, school role and schema version") {
  CoreEnv env;
  CHECK(env.l().device_id() == "dev-000001");
  CHECK(env.l().role() == Role::kSchool);
  CHECK(env.l().school_id().empty());
  CHECK(*env.l().db().UserVersion() == kLedgerSchemaVersion);
  env.Reopen();
  CHECK(env.l().device_id() == "dev-000001");  // not re-made on reopen
}

TEST_CASE("ledger: every effective edit appends exactly one op with bases and gapless seqs") {
  CoreEnv env;
  Ledger& l = env.l();
  CHECK(l.Edit("school", "s1", {{"name", std::string("x")}}, "a").code() ==
        Status::Code::kFailedPrecondition);  // no school yet
  CHECK(l.PendingCount() == 0);

  REQUIRE(l.InitSchool("s1", "杏花学校", "中共城子河区杏花学校支部委员会", "王老师").ok());
  auto ops = l.PendingOps(100);
  REQUIRE(ops.size() == 1);
  const Op first = ops[0];
  CHECK(first.device_id == l.device_id());
  CHECK(first.device_seq == 1);
  CHECK(first.school_id == "s1");
  CHECK(first.entity == "school");
  CHECK(first.row_id == "s1");
  CHECK(first.author == "王老师");
  CHECK(first.schema_version == kSchemaVersion);
  REQUIRE(first.fields.size() == 2);
  CHECK(first.fields[0].field == "name");  // sorted by name
  CHECK(first.fields[1].field == "org_name");
  CHECK(first.fields[0].base.is_zero());

  // Unchanged fields are dropped; the changed one carries the stamp it replaces.
  REQUIRE(l.Edit("school", "s1",
                 {{"name", std::string("杏花学校")}, {"phone", std::string("0467-1234567")}},
                 "王老师")
              .ok());
  ops = l.PendingOps(100);
  REQUIRE(ops.size() == 2);
  REQUIRE(ops[1].fields.size() == 1);
  CHECK(ops[1].fields[0].field == "phone");
  CHECK(ops[1].device_seq == 2);

  REQUIRE(l.Edit("school", "s1", {{"name", std::string("杏花中学")}}, "李").ok());
  ops = l.PendingOps(100);
  REQUIRE(ops.size() == 3);
  CHECK(ops[2].fields[0].base == first.stamp());
  CHECK(Field(l, "school", "s1", "name") == "杏花中学");

  // An edit that changes nothing writes nothing.
  REQUIRE(l.Edit("school", "s1", {{"name", std::string("杏花中学")}}, "李").ok());
  CHECK(l.PendingCount() == 3);

  // The clock going back does not make stamps go back.
  env.clock.Set(kT0 - 86'400'000);
  REQUIRE(l.Edit("school", "s1", {{"email", std::string("a@b.cn")}}, "李").ok());
  ops = l.PendingOps(100);
  REQUIRE(ops.size() == 4);
  for (size_t i = 1; i < ops.size(); ++i) {
    CHECK(ops[i].device_seq == ops[i - 1].device_seq + 1);
    CHECK(ops[i].hlc > ops[i - 1].hlc);
  }
  CHECK(l.LastDeviceSeq() == 4);
  CHECK(l.PendingOps(2).size() == 2);
}

TEST_CASE("ledger: a failing edit writes no op and changes nothing") {
  CoreEnv env;
  Ledger& l = env.l();
  REQUIRE(l.InitSchool("s1", "A", "", "u").ok());
  const auto before = l.DumpState();
  const uint64_t pending = l.PendingCount();
  CHECK(l.Edit("nope", "r", {{"name", std::string("x")}}, "u").code() ==
        Status::Code::kInvalidArgument);
  // One good field plus one bad: all or nothing.
  CHECK_FALSE(
      l.Edit("school", "s1", {{"name", std::string("B")}, {"bogus", int64_t{1}}}, "u").ok());
  CHECK_FALSE(
      l.Edit("school", "s1", {{"name", std::string("B")}, {"warn_days", std::string("x")}}, "u")
          .ok());
  CHECK_FALSE(l.Edit("inspection", "i1", {{"onsite_from", std::string("2023-02-30")}}, "u").ok());
  CHECK_FALSE(
      l.Edit("school", "s1", {{"name", std::string("B")}, {"name", std::string("C")}}, "u").ok());
  CHECK_FALSE(l.Edit("school", "", {{"name", std::string("B")}}, "u").ok());
  CHECK(l.PendingCount() == pending);
  CHECK(l.DumpState() == before);
  CHECK(Field(l, "school", "s1", "name") == "A");
  // A failing domain command leaves no partial writes either (category without aspect).
  NewProblem p;
  p.title = "t";
  p.category = "c";
  CHECK_FALSE(l.AddProblem(p, "u").ok());
  p.category.clear();
  p.deadline = "next week";
  CHECK_FALSE(l.AddProblem(p, "u").ok());
  CHECK(l.PendingCount() == pending);
  CHECK(l.DumpState() == before);
}

TEST_CASE("ledger: state, seq and HLC survive reopening") {
  CoreEnv env;
  REQUIRE(env.l().InitSchool("s1", "A", "", "u").ok());
  REQUIRE(env.l().Edit("school", "s1", {{"phone", std::string("1")}}, "u").ok());
  const Hlc last = env.l().PendingOps(10).back().hlc;
  env.clock.Set(kT0 - 3'600'000);  // the PC's clock was reset backwards meanwhile
  env.Reopen();
  Ledger& l = env.l();
  CHECK(l.school_id() == "s1");
  CHECK(Field(l, "school", "s1", "phone") == "1");
  REQUIRE(l.Edit("school", "s1", {{"phone", std::string("2")}}, "u").ok());
  auto ops = l.PendingOps(10);
  REQUIRE(ops.size() == 3);
  CHECK(ops[2].device_seq == 3);
  CHECK(ops[2].hlc > last);
}

TEST_CASE("ledger: meta keys round-trip and reserved keys are refused") {
  CoreEnv env;
  REQUIRE(env.l().SetMeta("sync.checkpoint", "abc").ok());
  CHECK(env.l().GetMeta("sync.checkpoint") == std::optional<std::string>("abc"));
  CHECK_FALSE(env.l().GetMeta("missing").has_value());
  CHECK(env.l().SetMeta("pull_cursor", "9").code() == Status::Code::kInvalidArgument);
  CHECK(env.l().SetIdentity("s9", "auditor").ok());
  CHECK(env.l().SetIdentity("s9", "admin").code() == Status::Code::kInvalidArgument);
  env.Reopen();
  CHECK(env.l().role() == Role::kAuditor);
  CHECK(env.l().school_id() == "s9");
  CHECK(env.l().GetMeta("sync.checkpoint") == std::optional<std::string>("abc"));
}

TEST_CASE("ledger: migration from a version 1 file keeps data and adds new columns") {
  CoreEnv env;
  env.ledger.reset();
  std::filesystem::remove_all(env.dir);
  std::filesystem::create_directories(env.dir);
  {
    // A file written by the version-1 program.
    auto db = Database::Open(env.path());
    REQUIRE(db.ok());
    REQUIRE(MigrateLedger(**db, 1).ok());
    CHECK(*(*db)->UserVersion() == 1);
    CHECK_FALSE((*db)->Prepare("SELECT notice_date FROM inspection").ok());
    REQUIRE((*db)
                ->Exec("INSERT INTO meta VALUES('device_id', 'old-device');"
                       "INSERT INTO meta VALUES('school_id', 's1');"
                       "INSERT INTO meta VALUES('last_device_seq', '7');"
                       "INSERT INTO inspection(id, school_id, group_name, ordinal) "
                       "VALUES('i1', 's1', '区委第一巡察组', 1);"
                       "INSERT INTO next_step(id, school_id, inspection_id, ordinal, text) "
                       "VALUES('n1', 's1', 'i1', 1, '持续整改');")
                .ok());
  }
  env.Reopen();
  Ledger& l = env.l();
  CHECK(*l.db().UserVersion() == kLedgerSchemaVersion);
  CHECK(l.device_id() == "old-device");
  CHECK(Field(l, "inspection", "i1", "group_name") == "区委第一巡察组");
  CHECK(Field(l, "next_step", "n1", "text") == "持续整改");
  REQUIRE(l.EditInspection({{"notice_date", std::string("2024-05-20")}}, "u").ok());
  CHECK(Field(l, "inspection", "i1", "notice_date") == "2024-05-20");
  auto ops = l.PendingOps(10);
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].device_seq == 8);  // continues the old file's sequence
  auto snap = l.Snapshot();
  REQUIRE(snap.ok());
  REQUIRE(snap->next_steps.size() == 1);
  CHECK(snap->next_steps[0].title.empty());
  CHECK(snap->next_steps[0].text == "持续整改");
}

TEST_CASE("ledger: a file from a newer program is refused") {
  CoreEnv env;
  env.ledger.reset();
  {
    auto db = Database::Open(env.path());
    REQUIRE(db.ok());
    REQUIRE((*db)->SetUserVersion(kLedgerSchemaVersion + 1).ok());
  }
  auto r = Ledger::Open(env.path(), env.clock, env.ids);
  CHECK(r.status().code() == Status::Code::kFailedPrecondition);
}

TEST_CASE("ledger: ids") {
  SequentialIdSource seq("sim");
  CHECK(seq.NewId() == "sim-000001");
  CHECK(seq.NewId() == "sim-000002");
  auto a = RandomIdSource::Instance().NewId();
  auto b = RandomIdSource::Instance().NewId();
  CHECK(a != b);
  REQUIRE(a.size() == 36);
  CHECK(a[14] == '4');
  CHECK((a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b'));
  CHECK(IsValidDate("2024-02-29"));
  CHECK_FALSE(IsValidDate("2023-02-29"));
  CHECK_FALSE(IsValidDate("2024-2-1"));
}
