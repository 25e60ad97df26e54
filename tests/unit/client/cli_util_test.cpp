// In-process tests of the CLI helpers and RunCli's exit codes.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/cli/cli.h"
#include "client/cli/cli_util.h"

namespace {

struct InProcess {
  int rc;
  std::string out, err;
};

InProcess RunInProcess(std::vector<std::string> args) {
  args.insert(args.begin(), "rectify");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  int rc = rectify::RunCli(static_cast<int>(argv.size()), argv.data(), out, err);
  return {rc, out.str(), err.str()};
}

}  // namespace

TEST_CASE("ParseYuan converts yuan text to fen exactly") {
  CHECK(*rectify::ParseYuan("1234.5") == 123450);
  CHECK(*rectify::ParseYuan("1,234.56") == 123456);
  CHECK(*rectify::ParseYuan("3") == 300);
  CHECK(*rectify::ParseYuan("0.05") == 5);
  CHECK_FALSE(rectify::ParseYuan("1.234").ok());
  CHECK_FALSE(rectify::ParseYuan("-1").ok());
  CHECK_FALSE(rectify::ParseYuan("").ok());
  CHECK_FALSE(rectify::ParseYuan("1.2.3").ok());
  CHECK(rectify::FormatYuan(123450) == "1234.50");
  CHECK(rectify::FormatYuan(5) == "0.05");
}

TEST_CASE("RunCli: help is 0, usage errors 2, user errors 1 with a clear message") {
  CHECK(RunInProcess({"--help"}).rc == 0);
  InProcess usage = RunInProcess({"problem", "add"});
  CHECK(usage.rc == 2);
  CHECK(usage.err.find("rectify: error: ") == 0);
  InProcess unknown = RunInProcess({"frobnicate"});
  CHECK(unknown.rc == 2);
  CHECK(unknown.err.find("unknown command 'frobnicate'") != std::string::npos);

  char tmpl[] = "/tmp/rectify-cli-unit-XXXXXX";
  std::filesystem::path dir = mkdtemp(tmpl);
  std::string db = (dir / "l.db").string();
  InProcess no_school = RunInProcess({"--db", db, "stats"});
  CHECK(no_school.rc == 1);
  CHECK(no_school.err.find("rectify init") != std::string::npos);
  CHECK(RunInProcess({"--db", db, "init", "--school-id", "s", "--school-name", "学校"}).rc == 0);
  InProcess st = RunInProcess({"--db", db, "--json", "stats"});
  CHECK(st.rc == 0);
  CHECK(nlohmann::json::parse(st.out)["total"] == 0);
  InProcess bad_today = RunInProcess({"--db", db, "--today", "2024-02-30", "due"});
  CHECK(bad_today.rc == 2);
  std::filesystem::remove_all(dir);
}
