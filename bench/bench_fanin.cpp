// Fan-in: D devices of S schools (50 ops each) syncing at once against one
// `rectifyd serve` process over mutual TLS on loopback, driven by a bounded
// pool of client threads. Each session is RunSyncOnce: push the device's 50
// ops, pull the school's ops, verify the signed checkpoint. Reports errors,
// p50/p99 session time, the server's CPU seconds (/proc/PID/stat) and peak
// RSS (VmHWM). Devices are enrolled in-process with server/service/pki.h.
#include <atomic>
#include <mutex>

#include "bench/bench_util.h"
#include "client/sync/sync_runner.h"

using namespace rectify;
using namespace rectify::bench;

namespace {

struct Config {
  int devices = 1000, schools = 200, ops = 50, threads = 64, server_threads = 2;
};

std::string School(int d, const Config& c) { return "school-" + std::to_string(d % c.schools); }
std::string Device(int d) { return "pc-" + std::to_string(d); }

// Enrols every device and writes its ledger (50 ops), two threads at a time.
void Prepare(const TempDir& dir, const Config& c) {
  std::atomic<int> next{0};
  auto work = [&] {
    for (int d; (d = next++) < c.devices;) {
      const std::string id = dir / ("id-" + std::to_string(d));
      Enroll(dir / "district", School(d, c), Device(d), id);
      BenchLedger bl(dir / ("dev-" + std::to_string(d) + ".db"), School(d, c), Device(d) + "-");
      // 25 shared problem rows per school: devices of one school do meet.
      MakeEdits(*bl.ledger, c.ops, 25, School(d, c));
    }
  };
  std::thread t(work);
  work();
  t.join();
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv);
  Config c;
  if (a.quick) c = {100, 20, 50, 64, 2};
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--devices") c.devices = std::atoi(argv[i + 1]);
    if (std::string(argv[i]) == "--threads") c.threads = std::atoi(argv[i + 1]);
  }
  TempDir dir;
  MakeDistrict(dir / "district");
  const double p0 = NowSec();
  Prepare(dir, c);
  const double prep_s = NowSec() - p0;

  ServerProcess server(dir / "district", c.server_threads);
  const double cpu0 = server.CpuSeconds();
  std::atomic<int> next{0};
  std::mutex mu;
  std::vector<double> times;
  std::vector<std::string> errors;
  std::atomic<uint64_t> pushed{0}, pulled{0};
  auto client = [&] {
    for (int d; (d = next++) < c.devices;) {
      SystemClock clock;
      SequentialIdSource ids(Device(d) + "-");
      auto ledger = Ledger::Open(dir / ("dev-" + std::to_string(d) + ".db"), clock, ids);
      if (!ledger.ok()) {
        std::lock_guard<std::mutex> l(mu);
        errors.push_back(ledger.status().ToString());
        continue;
      }
      SyncTarget t{"", "127.0.0.1", server.port(), dir / ("id-" + std::to_string(d)), ""};
      SyncRunOptions opts;
      opts.channel.connect_timeout_ms = 60'000;
      opts.channel.io_timeout_ms = 60'000;
      const double t0 = NowSec();
      auto run = RunSyncOnce(**ledger, t, opts, clock);
      const double secs = NowSec() - t0;
      std::lock_guard<std::mutex> l(mu);
      if (!run.ok()) {
        errors.push_back(Device(d) + ": " + run.status().ToString());
      } else {
        times.push_back(secs);
        pushed += run->summary.applied + run->summary.superseded;
        pulled += run->summary.pulled;
      }
    }
  };
  const double t0 = NowSec();
  std::vector<std::thread> pool;
  for (int i = 0; i < c.threads; ++i) pool.emplace_back(client);
  for (auto& t : pool) t.join();
  const double wall = NowSec() - t0;
  const double cpu = server.CpuSeconds() - cpu0;
  for (size_t i = 0; i < errors.size() && i < 5; ++i) std::cerr << errors[i] << "\n";
  const double p99 = Percentile(times, 0.99);
  Emit({{"bench", "fan_in"},
        {"devices", c.devices},
        {"schools", c.schools},
        {"ops_per_device", c.ops},
        {"client_threads", c.threads},
        {"server_threads", c.server_threads},
        {"errors", errors.size()},
        {"ops_pushed", pushed.load()},
        {"ops_pulled", pulled.load()},
        {"wall_s", std::round(wall * 100) / 100},
        {"sessions_per_s", std::round(c.devices / wall * 10) / 10},
        {"p50_session_s", std::round(Percentile(times, 0.5) * 1000) / 1000},
        {"p99_session_s", std::round(p99 * 1000) / 1000},
        {"max_session_s", std::round(Percentile(times, 1.0) * 1000) / 1000},
        {"server_cpu_s", std::round(cpu * 100) / 100},
        {"server_peak_rss_mb", std::round(server.StatusKb("VmHWM") / 102.4) / 10},
        {"prepare_s", std::round(prep_s * 10) / 10},
        {"target_p99_s", 2.0},
        {"met", errors.empty() && p99 < 2.0}});
  return errors.empty() ? 0 : 1;
}
