// A province (docs/operations.md): three `rectifyd serve --store postgresql://…`
// on one PostgreSQL; devices of several schools sync through a randomly chosen
// server each time, several at once; one server is killed with kill -9 while
// it is storing pushes, and restarted. Afterwards every replica converges,
// every op is in its school's log exactly once, `rectifyd verify` passes, and
// every checkpoint a device kept along the way is a prefix of the final log.
// Real processes, real TLS, a real PostgreSQL (tests/pg_cluster.h).
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "client/sync/ledger_sync_store.h"
#include "server/service/serve_wiring.h"
#include "server/storage/pg_store.h"
#include "shared/checkpoint.h"
#include "shared/merkle.h"
#include "shared/sqlite.h"
#include "tests/integration/process.h"
#include "tests/pg_cluster.h"

namespace rectify::test {
namespace {

using nlohmann::json;

std::string Csv(const std::string& tag, int n) {
  std::string csv = "序号,方面,问题,整改措施,整改状态,整改结果\n";
  for (int i = 1; i <= n; ++i)
    csv += std::to_string(i) + ",第" + std::to_string(i % 3 + 1) + "方面," + tag + "问题" +
           std::to_string(i) + ",措施" + std::to_string(i) + ",推进中,正在整改\n";
  return csv;
}

struct Province {
  ScratchDir dir;
  std::string data = dir / "district";
  std::string uri;
  std::unique_ptr<PgStore> store;  // the test's own view of the shared database

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
  std::vector<std::string> Sync(const std::string& dev, const std::string& addr) {
    return Rectify(dev,
                   {"sync", "--server", addr, "--identity", dir / ("id-" + dev), "--batch", "20"});
  }
  json Json(const std::string& dev, std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    return json::parse(Must(Rectify(dev, args)).out);
  }
  uint64_t Leaves() {
    uint64_t n = 0;
    auto schools = store->ListSchools();
    if (!schools.ok()) return 0;
    for (const auto& s : *schools) {
      auto txn = store->BeginRead(s);
      if (!txn.ok()) continue;
      auto count = (*txn)->LeafCount();
      if (count.ok()) n += *count;
    }
    return n;
  }
  // The checkpoint note a device keeps (client/sync/ledger_sync_store.h).
  std::string KeptCheckpoint(const std::string& dev) {
    auto db = Database::Open(dir / (dev + ".db"));
    if (!db.ok()) return "";
    auto st = (*db)->Prepare("SELECT value FROM meta WHERE key = ?1");
    if (!st.ok() || !st->Bind(1, std::string(kMetaCheckpoint)).ok()) return "";
    auto row = st->Step();
    return row.ok() && *row ? st->ColumnText(0) : "";
  }
};

std::unique_ptr<Server> StartServer(Province& p, int id, int generation) {
  return std::make_unique<Server>(
      p.data, p.dir / ("server" + std::to_string(id) + "-" + std::to_string(generation) + ".log"),
      std::vector<std::string>{"--store", p.uri});
}

}  // namespace

TEST_CASE("province: three rectifyd on one PostgreSQL, one killed -9 mid-push, converge") {
  testing::PgCluster* cluster = testing::PgCluster::Get();
  if (!cluster) return;
  Province p;
  p.uri = cluster->NewDatabase();
  auto opened = PgStore::Open(p.uri);
  REQUIRE(opened.ok());
  p.store = std::move(*opened);

  const std::vector<std::string> schools = {"s1", "s2", "s3"};
  std::vector<std::string> devices;
  std::map<std::string, std::string> school_of;
  p.Must({kRectifyd, "init", "--data", p.data});
  for (const auto& s : schools) {
    for (const char* n : {"a", "b"}) {
      const std::string dev = s + n;
      devices.push_back(dev);
      school_of[dev] = s;
      p.Must({kRectifyd, "enroll", "--data", p.data, "--school", s, "--device", dev, "--out",
              p.dir / ("id-" + dev)});
      p.Must(p.Rectify(dev, {"init", "--school-id", s, "--school-name", "学校" + s}));
      std::ofstream(p.dir / (dev + ".csv")) << Csv(dev, 40);
      p.Must(p.Rectify(dev, {"import", p.dir / (dev + ".csv")}));
    }
  }
  p.Must({kRectifyd, "enroll", "--data", p.data, "--role", "auditor", "--device", "aud", "--out",
          p.dir / "id-aud"});
  std::map<std::string, uint64_t> made;
  for (const auto& d : devices) made[d] = p.Json(d, {"status"})["last_device_seq"];

  std::vector<std::unique_ptr<Server>> servers;
  for (int i = 0; i < 3; ++i) servers.push_back(StartServer(p, i, 0));

  const uint32_t seed = std::random_device{}();
  MESSAGE("seed " << seed);
  std::mt19937 rng(seed);
  std::vector<std::string> kept;  // checkpoints devices held along the way
  for (int round = 0; round < 3; ++round) {
    // Every device syncs at once, each through a random server.
    const uint64_t before = p.Leaves();
    std::vector<std::unique_ptr<Child>> syncs;
    std::vector<size_t> chosen;
    for (const auto& d : devices) {
      chosen.push_back(rng() % servers.size());
      const auto& server = servers[chosen.back()];
      syncs.push_back(std::make_unique<Child>(p.Sync(d, server->address()),
                                              p.dir / (d + "-" + std::to_string(round) + ".err")));
    }
    if (round == 0) {
      // kill -9 one server once the database has taken something new (never on
      // a timer), after a random extra moment; then restart it.
      for (int i = 0; i < 6000 && p.Leaves() == before; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 40));
      const size_t victim = chosen[rng() % chosen.size()];  // one serving a device
      servers[victim]->Kill();
      MESSAGE("killed server " << victim << " with " << p.Leaves() << " leaves stored");
      servers[victim] = StartServer(p, static_cast<int>(victim), 1);
    }
    for (auto& s : syncs) s->Signal(0);  // wait; a sync cut by the kill may fail
    for (const auto& d : devices)
      if (std::string cp = p.KeptCheckpoint(d); !cp.empty()) kept.push_back(cp);
  }

  // Until quiet: every device syncs twice more, through random servers.
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& d : devices) p.Must(p.Sync(d, servers[rng() % servers.size()]->address()));

  auto log_name = ReadDistrictLogName(p.data);
  auto key = ReadLogKey(p.data);
  REQUIRE(log_name.ok());
  REQUIRE(key.ok());
  const VerifyingKey vkey = VerifyingKey::FromSigningKey(*key);
  for (const auto& s : schools) {
    CAPTURE(s);
    // Convergence: both devices of the school hold the same ledger.
    const std::string a = s + "a", b = s + "b";
    CHECK(p.Json(a, {"status"})["pending_ops"] == 0);
    CHECK(p.Json(b, {"status"})["pending_ops"] == 0);
    CHECK(p.Must(p.Rectify(a, {"export", "--format", "csv"})).out ==
          p.Must(p.Rectify(b, {"export", "--format", "csv"})).out);
    // Exactly once: the school's log holds every op of both devices, once.
    const std::string aud = "aud-" + s;
    p.Must(p.Rectify(aud, {"sync", "--server", servers[rng() % 3]->address(), "--identity",
                           p.dir / "id-aud", "--school", s}));
    json log = p.Json(aud, {"audit", "log"});
    CHECK(log.size() == made[a] + made[b]);
    std::set<std::pair<std::string, uint64_t>> ids;
    for (const auto& row : log)
      ids.insert({row["device"].get<std::string>(), row["device_seq"].get<uint64_t>()});
    CHECK(ids.size() == log.size());
  }
  // Every checkpoint any device kept is a prefix of the final log.
  REQUIRE_FALSE(kept.empty());
  for (const auto& note : kept) {
    auto cp = VerifyNote(note, *log_name, vkey);
    REQUIRE(cp.ok());
    const std::string school = cp->origin.substr(cp->origin.rfind('/') + 1);
    auto txn = p.store->BeginRead(school);
    REQUIRE(txn.ok());
    auto leaves = (*txn)->ReadLeaves(0, cp->size);
    REQUIRE(leaves.ok());
    REQUIRE(leaves->size() == cp->size);
    std::vector<Hash> hashes;
    for (const auto& l : *leaves) hashes.push_back(LeafHash(l));
    CHECK_MESSAGE(RootOf(hashes) == cp->root,
                  "kept checkpoint of " << school << " size " << cp->size);
  }
  for (auto& s : servers) CHECK(s->Stop() == 0);
  json verified =
      json::parse(p.Must({kRectifyd, "verify", "--data", p.data, "--store", p.uri, "--json"}).out);
  CHECK(verified["ok"] == true);
  CHECK(verified["schools"].size() == schools.size());
}

}  // namespace rectify::test
