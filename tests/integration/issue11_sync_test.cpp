// Issue 11 ("What a clerk and an auditor hit"), the sync, audit and server
// defects: each test is named after its defect and fails on the code before
// the fix. Real processes, real TLS on loopback, real SQLite files.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/integration/district.h"
#include "tests/integration/process.h"

namespace rectify::test {

using nlohmann::json;

namespace {

// A district serving school s1, whose problem list the auditor issued from
// seed000.csv into aud-s1.db, and pc1 joined with an empty ledger.
struct IssuedDistrict {
  District d;
  Server server{d.data, d.dir / "server.log"};
  std::string addr = server.address();
  IssuedDistrict() {
    d.Sync("aud", addr, "aud-s1.db", {"--school", "s1"});
    d.RectifyOk("aud", {"import", RECTIFY_TEST_DATA "/seed000.csv"}, "aud-s1.db");
    d.Sync("aud", addr, "aud-s1.db");
    d.Sync("pc1", addr);
  }
  json Status(const std::string& device, const std::string& db = "") {
    return json::parse(d.RectifyOk(device, {"--json", "status"}, db).out);
  }
};

}  // namespace

TEST_CASE("issue 11 defect 1: audit as-of prints the counts in text mode (was SIGSEGV)") {
  IssuedDistrict w;
  for (const char* date : {"2020-01-01", "2099-12-31"}) {
    Ran text = w.d.Rectify("aud", {"audit", "as-of", date}, "aud-s1.db");
    INFO("as-of " << date << "\nstdout: " << text.out << "\nstderr: " << text.err);
    REQUIRE(text.rc == 0);
    json j = json::parse(w.d.RectifyOk("aud", {"--json", "audit", "as-of", date}, "aud-s1.db").out);
    // Every count of the JSON answer is in the text, and nothing else differs.
    for (const auto& [status, n] : j["problem_status_counts"].items())
      CHECK(text.out.find("  " + status + ": " + std::to_string(n.get<int>()) + "\n") !=
            std::string::npos);
    CHECK(text.out.find("rows: " + std::to_string(j["rows"].size())) != std::string::npos);
  }
  json later = json::parse(
      w.d.RectifyOk("aud", {"--json", "audit", "as-of", "2099-12-31"}, "aud-s1.db").out);
  CHECK(later["problems"] == 15);
}

TEST_CASE("issue 11 defect 4: a refused or failed sync changes nothing in the ledger") {
  IssuedDistrict w;
  json before = w.Status("pc1");
  REQUIRE(before["role"] == "school");
  REQUIRE(before["school_id"] == "s1");
  w.d.RectifyOk("pc1", {"problem", "edit", "1", "--result", "本地修改"});

  // An auditor's identity on a school ledger: refused before anything changes.
  Ran wrong = w.d.Rectify("pc1", {"sync", "--identity", w.d.dir / "id-aud"});
  CHECK(wrong.rc == 1);
  CHECK(wrong.err.find("auditor") != std::string::npos);
  json after = w.Status("pc1");
  CHECK(after["role"] == "school");
  CHECK(after["school_id"] == "s1");
  CHECK(after["pending_ops"] == before["pending_ops"].get<int>() + 1);
  // … so the clerk still cannot close an item out.
  Ran close = w.d.Rectify("pc1", {"problem", "status", "2", "已销号"});
  CHECK(close.rc == 1);
  Ran report = w.d.RectifyOk("pc1", {"--json", "problem", "show", "2"});
  CHECK(json::parse(report.out)["status"] != "verified");

  // A failing --server, --identity is not remembered: a plain sync still works.
  Ran dead = w.d.Rectify("pc1", {"sync", "--server", "127.0.0.1:1", "--timeout-ms", "2000"});
  CHECK(dead.rc != 0);
  Ran missing = w.d.Rectify("pc1", {"sync", "--identity", w.d.dir / "no-such-id"});
  CHECK(missing.rc != 0);
  Ran plain = w.d.Rectify("pc1", {"--json", "sync"});
  INFO("plain sync: " << plain.out << plain.err);
  REQUIRE(plain.rc == 0);
  CHECK(json::parse(plain.out)["applied"] == 1);
  CHECK(w.Status("pc1")["pending_ops"] == 0);

  // An auditor ledger of s1 asked for another school: refused, not remembered.
  Ran other = w.d.Rectify("aud", {"sync", "--school", "s2"}, "aud-s1.db");
  CHECK(other.rc == 1);
  CHECK(other.err.find("s1") != std::string::npos);
  json aud = w.Status("aud", "aud-s1.db");
  CHECK(aud["role"] == "auditor");
  CHECK(aud["school_id"] == "s1");
  Ran aud_plain = w.d.Rectify("aud", {"sync"}, "aud-s1.db");
  INFO("auditor's plain sync: " << aud_plain.err);
  CHECK(aud_plain.rc == 0);
  // A school identity on the auditor's ledger is refused the same way.
  Ran school_on_aud = w.d.Rectify("aud", {"sync", "--identity", w.d.dir / "id-pc2"}, "aud-s1.db");
  CHECK(school_on_aud.rc == 1);
  CHECK(w.Status("aud", "aud-s1.db")["role"] == "auditor");
}

TEST_CASE("issue 11 defect 5: audit verify accepts the district's own PEM log.pub") {
  IssuedDistrict w;
  const std::string exp = w.d.dir / "export";
  w.d.RectifyOk("aud", {"audit", "export", "--out", exp}, "aud-s1.db");
  const std::string district_key = w.d.data + "/log.pub";
  REQUIRE(ReadAll(district_key).rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
  Ran pem = w.d.Rectify("aud", {"audit", "verify", exp, "--key", district_key});
  INFO("verify --key district log.pub: " << pem.out << pem.err);
  CHECK(pem.rc == 0);
  CHECK(pem.out.find("OK:") != std::string::npos);
  CHECK(pem.out.find("localhost/rectify") != std::string::npos);
  // The verifier-key form (the enrolled identity's copy) still works.
  Ran vkey = w.d.Rectify("aud", {"audit", "verify", exp, "--key", w.d.dir / "id-aud/log.pub"});
  CHECK(vkey.rc == 0);
  // Another district's PEM key does not verify this export.
  const std::string other = w.d.dir / "other-district";
  w.d.Must({kRectifyd, "init", "--data", other, "--hostname", "localhost"});
  Ran wrong = w.d.Rectify("aud", {"audit", "verify", exp, "--key", other + "/log.pub"});
  CHECK(wrong.rc == 1);
  CHECK(wrong.err.find("no signature by this key") != std::string::npos);
}

TEST_CASE(
    "issue 11 defect 2: an oversized cell is refused at edit and at import, by field and row") {
  IssuedDistrict w;
  const std::string big(70'000, 'x');  // over the 64 KiB of one text field
  const json before = w.Status("pc1");
  Ran edit = w.d.Rectify("pc1", {"problem", "edit", "1", "--result", big});
  CHECK(edit.rc == 1);
  CHECK(edit.err.find("problem.result") != std::string::npos);
  CHECK(edit.err.find("limit") != std::string::npos);
  CHECK(w.Status("pc1")["pending_ops"] == before["pending_ops"]);
  CHECK(w.d.Problem("pc1", 1)["result"] != big);

  // The same cell in a spreadsheet: refused with its position, nothing imported.
  std::string csv = ReadAll(RECTIFY_TEST_DATA "/seed000.csv");
  const auto cell = csv.find("已上岗。");
  REQUIRE(cell != std::string::npos);
  csv.insert(cell, big);
  const std::string path = w.d.dir / "big.csv";
  std::ofstream(path, std::ios::binary) << csv;
  const json aud_before = w.Status("aud", "aud-s1.db");
  Ran import = w.d.Rectify("aud", {"import", path}, "aud-s1.db");
  CHECK(import.rc == 1);
  INFO("import said: " << import.err);
  CHECK(import.err.find("big.csv:2:12:") != std::string::npos);
  CHECK(import.err.find("limit") != std::string::npos);
  CHECK(w.Status("aud", "aud-s1.db")["pending_ops"] == aud_before["pending_ops"]);
  // The school keeps syncing.
  w.d.Sync("pc1", w.addr);
}

TEST_CASE("issue 11 defect 3: audit export and audit log page a log larger than one answer") {
  IssuedDistrict w;
  const std::string exp = w.d.dir / "paged";
  Ran paged = w.d.RectifyOk(
      "aud", {"--json", "audit", "export", "--out", exp, "--page-bytes", "4096"}, "aud-s1.db");
  json j = json::parse(paged.out);
  CHECK(j["pages"].get<int>() > 5);
  CHECK(j["leaves"].get<int>() > 40);
  CHECK_FALSE(std::filesystem::exists(exp + "/leaves.jsonl.partial"));
  Ran ok = w.d.RectifyOk("aud", {"audit", "verify", exp, "--key", w.d.dir / "id-aud/log.pub"});
  CHECK(ok.out.find("OK:") != std::string::npos);
  // The same export in one page is byte for byte the same.
  const std::string whole = w.d.dir / "whole";
  w.d.RectifyOk("aud", {"audit", "export", "--out", whole}, "aud-s1.db");
  CHECK(ReadAll(whole + "/leaves.jsonl") == ReadAll(exp + "/leaves.jsonl"));
  CHECK(ReadAll(whole + "/checkpoint") == ReadAll(exp + "/checkpoint"));
  // Every query kind: many small pages add up to the one-page answer.
  for (std::vector<std::string> q : std::vector<std::vector<std::string>>{
           {"log"}, {"history", "1"}, {"as-of", "2099-12-31"}, {"conflicts"}}) {
    std::vector<std::string> one = {"--json", "audit"};
    one.insert(one.end(), q.begin(), q.end());
    std::vector<std::string> many = one;
    many.insert(many.end(), {"--page-bytes", "1024"});
    CHECK(json::parse(w.d.RectifyOk("aud", many, "aud-s1.db").out) ==
          json::parse(w.d.RectifyOk("aud", one, "aud-s1.db").out));
  }
}

TEST_CASE("issue 11 friction: a revoked device is told that it was revoked") {
  IssuedDistrict w;
  w.d.Must({kRectifyd, "revoke", "--data", w.d.data, "--device", "pc1"});
  Ran sync = w.d.Rectify("pc1", {"sync"});
  CHECK(sync.rc == 1);
  INFO("sync said: " << sync.err);
  CHECK(sync.err.find("revoked") != std::string::npos);
  CHECK(sync.err.find("closed the connection") == std::string::npos);
}

TEST_CASE("issue 11 friction: rectifyd enroll creates the parent folders of --out") {
  District d;
  const std::string out = d.dir / "new/ids/pc9";
  d.Must({kRectifyd, "enroll", "--data", d.data, "--device", "pc9", "--school", "s1", "--role",
          "school", "--out", out});
  CHECK(std::filesystem::exists(out + "/device.key"));
  CHECK(std::filesystem::exists(out + "/log.pub"));
}

TEST_CASE("issue 11: every rectify --json error is one JSON object on stderr, exit nonzero") {
  IssuedDistrict w;
  const std::vector<std::vector<std::string>> failing = {
      {"--json", "problem", "show", "999"},
      {"--json", "problem", "status", "1", "no-such-status"},
      {"--json", "sync", "--server", "not-an-address"},
      {"--json", "audit", "verify", w.d.dir / "no-export"},
      {"--json", "import", w.d.dir / "missing.csv"},
      {"--json", "no-such-command"},
      {"problem", "list", "--json", "--no-such-option"},
  };
  for (const auto& args : failing) {
    Ran r = w.d.Rectify("pc1", args);
    INFO("rectify " << args[1] << " " << args[2] << "\nstdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.rc != 0);
    CHECK(r.out.empty());
    json e = json::parse(r.err, nullptr, false);  // exactly one value, nothing else
    REQUIRE(e.is_object());
    CHECK(e["error"].is_string());
    CHECK_FALSE(e["error"].get<std::string>().empty());
    CHECK(e["code"].is_string());
    CHECK(e["exit"] == r.rc);
  }
}

TEST_CASE("issue 11 friction: evidence state on other devices, get by listed prefix, quiet sync") {
  IssuedDistrict w;
  w.d.Sync("pc2", w.addr);
  const std::string file = w.d.dir / "会议纪要.txt";
  std::ofstream(file, std::ios::binary) << "已召开会议，形成纪要\n";
  w.d.RectifyOk("pc1", {"evidence", "add", "1", file});
  json up = w.d.Sync("pc1", w.addr);
  REQUIRE(up["evidence"].is_object());
  CHECK(up["evidence"]["uploaded"] == 1);
  // Nothing to upload: no evidence line.
  Ran quiet = w.d.RectifyOk("pc1", {"sync"});
  CHECK(quiet.err.find("evidence") == std::string::npos);
  Ran other = w.d.RectifyOk("pc2", {"sync"});
  CHECK(other.err.find("evidence") == std::string::npos);
  // pc2 never held the file, but the server does: listed as uploaded.
  json list = json::parse(w.d.RectifyOk("pc2", {"--json", "evidence", "list"}).out);
  REQUIRE(list.size() == 1);
  CHECK(list[0]["local"] == false);
  CHECK(list[0]["uploaded"] == true);
  Ran text = w.d.RectifyOk("pc2", {"evidence", "list"});
  CHECK(text.out.find("not uploaded") == std::string::npos);
  // `evidence get` takes the prefix of the id as well as of the hash.
  const std::string id = list[0]["id"];
  const std::string got = w.d.dir / "got.txt";
  w.d.RectifyOk("pc2", {"evidence", "get", id.substr(0, 8), "--out", got});
  CHECK(ReadAll(got) == ReadAll(file));
}

}  // namespace rectify::test
