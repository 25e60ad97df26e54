// Sync by USB stick only (docs/bundles.md), with real processes: a school
// device edits offline, exports a bundle, the district imports it and
// exports the school's bundle back, which the device and a second device of
// the school import. Damaged, truncated and foreign bundles are refused with
// nothing stored; every bundle imported twice changes nothing. Evidence
// files travel the same way, and a damaged evidence chunk refuses the whole
// bundle even when the bundle is validly re-signed.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "shared/bundle_format.h"
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

// A deterministic "photo" of `n` bytes (incompressible, like a real one).
std::string PhotoBytes(size_t n) {
  std::string s(n, '\0');
  uint64_t x = 88172645463325252ull;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  return s;
}

// File names in a directory (empty if it does not exist), sorted.
std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Opens a bundle file, lets `edit` change it, and seals it again with the
// key at `key_path` (certified by the CA at `ca_path`): the signature is
// valid, only the content checks remain.
template <class Edit>
void Resign(const std::string& in, const std::string& out, const std::string& key_path,
            const std::string& ca_path, Edit edit) {
  auto opened = OpenBundle(ReadAll(in), ReadAll(ca_path));
  REQUIRE(opened.ok());
  edit(*opened);
  auto sealed = SealBundle(*opened, ReadAll(key_path));
  REQUIRE(sealed.ok());
  WriteBytes(out, *sealed);
}

// A school ledger with the seed problems and one evidence file on problem 1.
struct WithPhoto {
  std::string bytes = PhotoBytes(2 * kBundleEvidenceChunk + 12345);  // 3 chunks
  std::string sha;
  uint64_t made = 0;
  explicit WithPhoto(Bundles& b, const std::string& db = "pc1.db") {
    REQUIRE(b.Rectify(db, {"init", "--school-id", "s1", "--school-name", "第一中学"}).rc == 0);
    REQUIRE(b.Rectify(db, {"import", RECTIFY_TEST_DATA "/seed000.csv"}).rc == 0);
    const std::string file = b.dir / "整改照片.jpg";
    WriteBytes(file, bytes);
    sha = b.RectifyJson(db, {"evidence", "add", "1", file, "--measure", "1"})["sha256"];
    made = b.RectifyJson(db, {"status"})["pending_ops"].get<uint64_t>();
  }
};

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

TEST_CASE("bundles: evidence files go school -> district -> another device by USB stick only") {
  Bundles b;
  WithPhoto pc1(b);
  const std::string photo_path = b.data + "/evidence/" + pc1.sha;
  // And a small scan (one chunk) on problem 2.
  const std::string scan = "%PDF-1.4 验收单";
  WriteBytes(b.dir / "scan.pdf", scan);
  const std::string scan_sha =
      b.RectifyJson("pc1.db", {"evidence", "add", "2", b.dir / "scan.pdf"})["sha256"];
  pc1.made += 1;
  const uint64_t both = pc1.bytes.size() + scan.size();

  json ex = b.RectifyJson(
      "pc1.db", {"bundle", "export", b.dir / "up.bundle", "--identity", b.dir / "id-pc1"});
  CHECK(ex["ops"] == pc1.made);
  CHECK(ex["evidence_files"] == 2);
  CHECK(ex["evidence_bytes"] == both);
  CHECK(static_cast<uint8_t>(ReadAll(b.dir / "up.bundle")[15]) == 2);

  json in = b.DistrictJson({"bundle", "import", "--data", b.data, b.dir / "up.bundle"});
  CHECK(in["ops"] == pc1.made);
  CHECK(in["evidence_files"] == 2);
  CHECK(in["evidence_stored"] == 2);
  CHECK(in["evidence_bytes"] == both);
  CHECK(in["evidence_skipped"].empty());
  CHECK(ReadAll(photo_path) == pc1.bytes);
  CHECK(ReadAll(b.data + "/evidence/" + scan_sha) == scan);
  const auto stored = Listing(b.data + "/evidence");
  CHECK(stored.size() == 2);
  // Twice: nothing new, neither leaves nor files.
  json again = b.DistrictJson({"bundle", "import", "--data", b.data, b.dir / "up.bundle"});
  CHECK(again["replayed"] == pc1.made);
  CHECK(again["evidence_stored"] == 0);
  CHECK(again["evidence_bytes"] == 0);
  CHECK(again["evidence_held"] == 2);
  CHECK(Listing(b.data + "/evidence") == stored);
  CHECK(b.Leaves() == pc1.made);

  json down = b.DistrictJson(
      {"bundle", "export", "--data", b.data, "--school", "s1", b.dir / "down.bundle"});
  CHECK(down["ops"] == pc1.made);
  CHECK(down["evidence_files"] == 2);
  CHECK(down["evidence_bytes"] == both);

  // A fresh device of the school, which never saw the file, and pc1 itself.
  for (const char* db : {"pc2.db", "pc1.db"}) {
    CAPTURE(db);
    const std::string id = b.dir / (std::string("id-") + std::string(db, 3));
    json r = b.RectifyJson(db, {"bundle", "import", b.dir / "down.bundle", "--identity", id});
    CHECK(r["ops"] == pc1.made);
    CHECK(r["evidence_files"] == 2);
    CHECK(r["evidence_stored"] == (db[2] == '2' ? 2 : 0));
    CHECK(r["evidence_bytes"] == (db[2] == '2' ? both : 0));
    CHECK(r["evidence_present"] == (db[2] == '2' ? 0 : 2));
    json twice = b.RectifyJson(db, {"bundle", "import", b.dir / "down.bundle"});
    CHECK(twice["evidence_stored"] == 0);
    CHECK(twice["evidence_present"] == 2);
    CHECK(b.RectifyJson(db, {"status"})["pending_ops"] == 0);
  }
  CHECK(b.Export("pc2.db") == b.Export("pc1.db"));
  CHECK(b.RectifyJson("pc1.db", {"stats"}) == b.RectifyJson("pc2.db", {"stats"}));
  // Same rows, both local and both known to be on the district server.
  json list1 = b.RectifyJson("pc1.db", {"evidence", "list"});
  CHECK(list1 == b.RectifyJson("pc2.db", {"evidence", "list"}));
  REQUIRE(list1.size() == 2);
  for (const auto& row : list1) {
    CHECK(row["local"] == true);
    CHECK(row["uploaded"] == true);
  }
  json got = b.RectifyJson("pc2.db", {"evidence", "get", pc1.sha, "--out", b.dir / "got.jpg"});
  CHECK(got["downloaded"] == false);
  CHECK(ReadAll(b.dir / "got.jpg") == pc1.bytes);
  b.RectifyJson("pc2.db", {"evidence", "get", scan_sha, "--out", b.dir / "got.pdf"});
  CHECK(ReadAll(b.dir / "got.pdf") == scan);

  // The audit log: one leaf per op, verified.
  CHECK(b.Leaves() == pc1.made);
  CHECK(b.Must({kRectifyd, "verify", "--data", b.data}).out.find("OK") != std::string::npos);
  // Nothing left to carry: the ops came back and the file is known to be held.
  Ran nothing = b.Rectify("pc1.db", {"bundle", "export", b.dir / "up2.bundle"});
  CHECK(nothing.rc == 1);
  CHECK(nothing.err.find("nothing to export") != std::string::npos);
}

TEST_CASE("bundles: an evidence chunk altered and re-signed is refused with nothing stored") {
  Bundles b;
  WithPhoto pc1(b);
  b.RectifyJson("pc1.db",
                {"bundle", "export", b.dir / "up.bundle", "--identity", b.dir / "id-pc1"});
  auto flip_chunk3 = [](Bundle& bundle) {
    REQUIRE(bundle.contents.evidence.size() == 1);
    REQUIRE(bundle.contents.evidence[0].chunks.size() == 3);
    std::string& bytes = bundle.contents.evidence[0].chunks[2].bytes;
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
  };
  Resign(b.dir / "up.bundle", b.dir / "bad-up.bundle", b.dir / "id-pc1/device.key",
         b.data + "/ca.pem", flip_chunk3);
  const std::string chunk3 = "evidence " + pc1.sha + " chunk 3: hash mismatch";

  // The district: refused, no op, no leaf, no file.
  Ran r =
      Exec({kRectifyd, "bundle", "import", "--data", b.data, b.dir / "bad-up.bundle"}, b.dir.path);
  CHECK(r.rc == 1);
  CHECK(r.err.find(chunk3) != std::string::npos);
  CHECK(b.Leaves() == 0);
  CHECK(Listing(b.data + "/evidence").empty());
  CHECK(b.Must({kRectifyd, "verify", "--data", b.data}).out.find("verified 0 school log(s)") !=
        std::string::npos);

  // A well-formed file the school's ledger does not record is skipped, as online.
  Resign(b.dir / "up.bundle", b.dir / "extra-up.bundle", b.dir / "id-pc1/device.key",
         b.data + "/ca.pem", [](Bundle& bundle) {
           bundle.contents.evidence.push_back(MakeBundleEvidence("not ours"));
         });
  json in = b.DistrictJson({"bundle", "import", "--data", b.data, b.dir / "extra-up.bundle"});
  CHECK(in["applied"].get<uint64_t>() + in["superseded"].get<uint64_t>() == pc1.made);
  CHECK(in["evidence_stored"] == 1);
  REQUIRE(in["evidence_skipped"].size() == 1);
  CHECK(in["evidence_skipped"][0].get<std::string>().find("not recorded in school s1") !=
        std::string::npos);
  CHECK(Listing(b.data + "/evidence") == std::vector<std::string>{pc1.sha});
  const uint64_t leaves = b.Leaves();
  CHECK(leaves == pc1.made);

  // The device side: a district bundle altered the same way and re-signed
  // with the server's own key. Neither a fresh device nor pc1 applies anything.
  b.DistrictJson({"bundle", "export", "--data", b.data, "--school", "s1", b.dir / "down.bundle"});
  Resign(b.dir / "down.bundle", b.dir / "bad-down.bundle", b.data + "/server.key",
         b.data + "/ca.pem", flip_chunk3);
  const std::string pc1_before = b.Export("pc1.db");
  for (const char* db : {"pc2.db", "pc1.db"}) {
    CAPTURE(db);
    const std::string id = b.dir / (std::string("id-") + std::string(db, 3));
    Ran refused = b.Rectify(db, {"bundle", "import", b.dir / "bad-down.bundle", "--identity", id});
    CHECK(refused.rc == 1);
    CHECK(refused.err.find(chunk3) != std::string::npos);
    json st = b.RectifyJson(db, {"status"});
    CHECK(st["pull_cursor"] == 0);
    CHECK(st["pending_ops"] == (db[2] == '1' ? pc1.made : 0));
    CHECK(st["school_id"] == (db[2] == '1' ? "s1" : ""));  // the fresh one adopted nothing
  }
  CHECK(b.Export("pc1.db") == pc1_before);
  CHECK(Listing(b.dir / "pc2.db.evidence").empty());
  CHECK(b.Leaves() == leaves);
}

TEST_CASE("bundles: version 1 bundles (no evidence) are still written and read") {
  Bundles b;
  WithPhoto pc1(b);
  json ex = b.RectifyJson("pc1.db", {"bundle", "export", b.dir / "v1.bundle", "--identity",
                                     b.dir / "id-pc1", "--no-evidence"});
  CHECK(ex["evidence_files"] == 0);
  CHECK(static_cast<uint8_t>(ReadAll(b.dir / "v1.bundle")[15]) == 1);
  json in = b.DistrictJson({"bundle", "import", "--data", b.data, b.dir / "v1.bundle"});
  CHECK(in["ops"] == pc1.made);
  CHECK(in["evidence_files"] == 0);
  CHECK(b.Leaves() == pc1.made);
  CHECK(Listing(b.data + "/evidence").empty());

  // The district cannot carry a file it does not hold, and says so.
  json down = b.DistrictJson(
      {"bundle", "export", "--data", b.data, "--school", "s1", b.dir / "down-v1.bundle"});
  CHECK(down["evidence_files"] == 0);
  CHECK(down["evidence_missing"] == 1);
  CHECK(static_cast<uint8_t>(ReadAll(b.dir / "down-v1.bundle")[15]) == 1);
  json r = b.RectifyJson(
      "pc2.db", {"bundle", "import", b.dir / "down-v1.bundle", "--identity", b.dir / "id-pc2"});
  CHECK(r["ops"] == pc1.made);
  CHECK(r["evidence_files"] == 0);

  // The file follows in a later bundle; the ops in it are replays.
  json ex2 = b.RectifyJson("pc1.db", {"bundle", "export", b.dir / "v2.bundle"});
  CHECK(ex2["evidence_files"] == 1);
  json in2 = b.DistrictJson({"bundle", "import", "--data", b.data, b.dir / "v2.bundle"});
  CHECK(in2["replayed"] == pc1.made);
  CHECK(in2["evidence_stored"] == 1);
  CHECK(b.Leaves() == pc1.made);
  json down2 = b.DistrictJson({"bundle", "export", "--data", b.data, "--school", "s1",
                               "--no-evidence", b.dir / "down-none.bundle"});
  CHECK(down2["evidence_files"] == 0);
  CHECK(down2["evidence_missing"] == 0);
  json down3 = b.DistrictJson(
      {"bundle", "export", "--data", b.data, "--school", "s1", b.dir / "down-v2.bundle"});
  CHECK(down3["evidence_files"] == 1);
  json r2 = b.RectifyJson("pc2.db", {"bundle", "import", b.dir / "down-v2.bundle"});
  CHECK(r2["evidence_stored"] == 1);
  CHECK(ReadAll(b.dir / "pc2.db.evidence/" + pc1.sha) == pc1.bytes);
}

}  // namespace rectify::test
