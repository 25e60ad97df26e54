// The fan-in driver shared by bench_fanin (one SQLite server) and
// bench_province (one or three servers on PostgreSQL): D devices of S schools
// with `ops` edits each, enrolled in-process, syncing at once through a pool
// of client threads, device d through server d % ports.size().
#pragma once

#include <atomic>
#include <mutex>

#include "bench/bench_util.h"
#include "client/sync/sync_runner.h"

namespace rectify::bench {

struct FanInConfig {
  int devices = 1000, schools = 200, ops = 50, threads = 64, server_threads = 2;
};

struct FanInResult {
  std::vector<double> times;
  std::vector<std::string> errors;
  uint64_t pushed = 0, pulled = 0;
  double wall_s = 0;
};

inline std::string FanInSchool(int d, const FanInConfig& c) {
  return "school-" + std::to_string(d % c.schools);
}
inline std::string FanInDevice(int d) { return "pc-" + std::to_string(d); }

// Enrols every device of `district` and writes its ledger into `dir`, two threads at a time.
inline void PrepareFanIn(const std::string& district, const TempDir& dir, const FanInConfig& c) {
  std::atomic<int> next{0};
  auto work = [&] {
    for (int d; (d = next++) < c.devices;) {
      const std::string id = dir / ("id-" + std::to_string(d));
      Enroll(district, FanInSchool(d, c), FanInDevice(d), id);
      BenchLedger bl(dir / ("dev-" + std::to_string(d) + ".db"), FanInSchool(d, c),
                     FanInDevice(d) + "-");
      // 25 shared problem rows per school: devices of one school do meet.
      MakeEdits(*bl.ledger, c.ops, 25, FanInSchool(d, c));
    }
  };
  std::thread t(work);
  work();
  t.join();
}

// Every device runs one sync (push its ops, pull its school, verify the checkpoint).
inline FanInResult RunFanIn(const TempDir& dir, const FanInConfig& c,
                            const std::vector<uint16_t>& ports) {
  FanInResult r;
  std::atomic<int> next{0};
  std::mutex mu;
  auto client = [&] {
    for (int d; (d = next++) < c.devices;) {
      SystemClock clock;
      SequentialIdSource ids(FanInDevice(d) + "-");
      auto ledger = Ledger::Open(dir / ("dev-" + std::to_string(d) + ".db"), clock, ids);
      if (!ledger.ok()) {
        std::lock_guard<std::mutex> l(mu);
        r.errors.push_back(ledger.status().ToString());
        continue;
      }
      SyncTarget t{"", "127.0.0.1", ports[static_cast<size_t>(d) % ports.size()],
                   dir / ("id-" + std::to_string(d)), ""};
      SyncRunOptions opts;
      opts.channel.connect_timeout_ms = 60'000;
      opts.channel.io_timeout_ms = 60'000;
      const double t0 = NowSec();
      auto run = RunSyncOnce(**ledger, t, opts, clock);
      const double secs = NowSec() - t0;
      std::lock_guard<std::mutex> l(mu);
      if (!run.ok()) {
        r.errors.push_back(FanInDevice(d) + ": " + run.status().ToString());
      } else {
        r.times.push_back(secs);
        r.pushed += run->summary.applied + run->summary.superseded;
        r.pulled += run->summary.pulled;
      }
    }
  };
  const double t0 = NowSec();
  std::vector<std::thread> pool;
  for (int i = 0; i < c.threads; ++i) pool.emplace_back(client);
  for (auto& t : pool) t.join();
  r.wall_s = NowSec() - t0;
  for (size_t i = 0; i < r.errors.size() && i < 5; ++i) std::cerr << r.errors[i] << "\n";
  return r;
}

}  // namespace rectify::bench
