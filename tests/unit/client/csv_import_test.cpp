#include "client/report/csv_import.h"

#include <doctest/doctest.h>

#include <map>
#include <random>

#include "tests/unit/client/ledger_fixture.h"

namespace rectify {
namespace {

constexpr std::string_view kHeader = "序号,问题,整改时限,整改类型,整改状态,整改措施\n";

std::string ErrorOf(std::string_view csv) {
  auto r = ParseLedgerCsv(csv, "t.csv");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kInvalidArgument);
  return r.status().message();
}

// The message must start with the position, then say what is wrong.
void CheckError(std::string_view csv, const std::string& prefix, const std::string& what) {
  std::string msg = ErrorOf(csv);
  CHECK_MESSAGE(msg.starts_with(prefix), msg);
  CHECK_MESSAGE(msg.find(what) != std::string::npos, msg);
}

TEST_CASE("ParseLedgerCsv reads English aliases in any order, trimmed") {
  auto r = ParseLedgerCsv(" Title ,NO, status\n扫除死角, 007 ,done\n", "a.csv");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  REQUIRE(r->size() == 1);
  const ImportRow& row = r->front();
  CHECK(row.line == 2);
  CHECK(row.number == "7");
  CHECK(row.title == "扫除死角");
  CHECK(row.status == "已完成");
}

TEST_CASE("ParseLedgerCsv handles CRLF, quoted commas, doubled quotes and line breaks") {
  std::string csv =
      "\xEF\xBB\xBF序号,问题,整改措施,整改结果\r\n"
      "1,\"规范\"\"三乱\"\"治理, 加强检查\",\"一是修订制度\r\n二是每月检查\",已完成\r\n"
      "2,第二个问题,,\"第一行\r\n第二行\"\r\n"
      "3,第三个问题,,\r\n";
  auto r = ParseLedgerCsv(csv, "a.csv");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].title == "规范\"三乱\"治理, 加强检查");
  CHECK((*r)[0].measures == std::vector<std::string>{"修订制度", "每月检查"});
  CHECK((*r)[1].line == 4);  // record 1 spans lines 2-3
  CHECK((*r)[1].result == "第一行\n第二行");
  CHECK((*r)[2].line == 6);
}

TEST_CASE("ParseLedgerCsv normalises dates, kinds and statuses") {
  std::string csv = std::string(kHeader) +
                    "1,a,2024/3/5,立行立改,整改完成,\n"
                    "2,b,2024年12月31日,限期整改,未完成,\n"
                    "3,c,2024.2.29,长期坚持,长期坚持,\n"
                    "4,d,长期,,,\n"
                    "5,e, 2024-03-31 ,,推进中,\n";
  auto r = ParseLedgerCsv(csv, "a.csv");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  REQUIRE(r->size() == 5);
  CHECK((*r)[0].deadline == "2024-03-05");
  CHECK((*r)[0].kind == "立行立改");
  CHECK((*r)[0].status == "已完成");
  CHECK((*r)[1].deadline == "2024-12-31");
  CHECK((*r)[1].status == "推进中");
  CHECK((*r)[2].deadline == "2024-02-29");
  CHECK((*r)[2].status == "长期坚持");
  CHECK((*r)[3].deadline == "长期");
  CHECK((*r)[3].kind.empty());
  CHECK((*r)[3].status.empty());
  CHECK((*r)[4].deadline == "2024-03-31");
}

TEST_CASE("ParseLedgerCsv skips blank records and a trailing empty line") {
  auto r = ParseLedgerCsv("序号,问题\n\n1,a\n,\n2,b\n\n", "a.csv");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK((*r)[1].line == 5);
}

TEST_CASE("ParseLedgerCsv tolerates blank extra cells but not filled ones") {
  CHECK(ParseLedgerCsv("序号,问题\n1,a,,\n", "a.csv").ok());
  CheckError("序号,问题\n1,a,x\n", "t.csv:2:3: ", "wrong field count");
}

TEST_CASE("SplitMeasures splits at separators and strips enumeration markers") {
  CHECK(SplitMeasures(
            "一是修订制度；二是，每月检查;三是：通报\n（4）建档\n①归档\n2、复查\n(七)公示") ==
        std::vector<std::string>{"修订制度", "每月检查", "通报", "建档", "归档", "复查", "公示"});
  CHECK(SplitMeasures("1.2m以下安装防撞条") == std::vector<std::string>{"1.2m以下安装防撞条"});
  CHECK(SplitMeasures("  ；；\n").empty());
  CHECK(SplitMeasures("是非分明") == std::vector<std::string>{"是非分明"});
}

TEST_CASE("ParseLedgerCsv errors name file, line, column and header") {
  SUBCASE("unknown header") {
    CheckError("序号,问题,备注\n", "t.csv:1:3: ", "unknown header \"备注\"");
  }
  SUBCASE("duplicate header, also through an alias") {
    CheckError("序号,问题,存在问题\n", "t.csv:1:3: ", "duplicate header \"存在问题\"");
  }
  SUBCASE("missing required column") {
    CheckError("序号,整改措施\n1,a\n", "t.csv:1:1: ", "missing required column 问题");
    CheckError("问题\na\n", "t.csv:1:1: ", "missing required column 序号");
  }
  SUBCASE("empty file") { CheckError("\n\n", "t.csv:1:1: ", "no header"); }
  SUBCASE("wrong field count") {
    CheckError(std::string(kHeader) + "1,a,2024-01-01\n",
               "t.csv:2:4: ", "expected 6 fields, found 3");
  }
  SUBCASE("unterminated quote, on the line the record starts") {
    CheckError("序号,问题\n1,a\n2,\"b\n\nc\n", "t.csv:3:2: 问题: ", "unterminated quoted field");
  }
  SUBCASE("text after a closing quote") {
    CheckError("序号,问题\n1,\"a\"b\n", "t.csv:2:2: 问题: ", "after a closing quote");
  }
  SUBCASE("bad date") {
    CheckError(std::string(kHeader) + "1,a,2024-02-30,,,\n",
               "t.csv:2:3: 整改时限: ", "bad date \"2024-02-30\"");
  }
  SUBCASE("unknown kind") {
    CheckError(std::string(kHeader) + "1,a,,马上办,,\n",
               "t.csv:2:4: 整改类型: ", "unknown kind \"马上办\"");
  }
  SUBCASE("unknown status") {
    CheckError(std::string(kHeader) + "1,a,,,差不多,\n",
               "t.csv:2:5: 整改状态: ", "unknown status \"差不多\"");
  }
  SUBCASE("duplicate number names the first line") {
    CheckError("问题,序号\na,1\n\"b\nb\",2\nc,01\n",
               "t.csv:5:2: 序号: ", "duplicate 序号 1 (first used on line 2)");
  }
  SUBCASE("empty title") { CheckError("序号,问题\n1,\"  \"\n", "t.csv:2:2: 问题: ", "empty 问题"); }
  SUBCASE("non-numeric number") {
    CheckError("序号,问题\n一,a\n", "t.csv:2:1: 序号: ", "not a positive number");
    CheckError("序号,问题\n0,a\n", "t.csv:2:1: 序号: ", "not a positive number");
    CheckError("序号,问题\n,a\n", "t.csv:2:1: 序号: ", "not a positive number");
  }
  SUBCASE("the first error in file order wins, even before a quoting error") {
    CheckError("序号,问题\nx,a\n2,\"b\n", "t.csv:2:1: ", "not a positive number");
  }
  SUBCASE("undecodable bytes") {
    CheckError("序号,问题\n1,\xFF\xFF\n", "t.csv:1:1: ", "neither UTF-8");
  }
}

TEST_CASE("anomaly: random mixes of CSV syntax never crash and always locate errors") {
  const std::vector<std::string> pieces = {",",    "\"", "\"\"", "\r\n",      "\n",
                                           "\r",   "1",  "2",    "问题",      "序号",
                                           "整改", " ",  "；",   "2024/2/30", "\xFF"};
  std::mt19937 rng(20240222);  // fixed seed: reproducible
  for (int round = 0; round < 2000; ++round) {
    std::string csv = "序号,问题,整改时限\n";
    int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) csv += pieces[rng() % pieces.size()];
    auto r = ParseLedgerCsv(csv, "f.csv");
    if (r.ok()) {
      for (const ImportRow& row : *r) CHECK_FALSE(row.title.empty());
    } else {
      CHECK_MESSAGE(r.status().message().starts_with("f.csv:"), r.status().message());
    }
  }
}

TEST_CASE("seed000.csv: 2 aspects, 15 problems, 26 measures, 14 done, problem 1 open") {
  auto rows = testing::ParseTestCsv("seed000.csv");
  REQUIRE(rows.size() == 15);
  size_t measures = 0;
  std::map<std::string, int> aspects, statuses;
  for (const ImportRow& r : rows) {
    measures += r.measures.size();
    ++aspects[r.aspect];
    ++statuses[r.status];
  }
  CHECK(measures == 26);
  CHECK(aspects.size() == 2);
  CHECK(statuses["已完成"] == 14);
  CHECK(rows[0].status == "推进中");
  CHECK(rows[0].title == "硬件设施进行升级改造，完善学科教师配备");
}

TEST_CASE("seed004.csv: 3 aspects of 10, 13 and 10 problems, all completed") {
  auto rows = testing::ParseTestCsv("seed004.csv");
  REQUIRE(rows.size() == 33);
  std::vector<std::string> order;
  std::map<std::string, int> per_aspect;
  for (const ImportRow& r : rows) {
    if (per_aspect[r.aspect]++ == 0) order.push_back(r.aspect);
    CHECK(r.status == "已完成");
    CHECK_FALSE(r.result.empty());
  }
  REQUIRE(order.size() == 3);
  CHECK(per_aspect[order[0]] == 10);
  CHECK(per_aspect[order[1]] == 13);
  CHECK(per_aspect[order[2]] == 10);
  CHECK(rows[32].category == "对团建队建会建工作不重视");
}

TEST_CASE("unseen57: the Excel UTF-8 file and the GB18030 file give the same rows") {
  auto utf = testing::ParseTestCsv("unseen57_utf8.csv");
  auto gb = testing::ParseTestCsv("unseen57_gb18030.csv");
  REQUIRE(utf.size() == 57);
  REQUIRE(gb.size() == 57);
  std::map<std::string, int> statuses;
  for (size_t i = 0; i < utf.size(); ++i) {
    CHECK(utf[i].line == gb[i].line);
    CHECK(utf[i].title == gb[i].title);
    CHECK(utf[i].detail == gb[i].detail);
    CHECK(utf[i].measures == gb[i].measures);
    CHECK(utf[i].deadline == gb[i].deadline);
    CHECK(utf[i].result == gb[i].result);
    ++statuses[utf[i].status];
  }
  CHECK(statuses["已完成"] == 48);
  CHECK(statuses["推进中"] == 4);
  CHECK(statuses["长期坚持"] == 5);
  CHECK(utf[2].measures ==
        std::vector<std::string>{"修订完善教学常规管理相关制度", "明确教务处专人负责并每月检查"});
  CHECK(utf[2].detail.find("\"教学常规管理\"") != std::string::npos);
  CHECK(utf.back().line > 58);  // quoted line breaks push records down
}

}  // namespace
}  // namespace rectify
