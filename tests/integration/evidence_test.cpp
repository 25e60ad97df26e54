// Evidence files end to end with real rectifyd and rectify processes: a cut
// upload resumes, a second device of the school downloads the same bytes, a
// third device adding the same file uploads nothing, another school is refused.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "tests/integration/process.h"

namespace rectify::test {
namespace {

using nlohmann::json;

struct Fixture {
  Fixture() {
    data = dir / "district";
    Must({kRectifyd, "init", "--data", data, "--hostname", "localhost"});
    for (auto [dev, school, role] : {std::tuple{"aud", "", "auditor"},
                                     {"pc1", "s1", "school"},
                                     {"pc2", "s1", "school"},
                                     {"pc3", "s1", "school"},
                                     {"other", "s2", "school"}}) {
      std::vector<std::string> args = {
          kRectifyd, "enroll", "--data", data,    "--device",
          dev,       "--role", role,     "--out", dir / (std::string("id-") + dev)};
      if (*school) args.insert(args.end(), {"--school", school});
      Must(args);
    }
  }
  void Must(const std::vector<std::string>& args) {
    Ran r = Exec(args, dir.path);
    INFO(args[1] << ": " << r.err);
    REQUIRE(r.rc == 0);
  }
  Ran Rectify(const std::string& dev, std::vector<std::string> args) {
    std::vector<std::string> full = {kRectify, "--db", dir / (dev + ".db"), "--author", dev};
    full.insert(full.end(), args.begin(), args.end());
    return Exec(full, dir.path);
  }
  Ran Ok(const std::string& dev, std::vector<std::string> args) {
    Ran r = Rectify(dev, args);
    INFO("rectify " << dev << " " << args[0] << " " << (args.size() > 1 ? args[1] : "")
                    << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.rc == 0);
    return r;
  }
  Ran Sync(const std::string& dev, const std::string& addr, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--json", "sync",       "--server",
                                     addr,     "--identity", dir / ("id-" + dev)};
    args.insert(args.end(), extra.begin(), extra.end());
    return Ok(dev, args);
  }
  ScratchDir dir;
  std::string data;
};

std::string RandomBytes(size_t n) {
  std::mt19937_64 rng(42);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

}  // namespace

TEST_CASE("evidence: resumable upload, download by the school, dedupe, tenant isolation") {
  Fixture f;
  Server server(f.data, f.dir / "server.log");
  const std::string addr = server.address();
  f.Sync("aud", addr, {"--school", "s1"});
  f.Ok("aud", {"import", RECTIFY_TEST_DATA "/seed000.csv"});
  f.Sync("aud", addr);
  f.Sync("pc1", addr);

  const std::string bytes = RandomBytes(3 * 1000 * 1000);
  const std::string file = f.dir / "整改照片.jpg";
  std::ofstream(file, std::ios::binary) << bytes;
  json added =
      json::parse(f.Ok("pc1", {"--json", "evidence", "add", "1", file, "--measure", "1"}).out);
  const std::string sha = added["sha256"];
  CHECK(sha.size() == 64);
  CHECK(added["size"] == bytes.size());
  // Size limit on the device.
  CHECK(f.Rectify("pc1", {"evidence", "add", "1", file, "--max-bytes", "1000"}).rc != 0);

  // The upload is cut after 3 chunks (16 KiB each, the default): the sync
  // itself succeeds, the rest waits.
  ::setenv("RECTIFY_EVIDENCE_MAX_CHUNKS", "3", 1);
  Ran cut = f.Sync("pc1", addr);
  ::unsetenv("RECTIFY_EVIDENCE_MAX_CHUNKS");
  CHECK(cut.err.find("evidence upload incomplete") != std::string::npos);
  CHECK(std::filesystem::file_size(f.data + "/evidence/" + sha + ".part") == 3 * 16384);

  // It resumes where it stopped: only the missing tail crosses the link.
  json pushed = json::parse(f.Ok("pc1", {"--json", "evidence", "push"}).out);
  CHECK(pushed["resumed"] == 1);
  CHECK(pushed["uploaded"] == 1);
  CHECK(pushed["bytes_uploaded"] == bytes.size() - 3 * 16384);
  CHECK(ReadAll(f.data + "/evidence/" + sha) == bytes);
  CHECK_FALSE(std::filesystem::exists(f.data + "/evidence/" + sha + ".part"));
  json listed = json::parse(f.Ok("pc1", {"--json", "evidence", "list", "1"}).out);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["local"] == true);
  CHECK(listed[0]["uploaded"] == true);
  CHECK(listed[0]["name"] == "整改照片.jpg");

  // A second device of the school downloads the same bytes, hash-verified.
  f.Sync("pc2", addr);
  json before = json::parse(f.Ok("pc2", {"--json", "evidence", "list"}).out);
  REQUIRE(before.size() == 1);
  CHECK(before[0]["local"] == false);
  json got = json::parse(
      f.Ok("pc2", {"--json", "evidence", "get", sha.substr(0, 12), "--out", f.dir / "got.jpg"})
          .out);
  CHECK(got["downloaded"] == true);
  CHECK(ReadAll(f.dir / "got.jpg") == bytes);

  // A third device adding the same file uploads nothing: the server has it.
  f.Sync("pc3", addr);
  f.Ok("pc3", {"evidence", "add", "2", file});
  Ran dedupe = f.Ok("pc3", {"--json", "sync"});
  const auto evidence = nlohmann::json::parse(dedupe.out)["evidence"];
  CHECK(evidence["uploaded"] == 0);
  CHECK(evidence["already_on_server"] == 1);
  CHECK(dedupe.err.find("evidence:") == std::string::npos);  // nothing moved: quiet

  // Another school may not read it, though the server holds it.
  f.Sync("other", addr);
  Ran refused = f.Rectify("other", {"evidence", "get", sha, "--out", f.dir / "stolen.jpg"});
  CHECK(refused.rc != 0);
  CHECK(refused.err.find("not recorded in school s2") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(f.dir / "stolen.jpg"));
}

TEST_CASE("evidence: a file over the server's --max-evidence-mb is refused by name, the ops stay") {
  Fixture f;
  Server server(f.data, f.dir / "server.log", {"--max-evidence-mb", "1"});
  const std::string addr = server.address();
  f.Sync("aud", addr, {"--school", "s1"});
  f.Ok("aud", {"import", RECTIFY_TEST_DATA "/seed000.csv"});
  f.Sync("aud", addr);
  f.Sync("pc1", addr);
  const std::string file = f.dir / "big.pdf";
  std::ofstream(file, std::ios::binary) << RandomBytes(2 * 1024 * 1024);
  const std::string sha =
      json::parse(f.Ok("pc1", {"--json", "evidence", "add", "1", file}).out)["sha256"];
  // The sync of the op succeeds; the upload is refused with the server's reason.
  Ran synced = f.Sync("pc1", addr);
  INFO("sync stderr: " << synced.err);
  CHECK(synced.err.find("over the server's limit of 1048576") != std::string::npos);
  Ran push = f.Rectify("pc1", {"evidence", "push"});
  CHECK(push.rc != 0);
  CHECK(push.err.find("over the server's limit") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(f.data + "/evidence/" + sha));
  // The op naming the file arrived all the same (it is in the audit log).
  json listed = json::parse(f.Ok("pc1", {"--json", "evidence", "list", "1"}).out);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["uploaded"] == false);
  // A bad value is refused by the command line.
  Ran bad = Exec({kRectifyd, "serve", "--data", f.data, "--max-evidence-mb", "0"}, f.dir.path);
  CHECK(bad.rc != 0);
}

}  // namespace rectify::test
