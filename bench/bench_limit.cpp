// The physical limit: raw SQLite batch inserts of op-sized rows, WAL, one
// transaction per 1,000 rows, synchronous FULL (what the server uses) and NORMAL.
// The FULL figure is the median of three runs (min and max printed too): on
// this VM the cost of an fsync moves several-fold between runs, and every
// other figure is divided by this one.
#include <algorithm>
#include <vector>

#include "bench/bench_util.h"

using namespace rectify;
using namespace rectify::bench;

int main(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv);
  const int n = a.quick ? 20'000 : 200'000;
  const size_t row_bytes = EncodeOp(TypicalOp(1)).size();
  std::vector<double> runs;
  for (int i = 0; i < 3; ++i) runs.push_back(MeasureSqliteLimit(n, true));
  std::sort(runs.begin(), runs.end());
  const double full = runs[1];
  Emit({{"bench", "sqlite_limit_full"},
        {"n", n},
        {"row_body_bytes", row_bytes},
        {"ops_per_s", std::round(full)},
        {"runs", 3},
        {"min_ops_per_s", std::round(runs.front())},
        {"max_ops_per_s", std::round(runs.back())},
        {"ratio_to_limit", 1.0}});
  const double normal = MeasureSqliteLimit(n, false);
  Emit({{"bench", "sqlite_limit_normal"},
        {"n", n},
        {"row_body_bytes", row_bytes},
        {"ops_per_s", std::round(normal)},
        {"ratio_to_limit", Ratio(normal, full)}});
  return 0;
}
