// `rectifyd backup` (SQLite online backup, restored and verified),
// `rectifyd migrate` (SQLite district -> PostgreSQL, verified, re-run safe,
// then served from PostgreSQL) and a pg_dump / restore of the PostgreSQL
// store verified by `rectifyd verify` (docs/operations.md).
#include <doctest/doctest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "tests/integration/process.h"
#include "tests/pg_cluster.h"

namespace rectify::test {
namespace {

using nlohmann::json;

struct District {
  ScratchDir dir;
  std::string data = dir / "district";
  Ran Run(std::vector<std::string> args) { return Exec(args, dir.path); }
  Ran Must(std::vector<std::string> args) {
    Ran r = Run(args);
    INFO(args[0] << " " << args[1] << ": " << r.err);
    REQUIRE(r.rc == 0);
    return r;
  }
  std::vector<std::string> Rectify(std::vector<std::string> args) {
    std::vector<std::string> full = {kRectify, "--db", dir / "pc1.db", "--author", "pc1"};
    full.insert(full.end(), args.begin(), args.end());
    return full;
  }
  // A district with one school whose device synced 20 problems.
  void Populate(std::vector<std::string> serve_extra = {}) {
    Must({kRectifyd, "init", "--data", data});
    Must({kRectifyd, "enroll", "--data", data, "--school", "s1", "--device", "pc1", "--out",
          dir / "id-pc1"});
    Must(Rectify({"init", "--school-id", "s1", "--school-name", "测试学校"}));
    std::string csv = "序号,方面,问题,整改措施,整改状态,整改结果\n";
    for (int i = 1; i <= 20; ++i)
      csv += std::to_string(i) + ",第一方面,问题" + std::to_string(i) + ",措施,推进中,整改中\n";
    std::ofstream(dir / "p.csv") << csv;
    Must(Rectify({"import", dir / "p.csv"}));
    Server server(data, dir / "serve.log", serve_extra);
    Must(Rectify({"sync", "--server", server.address(), "--identity", dir / "id-pc1"}));
    REQUIRE(server.Stop() == 0);
  }
  // A district folder beside this one holding the same keys and `db` as its store.
  std::string Restored(const std::string& db) {
    const std::string other = dir / "restored";
    std::filesystem::create_directories(other);
    for (const char* f : {"district.json", "log.key"})
      std::filesystem::copy_file(data + "/" + f, other + "/" + f);
    std::filesystem::copy_file(db, other + "/rectifyd.db");
    return other;
  }
};

}  // namespace

TEST_CASE("backup: an online SQLite copy restores and verifies; an existing file is refused") {
  District d;
  d.Populate();
  json before = json::parse(d.Must({kRectifyd, "verify", "--data", d.data, "--json"}).out);
  REQUIRE(before["schools"][0]["leaves"].get<uint64_t>() > 20);
  // While a server runs on the store.
  Server server(d.data, d.dir / "serve2.log");
  d.Must({kRectifyd, "backup", "--data", d.data, "--out", d.dir / "b.db"});
  Ran again = d.Run({kRectifyd, "backup", "--data", d.data, "--out", d.dir / "b.db"});
  CHECK(again.rc == 1);
  CHECK(again.err.find("exists") != std::string::npos);
  REQUIRE(server.Stop() == 0);
  json after = json::parse(
      d.Must({kRectifyd, "verify", "--data", d.Restored(d.dir / "b.db"), "--json"}).out);
  CHECK(after["schools"] == before["schools"]);
}

TEST_CASE("migrate: SQLite district to PostgreSQL, verified, re-run safe, then served") {
  testing::PgCluster* cluster = testing::PgCluster::Get();
  if (!cluster) return;
  const std::string uri = cluster->NewDatabase();
  District d;
  d.Populate();
  json sqlite = json::parse(d.Must({kRectifyd, "verify", "--data", d.data, "--json"}).out);

  json first =
      json::parse(d.Must({kRectifyd, "migrate", "--from", d.data, "--to", uri, "--json"}).out);
  REQUIRE(first["schools"].size() == 1);
  CHECK(first["schools"][0]["copied"] == true);
  CHECK(first["schools"][0]["leaves"] == sqlite["schools"][0]["leaves"]);
  json second =
      json::parse(d.Must({kRectifyd, "migrate", "--from", d.data, "--to", uri, "--json"}).out);
  CHECK(second["schools"][0]["copied"] == false);  // already there: nothing written twice
  json pg =
      json::parse(d.Must({kRectifyd, "verify", "--data", d.data, "--store", uri, "--json"}).out);
  CHECK(pg["schools"] == sqlite["schools"]);

  // Served from PostgreSQL, the device's next edit lands on top of the copied log.
  {
    Server server(d.data, d.dir / "serve-pg.log", {"--store", uri});
    d.Must(d.Rectify({"problem", "add", "--number", "21", "--title", "迁移后新增问题"}));
    d.Must(d.Rectify({"sync", "--server", server.address(), "--identity", d.dir / "id-pc1"}));
    REQUIRE(server.Stop() == 0);
  }
  json grown =
      json::parse(d.Must({kRectifyd, "verify", "--data", d.data, "--store", uri, "--json"}).out);
  CHECK(grown["schools"][0]["leaves"].get<uint64_t>() >
        sqlite["schools"][0]["leaves"].get<uint64_t>());
  // The SQLite side moved on no longer: a re-run now refuses to mix histories.
  Ran mixed = d.Run({kRectifyd, "migrate", "--from", d.data, "--to", uri});
  CHECK(mixed.rc == 1);
  CHECK(mixed.err.find("refusing to mix") != std::string::npos);

  // pg_dump of the province store, restored into a fresh database, verifies.
  const std::string dump = d.dir / "province.sql";
  const std::string restored = cluster->NewDatabase();
  const std::string host = cluster->dir().string();
  REQUIRE(std::system(((cluster->bin() / "pg_dump").string() + " -h " + host + " -U postgres -d " +
                       testing::PgCluster::DbOf(uri) + " -f " + dump)
                          .c_str()) == 0);
  REQUIRE(std::system(((cluster->bin() / "psql").string() + " -X -q -v ON_ERROR_STOP=1 -h " + host +
                       " -U postgres -d " + testing::PgCluster::DbOf(restored) + " -f " + dump +
                       " >/dev/null")
                          .c_str()) == 0);
  json back = json::parse(
      d.Must({kRectifyd, "verify", "--data", d.data, "--store", restored, "--json"}).out);
  CHECK(back["schools"] == grown["schools"]);
}

}  // namespace rectify::test
