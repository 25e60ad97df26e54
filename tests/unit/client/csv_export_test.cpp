#include "client/report/csv_export.h"

#include <doctest/doctest.h>

#include "client/report/csv_import.h"
#include "tests/unit/client/ledger_fixture.h"

namespace rectify {
namespace {

void CheckSameRows(const std::vector<ImportRow>& a, const std::vector<ImportRow>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CAPTURE(i);
    CHECK(a[i].number == b[i].number);
    CHECK(a[i].aspect == b[i].aspect);
    CHECK(a[i].category == b[i].category);
    CHECK(a[i].title == b[i].title);
    CHECK(a[i].detail == b[i].detail);
    CHECK(a[i].measures == b[i].measures);
    CHECK(a[i].department == b[i].department);
    CHECK(a[i].person == b[i].person);
    CHECK(a[i].deadline == b[i].deadline);
    CHECK(a[i].kind == b[i].kind);
    CHECK(a[i].status == b[i].status);
    CHECK(a[i].result == b[i].result);
  }
}

TEST_CASE("export then import gives back the same rows") {
  for (const char* file : {"seed000.csv", "unseen57_utf8.csv", "unseen57_gb18030.csv"}) {
    CAPTURE(file);
    auto rows = testing::ParseTestCsv(file);
    std::string csv = ExportLedgerCsv(testing::SnapshotFromRows(rows));
    auto again = ParseLedgerCsv(csv, "export.csv");
    REQUIRE_MESSAGE(again.ok(), again.status().ToString());
    CheckSameRows(rows, *again);
    // A second round changes nothing at all.
    CHECK(ExportLedgerCsv(testing::SnapshotFromRows(*again)) == csv);
  }
}

TEST_CASE("seed004 round-trips, with the default kind filled in") {
  auto rows = testing::ParseTestCsv("seed004.csv");
  auto again = ParseLedgerCsv(ExportLedgerCsv(testing::SnapshotFromRows(rows)), "e.csv");
  REQUIRE(again.ok());
  for (ImportRow& r : rows) r.kind = "限期整改";  // empty in the file, defaulted by the ledger
  CheckSameRows(rows, *again);
}

TEST_CASE("ExportLedgerCsv writes what Excel opens: BOM, CRLF, Chinese header, RFC 4180 quoting") {
  LedgerSnapshot s;
  s.aspects = {{"a1", 1, "方面,一", {{"c1", 1, "类别"}}}};
  ProblemInfo p;
  p.number = 3;
  p.aspect_id = "a1";
  p.category_id = "c1";
  p.title = "规范\"三乱\"";
  p.result = "第一行\n第二行";
  p.status = ProblemStatus::kLongTerm;
  p.kind = ProblemKind::kOngoing;
  p.deadline = "长期";
  p.measures = {{"m2", 2, "后做", "", "", ""}, {"m1", 1, "先做", "", "", ""}};
  s.problems = {p};
  std::string csv = ExportLedgerCsv(s);
  CHECK(
      csv.starts_with("\xEF\xBB\xBF序号,方面,类别,问题,问题详情,整改措施,责任部门,责任人,"
                      "整改时限,整改类型,整改状态,整改结果\r\n"));
  CHECK(csv.find("3,\"方面,一\",类别,\"规范\"\"三乱\"\"\",,先做；后做,,,长期,长期坚持,长期坚持,"
                 "\"第一行\n第二行\"\r\n") != std::string::npos);
}

}  // namespace
}  // namespace rectify
