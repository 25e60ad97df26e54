// Storage-fault anomalies on the device (docs/security.md, "Storage faults"):
// a full disk or a failed write during an edit, an import or a pull apply
// fails that command with an I/O error, leaves the ledger exactly as it was,
// and once the fault clears the same command completes, once.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "client/ledger/ledger.h"
#include "shared/fault_vfs.h"

using namespace rectify;

namespace {

struct Device {
  std::filesystem::path dir;
  ManualClock clock{1'708'300'800'000};
  SequentialIdSource ids;
  std::unique_ptr<Ledger> ledger;

  explicit Device(const std::string& name) : ids(name) {
    REQUIRE(FaultVfs::Install().ok());  // before the ledger opens its file
    dir = std::filesystem::temp_directory_path() /
          ("rectify_storage_fault_" + name + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto r = Ledger::Open((dir / "ledger.db").string(), clock, ids);
    REQUIRE(r.ok());
    ledger = std::move(r).value();
    REQUIRE(ledger->InitSchool("s1", "杏花学校", "中共杏花学校支部委员会", "王").ok());
    REQUIRE(ledger->SetIdentity("s1", "school").ok());
  }
  ~Device() {
    FaultVfs::Clear();
    ledger.reset();
    std::filesystem::remove_all(dir);
  }
  // Everything a user or a sync could see, as one comparable string.
  std::string State() {
    auto snap = ledger->Snapshot();
    REQUIRE(snap.ok());
    std::string s = "pending=" + std::to_string(ledger->PendingCount()) +
                    " cursor=" + std::to_string(ledger->pull_cursor()) + " problems:";
    for (const auto& p : snap->problems) s += " " + std::to_string(p.number) + "=" + p.title;
    return s;
  }
  StorageFaults Fault(bool disk_full, uint64_t writes_first = 0) const {
    StorageFaults f;
    f.path_contains = dir.filename().string();
    f.disk_full = disk_full;
    f.fail_writes = !disk_full;
    f.writes_before_fault = writes_first;
    return f;
  }
};

NewProblem Problem(const std::string& title) {
  NewProblem p;
  p.title = title;
  return p;
}

// Runs `command` under `fault`: it must fail with an I/O error and change
// nothing; then without the fault it must succeed.
template <class Command>
void FailsCleanlyThenCompletes(Device& d, const StorageFaults& fault, Command command) {
  const std::string before = d.State();
  FaultVfs::Set(fault);
  Status st = command();
  FaultVfs::Clear();
  CHECK(st.code() == Status::Code::kIOError);
  CHECK((st.message().find("full") != std::string::npos ||
         st.message().find("I/O error") != std::string::npos));
  CHECK(d.State() == before);
  // A fresh process sees the same: nothing half-written reached the file.
  {
    ManualClock clock{1'708'300'800'000};
    SequentialIdSource ids("reader");
    auto again = Ledger::Open((d.dir / "ledger.db").string(), clock, ids);
    REQUIRE(again.ok());
    CHECK((*again)->PendingCount() == d.ledger->PendingCount());
  }
  REQUIRE(command().ok());
  CHECK(d.State() != before);
}

}  // namespace

TEST_CASE("storage faults: an edit under a full disk or a failed write changes nothing") {
  Device d("edit");
  REQUIRE(d.ledger->AddProblem(Problem("已有问题"), "王").ok());
  for (bool full : {true, false}) {
    CAPTURE(full);
    FailsCleanlyThenCompletes(d, d.Fault(full), [&] {
      return d.ledger->AddProblem(Problem(full ? "满盘" : "写错"), "王").status();
    });
  }
  auto snap = d.ledger->Snapshot();
  REQUIRE(snap.ok());
  CHECK(snap->problems.size() == 3);  // nothing lost, nothing twice
}

TEST_CASE("storage faults: an import interrupted mid-transaction leaves no partial rows") {
  Device d("import");
  std::vector<ImportRow> rows;
  for (int i = 1; i <= 30; ++i) {
    ImportRow r;
    r.line = i + 1;
    r.number = std::to_string(i);
    r.aspect = "政治建设";
    r.title = "问题" + std::to_string(i) + std::string(300, 'x');
    rows.push_back(r);
  }
  FailsCleanlyThenCompletes(d, d.Fault(true, /*writes_first=*/3),
                            [&] { return d.ledger->ImportRows(rows, "王", nullptr); });
  auto snap = d.ledger->Snapshot();
  REQUIRE(snap.ok());
  CHECK(snap->problems.size() == rows.size());
}

TEST_CASE("storage faults: a pull apply under a full disk keeps the cursor and the rows") {
  Device other("source");
  for (int i = 0; i < 5; ++i)
    REQUIRE(other.ledger->AddProblem(Problem("来自另一台" + std::to_string(i)), "李").ok());
  const std::vector<Op> ops = other.ledger->PendingOps(1000);
  REQUIRE(!ops.empty());
  Device d("pull");
  FailsCleanlyThenCompletes(d, d.Fault(true),
                            [&] { return d.ledger->ApplyPulled(ops, ops.size()); });
  CHECK(d.ledger->pull_cursor() == ops.size());
  auto snap = d.ledger->Snapshot();
  REQUIRE(snap.ok());
  CHECK(snap->problems.size() == 5);
  // Applying the same ops again (a replayed pull) duplicates nothing.
  REQUIRE(d.ledger->ApplyPulled(ops, ops.size()).ok());
  CHECK(d.ledger->Snapshot()->problems.size() == 5);
}
