// Runs the real `rectify` binary on real SQLite files in temporary
// directories and checks its output, exit codes and that failed commands
// leave the ledger logically unchanged.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "client/report/csv_import.h"
#include "tests/unit/client/xlsx_fixture.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct Run {
  int rc = -1;
  std::string out, err;
  json Json() const { return json::parse(out); }
};

// A temporary directory holding one ledger; runs `rectify --db <ledger> ...`.
class CliFixture {
 public:
  CliFixture() {
    char tmpl[] = "/tmp/rectify-cli-XXXXXX";
    dir_ = mkdtemp(tmpl);
    db_ = (dir_ / "ledger.db").string();
  }
  ~CliFixture() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs the binary with `args` (no shell), capturing stdout, stderr and the exit code.
  Run Exec(const std::vector<std::string>& args, bool with_db = true) {
    std::vector<std::string> full = {RECTIFY_BIN_DIR "/rectify"};
    if (with_db) full.insert(full.end(), {"--db", db_, "--author", "测试员"});
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    pid_t pid = fork();
    if (pid == 0) {
      int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(o, 1);
      dup2(e, 2);
      unsetenv("RECTIFY_DB");
      execv(argv[0], argv.data());
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    Run r;
    r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = Slurp(out);
    r.err = Slurp(err);
    return r;
  }

  // Runs and requires success; returns the run.
  Run Ok(const std::vector<std::string>& args) {
    Run r = Exec(args);
    INFO("args: " << Join(args) << "\nstderr: " << r.err);
    REQUIRE(r.rc == 0);
    return r;
  }

  json Stats() { return Ok({"stats", "--json"}).Json(); }
  // The ledger's logical state: its export plus its statistics.
  std::string State() { return Ok({"export"}).out + Ok({"stats", "--json"}).out; }
  // The ledger file's whole content: every row of every table (the outbox,
  // field stamps, canon, meta and the entity tables), read with SQLite itself.
  std::string Content() const {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(db_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    std::vector<std::string> tables;
    sqlite3_exec(
        db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        [](void* t, int, char** v, char**) {
          static_cast<std::vector<std::string>*>(t)->push_back(v[0]);
          return 0;
        },
        &tables, nullptr);
    std::string dump;
    for (const auto& t : tables) {
      dump += "[" + t + "]\n";
      sqlite3_exec(
          db, ("SELECT * FROM \"" + t + "\" ORDER BY 1, 2").c_str(),
          [](void* d, int n, char** v, char**) {
            auto* out = static_cast<std::string*>(d);
            for (int i = 0; i < n; ++i) *out += std::string(v[i] ? v[i] : "NULL") + "|";
            *out += "\n";
            return 0;
          },
          &dump, nullptr);
    }
    sqlite3_close(db);
    REQUIRE(tables.size() > 3);
    return dump;
  }

  std::string WriteFile(const std::string& name, const std::string& bytes) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
  const fs::path& dir() const { return dir_; }

  static std::string Join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& a : v) s += a + " ";
    return s;
  }

 private:
  fs::path dir_;
  std::string db_;
};

std::string Data(const std::string& name) { return std::string(RECTIFY_TEST_DATA "/") + name; }

// Applies seedNNN.profile.json through the CLI, imports seedNNN.csv.
void LoadSeed(CliFixture& f, const std::string& seed) {
  json p = json::parse(Slurp(Data(seed + ".profile.json")));
  const json& s = p["school"];
  f.Ok({"init", "--school-id", s["id"], "--school-name", s["name"]});
  f.Ok({"school", "edit", "--org-name", s["org_name"], "--phone", s["phone"], "--postal",
        s["postal"], "--email", s["email"], "--completion-rule", p["rule"], "--warn-days",
        std::to_string(p["warn_days"].get<int>())});
  std::vector<std::string> insp = {"inspection", "add"};
  const std::map<std::string, std::string> flags = {{"group_name", "--group"},
                                                    {"kind", "--kind"},
                                                    {"onsite_from", "--onsite-from"},
                                                    {"onsite_to", "--onsite-to"},
                                                    {"feedback_date", "--feedback-date"},
                                                    {"plan_date", "--plan-date"},
                                                    {"phase", "--phase"},
                                                    {"notice_date", "--notice-date"}};
  for (const auto& [field, flag] : flags) {
    std::string v = p["inspection"].value(field, "");
    if (!v.empty()) insp.insert(insp.end(), {flag, v});
  }
  f.Ok(insp);
  f.Ok({"import", Data(seed + ".csv")});
  for (const auto& n : p["next_steps"])
    f.Ok({"next-step", "add", "--title", n["title"], "--text", n["text"]});
  for (const auto& a : p["accountability"]) {
    int64_t fen = a.value("amount_fen", int64_t{0});
    std::string yuan =
        std::to_string(fen / 100) + "." + std::to_string(fen % 100 / 10) + std::to_string(fen % 10);
    f.Ok({"accountability", "add", "--kind", a["kind"], "--label", a["label"], "--count",
          std::to_string(a.value("count", 0)), "--amount-yuan", yuan, "--note",
          a.value("note", "")});
  }
}

}  // namespace

TEST_CASE("cli: every command group works on a fresh ledger") {
  CliFixture f;
  f.Ok(
      {"init", "--school-id", "s1", "--school-name", "杏花学校", "--org-name", "中共杏花学校支部"});
  f.Ok({"school", "edit", "--phone", "123", "--email", "a@b.cn", "--warn-days", "5"});
  json school = f.Ok({"school", "show", "--json"}).Json();
  CHECK(school["name"] == "杏花学校");
  CHECK(school["phone"] == "123");
  CHECK(school["warn_days"] == 5);

  f.Ok({"inspection", "add", "--group", "区委第一巡察组", "--onsite-from", "2023-10-14"});
  f.Ok({"inspection", "edit", "--phase", "集中整改"});
  json insp = f.Ok({"--json", "inspection", "show"}).Json();
  CHECK(insp["group_name"] == "区委第一巡察组");
  CHECK(insp["phase"] == "集中整改");

  f.Ok({"aspect", "add", "严格落实党中央决策部署"});
  f.Ok({"category", "add", "--aspect", "1", "理论学习"});
  json p1 = f.Ok({"problem", "add", "--json", "--title", "宿舍管理不规范", "--aspect",
                  "严格落实党中央决策部署", "--category", "理论学习", "--kind", "立行立改",
                  "--deadline", "2024-03-31", "--department", "政教处"})
                .Json();
  CHECK(p1["number"] == 1);
  CHECK(p1["kind"] == "immediate");
  f.Ok({"problem", "add", "--title", "长期问题", "--deadline", "长期", "--number", "5"});
  f.Ok({"problem", "edit", "1", "--result", "已整改到位", "--person", "王主任"});
  f.Ok({"problem", "status", "1", "推进中"});
  f.Ok({"problem", "status", "5", "long_term"});

  f.Ok({"measure", "add", "1", "--text", "召开会议", "--owner", "政教处", "--deadline",
        "2024-03-01"});
  f.Ok({"measure", "add", "1", "--text", "检查值班记录"});
  f.Ok({"measure", "done", "1", "1", "--date", "2024-02-20"});
  json measures = f.Ok({"measure", "list", "1", "--json"}).Json();
  REQUIRE(measures.size() == 2);
  CHECK(measures[0]["done_date"] == "2024-02-20");
  CHECK(measures[1]["done_date"] == "");
  f.Ok({"note", "add", "1", "--text", "已召开会议", "--date", "2024-02-21"});

  json shown = f.Ok({"problem", "show", "1", "--json"}).Json();
  CHECK(shown["result"] == "已整改到位");
  CHECK(shown["person"] == "王主任");
  CHECK(shown["status"] == "in_progress");
  CHECK(shown["measures"].size() == 2);

  json list = f.Ok({"problem", "list", "--json", "--status", "推进中"}).Json();
  REQUIRE(list.size() == 1);
  CHECK(list[0]["number"] == 1);
  CHECK(f.Ok({"problem", "list", "--json", "--department", "政教处"}).Json().size() == 1);
  CHECK(f.Ok({"problem", "list", "--json", "--category", "理论学习"}).Json().size() == 1);
  CHECK(f.Ok({"problem", "list", "--json", "--overdue", "--today", "2024-04-01"}).Json().size() ==
        1);
  CHECK(f.Ok({"problem", "list", "--json", "--overdue", "--today", "2024-03-01"}).Json().empty());

  f.Ok({"accountability", "add", "--kind", "funds", "--label", "追回资金", "--amount-yuan",
        "1234.5"});
  json acc = f.Ok({"accountability", "add", "--json", "--kind", "disposition", "--label",
                   "诫勉谈话", "--count", "1"})
                 .Json();
  CHECK(acc["count"] == 1);
  f.Ok({"next-step", "add", "--title", "健全制度", "--text", "持续修订完善"});
  json steps = f.Ok({"next-step", "list", "--json"}).Json();
  REQUIRE(steps.size() == 1);
  CHECK(steps[0]["title"] == "健全制度");

  json stats = f.Stats();
  CHECK(stats["total"] == 2);
  CHECK(stats["in_progress"] == 1);
  CHECK(stats["long_term"] == 1);
  CHECK(stats["measures"] == 2);
  CHECK(stats["rule"] == "default");
  CHECK(stats["completion_rate"].get<double>() == doctest::Approx(0.5));
  f.Ok({"school", "edit", "--completion-rule", "strict"});
  CHECK(f.Stats()["completion_rate"].get<double>() == doctest::Approx(0.0));

  json due = f.Ok({"due", "--json", "--today", "2024-03-28"}).Json();
  REQUIRE(due["items"].size() == 1);
  CHECK(due["items"][0]["color"] == "yellow");
  CHECK(f.Ok({"due", "--json", "--today", "2024-04-02"}).Json()["items"][0]["color"] == "red");
  CHECK(
      f.Ok({"due", "--json", "--days", "1", "--today", "2024-03-28"}).Json()["items"][0]["color"] ==
      "green");
  Run due_text = f.Ok({"due", "--today", "2024-04-02"});
  CHECK(due_text.out.find("red") != std::string::npos);
  CHECK(due_text.out.find("\x1b[") == std::string::npos);  // not a terminal: no colours

  json status = f.Ok({"status", "--json"}).Json();
  CHECK(status["school_id"] == "s1");
  CHECK(status["pending_ops"].get<int>() > 10);
  CHECK(!status["device_id"].get<std::string>().empty());

  std::string out_file = (f.dir() / "notice.html").string();
  Run rep = f.Ok({"report", "--format", "html", "--out", out_file, "--today", "2024-05-01"});
  std::string html = Slurp(out_file);
  CHECK(html.find("<html") != std::string::npos);
  CHECK(html.find("杏花学校") != std::string::npos);
}

TEST_CASE("cli: --help works on every command and subcommand") {
  CliFixture f;
  const std::vector<std::vector<std::string>> cmds = {{},
                                                      {"init"},
                                                      {"school"},
                                                      {"school", "edit"},
                                                      {"inspection", "add"},
                                                      {"aspect", "add"},
                                                      {"category", "add"},
                                                      {"aspect", "list"},
                                                      {"aspect", "rename"},
                                                      {"aspect", "delete"},
                                                      {"category", "rename"},
                                                      {"problem", "delete"},
                                                      {"measure", "edit"},
                                                      {"measure", "delete"},
                                                      {"note", "list"},
                                                      {"note", "delete"},
                                                      {"accountability", "edit"},
                                                      {"accountability", "delete"},
                                                      {"next-step", "edit"},
                                                      {"problem", "add"},
                                                      {"problem", "edit"},
                                                      {"problem", "list"},
                                                      {"problem", "status"},
                                                      {"measure", "done"},
                                                      {"note", "add"},
                                                      {"accountability", "add"},
                                                      {"next-step", "add"},
                                                      {"import"},
                                                      {"export"},
                                                      {"stats"},
                                                      {"due"},
                                                      {"report"},
                                                      {"status"}};
  for (auto cmd : cmds) {
    cmd.push_back("--help");
    Run r = f.Exec(cmd, /*with_db=*/false);
    INFO(CliFixture::Join(cmd));
    CHECK(r.rc == 0);
    CHECK(r.out.find("Usage") != std::string::npos);
  }
}

TEST_CASE("cli: bad input fails clearly and leaves the ledger unchanged") {
  CliFixture f;
  LoadSeed(f, "seed000");
  f.Ok({"accountability", "add", "--kind", "funds", "--label", "追回资金", "--amount-yuan", "1"});
  const std::string before = f.State();
  std::string bad_csv =
      f.WriteFile("bad.csv", "序号,问题,整改时限\n1,好问题,2024-03-31\n2,坏日期,2024-13-45\n");
  std::string unclosed = f.WriteFile("unclosed.csv", "序号,问题\n1,\"未闭合\n");
  struct Case {
    std::vector<std::string> args;
    int rc;
    std::string needle;  // must appear in stderr
  };
  const std::vector<Case> cases = {
      {{"problem", "status", "1", "差不多完成"}, 1, "unknown status"},
      {{"problem", "status", "99", "已完成"}, 1, "99"},
      {{"problem", "edit", "99", "--title", "x"}, 1, "99"},
      {{"problem", "edit", "1", "--deadline", "2024-02-30"}, 1, "deadline"},
      {{"problem", "add", "--title", "x", "--deadline", "明天"}, 1, "deadline"},
      {{"problem", "add", "--title", "x", "--kind", "随便"}, 1, "kind"},
      {{"problem", "add", "--title", "重复", "--number", "3"}, 1, ""},
      {{"problem", "show", "abc"}, 1, "abc"},
      {{"problem", "list", "--status", "nope"}, 1, "unknown status"},
      {{"measure", "add", "99", "--text", "x"}, 1, "99"},
      {{"measure", "done", "1", "9"}, 1, ""},
      {{"measure", "done", "1", "1", "--date", "2024/02/31"}, 1, "date"},
      {{"note", "add", "99", "--text", "x"}, 1, "99"},
      {{"accountability", "add", "--kind", "gift", "--label", "x"}, 1, "kind"},
      {{"accountability", "add", "--kind", "funds", "--label", "x", "--amount-yuan", "1.234"},
       1,
       "amount"},
      {{"school", "edit", "--completion-rule", "loose"}, 1, "completion-rule"},
      {{"school", "edit", "--warn-days", "ten"}, 1, "warn-days"},
      {{"inspection", "edit", "--onsite-from", "yesterday"}, 1, "onsite-from"},
      {{"category", "add", "--aspect", "9", "x"}, 1, "9"},
      {{"import", bad_csv}, 1, "bad.csv:3:"},
      {{"import", unclosed}, 1, "unclosed.csv:2"},
      {{"import", (f.dir() / "missing.csv").string()}, 1, "missing.csv"},
      {{"report", "--format", "pdf"}, 1, "format"},
      {{"export", "--format", "doc"}, 1, "format"},
      // One door (docs/design.md §3): a new aspect is not created when the
      // edit that would use it is refused.
      {{"problem", "edit", "1", "--aspect", "新方面", "--number", "2"}, 1, "already used"},
      {{"problem", "edit", "1", "--category", "新类别", "--number", "2"}, 1, "already used"},
      {{"problem", "edit", "1", "--kind", "随便"}, 1, "kind"},
      {{"problem", "edit", "1", "--title", ""}, 1, "title"},
      {{"problem", "add", "--title", "x", "--status", "已销号"}, 1, "only an auditor"},
      {{"problem", "status", "1", "已销号"}, 1, "only an auditor"},
      {{"problem", "add", "--title", "x", "--aspect", "新方面", "--deadline", "2024-02-30"},
       1,
       "deadline"},
      {{"measure", "add", "1", "--text", "x", "--deadline", "2024-02-30"}, 1, "deadline"},
      {{"note", "add", "1", "--text", "x", "--date", "2024-02-30"}, 1, "date"},
      {{"category", "add", "--aspect", "新方面", ""}, 1, "title"},
      {{"evidence", "add", "1", (f.dir() / "missing.pdf").string()}, 2, "missing.pdf"},
      {{"bundle", "import", (f.dir() / "missing.bundle").string()}, 1, "identity"},
      {{"import", f.dir().string()}, 1, ""},
      {{"init", "--school-id", "other", "--school-name", "别的学校"}, 1, ""},
      {{"problem", "status"}, 2, ""},
      {{"problem", "add"}, 2, "--title"},
      {{"measure", "done", "1", "x"}, 2, ""},
      // Issue 11, defect 11: the commands that list, correct and delete.
      {{"problem", "add", "--title", "x", "--aspect", "不存在的方面"}, 1, "aspect add"},
      {{"problem", "edit", "1", "--aspect", "不存在的方面"}, 1, "不存在的方面"},
      {{"category", "add", "--aspect", "不存在的方面", "x"}, 1, "--new-aspect"},
      {{"aspect", "delete", "1"}, 1, "still has"},
      {{"aspect", "delete", "99"}, 1, "99"},
      {{"aspect", "rename", "1", ""}, 1, "title"},
      {{"category", "delete", "--aspect", "1", "99"}, 1, "99"},
      {{"category", "rename", "--aspect", "99", "1", "x"}, 1, "99"},
      {{"problem", "delete", "99"}, 1, "99"},
      {{"measure", "edit", "1", "1"}, 1, "nothing to change"},
      {{"measure", "edit", "1", "99", "--owner", "x"}, 1, "99"},
      {{"measure", "edit", "1", "1", "--deadline", "2024-02-30"}, 1, "deadline"},
      {{"measure", "edit", "1", "1", "--text", ""}, 1, "text"},
      {{"measure", "delete", "1", "99"}, 1, "99"},
      {{"note", "list", "99"}, 1, "99"},
      {{"note", "delete", "1", "99"}, 1, "99"},
      {{"accountability", "edit", "99", "--label", "x"}, 1, "99"},
      {{"accountability", "edit", "1", "--kind", "gift"}, 1, "kind"},
      {{"accountability", "edit", "1", "--count", "x"}, 1, "count"},
      {{"accountability", "edit", "1", "--amount-yuan", "1.234"}, 1, "amount"},
      {{"accountability", "edit", "1"}, 1, "nothing to change"},
      {{"accountability", "delete", "99"}, 1, "99"},
      {{"next-step", "edit", "99", "--title", "x"}, 1, "99"},
      {{"next-step", "edit", "1", "--title", "", "--text", ""}, 1, "text"},
      {{"next-step", "delete", "x9"}, 1, "x9"},
      {{"measure", "delete", "1"}, 2, ""},
      {{"frobnicate"}, 2, ""},
  };
  const std::string content = f.Content();
  for (const auto& c : cases) {
    Run r = f.Exec(c.args);
    INFO(CliFixture::Join(c.args) << "\nstderr: " << r.err);
    CHECK(r.rc == c.rc);
    CHECK(r.err.find("rectify: error: ") != std::string::npos);
    CHECK(r.err.find(c.needle) != std::string::npos);
    CHECK(r.out.empty());
    CHECK(f.Content() == content);  // outbox, stamps, rows, meta: not one byte of it changed
  }
  CHECK(f.State() == before);
}

TEST_CASE("cli: seed 000 imports, profile applies, report states the facts") {
  CliFixture f;
  LoadSeed(f, "seed000");
  json s = f.Stats();
  CHECK(s["aspects"] == 2);
  CHECK(s["total"] == 15);
  CHECK(s["measures"] == 26);
  CHECK(s["completed"] == 14);
  CHECK(s["in_progress"] == 1);
  Run md = f.Ok({"report", "--format", "md", "--today", "2024-05-01"});
  for (const char* fact :
       {"中共城子河区杏花学校支部委员会", "区委第一巡察组", "15个问题", "26条", "14个问题已完成",
        "93%", "18646773896", "myfls@126.com", "扩建室内卫生设施"}) {
    INFO(fact);
    CHECK(md.out.find(fact) != std::string::npos);
  }
  CHECK(md.err.find("警告：") != std::string::npos);  // notice_date missing in the profile
  Run html = f.Ok({"report", "--format", "html", "--today", "2024-05-01"});
  CHECK(html.out.find("<!DOCTYPE html>") != std::string::npos);
  CHECK(html.out.find("</html>") != std::string::npos);
  CHECK(html.out.find("区委第一巡察组") != std::string::npos);
}

TEST_CASE("cli: seed 004 imports with three aspects of 10/13/10 problems") {
  CliFixture f;
  LoadSeed(f, "seed004");
  json s = f.Stats();
  CHECK(s["total"] == 33);
  CHECK(s["completed"] == 33);
  CHECK(s["aspects"] == 3);
  json list = f.Ok({"problem", "list", "--json"}).Json();
  std::vector<std::string> order;
  std::map<std::string, int> per_aspect;
  for (const auto& p : list) {
    std::string a = p["aspect_id"];
    if (!per_aspect.count(a)) order.push_back(a);
    ++per_aspect[a];
  }
  REQUIRE(order.size() == 3);
  CHECK(per_aspect[order[0]] == 10);
  CHECK(per_aspect[order[1]] == 13);
  CHECK(per_aspect[order[2]] == 10);
  Run md = f.Ok({"report", "--format", "md", "--today", "2023-06-25"});
  CHECK(md.out.find("班子分工调整") != std::string::npos);
}

TEST_CASE("cli: unseen 57 imports from UTF-8 and GB18030 alike") {
  for (const char* file : {"unseen57_utf8.csv", "unseen57_gb18030.csv"}) {
    INFO(file);
    CliFixture f;
    f.Ok({"init", "--school-id", "u57", "--school-name", "某学校"});
    json imp = f.Ok({"import", Data(file), "--json"}).Json();
    CHECK(imp["rows"] == 57);
    CHECK(imp["encoding"] ==
          (std::string(file).find("gb") != std::string::npos ? "gb18030" : "utf-8-bom"));
    json s = f.Stats();
    CHECK(s["total"] == 57);
    CHECK(s["rule"] == "default");
    double rate = s["completion_rate"].get<double>();
    CHECK(rate >= 0.925);
    CHECK(rate < 0.935);
  }
}

TEST_CASE("cli: importing the same file twice changes nothing, export round-trips") {
  CliFixture f;
  f.Ok({"init", "--school-id", "x", "--school-name", "杏花学校"});
  json first = f.Ok({"import", Data("seed000.csv"), "--json"}).Json();
  CHECK(first["problems_created"] == 15);
  const std::string state = f.State();
  const int pending = f.Ok({"status", "--json"}).Json()["pending_ops"];

  json second = f.Ok({"import", Data("seed000.csv"), "--json"}).Json();
  CHECK(second["problems_created"] == 0);
  CHECK(second["problems_updated"] == 0);
  CHECK(second["problems_unchanged"] == 15);
  CHECK(second["ops_written"] == 0);
  CHECK(f.Ok({"status", "--json"}).Json()["pending_ops"] == pending);
  CHECK(f.State() == state);

  Run dry = f.Ok({"import", Data("seed000.csv"), "--dry-run"});
  CHECK(dry.out.find("nothing imported") != std::string::npos);

  std::string exported = (f.dir() / "out.csv").string();
  f.Ok({"export", "--format", "csv", "--out", exported});
  json again = f.Ok({"import", exported, "--json"}).Json();
  CHECK(again["ops_written"] == 0);
  CHECK(f.Ok({"status", "--json"}).Json()["pending_ops"] == pending);

  CliFixture g;  // a second ledger built from the export alone holds the same problems
  g.Ok({"init", "--school-id", "x", "--school-name", "杏花学校"});
  g.Ok({"import", exported});
  CHECK(g.Ok({"export"}).out == f.Ok({"export"}).out);
  CHECK(g.Stats() == f.Stats());
}

// Issue 11, defect 7: a second `inspection add` made the ledger look empty
// with no way back.
TEST_CASE("defect 7: inspections can be listed and switched, and a new one says so") {
  CliFixture f;
  LoadSeed(f, "seed000");
  const int total = f.Stats()["total"].get<int>();
  REQUIRE(total > 0);
  Run added = f.Ok({"inspection", "add", "--group", "区委第二巡察组"});
  CHECK(added.out.find("inspection use") != std::string::npos);
  CHECK(f.Stats()["total"] == 0);  // the new inspection is current, and empty
  json list = f.Ok({"--json", "inspection", "list"}).Json();
  REQUIRE(list.size() == 2);
  CHECK(list[0]["problems"] == total);
  CHECK(list[0]["current"] == false);
  CHECK(list[1]["current"] == true);
  CHECK(f.Exec({"inspection", "use", "9"}).rc == 1);
  f.Ok({"inspection", "use", "1"});
  CHECK(f.Stats()["total"] == total);
  CHECK(f.Ok({"--json", "inspection", "list"}).Json()[0]["current"] == true);
}

// Issue 11, defect 11: data that could be entered but not seen or corrected.
TEST_CASE("defect 11: every entity is listed, shown, corrected and deleted in the CLI") {
  CliFixture f;
  f.Ok({"init", "--school-id", "s1", "--school-name", "杏花学校"});
  f.Ok({"aspect", "add", "严格落实党中央决策部署"});
  // An unknown aspect is refused, naming what exists and the fix; nothing is written.
  const std::string content = f.Content();
  Run refused = f.Exec({"problem", "add", "--title", "宿舍", "--aspect", "不存在的方面"});
  CHECK(refused.rc == 1);
  CHECK(refused.err.find("1 严格落实党中央决策部署") != std::string::npos);
  CHECK(refused.err.find("rectify aspect add 不存在的方面") != std::string::npos);
  CHECK(f.Content() == content);
  f.Ok({"problem", "add", "--title", "宿舍管理不规范", "--aspect", "1"});
  f.Ok({"problem", "add", "--title", "食堂账目不清", "--aspect", "加强学校管理", "--new-aspect",
        "--category", "（一）财务"});
  f.Ok({"aspect", "add", "空方面"});
  Run aspects = f.Ok({"aspect", "list"});
  CHECK(aspects.out.find("序号") != std::string::npos);  // a header line
  CHECK(aspects.out.find("加强学校管理") != std::string::npos);
  json al = f.Ok({"aspect", "list", "--json"}).Json();
  REQUIRE(al.size() == 3);
  CHECK(al[0]["problems"] == 1);
  CHECK(al[1]["categories"][0]["title"] == "（一）财务");
  f.Ok({"aspect", "rename", "2", "二、加强学校管理"});
  f.Ok({"category", "rename", "--aspect", "2", "1", "（一）财务管理"});
  CHECK(f.Ok({"category", "list", "--aspect", "2", "--json"}).Json()[0]["categories"][0]["title"] ==
        "（一）财务管理");
  Run still = f.Exec({"aspect", "delete", "2"});
  CHECK(still.rc == 1);
  CHECK(still.err.find("still has 1 problem") != std::string::npos);
  f.Ok({"aspect", "delete", "空方面"});

  // Measures: the number on add, a header on list, edit and delete.
  Run m1 = f.Ok({"measure", "add", "1", "--text", "召开会议"});
  CHECK(m1.out.find("measure 1 added") != std::string::npos);
  Run m2 = f.Ok({"measure", "add", "1", "--text", "检查值班记录"});
  CHECK(m2.out.find("measure 2 added") != std::string::npos);
  f.Ok({"measure", "edit", "1", "2", "--owner", "政教处", "--done-date", "2024-03-01"});
  f.Ok({"measure", "delete", "1", "1"});
  Run ml = f.Ok({"measure", "list", "1"});
  CHECK(ml.out.rfind("序号", 0) == 0);  // the first line is the header
  json mj = f.Ok({"measure", "list", "1", "--json"}).Json();
  REQUIRE(mj.size() == 1);
  CHECK(mj[0]["owner"] == "政教处");
  CHECK(mj[0]["done_date"] == "2024-03-01");

  // Notes: listed, in problem show, deleted.
  f.Ok({"note", "add", "1", "--text", "已召开会议", "--date", "2024-02-21"});
  f.Ok({"note", "add", "1", "--text", "写错了", "--date", "2024-02-22"});
  Run shown = f.Ok({"problem", "show", "1"});
  CHECK(shown.out.find("已召开会议") != std::string::npos);
  CHECK(shown.out.find("测试员") != std::string::npos);
  CHECK(f.Ok({"problem", "show", "1", "--json"}).Json()["notes"].size() == 2);
  f.Ok({"note", "delete", "1", "2"});
  json notes = f.Ok({"note", "list", "1", "--json"}).Json();
  REQUIRE(notes.size() == 1);
  CHECK(notes[0]["text"] == "已召开会议");
  CHECK(f.Ok({"note", "list", "1"}).out.find("写错了") == std::string::npos);

  // Accountability and next steps.
  f.Ok({"accountability", "add", "--kind", "funds", "--label", "追回资金", "--amount-yuan", "12"});
  f.Ok({"accountability", "add", "--kind", "disposition", "--label", "诫勉谈话", "--count", "1"});
  f.Ok({"accountability", "edit", "1", "--amount-yuan", "34.5", "--note", "已追回"});
  f.Ok({"accountability", "delete", "2"});
  Run acc = f.Ok({"accountability", "list"});
  CHECK(acc.out.find("序号") != std::string::npos);
  json aj = f.Ok({"accountability", "list", "--json"}).Json();
  REQUIRE(aj.size() == 1);
  CHECK(aj[0]["amount_fen"] == 3450);
  CHECK(aj[0]["note"] == "已追回");
  f.Ok({"next-step", "add", "--title", "健全制度", "--text", "持续修订"});
  f.Ok({"next-step", "add", "--title", "写错的安排"});
  f.Ok({"next-step", "edit", "1", "--text", "每学期修订"});
  f.Ok({"next-step", "delete", "2"});
  json steps = f.Ok({"next-step", "list", "--json"}).Json();
  REQUIRE(steps.size() == 1);
  CHECK(steps[0]["text"] == "每学期修订");

  // A deleted problem leaves every listing, the statistics and the notice.
  Run before = f.Ok({"report", "--format", "md", "--today", "2024-05-01"});
  CHECK(before.out.find("食堂账目不清") != std::string::npos);
  CHECK(before.out.find("诫勉谈话") == std::string::npos);
  CHECK(before.out.find("写错的安排") == std::string::npos);
  CHECK(before.out.find("空方面") == std::string::npos);
  f.Ok({"problem", "delete", "2"});
  f.Ok({"category", "delete", "--aspect", "2", "（一）财务管理"});
  f.Ok({"aspect", "delete", "2"});
  CHECK(f.Stats()["total"] == 1);
  CHECK(f.Ok({"problem", "list", "--json"}).Json().size() == 1);
  Run after = f.Ok({"report", "--format", "md", "--today", "2024-05-01"});
  CHECK(after.out.find("食堂账目不清") == std::string::npos);
  CHECK(after.out.find("加强学校管理") == std::string::npos);
  CHECK(after.out.find("宿舍管理不规范") != std::string::npos);
  CHECK(f.Exec({"problem", "show", "2"}).rc == 1);
}

// Issue 11, defect 8: a mistyped --db created a stray empty ledger.
TEST_CASE("defect 8: only init (or a first sync) creates a ledger file") {
  CliFixture f;
  const fs::path typo = f.dir() / "typo.db";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"problem", "list"}, {"stats"}, {"export"}, {"status"},
        {"problem", "add", "--title", "x"}}) {
    std::vector<std::string> full = {"--db", typo.string()};
    full.insert(full.end(), args.begin(), args.end());
    Run r = f.Exec(full, /*with_db=*/false);
    INFO(CliFixture::Join(args) << r.err);
    CHECK(r.rc == 1);
    CHECK(r.err.find("there is no ledger at " + typo.string()) != std::string::npos);
    CHECK_FALSE(fs::exists(typo));
  }
  CHECK(f.Exec({"--db", typo.string(), "init", "--school-id", "s", "--school-name", "学校"},
               /*with_db=*/false)
            .rc == 0);
  CHECK(fs::exists(typo));
}

// Issue 11, defect 10: raw SQLite errors reached the user and a read-only
// ledger could not even be listed.
TEST_CASE("defect 10: a read-only ledger reads, and refuses changes in the user's terms") {
  CliFixture f;
  LoadSeed(f, "seed000");
  const std::string before = f.Content();
  const fs::path db = f.dir() / "ledger.db";
  f.Ok({"stats"});  // checkpoint the WAL into the file before it goes read-only
  fs::permissions(db, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  CHECK(f.Ok({"problem", "list"}).out.find("1") != std::string::npos);
  CHECK(f.Stats()["total"].get<int>() > 0);
  Run w = f.Exec({"problem", "status", "1", "已完成"});
  CHECK(w.rc == 1);
  CHECK(w.err.find("is read-only") != std::string::npos);
  CHECK(w.err.find("INSERT") == std::string::npos);
  CHECK(w.err.find("executing") == std::string::npos);
  fs::permissions(db, fs::perms::owner_read | fs::perms::owner_write);
  CHECK(f.Content() == before);
}

// ---- .xlsx (docs/xlsx-format.md) --------------------------------------------------

namespace {

// Runs `import FILE`, which must fail with `what` and leave the ledger as it was:
// same export and statistics, same pending changes, same bytes on disk.
void CheckRefused(CliFixture& f, const std::string& file, const std::string& what) {
  const std::string state = f.State();
  const int pending = f.Ok({"status", "--json"}).Json()["pending_ops"];
  const std::string db = Slurp(f.dir() / "ledger.db");
  Run r = f.Exec({"import", file});
  INFO("file: " << file << "\nstderr: " << r.err);
  CHECK(r.rc == 1);
  CHECK(r.err.find(what) != std::string::npos);
  CHECK(r.err.find("nothing was imported") != std::string::npos);
  CHECK(f.State() == state);
  CHECK(f.Ok({"status", "--json"}).Json()["pending_ops"] == pending);
  CHECK(Slurp(f.dir() / "ledger.db") == db);
}

}  // namespace

TEST_CASE("cli: an Excel ledger imports as its CSV twin; bad .xlsx files change nothing") {
  auto rows = rectify::ParseLedgerCsv(Slurp(Data("seed004.csv")), "seed004.csv");
  REQUIRE(rows.ok());
  CliFixture f;
  f.Ok({"init", "--school-id", "zs", "--school-name", "中山路小学"});
  const std::string xlsx = f.WriteFile("台账.xlsx", rectify::testing::ClerkWorkbook(*rows));

  Run dry = f.Ok({"import", xlsx, "--dry-run"});
  CHECK(dry.out.find("sheet: 台账 (header in row 2 and the next, 1 title row(s) above skipped)") !=
        std::string::npos);
  CHECK(dry.out.find("preview (first 5 of 33 rows)") != std::string::npos);
  CHECK(dry.out.find("台账!A4: 1 | 聚焦党中央各项决策部署在基层的落实情况 | 支委会组织学习不力 | "
                     "已完成") != std::string::npos);
  CHECK(dry.out.find("nothing imported") != std::string::npos);
  CHECK(f.Stats()["total"] == 0);

  json j = f.Ok({"import", xlsx, "--json"}).Json();
  CHECK(j["problems_created"] == 33);
  CHECK(j["sheet"] == "台账");
  CliFixture twin;
  twin.Ok({"init", "--school-id", "zs", "--school-name", "中山路小学"});
  twin.Ok({"import", Data("seed004.csv")});
  CHECK(twin.Ok({"export"}).out == f.Ok({"export"}).out);
  CHECK(twin.Stats() == f.Stats());

  SUBCASE("refusals") {
    std::string good = Slurp(xlsx);
    CheckRefused(f, f.WriteFile("truncated.xlsx", good.substr(0, good.size() / 2)),
                 "not a readable .xlsx file");
    CheckRefused(f, f.WriteFile("garbage.xlsx", std::string(4096, 'z')),
                 "not a readable .xlsx file");
    auto entries = rectify::testing::ZipEntries(good);
    std::erase_if(entries, [](const auto& e) { return e.first == "xl/worksheets/sheet1.xml"; });
    CheckRefused(f, f.WriteFile("nosheet.xlsx", rectify::testing::BuildZip(entries)),
                 "which is not in the file");
    std::string zeros(16u << 20, '0');  // 16 MiB deflating to about 16 KiB
    CheckRefused(f,
                 f.WriteFile("bomb.xlsx", rectify::testing::BuildZip({{"xl/workbook.xml", zeros}})),
                 "refusing a possible zip bomb");
    // A row error: the clerk sees the sheet and cell.
    auto bad = *rows;
    bad[5].deadline = "2023年2月30日";
    std::string wb = rectify::testing::ClerkWorkbook(bad);
    CheckRefused(f, f.WriteFile("baddate.xlsx", wb),
                 "baddate.xlsx:台账!I9: 整改时限: bad date \"2023年2月30日\"");
  }
  SUBCASE("export --format xlsx imports back unchanged") {
    const std::string out = (f.dir() / "导出.xlsx").string();
    f.Ok({"export", "--format", "xlsx", "--out", out});
    json again = f.Ok({"import", out, "--json"}).Json();
    CHECK(again["ops_written"] == 0);
    CHECK(again["problems_unchanged"] == 33);
    CliFixture g;
    g.Ok({"init", "--school-id", "zs", "--school-name", "中山路小学"});
    g.Ok({"import", out});
    CHECK(g.Ok({"export"}).out == f.Ok({"export"}).out);
    CHECK(f.Exec({"export", "--format", "xlsx"}).rc == 1);  // a workbook needs --out
  }
}
