// A district for integration tests: `rectifyd init` and enrolled identities
// (pc1..pc3 of school s1, "other" of s2, auditor "aud") in a scratch
// directory, and `rectify` run as one of those devices.
#pragma once

#include <nlohmann/json.hpp>

#include "tests/integration/process.h"

namespace rectify::test {

class District {
 public:
  District() {
    data = dir / "district";
    Must({kRectifyd, "init", "--data", data, "--hostname", "localhost"});
    Enroll("pc1", "s1", "school");
    Enroll("pc2", "s1", "school");
    Enroll("pc3", "s1", "school");
    Enroll("other", "s2", "school");
    Enroll("aud", "", "auditor");
  }
  void Enroll(const std::string& device, const std::string& school, const std::string& role) {
    std::vector<std::string> args = {
        kRectifyd, "enroll", "--data", data,    "--device",
        device,    "--role", role,     "--out", dir / ("id-" + device)};
    if (!school.empty()) args.insert(args.end(), {"--school", school});
    Must(args);
  }
  Ran Must(const std::vector<std::string>& args) {
    Ran r = Exec(args, dir.path);
    INFO("command: " << args[1] << " " << (args.size() > 2 ? args[2] : "")
                     << "\nstderr: " << r.err);
    REQUIRE(r.rc == 0);
    return r;
  }
  // `rectify` as one device: its own ledger and identity.
  Ran Rectify(const std::string& device, std::vector<std::string> args,
              const std::string& db = "") {
    std::vector<std::string> full = {kRectify, "--db", dir / (db.empty() ? device + ".db" : db),
                                     "--author", "author-" + device};
    full.insert(full.end(), args.begin(), args.end());
    return Exec(full, dir.path);
  }
  Ran RectifyOk(const std::string& device, std::vector<std::string> args,
                const std::string& db = "") {
    Ran r = Rectify(device, args, db);
    INFO("rectify " << device << " " << args[0] << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.rc == 0);
    return r;
  }
  nlohmann::json Sync(const std::string& device, const std::string& server,
                      const std::string& db = "", std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--json", "sync",       "--server",
                                     server,   "--identity", dir / ("id-" + device)};
    args.insert(args.end(), extra.begin(), extra.end());
    return nlohmann::json::parse(RectifyOk(device, args, db).out);
  }
  nlohmann::json Problem(const std::string& device, int n) {
    return nlohmann::json::parse(
        RectifyOk(device, {"--json", "problem", "show", std::to_string(n)}).out);
  }

  ScratchDir dir;
  std::string data;
};

}  // namespace rectify::test
