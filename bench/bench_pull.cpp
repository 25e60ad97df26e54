// Pull: a new device's first sync of a school with P problems and their
// history (3 ops per problem: created with its fields, status changed, result
// written), against `rectifyd serve` (a separate process) over TLS on loopback.
// The history is pushed by a first device (not timed); the timed part is
// RunSyncOnce of a second, fresh device: connect, pull everything, verify the
// signed checkpoint, apply to its ledger.
#include "bench/bench_util.h"
#include "client/sync/sync_runner.h"

using namespace rectify;
using namespace rectify::bench;

int main(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv);
  const double limit = LimitOrMeasure(a);
  const int problems = a.quick ? 1'000 : 10'000;
  TempDir dir;
  const std::string school = "school-0042";
  MakeDistrict(dir / "district");
  Enroll(dir / "district", school, "office-pc-1", dir / "id1");
  Enroll(dir / "district", school, "office-pc-2", dir / "id2");
  BenchLedger first(dir / "first.db", school, "pc1-");
  for (int i = 0; i < problems; ++i) {
    const std::string row = "problem-" + std::to_string(i);
    Must(first.ledger->Edit(
             "problem", row,
             {{"number", Value{int64_t{i + 1}}},
              {"title", Value{"食堂从业人员健康证未及时更新（第" + std::to_string(i + 1) + "项）"}},
              {"kind", Value{std::string("within_period")}},
              {"status", Value{std::string("not_started")}},
              {"department", Value{std::string("后勤处")}},
              {"deadline", Value{std::string("2024-06-30")}}},
             "张老师"),
         "create problem");
    Must(first.ledger->Edit("problem", row, {{"status", Value{std::string("in_progress")}}},
                            "张老师"),
         "status");
    Must(first.ledger->Edit("problem", row,
                            {{"result", Value{std::string("已完成整改，制定管理制度并张贴上墙")}}},
                            "张老师"),
         "result");
  }
  const uint64_t ops = first.ledger->PendingCount();
  ServerProcess server(dir / "district", 2);
  SyncTarget t1{"", "127.0.0.1", server.port(), dir / "id1", ""};
  Must(RunSyncOnce(*first.ledger, t1, {}, first.clock), "seed push");

  SystemClock clock;
  SequentialIdSource ids("pc2-");
  auto fresh = Must(Ledger::Open(dir / "fresh.db", clock, ids), "fresh ledger");
  SyncTarget t2{"", "127.0.0.1", server.port(), dir / "id2", ""};
  const double t0 = NowSec();
  auto run = Must(RunSyncOnce(*fresh, t2, {}, clock), "first sync");
  const double secs = NowSec() - t0;
  const size_t rows = fresh->RowIds("problem").size();
  if (run.summary.pulled != ops || rows != size_t(problems))
    Die("pull", Status::Internal("pulled " + std::to_string(run.summary.pulled) + " ops, " +
                                 std::to_string(rows) + " problems"));
  const double rate = ops / secs;
  Emit({{"bench", "pull_first_sync"},
        {"problems", problems},
        {"ops", ops},
        {"seconds", std::round(secs * 1000) / 1000},
        {"ops_per_s", std::round(rate)},
        {"tls_bytes_received_per_op", std::round(double(run.bytes_received) / ops * 10) / 10},
        {"ratio_to_limit", Ratio(rate, limit)}});
  return 0;
}
