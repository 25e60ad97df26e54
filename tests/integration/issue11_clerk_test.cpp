// Issue 11 ("What a clerk and an auditor hit"), defect 12 and the frictions
// of what the CLI prints: one rule for times (shared/time_format.h) under any
// TZ, audit answers as readable text, device names and problem numbers
// instead of ids, global options in every --help, the author shown as it is,
// and the clerk's messages in Chinese with the command that fixes each
// warning. Real processes, real TLS on loopback, real SQLite files.
#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <regex>

#include <nlohmann/json.hpp>

#include "tests/integration/district.h"
#include "tests/integration/process.h"

namespace rectify::test {

using nlohmann::json;

namespace {

// Sets (or, with nullopt, unsets) an environment variable the `rectify`
// children inherit, and restores it on destruction.
class EnvVar {
 public:
  EnvVar(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~EnvVar() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  EnvVar(const EnvVar&) = delete;
  EnvVar& operator=(const EnvVar&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// The oracle, independent of the code under test: `ms` in a zone `offset_min`
// east of UTC, as "YYYY-MM-DD HH:MM:SS +HH:MM" and as RFC 3339.
std::string Expected(int64_t ms, int offset_min, bool rfc3339 = false) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000 + offset_min * 60);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, rfc3339 ? "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d"
                                         : "%04d-%02d-%02d %02d:%02d:%02d %c%02d:%02d",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                offset_min < 0 ? '-' : '+', std::abs(offset_min) / 60, std::abs(offset_min) % 60);
  return buf;
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// School s1 issued by the auditor from seed000.csv; pc1 and pc2 both edit
// problem 1's result offline, so the server records a conflict.
struct ConflictDistrict {
  District d;
  Server server{d.data, d.dir / "server.log"};
  std::string addr = server.address();
  ConflictDistrict() {
    d.Sync("aud", addr, "aud-s1.db", {"--school", "s1"});
    d.RectifyOk("aud", {"import", RECTIFY_TEST_DATA "/seed000.csv"}, "aud-s1.db");
    d.Sync("aud", addr, "aud-s1.db");
    d.Sync("pc1", addr);
    d.Sync("pc2", addr);
    d.RectifyOk("pc1", {"problem", "edit", "1", "--result", "一号机的结果"});
    d.RectifyOk("pc2", {"problem", "edit", "1", "--result", "二号机的结果"});
    d.Sync("pc2", addr);
    d.Sync("pc1", addr);
    d.Sync("pc2", addr);
    d.Sync("aud", addr, "aud-s1.db");
  }
  json Json(const std::string& device, std::vector<std::string> args, const std::string& db = "") {
    args.insert(args.begin(), "--json");
    return json::parse(d.RectifyOk(device, args, db).out);
  }
};

int64_t HlcMillis(const json& side) { return static_cast<int64_t>(side["hlc"].get<uint64_t>() >> 16); }

}  // namespace

TEST_CASE("issue 11 defect 12: one instant prints the same way in status, audit log, conflicts and history") {
  ConflictDistrict w;
  for (auto [tz, offset] : {std::pair<const char*, int>{"Asia/Shanghai", 480}, {"UTC", 0}}) {
    EnvVar zone("TZ", std::string(tz));
    INFO("TZ=" << std::string(tz));
    // status: the last sync, with its offset, in text and JSON.
    json st = w.Json("pc1", {"status"});
    const int64_t last = st["last_sync_ms"].get<int64_t>();
    REQUIRE(last > 0);
    CHECK(st["last_sync"] == Expected(last, offset, true));
    Ran status = w.d.RectifyOk("pc1", {"status"});
    CHECK(Has(status.out, Expected(last, offset)));

    // A conflict: the same stamp in the local `conflicts` and `audit conflicts`.
    json local = w.Json("pc1", {"conflicts"});
    REQUIRE(local.size() == 1);
    const int64_t kept = HlcMillis(local[0]["winner"]), lost = HlcMillis(local[0]["loser"]);
    CHECK(local[0]["winner"]["time"] == Expected(kept, offset, true));
    json audited = w.Json("aud", {"audit", "conflicts"}, "aud-s1.db");
    REQUIRE(audited.size() == 1);
    CHECK(HlcMillis(audited[0]["winner"]) == kept);
    CHECK(audited[0]["winner"]["time"] == local[0]["winner"]["time"]);
    for (const std::string& text : {w.d.RectifyOk("pc1", {"conflicts"}).out,
                                    w.d.RectifyOk("aud", {"audit", "conflicts"}, "aud-s1.db").out,
                                    w.d.RectifyOk("aud", {"audit", "history", "1"}, "aud-s1.db").out}) {
      INFO(text);
      CHECK(Has(text, Expected(kept, offset)));
      CHECK(Has(text, Expected(lost, offset)));
      CHECK_FALSE(Has(text, "Z+"));  // the HLC's own form is gone
    }

    // A leaf: the same server time in `audit log` and `audit history`.
    json history = w.Json("aud", {"audit", "history", "1"}, "aud-s1.db");
    REQUIRE(history["leaves"].size() >= 2);
    const json& leaf = history["leaves"].back();
    const int64_t at = leaf["server_time_ms"].get<int64_t>();
    CHECK(leaf["time"] == Expected(at, offset, true));
    const std::string line = "#" + std::to_string(leaf["index"].get<int>()) + " " + Expected(at, offset);
    CHECK(Has(w.d.RectifyOk("aud", {"audit", "log"}, "aud-s1.db").out, line));
    CHECK(Has(w.d.RectifyOk("aud", {"audit", "history", "1"}, "aud-s1.db").out, line));
    json log = w.Json("aud", {"audit", "log"}, "aud-s1.db");
    CHECK(log[leaf["index"].get<size_t>()]["time"] == leaf["time"]);
  }
}

TEST_CASE("issue 11 defect 12: audit conflicts and history are readable text with names and problem numbers") {
  ConflictDistrict w;
  const std::string problem_id_aud = json::parse(w.d.RectifyOk("aud", {"--json", "problem", "show", "1"}, "aud-s1.db").out)["id"];
  json local = w.Json("pc1", {"conflicts"});
  REQUIRE(local.size() == 1);
  const std::string pc1_ledger = local[0]["winner"]["author"] == "author-pc1"
                                     ? local[0]["winner"]["device"]
                                     : local[0]["loser"]["device"];
  const std::string pc2_ledger = local[0]["winner"]["author"] == "author-pc2"
                                     ? local[0]["winner"]["device"]
                                     : local[0]["loser"]["device"];
  REQUIRE(pc1_ledger.size() >= 32);

  Ran conflicts = w.d.RectifyOk("aud", {"audit", "conflicts"}, "aud-s1.db");
  Ran history = w.d.RectifyOk("aud", {"audit", "history", "1"}, "aud-s1.db");
  Ran log = w.d.RectifyOk("aud", {"audit", "log"}, "aud-s1.db");
  for (const Ran* r : {&conflicts, &history, &log}) {
    INFO(r->out);
    CHECK_FALSE(Has(r->out, "{\""));        // no raw JSON
    CHECK_FALSE(Has(r->out, "\"hlc\""));
    CHECK_FALSE(Has(r->out, pc1_ledger));   // names, not ledger ids
    CHECK_FALSE(Has(r->out, problem_id_aud));  // problem numbers, not row ids
  }
  // Who, device name, role, when, outcome, field: old → new.
  CHECK(Has(conflicts.out, "问题 1"));
  CHECK(Has(conflicts.out, "author-pc1，设备 pc1"));
  CHECK(Has(conflicts.out, "author-pc2，设备 pc2"));
  CHECK(Has(conflicts.out, "一号机的结果"));
  CHECK(Has(history.out, "已应用 问题 1 — author-pc2，设备 pc2（学校）"));
  CHECK(Has(history.out, "result: "));
  CHECK(Has(history.out, " → "));
  CHECK(Has(log.out, "问题 1 措施 1"));
  CHECK(Has(log.out, "设备 aud（巡察办）"));
  CHECK(Has(history.out, "被覆盖 问题 1 — author-pc1，设备 pc1（学校）"));
  // --json keeps the structure, now with names and times.
  json j = w.Json("aud", {"audit", "conflicts"}, "aud-s1.db");
  CHECK(std::set<std::string>{j[0]["winner"]["device_name"], j[0]["loser"]["device_name"]} ==
        std::set<std::string>{"pc1", "pc2"});
  CHECK(j[0]["winner"]["device"].get<std::string>().size() >= 32);

  // The clerk's own `conflicts`: this device by its certificate's name, the
  // other by a short id, never a whole ledger id.
  Ran mine = w.d.RectifyOk("pc1", {"conflicts"});
  INFO(mine.out);
  CHECK(Has(mine.out, "pc1（本机）"));
  CHECK(Has(mine.out, pc2_ledger.substr(0, 8)));
  CHECK_FALSE(Has(mine.out, pc2_ledger));
  CHECK(Has(mine.out, "问题 1"));
  CHECK(Has(mine.out, "rectify conflicts resolve 1 --keep"));
}

TEST_CASE("issue 11 friction: subcommand --help lists the global options") {
  District d;
  for (std::vector<std::string> cmd : std::vector<std::vector<std::string>>{
           {"problem", "add"}, {"status"}, {"audit", "log"}, {"conflicts", "resolve"}}) {
    cmd.push_back("--help");
    Ran help = d.RectifyOk("pc1", cmd);
    INFO(help.out);
    for (const char* opt : {"--db", "--json", "--author", "--lang"}) CHECK(Has(help.out, opt));
  }
}

TEST_CASE("issue 11 friction: the default author is shown as it is") {
  ScratchDir dir;
  const std::string db = dir / "l.db";
  Exec({kRectify, "--db", db, "init", "--school-id", "s1", "--school-name", "学校"}, dir.path);
  {
    EnvVar user("USER", std::nullopt), author("RECTIFY_AUTHOR", std::nullopt);
    Ran help = Exec({kRectify, "--help"}, dir.path);
    CHECK_FALSE(Has(help.out, "TEXT=unknown"));  // not a literal default
    CHECK(Has(help.out, "neither is set"));
    json st = json::parse(Exec({kRectify, "--db", db, "--json", "status"}, dir.path).out);
    CHECK(st["author"] == "unknown");
    CHECK(st["author_source"] == "");
    Ran text = Exec({kRectify, "--db", db, "status"}, dir.path);
    CHECK(Has(text.err, "export RECTIFY_AUTHOR="));  // the warning names the fix
  }
  {
    EnvVar user("USER", std::string("clerk")), author("RECTIFY_AUTHOR", std::nullopt);
    json st = json::parse(Exec({kRectify, "--db", db, "--json", "status"}, dir.path).out);
    CHECK(st["author"] == "clerk");
    CHECK(st["author_source"] == "$USER");
    CHECK(Has(Exec({kRectify, "--help"}, dir.path).out, "now 'clerk', from $USER"));
    json given = json::parse(
        Exec({kRectify, "--db", db, "--json", "status", "--author", "张老师"}, dir.path).out);
    CHECK(given["author"] == "张老师");
    CHECK(given["author_source"] == "--author");
  }
}

TEST_CASE("issue 11 friction: the clerk's messages are in Chinese, each warning with its fix") {
  District d;
  Server server(d.data, d.dir / "server.log");
  d.Sync("pc1", server.address());
  d.RectifyOk("pc1", {"problem", "add", "--title", "测试问题"});
  Ran sync = d.RectifyOk("pc1", {"sync"});
  CHECK(Has(sync.out, "同步完成：发送 2 项（已应用 2"));
  d.RectifyOk("pc1", {"problem", "edit", "1", "--result", "已整改"});
  Ran st = d.RectifyOk("pc1", {"status"});
  INFO(st.out << st.err);
  CHECK(Has(st.out, "上次同步："));
  CHECK(Has(st.out, "待发送的修改：1"));
  CHECK(Has(st.err, "警告：1 项修改尚未发送：运行 rectify sync"));
  CHECK(Has(d.RectifyOk("pc1", {"sync"}).out, "同步完成：发送 1 项"));
  // English on request, the same facts.
  Ran en = d.RectifyOk("pc1", {"--lang", "en", "status"});
  CHECK(Has(en.out, "last sync: "));
  {
    EnvVar lang("RECTIFY_LANG", std::string("en"));
    CHECK(Has(d.RectifyOk("pc1", {"status"}).out, "pending changes: 0"));
  }
  Ran bad = d.Rectify("pc1", {"--lang", "fr", "status"});
  CHECK(bad.rc == 2);
  // A ledger that never synced is told how to.
  const std::string fresh = d.dir / "fresh.db";
  Exec({kRectify, "--db", fresh, "init", "--school-id", "s1", "--school-name", "学校"}, d.dir.path);
  Ran never = Exec({kRectify, "--db", fresh, "--author", "x", "status"}, d.dir.path);
  CHECK(Has(never.out, "上次同步：从未同步"));
  CHECK(Has(never.err, "rectify sync --server"));
}

}  // namespace rectify::test
