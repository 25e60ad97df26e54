// The whole flow with real processes: a district (`rectifyd init/enroll/
// serve`), an auditor issuing a problem list, two school devices editing the
// same problem offline, a close-out, a rejected late edit, the audit trail
// exported and verified, tampering caught by `rectifyd verify` and a rewritten
// history caught by a school's next sync. Real TLS on loopback, real SQLite.
#include <doctest/doctest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "shared/sqlite.h"
#include "tests/integration/district.h"
#include "tests/integration/process.h"

namespace rectify::test {

using nlohmann::json;

TEST_CASE("e2e: issue, offline conflict, close-out, rejected late edit, verified audit trail") {
  District d;
  Server server(d.data, d.dir / "server.log");
  const std::string addr = server.address();

  // The auditor issues the problem list of school s1 from a spreadsheet.
  json first = d.Sync("aud", addr, "aud-s1.db", {"--school", "s1"});
  CHECK(first["pushed"] == 0);
  d.RectifyOk("aud", {"import", RECTIFY_TEST_DATA "/seed000.csv"}, "aud-s1.db");
  json issued = d.Sync("aud", addr, "aud-s1.db");
  CHECK(issued["applied"].get<int>() > 15);
  CHECK(issued["rejected"] == 0);

  // Two school devices join with empty ledgers and pull everything.
  for (const char* dev : {"pc1", "pc2"}) {
    json s = d.Sync(dev, addr);
    CHECK(s["pulled"].get<int>() >= issued["applied"].get<int>());
    json stats = json::parse(d.RectifyOk(dev, {"--json", "stats"}).out);
    CHECK(stats["total"] == 15);
    CHECK(stats["measures"] == 26);
  }

  // Both edit problem 1's result offline; they sync in either order.
  d.RectifyOk("pc1", {"problem", "edit", "1", "--result", "升旗台已完工（一号机）"});
  d.RectifyOk("pc2", {"problem", "edit", "1", "--result", "升旗台已完工（二号机）"});
  d.Sync("pc2", addr);
  d.Sync("pc1", addr);
  d.Sync("pc2", addr);
  d.Sync("pc1", addr);
  const std::string r1 = d.Problem("pc1", 1)["result"];
  const std::string r2 = d.Problem("pc2", 1)["result"];
  CHECK(r1 == r2);
  for (const char* dev : {"pc1", "pc2"}) {
    json conflicts = json::parse(d.RectifyOk(dev, {"--json", "conflicts"}).out);
    REQUIRE(conflicts.size() >= 1);
    const json& c = conflicts[0];
    CHECK(c["field"] == "result");
    std::set<std::string> values = {c["winner"]["value"], c["loser"]["value"]};
    CHECK(values.count("升旗台已完工（一号机）") == 1);
    CHECK(values.count("升旗台已完工（二号机）") == 1);
    std::set<std::string> authors = {c["winner"]["author"], c["loser"]["author"]};
    CHECK(authors == std::set<std::string>{"author-pc1", "author-pc2"});
  }

  // Close-out: the school completes problem 2, the auditor verifies it (销号).
  d.RectifyOk("pc1", {"problem", "status", "2", "已完成"});
  d.Sync("pc1", addr);
  d.Sync("aud", addr, "aud-s1.db");
  d.RectifyOk("aud", {"problem", "status", "2", "已销号"}, "aud-s1.db");
  json verdict = d.Sync("aud", addr, "aud-s1.db");
  CHECK(verdict["applied"] == 1);
  // A school cannot verify by itself.
  Ran self_verify = d.Rectify("pc1", {"problem", "status", "3", "verified"});
  CHECK(self_verify.rc == 1);

  // pc2 edits problem 2 offline before it hears of the verdict: rejected.
  d.RectifyOk("pc2", {"problem", "edit", "2", "--result", "迟到的修改"});
  json late = d.Sync("pc2", addr);
  CHECK(late["rejected"] == 1);
  REQUIRE(late["rejections"].size() == 1);
  CHECK(late["rejections"][0].get<std::string>().find("verified") != std::string::npos);
  json p2 = d.Problem("pc2", 2);
  CHECK(p2["result"] != "迟到的修改");
  CHECK(p2["status"] == "verified");

  // The auditor reads the trail: the log, one problem's history, the export.
  json log = json::parse(d.RectifyOk("aud", {"--json", "audit", "log"}, "aud-s1.db").out);
  CHECK(log.size() > 40);
  json rejected = json::parse(d.RectifyOk("aud", {"--json", "audit", "rejected"}, "aud-s1.db").out);
  CHECK(rejected.size() == 1);
  json history =
      json::parse(d.RectifyOk("aud", {"--json", "audit", "history", "1"}, "aud-s1.db").out);
  CHECK(history["conflicts"].size() >= 1);
  const std::string exp = d.dir / "export";
  d.RectifyOk("aud", {"audit", "export", "--out", exp}, "aud-s1.db");
  Ran ok = d.RectifyOk("aud", {"audit", "verify", exp, "--key", d.dir / "id-aud/log.pub"});
  CHECK(ok.out.find("OK:") != std::string::npos);
  // The outsider's recipe of docs/audit-log.md (Python stdlib + openssl) accepts it too.
  {
    const std::string doc = ReadAll(std::string(RECTIFY_TEST_DATA) + "/../../docs/audit-log.md");
    const auto begin = doc.find("```python\n");
    const auto end = doc.find("```", begin + 10);
    REQUIRE(begin != std::string::npos);
    const std::string work = d.dir / "outsider";
    std::filesystem::create_directories(work);
    std::ofstream(work + "/verify_export.py") << doc.substr(begin + 10, end - begin - 10);
    Ran recipe = Exec({"/bin/sh", "-c",
                       "cd " + work + " && python3 verify_export.py " + exp + " && sed 1d " +
                           d.dir / "id-aud/log.pub" + " > pub.pem" +
                           " && openssl pkeyutl -verify -pubin -inkey pub.pem -rawin" +
                           " -in body.txt -sigfile sig.bin"},
                      d.dir.path);
    INFO("recipe: " << recipe.out << recipe.err);
    CHECK(recipe.rc == 0);
    CHECK(recipe.out.find("Signature Verified Successfully") != std::string::npos);
  }
  // Any device can prove its own op is in the log.
  Ran proof = d.RectifyOk("pc1", {"audit", "prove", "1"});
  CHECK(proof.out.find("inclusion proof verified") != std::string::npos);

  // Editing one leaf of the export is caught offline.
  {
    std::string leaves = ReadAll(exp + "/leaves.jsonl");
    auto pos = leaves.find("\"applied\"", leaves.find('\n', leaves.find('\n') + 1));
    REQUIRE(pos != std::string::npos);
    leaves.replace(pos, 9, "\"rejected\"");
    std::ofstream(exp + "/leaves.jsonl", std::ios::binary | std::ios::trunc) << leaves;
    Ran bad = d.Rectify("aud", {"audit", "verify", exp, "--key", d.dir / "id-aud/log.pub"});
    CHECK(bad.rc == 1);
    // One signed head only pins the whole range; it must say so.
    INFO("verify said: " << bad.err);
    CHECK(bad.err.find("altered") != std::string::npos);
    Ran recipe =
        Exec({"/bin/sh", "-c", "cd " + d.dir / "outsider" + " && python3 verify_export.py " + exp},
             d.dir.path);
    CHECK(recipe.rc != 0);
    CHECK(recipe.err.find("FAIL") != std::string::npos);
  }

  // Isolation: a device of school s2 asking for s1's data is refused and logged.
  Ran spy = d.Rectify("other", {"sync", "--server", addr, "--identity", d.dir / "id-other"});
  CHECK(spy.rc == 0);  // it syncs its own school s2 …
  Ran spy_audit = d.Rectify("other", {"audit", "log", "--school", "s1"});
  CHECK(spy_audit.rc != 0);  // … but reads nothing of s1
  CHECK(server.log().find("refused") != std::string::npos);

  CHECK(server.Stop() == 0);
}

TEST_CASE("e2e: tampering is caught by rectifyd verify and a rewritten history by the next sync") {
  District d;
  std::string addr;
  {
    Server server(d.data, d.dir / "server1.log");
    addr = server.address();
    d.RectifyOk("pc1", {"init", "--school-id", "s1", "--school-name", "杏花学校"});
    d.RectifyOk("pc1", {"import", RECTIFY_TEST_DATA "/seed000.csv"});
    d.Sync("pc1", addr);
    d.Sync("pc3", addr);  // pc3 knows the history up to here
    REQUIRE(server.Stop() == 0);
  }
  // A copy of the district as it is now: the base of a rewritten history.
  std::filesystem::copy(d.data, d.dir / "fork", std::filesystem::copy_options::recursive);
  {
    Server server(d.data, d.dir / "server2.log");
    d.RectifyOk("pc1", {"problem", "edit", "3", "--result", "真实的历史"});
    d.Sync("pc1", server.address());  // pc1 now holds a checkpoint beyond the fork
    REQUIRE(server.Stop() == 0);
  }
  d.Must({kRectifyd, "verify", "--data", d.data});

  // The fork grows a different history from pc3 until it is longer.
  {
    Server fork(d.dir / "fork", d.dir / "fork.log");
    for (int i = 0; i < 5; ++i)
      d.RectifyOk("pc3", {"problem", "edit", "3", "--result", "改写的历史" + std::to_string(i)});
    d.Sync("pc3", fork.address());
    // pc1 meets the rewritten log: its next sync refuses and says so loudly.
    Ran caught = d.Rectify("pc1", {"sync", "--server", fork.address()});
    CHECK(caught.rc == 1);
    CHECK(caught.err.find("HISTORY") != std::string::npos);
    Ran still = d.Rectify("pc1", {"sync", "--server", fork.address()});
    CHECK(still.rc == 1);  // halted until an operator looks into it
    REQUIRE(fork.Stop() == 0);
  }

  // Editing a stored leaf row is caught by rectifyd verify, naming the leaf.
  {
    auto db = Database::Open(d.data + "/rectifyd.db");
    REQUIRE(db.ok());
    auto st = (*db)->Prepare(
        "UPDATE leaves SET bytes = replace(bytes, 'applied', 'rejected') WHERE idx = 3");
    REQUIRE(st.ok());
    REQUIRE(st->Run().ok());
  }
  Ran tampered = Exec({kRectifyd, "verify", "--data", d.data}, d.dir.path);
  CHECK(tampered.rc != 0);
  CHECK((tampered.err + tampered.out).find("leaf 3") != std::string::npos);
}

}  // namespace rectify::test
