// Shared by the bad-link tests: tests/tools/fault_proxy as a child process in
// front of a real rectifyd, and a checked command runner. Header-only, test
// code only.
#pragma once

#include <doctest/doctest.h>

#include <csignal>
#include <cstdint>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "tests/integration/process.h"

namespace rectify::test {

// tests/tools/*.cpp executables are built in the tests/ subdirectory of the build.
inline const std::string kFaultProxy = std::string(RECTIFY_BIN_DIR) + "/tests/fault_proxy";

// Runs a command that must succeed; its output is shown if it does not.
inline Ran MustRun(const std::vector<std::string>& args, const std::string& scratch) {
  Ran r = Exec(args, scratch);
  INFO("command: " << args[1] << " " << (args.size() > 2 ? args[2] : "") << "\nstdout: " << r.out
                   << "\nstderr: " << r.err);
  REQUIRE(r.rc == 0);
  return r;
}

// `rectifyd init` in `data`, then enrols "aud" as an auditor and every other
// name of `devices` as a device of school s1, each into dir/id-NAME.
inline void MakeDistrictS1(const ScratchDir& dir, const std::string& data,
                           const std::vector<std::string>& devices) {
  MustRun({kRectifyd, "init", "--data", data, "--hostname", "localhost"}, dir.path);
  for (const std::string& dev : devices) {
    std::vector<std::string> args = {kRectifyd,  "enroll", "--data", data,
                                     "--device", dev,      "--out",  dir / ("id-" + dev)};
    if (dev == "aud")
      args.insert(args.end(), {"--role", "auditor"});
    else
      args.insert(args.end(), {"--role", "school", "--school", "s1"});
    MustRun(args, dir.path);
  }
}

// What went through the proxy, summed over its connections.
struct ProxyStats {
  uint64_t c2s = 0, s2c = 0;
  int connections = 0, cuts = 0;
};

// A fault_proxy in front of `target` with the given fault flags; its
// per-connection stats lines are summed when it stops.
class Proxy {
 public:
  Proxy(const std::string& target, std::vector<std::string> faults, const std::string& log)
      : log_(log) {
    std::vector<std::string> args = {kFaultProxy, "--listen", "127.0.0.1:0", "--target", target};
    args.insert(args.end(), faults.begin(), faults.end());
    child_ = std::make_unique<Child>(args, log);
    const std::string line = child_->ReadLine();
    const std::string prefix = "listening on 127.0.0.1:";
    REQUIRE_MESSAGE(line.rfind(prefix, 0) == 0, "fault_proxy did not start: " << ReadAll(log_));
    address_ = "127.0.0.1:" + line.substr(prefix.size());
  }
  const std::string& address() const { return address_; }
  ProxyStats Stop() {
    child_->Signal(SIGTERM);
    std::ifstream in(log_);
    std::string line;
    ProxyStats s;
    static const std::regex kLine(R"(conn \d+ c2s=(\d+) s2c=(\d+) cut=(yes|no))");
    std::smatch m;
    while (std::getline(in, line)) {
      if (!std::regex_search(line, m, kLine)) continue;
      s.c2s += std::stoull(m[1]);
      s.s2c += std::stoull(m[2]);
      ++s.connections;
      if (m[3] == "yes") ++s.cuts;
    }
    return s;
  }

 private:
  std::string log_, address_;
  std::unique_ptr<Child> child_;
};

}  // namespace rectify::test
