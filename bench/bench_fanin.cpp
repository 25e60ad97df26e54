// Fan-in: D devices of S schools (50 ops each) syncing at once against one
// `rectifyd serve` process over mutual TLS on loopback, driven by a bounded
// pool of client threads. Each session is RunSyncOnce: push the device's 50
// ops, pull the school's ops, verify the signed checkpoint. Reports errors,
// p50/p99 session time, the server's CPU seconds (/proc/PID/stat) and peak
// RSS (VmHWM). Devices are enrolled in-process with server/service/pki.h.
#include "bench/fanin_util.h"

using namespace rectify;
using namespace rectify::bench;

int main(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv);
  FanInConfig c;
  if (a.quick) c = {100, 20, 50, 64, 2};
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--devices") c.devices = std::atoi(argv[i + 1]);
    if (std::string(argv[i]) == "--threads") c.threads = std::atoi(argv[i + 1]);
  }
  TempDir dir;
  MakeDistrict(dir / "district");
  const double p0 = NowSec();
  PrepareFanIn(dir / "district", dir, c);
  const double prep_s = NowSec() - p0;

  ServerProcess server(dir / "district", c.server_threads);
  const double cpu0 = server.CpuSeconds();
  const FanInResult r = RunFanIn(dir, c, {server.port()});
  const double wall = r.wall_s;
  const auto& times = r.times;
  const auto& errors = r.errors;
  const double cpu = server.CpuSeconds() - cpu0;
  const double p99 = Percentile(times, 0.99);
  Emit({{"bench", "fan_in"},
        {"devices", c.devices},
        {"schools", c.schools},
        {"ops_per_device", c.ops},
        {"client_threads", c.threads},
        {"server_threads", c.server_threads},
        {"errors", errors.size()},
        {"ops_pushed", r.pushed},
        {"ops_pulled", r.pulled},
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
