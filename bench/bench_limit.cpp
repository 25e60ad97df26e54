// The physical limit: raw SQLite batch inserts of op-sized rows, WAL, one
// transaction per 1,000 rows, synchronous FULL (what the server uses) and NORMAL.
#include "bench/bench_util.h"

using namespace rectify;
using namespace rectify::bench;

int main(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv);
  const int n = a.quick ? 20'000 : 200'000;
  const size_t row_bytes = EncodeOp(TypicalOp(1)).size();
  const double full = MeasureSqliteLimit(n, true);
  Emit({{"bench", "sqlite_limit_full"},
        {"n", n},
        {"row_body_bytes", row_bytes},
        {"ops_per_s", std::round(full)},
        {"ratio_to_limit", 1.0}});
  const double normal = MeasureSqliteLimit(n, false);
  Emit({{"bench", "sqlite_limit_normal"},
        {"n", n},
        {"row_body_bytes", row_bytes},
        {"ops_per_s", std::round(normal)},
        {"ratio_to_limit", Ratio(normal, full)}});
  return 0;
}
