// kill -9 of the server or of the client at arbitrary moments during a sync,
// then restart and sync again: nothing lost, nothing duplicated (docs/design.md §8
// invariant 2), and both replicas converge. Real processes, real TLS, real
// SQLite files. The kill moments vary; only outcomes are asserted.
#include <doctest/doctest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "shared/sqlite.h"
#include "tests/integration/process.h"

namespace rectify::test {
namespace {

using nlohmann::json;

// A generated ledger spreadsheet of `n` problems, each with two measures.
std::string MakeCsv(int n) {
  std::string csv = "序号,方面,问题,整改措施,整改状态,整改结果\n";
  for (int i = 1; i <= n; ++i)
    csv += std::to_string(i) + ",第" + std::to_string(i % 3 + 1) + "方面,问题" + std::to_string(i) +
           ",措施甲" + std::to_string(i) + "；措施乙,推进中,正在整改\n";
  return csv;
}

struct Crashes {
  ScratchDir dir;
  std::string data = dir / "district";
  Ran Must(std::vector<std::string> args) {
    Ran r = Exec(args, dir.path);
    INFO(args[0] << " " << args[1] << ": " << r.err);
    REQUIRE(r.rc == 0);
    return r;
  }
  std::vector<std::string> Rectify(const std::string& dev, std::vector<std::string> args) {
    std::vector<std::string> full = {kRectify, "--db", dir / (dev + ".db"), "--author", dev};
    full.insert(full.end(), args.begin(), args.end());
    return full;
  }
  // Leaves the server has committed so far (read beside the running server; WAL).
  uint64_t Leaves() {
    auto db = Database::Open(data + "/rectifyd.db");
    if (!db.ok()) return 0;
    auto st = (*db)->Prepare("SELECT count(*) FROM leaves");
    if (!st.ok()) return 0;
    auto row = st->Step();
    return row.ok() && *row ? static_cast<uint64_t>(st->ColumnInt(0)) : 0;
  }
  json Json(const std::string& dev, std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    return json::parse(Must(Rectify(dev, args)).out);
  }
};

}  // namespace

TEST_CASE("crash: kill -9 of server and client mid-sync loses and duplicates nothing") {
  Crashes c;
  c.Must({kRectifyd, "init", "--data", c.data});
  c.Must({kRectifyd, "enroll", "--data", c.data, "--school", "s1", "--device", "pc1", "--out",
          c.dir / "id-pc1"});
  c.Must({kRectifyd, "enroll", "--data", c.data, "--school", "s1", "--device", "pc2", "--out",
          c.dir / "id-pc2"});
  c.Must({kRectifyd, "enroll", "--data", c.data, "--role", "auditor", "--device", "aud", "--out",
          c.dir / "id-aud"});
  c.Must(c.Rectify("pc1", {"init", "--school-id", "s1", "--school-name", "测试学校"}));
  std::ofstream(c.dir / "big.csv") << MakeCsv(600);
  c.Must(c.Rectify("pc1", {"import", c.dir / "big.csv"}));
  const uint64_t made = c.Json("pc1", {"status"})["last_device_seq"].get<uint64_t>();
  REQUIRE(made > 1500);

  std::mt19937 rng(20261122);
  int server_kills = 0, client_kills = 0;
  for (int round = 0; round < 6; ++round) {
    auto server =
        std::make_unique<Server>(c.data, c.dir / ("server" + std::to_string(round) + ".log"));
    const std::string addr = server->address();
    auto sync = c.Rectify(
        "pc1", {"sync", "--server", addr, "--identity", c.dir / "id-pc1", "--batch", "50"});
    const uint64_t before = c.Leaves();
    Child client(sync, c.dir / "client.err");
    // Kill once the server has stored something new (never on a timer, so the
    // moment does not depend on machine speed), after a random extra moment.
    for (int i = 0; i < 6000 && c.Leaves() == before; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 30));
    if (round % 2 == 0) {
      server->Kill();
      ++server_kills;
    } else {
      client.Signal(SIGKILL);
      ++client_kills;
    }
  }
  CHECK(server_kills == 3);
  CHECK(client_kills == 3);
  // The kills must have landed mid-sync: part of the backlog is stored, not all.
  json partial = json::parse(c.Must({kRectifyd, "verify", "--data", c.data, "--json"}).out);
  const uint64_t stored =
      partial["schools"].empty() ? 0 : partial["schools"][0]["leaves"].get<uint64_t>();
  MESSAGE("stored before recovery: " << stored << " of " << made);
  CHECK(stored > 0);
  CHECK(stored < made);

  // Recovery: a clean server and clean syncs until quiet.
  Server server(c.data, c.dir / "server-final.log");
  const std::string addr = server.address();
  c.Must(c.Rectify("pc1", {"sync", "--server", addr, "--identity", c.dir / "id-pc1"}));
  c.Must(c.Rectify("pc1", {"sync"}));
  c.Must(c.Rectify("pc2", {"sync", "--server", addr, "--identity", c.dir / "id-pc2"}));
  json st = c.Json("pc1", {"status"});
  CHECK(st["pending_ops"] == 0);

  // Nothing lost, nothing twice: one leaf per op the device made.
  c.Must(c.Rectify("aud",
                   {"sync", "--server", addr, "--identity", c.dir / "id-aud", "--school", "s1"}));
  json log = c.Json("aud", {"audit", "log"});
  CHECK(log.size() == made);
  std::set<uint64_t> seqs;
  for (const auto& row : log) seqs.insert(row["device_seq"].get<uint64_t>());
  CHECK(seqs.size() == made);
  CHECK(*seqs.begin() == 1);
  CHECK(*seqs.rbegin() == made);

  // Convergence between the crashed device and a fresh one.
  CHECK(c.Must(c.Rectify("pc1", {"export", "--format", "csv"})).out ==
        c.Must(c.Rectify("pc2", {"export", "--format", "csv"})).out);
  CHECK(c.Json("pc1", {"stats"}) == c.Json("pc2", {"stats"}));
  REQUIRE(server.Stop() == 0);
  c.Must({kRectifyd, "verify", "--data", c.data});
}

}  // namespace rectify::test
