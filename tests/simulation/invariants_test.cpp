// Invariants 1, 2, 3 and 5 of docs/design.md §8, proven by randomized simulation
// over many seeds. Each seed runs real ledgers, the real server service and
// store, and the real sessions over a link that cuts, duplicates and replays.
// RECTIFY_SIM_SEEDS=N runs more seeds; RECTIFY_SIM_SEED=S runs one.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "sim_world.h"

using namespace rectify;
using namespace rectify::sim;

namespace {

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

// Runs one seed; returns "" or what broke. Adds what it did to `total`.
std::string RunSeed(uint64_t seed, int steps, Activity* total) {
  World w(seed, "/tmp/rectify-sim-" + std::to_string(::getpid()) + "-" + std::to_string(seed), 3,
          2);
  Faults faults{0.15, 0.05, 0.2};
  auto& rng = w.rng();
  for (int step = 0; step < steps; ++step) {
    auto& d = *w.devices()[rng() % w.devices().size()];
    switch (rng() % 10) {
      case 0:
      case 1:
      case 2:
      case 3:
        w.RandomEdit(d);
        break;
      case 4:
      case 5:
      case 6:
        (void)w.Sync(d, faults);
        break;
      case 7:
        w.CrashDevice(d);
        break;
      case 8:
        if (rng() % 4 == 0) w.RestartServer();
        break;
      default:
        w.clock().Advance(static_cast<int64_t>(rng() % 3'600'000));
        break;
    }
  }
  std::string why;
  if (!w.Quiesce(&why)) return "quiesce: " + why;
  if (auto e = w.CheckConvergence(); !e.empty()) return "invariant 1 (convergence): " + e;
  if (auto e = w.CheckNothingLost(); !e.empty()) return "invariant 2 (nothing lost): " + e;
  if (auto e = w.CheckIdempotentReplay(); !e.empty()) return "invariant 3 (idempotence): " + e;
  if (auto e = w.CheckIsolation(); !e.empty()) return "invariant 5 (isolation): " + e;
  const Activity& a = w.activity();
  total->sessions += a.sessions;
  total->sessions_ok += a.sessions_ok;
  total->cuts += a.cuts;
  total->conflicts += a.conflicts;
  total->rejected += a.rejected;
  total->applied += a.applied;
  total->superseded += a.superseded;
  total->crashes += a.crashes;
  total->server_restarts += a.server_restarts;
  total->replays += a.replays;
  total->pipelined += a.pipelined;
  return "";
}

}  // namespace

TEST_CASE("simulation: invariants 1, 2, 3, 5 hold over many seeds") {
  const uint64_t only = EnvOr("RECTIFY_SIM_SEED", 0);
  const uint64_t seeds = EnvOr("RECTIFY_SIM_SEEDS", 100);
  const int steps = static_cast<int>(EnvOr("RECTIFY_SIM_STEPS", 240));
  Activity total;
  for (uint64_t s = only ? only : 1; s <= (only ? only : seeds); ++s) {
    std::string failure = RunSeed(s, steps, &total);
    INFO("seed " << s << " (rerun: RECTIFY_SIM_SEED=" << s << ")");
    if (!failure.empty()) MESSAGE("FAILING SEED " << s << ": " << failure);
    REQUIRE(failure.empty());
  }
  MESSAGE("sessions " << total.sessions << " (ok " << total.sessions_ok << "), cuts " << total.cuts
                      << ", replays " << total.replays << ", applied " << total.applied
                      << ", superseded " << total.superseded << ", rejected " << total.rejected
                      << ", conflicts " << total.conflicts << ", crashes " << total.crashes
                      << ", server restarts " << total.server_restarts << ", pipelined sessions "
                      << total.pipelined);
  // The run must have exercised the hard cases, or it proves nothing.
  if (!only) {
    CHECK(total.cuts > 0);
    CHECK(total.replays > 0);
    CHECK(total.conflicts > 0);
    CHECK(total.rejected > 0);
    CHECK(total.superseded > 0);
    CHECK(total.crashes > 0);
    CHECK(total.server_restarts > 0);
    CHECK(total.pipelined > 0);
  }
}
