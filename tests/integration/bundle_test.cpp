// Sync by USB stick only (docs/bundles.md), with real processes: a school
// device edits offline, exports a bundle, the district imports it and
// exports the school's bundle back, which the device and a second device of
// the school import. Damaged, truncated and foreign bundles are refused with
// nothing stored; every bundle imported twice changes nothing.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/process.h"

namespace rectify::test {
namespace {

using nlohmann::json;

struct Bundles {
  ScratchDir dir;
  std::string data = dir / "district";
  std::string other = dir / "other-district";

  Bundles() {
    Must({kRectifyd, "init", "--data", data, "--hostname", "localhost"});
    Must({kRectifyd, "init", "--data", other, "--hostname", "localhost"});
    for (const char* dev : {"pc1", "pc2"})
      Must({kRectifyd, "enroll", "--data", data, "--school", "s1", "--device", dev, "--out",
            dir / (std::string("id-") + dev)});
    Must({kRectifyd, "enroll", "--data", other, "--school", "s1", "--device", "pc1", "--out",
          dir / "id-foreign"});
  }
  Ran Must(const std::vector<std::string>& args) {
    Ran r = Exec(args, dir.path);
    INFO("command: " << args[1] << " " << (args.size() > 2 ? args[2] : "") << "\nstdout: " << r.out
                     << "\nstderr: " << r.err);
    REQUIRE(r.rc == 0);
    return r;
  }
  Ran Rectify(const std::string& db, std::vector<std::string> args) {
    std::vector<std::string> full = {kRectify, "--db", dir / db, "--author", "clerk-" + db};
    full.insert(full.end(), args.begin(), args.end());
    return Exec(full, dir.path);
  }
  json RectifyJson(const std::string& db, std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    Ran r = Rectify(db, args);
    INFO("rectify " << db << " " << args[1] << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.rc == 0);
    return json::parse(r.out);
  }
  json DistrictJson(std::vector<std::string> args) {
    args.insert(args.begin(), kRectifyd);
    args.push_back("--json");
    return json::parse(Must(args).out);
  }
  uint64_t Leaves() {
    json v = DistrictJson({"verify", "--data", data});
    REQUIRE(v["ok"] == true);
    return v["schools"].empty() ? 0 : v["schools"][0]["leaves"].get<uint64_t>();
  }
  std::string Export(const std::string& db) {
    Ran r = Rectify(db, {"export"});
    REQUIRE(r.rc == 0);
    return r.out;
  }
};

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

TEST_CASE("bundles: a school and the district converge by USB stick only") {
  Bundles b;
  // pc1 works offline: a new ledger and the seed problem list.
  REQUIRE(b.Rectify("pc1.db", {"init", "--school-id", "s1", "--school-name", "第一中学"}).rc == 0);
  REQUIRE(b.Rectify("pc1.db", {"import", RECTIFY_TEST_DATA "/seed000.csv"}).rc == 0);
  const uint64_t made = b.RectifyJson("pc1.db", {"status"})["pending_ops"].get<uint64_t>();
  REQUIRE(made > 40);

  json ex = b.RectifyJson(
      "pc1.db", {"bundle", "export", b.dir / "up.bundle", "--identity", b.dir / "id-pc1"});
  CHECK(ex["ops"] == made);
  // Exporting acknowledges nothing.
  CHECK(b.RectifyJson("pc1.db", {"status"})["pending_ops"] == made);

  // Refused, nothing stored: a flipped byte, a truncation, a foreign district.
  const std::string up = ReadAll(b.dir / "up.bundle");
  std::string flipped = up;
  flipped[up.size() / 2] = static_cast<char>(flipped[up.size() / 2] ^ 0x01);
  WriteBytes(b.dir / "flipped.bundle", flipped);
  WriteBytes(b.dir / "short.bundle", up.substr(0, up.size() - 10));
  REQUIRE(b.Rectify("foreign.db", {"init", "--school-id", "s1", "--school-name", "冒名"}).rc == 0);
  b.RectifyJson("foreign.db",
                {"bundle", "export", b.dir / "foreign.bundle", "--identity", b.dir / "id-foreign"});
  struct Bad {
    const char* file;
    const char* says;
  };
  for (const Bad& bad :
       {Bad{"flipped.bundle", "signature is invalid"}, Bad{"short.bundle", "truncated"},
        Bad{"foreign.bundle", "not certified by this district"}}) {
    CAPTURE(bad.file);
    Ran r = Exec({kRectifyd, "bundle", "import", "--data", b.data, b.dir / bad.file}, b.dir.path);
    CHECK(r.rc == 1);
    CHECK(r.err.find(bad.says) != std::string::npos);
    CHECK(b.Leaves() == 0);
  }

  // The district imports: every op gets an outcome and a leaf, once.
  json in = b.DistrictJson({"bundle", "import", "--data", b.data, b.dir / "up.bundle"});
  CHECK(in["ops"] == made);
  CHECK(in["applied"].get<uint64_t>() + in["superseded"].get<uint64_t>() == made);
  CHECK(in["rejected"] == 0);
  CHECK(in["replayed"] == 0);
  CHECK(b.Leaves() == made);
  json again = b.DistrictJson({"bundle", "import", "--data", b.data, b.dir / "up.bundle"});
  CHECK(again["replayed"] == made);
  CHECK(b.Leaves() == made);

  // The district's answer, for every device of the school.
  json down = b.DistrictJson(
      {"bundle", "export", "--data", b.data, "--school", "s1", b.dir / "down.bundle"});
  CHECK(down["ops"] == made);
  CHECK(down["tree_size"] == made);

  // A school bundle is not a district bundle.
  Ran wrong = b.Rectify("pc1.db", {"bundle", "import", b.dir / "up.bundle"});
  CHECK(wrong.rc == 1);
  CHECK(wrong.err.find("school->district") != std::string::npos);

  const std::string before = b.Export("pc1.db");
  for (const char* db : {"pc1.db", "pc2.db"}) {
    CAPTURE(db);
    const std::string id = b.dir / (std::string("id-") + (db[2] == '1' ? "pc1" : "pc2"));
    for (int round = 0; round < 2; ++round) {
      json r = b.RectifyJson(db, {"bundle", "import", b.dir / "down.bundle", "--identity", id});
      CHECK(r["ops"] == made);
      CHECK(r["tree_size"] == made);
      CHECK(r["cursor_after"] == made);
      json st = b.RectifyJson(db, {"status"});
      CHECK(st["pending_ops"] == 0);
      CHECK(st["pull_cursor"] == made);
      CHECK(st["sync_halted"] == "");
    }
  }
  CHECK(b.Export("pc1.db") == before);
  CHECK(b.Export("pc2.db") == before);
  CHECK(b.RectifyJson("pc1.db", {"stats"}) == b.RectifyJson("pc2.db", {"stats"}));

  // A damaged district bundle is refused by the device, which keeps its state.
  const std::string dn = ReadAll(b.dir / "down.bundle");
  std::string bad_down = dn;
  bad_down[dn.size() / 3] = static_cast<char>(bad_down[dn.size() / 3] ^ 0x40);
  WriteBytes(b.dir / "bad-down.bundle", bad_down);
  Ran refused = b.Rectify("pc2.db", {"bundle", "import", b.dir / "bad-down.bundle"});
  CHECK(refused.rc == 1);
  CHECK(refused.err.find("signature is invalid") != std::string::npos);
  CHECK(b.Export("pc2.db") == before);
  CHECK(b.Leaves() == made);
  Ran verify = b.Must({kRectifyd, "verify", "--data", b.data});
  CHECK(verify.out.find("OK") != std::string::npos);

  // A lost laptop, revoked: its bundles are refused from then on.
  b.Must({kRectifyd, "revoke", "--data", b.data, "--device", "pc1"});
  Ran revoked =
      Exec({kRectifyd, "bundle", "import", "--data", b.data, b.dir / "up.bundle"}, b.dir.path);
  CHECK(revoked.rc == 1);
  CHECK(revoked.err.find("device pc1 is revoked") != std::string::npos);
  CHECK(b.Leaves() == made);
}

TEST_CASE("bundles: a rejected op leaves the outbox when the district's bundle comes back") {
  Bundles b;
  b.Must({kRectifyd, "enroll", "--data", b.data, "--role", "auditor", "--device", "aud", "--out",
          b.dir / "id-aud"});
  REQUIRE(b.Rectify("pc1.db", {"init", "--school-id", "s1", "--school-name", "第一中学"}).rc == 0);
  REQUIRE(b.Rectify("pc1.db", {"import", RECTIFY_TEST_DATA "/seed000.csv"}).rc == 0);
  const uint64_t made = b.RectifyJson("pc1.db", {"status"})["pending_ops"].get<uint64_t>();
  b.RectifyJson("pc1.db", {"bundle", "export", b.dir / "up1", "--identity", b.dir / "id-pc1"});
  b.DistrictJson({"bundle", "import", "--data", b.data, b.dir / "up1"});
  b.DistrictJson({"bundle", "export", "--data", b.data, "--school", "s1", b.dir / "down1"});
  b.RectifyJson("pc1.db", {"bundle", "import", b.dir / "down1"});

  // The auditor, also by bundle only, closes problem 2 out (销号).
  b.RectifyJson("aud.db", {"bundle", "import", b.dir / "down1", "--identity", b.dir / "id-aud"});
  REQUIRE(b.Rectify("aud.db", {"problem", "status", "2", "已完成"}).rc == 0);
  REQUIRE(b.Rectify("aud.db", {"problem", "status", "2", "verified"}).rc == 0);
  b.RectifyJson("aud.db", {"bundle", "export", b.dir / "aud-up"});
  json aud = b.DistrictJson({"bundle", "import", "--data", b.data, b.dir / "aud-up"});
  CHECK(aud["rejected"] == 0);

  // pc1, not knowing, edits problem 2 (refused by the district) and problem 3.
  const std::string old_result = b.RectifyJson("pc1.db", {"problem", "show", "2"})["result"];
  REQUIRE(b.Rectify("pc1.db", {"problem", "edit", "2", "--result", "迟到的修改"}).rc == 0);
  REQUIRE(b.Rectify("pc1.db", {"problem", "edit", "3", "--result", "按时的修改"}).rc == 0);
  b.RectifyJson("pc1.db", {"bundle", "export", b.dir / "up2"});
  json in = b.DistrictJson({"bundle", "import", "--data", b.data, b.dir / "up2"});
  CHECK(in["applied"] == 1);
  CHECK(in["rejected"] == 1);
  const uint64_t leaves = b.Leaves();

  // An incremental answer from the device's cursor and verified log size.
  const std::string size = std::to_string(made);
  json down = b.DistrictJson({"bundle", "export", "--data", b.data, "--school", "s1", "--since",
                              size, "--known-size", size, b.dir / "down2"});
  CHECK(down["rejections"] == 1);
  CHECK(down["tree_size"] == leaves);
  json r = b.RectifyJson("pc1.db", {"bundle", "import", b.dir / "down2"});
  CHECK(r["dropped_rejected"] == 1);
  CHECK(r["tree_size"] == leaves);
  CHECK(b.RectifyJson("pc1.db", {"status"})["pending_ops"] == 0);
  CHECK(b.RectifyJson("pc1.db", {"problem", "show", "2"})["result"] == old_result);
  CHECK(b.RectifyJson("pc1.db", {"problem", "show", "3"})["result"] == "按时的修改");
  // The older bundle again: harmless, and the ledger keeps its newer checkpoint.
  json stale = b.RectifyJson("pc1.db", {"bundle", "import", b.dir / "down1"});
  CHECK(stale["stale"] == true);
  CHECK(b.RectifyJson("pc1.db", {"status"})["sync_halted"] == "");
  CHECK(b.RectifyJson("pc1.db", {"problem", "show", "3"})["result"] == "按时的修改");
  // A bundle that starts after the ledger's cursor would skip ops: refused.
  Ran gap =
      b.Rectify("fresh.db", {"bundle", "import", b.dir / "down2", "--identity", b.dir / "id-pc2"});
  CHECK(gap.rc == 1);
  CHECK(gap.err.find("--since 0") != std::string::npos);
  CHECK(b.Leaves() == leaves);
}

}  // namespace rectify::test
