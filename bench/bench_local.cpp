// Local edits per second: Ledger::Edit on a problem field of a fresh ledger
// file, each edit one transaction that also appends its op to the outbox.
#include "bench/bench_util.h"

using namespace rectify;
using namespace rectify::bench;

int main(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv);
  const double limit = LimitOrMeasure(a);
  const int n = a.quick ? 5'000 : 50'000;
  TempDir dir;
  BenchLedger bl(dir / "ledger.db", "school-0042", "dev");
  const double t0 = NowSec();
  MakeEdits(*bl.ledger, n, 500, "local");
  const double secs = NowSec() - t0;
  const uint64_t pending = bl.ledger->PendingCount();
  if (pending != uint64_t(n)) Die("local", Status::Internal("expected one op per edit"));
  Emit({{"bench", "local_edit"},
        {"n", n},
        {"ops_per_s", std::round(n / secs)},
        {"us_per_edit", std::round(secs / n * 1e7) / 10},
        {"ratio_to_limit", Ratio(n / secs, limit)}});
  return 0;
}
