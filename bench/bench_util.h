// Helpers shared by the bench executables (header-only: bench/CMakeLists.txt
// makes one executable per .cpp). Benchmarks are not tests: they print one
// JSON line per figure on stdout and exit non-zero only when a step fails.
//
// The physical limit every figure is compared to is a raw SQLite batch insert
// of op-sized rows (MeasureSqliteLimit). A bench takes it from `--limit X`
// (scripts/bench.sh measures it once per run and passes it on) or, when run
// alone, measures it itself.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/ledger/id_source.h"
#include "client/ledger/ledger.h"
#include "server/admin/rectifyd_verify.h"
#include "server/service/pki.h"
#include "shared/clock.h"
#include "shared/op.h"
#include "shared/sqlite.h"

extern char** environ;

namespace rectify::bench {

inline double NowSec() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// Prints one figure as one JSON line and flushes (bench.sh reads line by line).
inline void Emit(const nlohmann::json& j) { std::cout << j.dump() << std::endl; }

[[noreturn]] inline void Die(const std::string& what, const Status& st) {
  std::cerr << "bench failed: " << what << ": " << st.ToString() << std::endl;
  std::exit(1);
}

template <class T>
T Must(Result<T> r, const std::string& what) {
  if (!r.ok()) Die(what, r.status());
  return std::move(r).value();
}
inline void Must(const Status& st, const std::string& what) {
  if (!st.ok()) Die(what, st);
}

// A scratch directory under /tmp, removed on destruction.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/rectify-bench-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Command line: `--quick` and `--limit X` (ops/s of the FULL-sync SQLite limit).
struct Args {
  bool quick = false;
  double limit = 0;
};

inline Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "--quick") a.quick = true;
    if (s == "--limit" && i + 1 < argc) a.limit = std::atof(argv[++i]);
  }
  return a;
}

// A typical single-field edit: a problem's "result" text set to a short
// Chinese sentence, as a school clerk types it.
inline Op TypicalOp(uint64_t seq) {
  Op op;
  op.device_id = "d-3f2a9c1e-office-pc-1";
  op.device_seq = seq;
  op.school_id = "school-0042";
  op.entity = "problem";
  op.row_id = "0b7e6a52-8d4f-4c3e-9a61-" + std::to_string(100000000000 + seq % 500);
  op.fields.push_back(
      FieldChange{"result", Value{std::string("已完成整改，制定管理制度并张贴上墙")},
                  Stamp{Hlc::Make(1'700'000'000'000 + int64_t(seq), 0), "d-3f2a9c1e-office-pc-1"}});
  op.hlc = Hlc::Make(1'700'000'000'001 + int64_t(seq), 0);
  op.author = "张老师";
  op.schema_version = 1;
  return op;
}

// Raw SQLite: `rows` inserts of EncodeOp(TypicalOp) blobs through one prepared
// statement, one transaction per 1,000 rows, WAL, synchronous FULL or NORMAL.
// Returns rows per second.
inline double MeasureSqliteLimit(int rows, bool full_sync) {
  TempDir dir;
  auto db = Must(Database::Open(dir / "limit.db", full_sync), "open limit db");
  Must(db->Exec("CREATE TABLE ops(server_seq INTEGER PRIMARY KEY, device TEXT NOT NULL, "
                "device_seq INTEGER NOT NULL, body BLOB NOT NULL)"),
       "create table");
  std::vector<std::string> bodies;
  for (int i = 0; i < 1000; ++i) bodies.push_back(EncodeOp(TypicalOp(i + 1)));
  auto ins =
      Must(db->Prepare("INSERT INTO ops(device, device_seq, body) VALUES(?1, ?2, ?3)"), "prepare");
  const double t0 = NowSec();
  for (int done = 0; done < rows;) {
    auto tx = Must(Transaction::Begin(*db), "begin");
    for (int i = 0; i < 1000 && done < rows; ++i, ++done) {
      Must(ins.Bind(1, std::string_view("d-3f2a9c1e-office-pc-1")), "bind");
      Must(ins.Bind(2, int64_t{done + 1}), "bind");
      Must(ins.BindBlob(3, bodies[done % bodies.size()]), "bind");
      Must(ins.Run(), "insert");
      Must(ins.Reset(), "reset");
    }
    Must(tx.Commit(), "commit");
  }
  return rows / (NowSec() - t0);
}

// The FULL-sync limit from --limit, or measured now.
inline double LimitOrMeasure(const Args& a) {
  return a.limit > 0 ? a.limit : MeasureSqliteLimit(a.quick ? 20'000 : 100'000, true);
}

inline double Ratio(double ops_per_s, double limit) {
  return limit > 0 ? std::round(ops_per_s / limit * 1000) / 1000 : 0;
}

// ---- district and server process --------------------------------------------

// `rectifyd` next to the bench binaries' build directory (BUILD/bench/x -> BUILD/rectifyd).
inline std::string RectifydPath() {
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  for (auto dir = self.parent_path(); !dir.empty() && dir != dir.root_path();
       dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / "rectifyd")) return (dir / "rectifyd").string();
  }
  return "rectifyd";
}

inline void MakeDistrict(const std::string& data_dir) {
  InitOptions o;
  o.data_dir = data_dir;
  o.hostnames = {"127.0.0.1"};
  Must(InitDistrict(o), "init district");
}

// Enrols a school device in-process (what `rectifyd enroll` does) into `out_dir`.
inline void Enroll(const std::string& data_dir, const std::string& school,
                   const std::string& device, const std::string& out_dir) {
  EnrollOptions e;
  e.data_dir = data_dir;
  e.school_id = school;
  e.device_id = device;
  e.out_dir = out_dir;
  Must(EnrollDevice(e), "enroll " + device);
  Must(WriteDeviceLogKey(data_dir, out_dir), "log.pub for " + device);
}

// `rectifyd serve` on an ephemeral loopback port, SIGTERMed on destruction.
class ServerProcess {
 public:
  ServerProcess(const std::string& data_dir, int threads, std::vector<std::string> extra = {},
                const std::string& log_name = "serve.log") {
    int fds[2];
    if (::pipe(fds) != 0) Die("pipe", Status::IOError("pipe"));
    const std::string bin = RectifydPath();
    const std::string log = data_dir + "/" + log_name;
    std::vector<std::string> args = {
        bin,        "serve",       "--data",    data_dir,
        "--listen", "127.0.0.1:0", "--threads", std::to_string(threads)};
    args.insert(args.end(), extra.begin(), extra.end());
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, bin.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    if (rc != 0) Die("spawn " + bin, Status::IOError(std::strerror(rc)));
    std::string line;
    char c;
    while (::read(fds[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(fds[0]);
    const std::string prefix = "listening on 127.0.0.1:";
    if (line.rfind(prefix, 0) != 0) Die("rectifyd serve", Status::Unavailable("said: " + line));
    port_ = static_cast<uint16_t>(std::stoi(line.substr(prefix.size())));
  }
  ~ServerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

  // User + system CPU seconds of the server so far (/proc/PID/stat fields 14, 15).
  double CpuSeconds() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream rest(s.substr(s.rfind(')') + 2));
    std::string f;
    unsigned long long utime = 0, stime = 0;
    for (int field = 3; rest >> f; ++field) {
      if (field == 14) utime = std::stoull(f);
      if (field == 15) {
        stime = std::stoull(f);
        break;
      }
    }
    return double(utime + stime) / double(::sysconf(_SC_CLK_TCK));
  }
  // A line of /proc/PID/status in kB (e.g. "VmHWM"), 0 if absent.
  long StatusKb(const std::string& key) const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind(key + ":", 0) == 0) return std::atol(line.c_str() + key.size() + 1);
    return 0;
  }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// A school ledger with an identity, ready for edits.
struct BenchLedger {
  SystemClock clock;
  SequentialIdSource ids;
  std::unique_ptr<Ledger> ledger;
  BenchLedger(const std::string& path, const std::string& school, const std::string& prefix)
      : ids(prefix) {
    ledger = Must(Ledger::Open(path, clock, ids), "open ledger");
    Must(ledger->SetIdentity(school, "school"), "set identity");
  }
};

// Appends `n` single-field edits ("result" of one of `rows` problems) to the ledger.
inline void MakeEdits(Ledger& l, int n, int rows, const std::string& tag) {
  for (int i = 0; i < n; ++i) {
    const std::string row = tag + "-p" + std::to_string(i % rows);
    Must(l.Edit("problem", row, {{"result", Value{"整改进展第" + std::to_string(i) + "次"}}},
                "张老师"),
         "edit");
  }
}

inline double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * double(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace rectify::bench
