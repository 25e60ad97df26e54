// Invariants 1, 2, 3 and 5 of docs/design.md §8, proven by randomized simulation
// over many seeds. Each seed runs real ledgers, the real server service and
// store, and the real sessions over a link that cuts, duplicates and replays.
// RECTIFY_SIM_SEEDS=N runs more seeds; RECTIFY_SIM_SEED=S runs one.
// RECTIFY_SIM_FRESH=N also runs N fresh seeds from a random base (printed;
// RECTIFY_SIM_BASE=B fixes it); CI sets it so every run tries new seeds.
#include <doctest/doctest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "pg_cluster.h"
#include "sim_world.h"

using namespace rectify;
using namespace rectify::sim;

namespace {

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

// Runs one seed; returns "" or what broke. Adds what it did to `total`.
std::string RunSeed(uint64_t seed, int steps, Activity* total, ServerSide side = {}) {
  World w(seed, "/tmp/rectify-sim-" + std::to_string(::getpid()) + "-" + std::to_string(seed), 3, 2,
          std::move(side));
  Faults faults{0.15, 0.05, 0.2, 0.05};
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
  total->storage_faults += a.storage_faults;
  return "";
}

// Runs seeds first..last and checks each; `label` names the batch in messages.
Activity RunSeeds(uint64_t first, uint64_t last, int steps, const std::string& label) {
  Activity total;
  for (uint64_t s = first; s <= last; ++s) {
    std::string failure = RunSeed(s, steps, &total);
    INFO(label << " seed " << s << " (rerun: RECTIFY_SIM_SEED=" << s << ")");
    if (!failure.empty()) MESSAGE("FAILING SEED " << s << " (" << label << "): " << failure);
    REQUIRE(failure.empty());
  }
  MESSAGE(label << ": sessions " << total.sessions << " (ok " << total.sessions_ok << "), cuts "
                << total.cuts << ", replays " << total.replays << ", applied " << total.applied
                << ", superseded " << total.superseded << ", rejected " << total.rejected
                << ", conflicts " << total.conflicts << ", crashes " << total.crashes
                << ", server restarts " << total.server_restarts << ", pipelined sessions "
                << total.pipelined << ", storage faults " << total.storage_faults);
  return total;
}

}  // namespace

TEST_CASE("simulation: invariants 1, 2, 3, 5 hold over many seeds") {
  const uint64_t only = EnvOr("RECTIFY_SIM_SEED", 0);
  const uint64_t seeds = EnvOr("RECTIFY_SIM_SEEDS", 100);
  const int steps = static_cast<int>(EnvOr("RECTIFY_SIM_STEPS", 240));
  const Activity total =
      RunSeeds(only ? only : 1, only ? only : seeds, steps, only ? "replay" : "regression set");
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
    CHECK(total.storage_faults > 0);
  }
}

TEST_CASE("simulation: invariants hold over fresh random seeds") {
  const uint64_t fresh = EnvOr("RECTIFY_SIM_FRESH", 0);
  if (fresh == 0 || EnvOr("RECTIFY_SIM_SEED", 0) != 0) return;
  // Above the regression set, below 2^48 so that base + fresh never wraps.
  uint64_t base = EnvOr("RECTIFY_SIM_BASE", 0);
  if (base == 0) base = 1'000'000 + (std::random_device{}() % (uint64_t{1} << 32)) * 65536;
  MESSAGE("fresh seeds " << base << ".." << base + fresh - 1 << " (RECTIFY_SIM_BASE=" << base
                         << " RECTIFY_SIM_FRESH=" << fresh << " repeats the batch)");
  RunSeeds(base, base + fresh - 1, static_cast<int>(EnvOr("RECTIFY_SIM_STEPS", 240)),
           "fresh base " + std::to_string(base));
}

// The same invariants with three servers on one PostgreSQL database, each
// session through a random one, servers restarted at random. Few seeds in CI
// (RECTIFY_SIM_PG_SEEDS, default 3); docs/operations.md records a long run.
TEST_CASE("simulation: invariants hold with three servers on PostgreSQL") {
  rectify::testing::PgCluster* cluster = rectify::testing::PgCluster::Get();
  if (!cluster) return;
  const uint64_t only = EnvOr("RECTIFY_SIM_SEED", 0);
  const uint64_t seeds = EnvOr("RECTIFY_SIM_PG_SEEDS", 3);
  const int steps = static_cast<int>(EnvOr("RECTIFY_SIM_STEPS", 240));
  Activity total;
  for (uint64_t s = only ? only : 1; s <= (only ? only : seeds); ++s) {
    std::string failure = RunSeed(s, steps, &total, ServerSide{cluster->NewDatabase(), 3});
    INFO("seed " << s << " (rerun: RECTIFY_SIM_SEED=" << s << ")");
    if (!failure.empty()) MESSAGE("FAILING SEED " << s << " on PostgreSQL: " << failure);
    REQUIRE(failure.empty());
  }
  MESSAGE("postgresql: sessions " << total.sessions << " (ok " << total.sessions_ok << "), applied "
                                  << total.applied << ", conflicts " << total.conflicts
                                  << ", server restarts " << total.server_restarts);
  if (!only) {
    CHECK(total.applied > 0);
    CHECK(total.server_restarts > 0);
  }
}
