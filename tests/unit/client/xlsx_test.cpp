// .xlsx import and export (docs/xlsx-format.md): Excel-shaped workbooks import
// exactly as their CSV twins, bad and hostile files are refused with a clear
// message before anything is written, and the export reads back unchanged.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <random>

#include "client/ledger/ledger.h"
#include "client/report/csv_export.h"
#include "client/report/spreadsheet_import.h"
#include "client/report/xlsx_export.h"
#include "client/report/xlsx_reader.h"
#include "tests/unit/client/ledger_fixture.h"
#include "tests/unit/client/xlsx_fixture.h"

namespace rectify {
namespace {

struct LedgerEnv {
  std::filesystem::path dir;
  ManualClock clock{1'708'300'800'000};
  SequentialIdSource ids{"d"};
  std::unique_ptr<Ledger> ledger;

  LedgerEnv() {
    static std::atomic<int> n{0};
    dir = std::filesystem::temp_directory_path() /
          ("rectify_xlsx_ledger_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto r = Ledger::Open((dir / "l.db").string(), clock, ids);
    REQUIRE(r.ok());
    ledger = std::move(r).value();
    REQUIRE(ledger->InitSchool("s1", "中山路小学", "中共中山路小学支部委员会", "王").ok());
  }
  ~LedgerEnv() {
    ledger.reset();
    std::filesystem::remove_all(dir);
  }
  // The ledger's content, in the export's columns.
  std::string Content() {
    auto snap = ledger->Snapshot();
    REQUIRE(snap.ok());
    return ExportLedgerCsv(*snap);
  }
  void Import(const std::vector<ImportRow>& rows) {
    Status st = ledger->ImportRows(rows, "王", nullptr);
    REQUIRE_MESSAGE(st.ok(), st.ToString());
  }
};

std::vector<ImportRow> ParseXlsxOk(const std::string& bytes, XlsxInfo* info = nullptr) {
  auto rows = ParseLedgerXlsx(bytes, "t.xlsx", {}, info);
  REQUIRE_MESSAGE(rows.ok(), rows.status().ToString());
  return *rows;
}

std::string XlsxError(const std::string& bytes, const XlsxOptions& options = {}) {
  auto rows = ParseLedgerXlsx(bytes, "t.xlsx", options);
  REQUIRE_FALSE(rows.ok());
  CHECK(rows.status().code() == Status::Code::kInvalidArgument);
  return rows.status().message();
}

bool Has(const std::string& s, const std::string& needle) {
  return s.find(needle) != std::string::npos;
}

TEST_CASE("xlsx: a clerk's workbook imports exactly as its CSV twin") {
  for (const char* twin : {"unseen57_utf8.csv", "seed004.csv", "seed000.csv"}) {
    CAPTURE(twin);
    std::vector<ImportRow> csv_rows = testing::ParseTestCsv(twin);
    std::string bytes = testing::ClerkWorkbook(csv_rows);
    XlsxInfo info;
    std::vector<ImportRow> xlsx_rows = ParseXlsxOk(bytes, &info);
    CHECK(info.sheet == "台账");
    CHECK(info.header_row == 2);
    CHECK(info.header_rows == 2);
    CHECK(info.skipped_rows == 1);
    REQUIRE(xlsx_rows.size() == csv_rows.size());
    CHECK(xlsx_rows.front().line == 4);
    CHECK(xlsx_rows.front().where == "台账!A4");
    LedgerEnv from_csv, from_xlsx;
    CHECK(from_csv.Content() == from_xlsx.Content());  // both empty: the check can fail
    from_csv.Import(csv_rows);
    from_xlsx.Import(xlsx_rows);
    CHECK(from_csv.Content().size() > 1000);
    CHECK(from_csv.Content() == from_xlsx.Content());
  }
}

TEST_CASE("xlsx: serial dates in a Chinese format, merged 方面 and a formula's cached value") {
  std::vector<ImportRow> csv_rows = testing::ParseTestCsv("unseen57_utf8.csv");
  std::vector<ImportRow> rows = ParseXlsxOk(testing::ClerkWorkbook(csv_rows));
  CHECK(csv_rows[0].deadline == "2024-04-11");  // 2024/4/11 in the CSV
  CHECK(rows[0].deadline == "2024-04-11");      // serial 45393 shown as 2024年4月11日
  CHECK(rows[1].aspect == rows[0].aspect);      // covered by the merged 方面 cell
  CHECK(rows[56].number == "57");               // =ROW()-3, cached
}

TEST_CASE("xlsx: dates, numbers, booleans, inline strings and an unmerged one-row header") {
  std::string bytes = testing::BuildWorkbook([](lxw_workbook* wb) {
    lxw_worksheet* ws = workbook_add_worksheet(wb, "Sheet1");
    lxw_format* iso = workbook_add_format(wb);
    format_set_num_format(iso, "yyyy-mm-dd");
    lxw_format* builtin = workbook_add_format(wb);
    format_set_num_format_index(builtin, 14);
    const char* head[] = {"No", "Title", "Deadline", "Status", "Result"};
    for (lxw_col_t c = 0; c < 5; ++c) worksheet_write_string(ws, 0, c, head[c], nullptr);
    worksheet_write_number(ws, 1, 0, 7, nullptr);
    worksheet_write_string(ws, 1, 1, "  扫除死角　", nullptr);
    lxw_datetime leap = {2024, 2, 29, 0, 0, 0};
    worksheet_write_datetime(ws, 1, 2, &leap, iso);
    worksheet_write_string(ws, 1, 3, "done", nullptr);
    worksheet_write_number(ws, 1, 4, 14.37, nullptr);
    worksheet_write_number(ws, 2, 0, 8, nullptr);
    worksheet_write_string(ws, 2, 1, "第二项", nullptr);
    lxw_datetime d = {2023, 12, 31, 0, 0, 0};
    worksheet_write_datetime(ws, 2, 2, &d, builtin);
    worksheet_write_boolean(ws, 2, 4, 1, nullptr);
  });
  std::vector<ImportRow> rows = ParseXlsxOk(bytes);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].number == "7");
  CHECK(rows[0].title == "扫除死角");
  CHECK(rows[0].deadline == "2024-02-29");
  CHECK(rows[0].status == "已完成");
  CHECK(rows[0].result == "14.37");
  CHECK(rows[1].deadline == "2023-12-31");
  CHECK(rows[1].result == "TRUE");

  // Inline strings (<is><t>) as other writers produce them.
  std::string sheet =
      R"(<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)"
      R"(<row r="1"><c r="A1" t="inlineStr"><is><t>序号</t></is></c><c r="B1" t="inlineStr"><is><r><t>问</t></r><r><t>题</t></r></is></c></row>)"
      R"(<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>内联</t></is></c></row>)"
      R"(</sheetData></worksheet>)";
  std::string wb_xml =
      R"(<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>)";
  std::string rels =
      R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>)";
  std::string inline_bytes = testing::BuildZip({{"xl/workbook.xml", wb_xml},
                                                {"xl/_rels/workbook.xml.rels", rels},
                                                {"xl/worksheets/sheet1.xml", sheet}});
  rows = ParseXlsxOk(inline_bytes);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].title == "内联");
}

TEST_CASE("xlsx: cell errors name the sheet and cell, as CSV errors name line and column") {
  auto one_row = [](const std::function<void(lxw_worksheet*)>& row) {
    return testing::BuildWorkbook([&](lxw_workbook* wb) {
      lxw_worksheet* ws = workbook_add_worksheet(wb, "Sheet1");
      worksheet_merge_range(ws, 0, 0, 0, 3, "标题", nullptr);
      const char* head[] = {"序号", "问题", "整改时限", "整改状态"};
      for (lxw_col_t c = 0; c < 4; ++c) worksheet_write_string(ws, 1, c, head[c], nullptr);
      row(ws);
    });
  };
  std::string msg = XlsxError(one_row([](lxw_worksheet* ws) {
    worksheet_write_number(ws, 2, 0, 1, nullptr);
    worksheet_write_string(ws, 2, 1, "a", nullptr);
    worksheet_write_string(ws, 2, 2, "2024-02-30", nullptr);
  }));
  CHECK_MESSAGE(msg.starts_with("t.xlsx:Sheet1!C3: 整改时限: bad date \"2024-02-30\""), msg);
  msg = XlsxError(one_row([](lxw_worksheet* ws) {
    worksheet_write_number(ws, 2, 0, 1, nullptr);
    worksheet_write_string(ws, 2, 1, "a", nullptr);
    worksheet_write_string(ws, 2, 3, "差不多", nullptr);
    worksheet_write_number(ws, 3, 0, 1, nullptr);
  }));
  CHECK_MESSAGE(msg.starts_with("t.xlsx:Sheet1!D3: 整改状态: unknown status"), msg);
  msg = XlsxError(one_row([](lxw_worksheet* ws) {
    worksheet_write_number(ws, 2, 0, 1, nullptr);
    worksheet_write_string(ws, 2, 1, "a", nullptr);
    worksheet_write_number(ws, 5, 0, 1, nullptr);
    worksheet_write_string(ws, 5, 1, "b", nullptr);
  }));
  CHECK_MESSAGE(
      msg.starts_with("t.xlsx:Sheet1!A6: 序号: duplicate 序号 1 (first used on Sheet1 row 3)"),
      msg);
  msg = XlsxError(one_row(
      [](lxw_worksheet* ws) { worksheet_write_formula_num(ws, 2, 0, "=1/0", nullptr, 0); }));
  CHECK(msg.empty() == false);  // a formula with a numeric cached value is that value: 0
  CHECK_MESSAGE(Has(msg, "序号: 序号 \"0\" is not a positive number"), msg);
  msg = XlsxError(testing::BuildWorkbook([](lxw_workbook* wb) {
    lxw_worksheet* ws = workbook_add_worksheet(wb, "Sheet1");
    worksheet_write_string(ws, 0, 0, "序号", nullptr);
    worksheet_write_string(ws, 0, 1, "备注", nullptr);
  }));
  CHECK_MESSAGE(msg.starts_with("t.xlsx:Sheet1!B1: unknown header \"备注\""), msg);
}

TEST_CASE("xlsx: a ledger error names the row's 序号 cell") {
  std::vector<ImportRow> rows =
      ParseXlsxOk(testing::ClerkWorkbook(testing::ParseTestCsv("seed000.csv")));
  rows[3].status = "已销号";  // a school may not verify
  LedgerEnv env;
  REQUIRE(env.ledger->SetIdentity("s1", "school").ok());
  Status st = env.ledger->ImportRows(rows, "王", nullptr);
  REQUIRE_FALSE(st.ok());
  CHECK_MESSAGE(st.message().starts_with("台账!A7: "), st.message());
}

TEST_CASE("xlsx: corrupt files are refused with a clear message") {
  std::string good = testing::ClerkWorkbook(testing::ParseTestCsv("seed000.csv"));
  SUBCASE("truncated") {
    CHECK_MESSAGE(Has(XlsxError(good.substr(0, good.size() / 2)), "not a readable .xlsx file"),
                  XlsxError(good.substr(0, good.size() / 2)));
  }
  SUBCASE("garbage") {
    CHECK(Has(XlsxError("PK\x03\x04 this is not a zip at all"), "not a readable .xlsx file"));
    CHECK(Has(XlsxError(std::string(3000, 'x')), "not a readable .xlsx file"));
  }
  SUBCASE("an old .xls") {
    CHECK(
        Has(XlsxError(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + std::string(600, '\0')),
            "Excel 97-2003"));
  }
  SUBCASE("the sheet the workbook names is missing") {
    auto entries = testing::ZipEntries(good);
    size_t before = entries.size();
    std::erase_if(entries, [](const auto& e) { return e.first == "xl/worksheets/sheet1.xml"; });
    REQUIRE(entries.size() == before - 1);
    std::string msg = XlsxError(testing::BuildZip(entries));
    CHECK_MESSAGE(
        Has(msg, "names sheet \"台账\" at xl/worksheets/sheet1.xml, which is not in the file"),
        msg);
  }
  SUBCASE("no workbook at all") {
    std::string msg = XlsxError(testing::BuildZip({{"hello.txt", "hi"}}));
    CHECK_MESSAGE(Has(msg, "not an Excel workbook: the workbook (xl/workbook.xml) is missing"),
                  msg);
  }
  SUBCASE("malformed XML in the sheet, and a DTD") {
    auto entries = testing::ZipEntries(good);
    for (auto& [name, bytes] : entries)
      if (name == "xl/worksheets/sheet1.xml") bytes = bytes.substr(0, bytes.size() / 2);
    CHECK(Has(XlsxError(testing::BuildZip(entries)), "xl/worksheets/sheet1.xml: malformed XML"));
    entries = testing::ZipEntries(good);
    for (auto& [name, bytes] : entries)
      if (name == "xl/sharedStrings.xml")
        bytes = "<?xml version=\"1.0\"?><!DOCTYPE sst [<!ENTITY a \"aaaa\">]><sst/>";
    CHECK(Has(XlsxError(testing::BuildZip(entries)), "document type declaration is not allowed"));
  }
  SUBCASE("a named sheet that does not exist") {
    XlsxOptions o;
    o.sheet = "Sheet9";
    CHECK(Has(XlsxError(good, o), "no sheet named \"Sheet9\" (sheets: 台账)"));
  }
}

TEST_CASE("xlsx: zip bombs are refused before inflating") {
  // 64 MiB of zeros deflate to about 64 KiB: a 1000:1 entry.
  std::string zeros(64u << 20, '0');
  std::string bomb = testing::BuildZip({{"xl/worksheets/sheet1.xml", zeros}});
  zeros.clear();
  zeros.shrink_to_fit();
  CHECK(bomb.size() < (1u << 20));
  std::string msg = XlsxError(bomb);
  CHECK_MESSAGE(Has(msg, "refusing a possible zip bomb"), msg);
  CHECK_MESSAGE(Has(msg, "xl/worksheets/sheet1.xml"), msg);

  XlsxOptions tight;
  tight.limits.max_entry_bytes = 1 << 10;
  msg = XlsxError(testing::ClerkWorkbook(testing::ParseTestCsv("seed000.csv")), tight);
  CHECK_MESSAGE(Has(msg, "more than the 0.0 MiB allowed: refusing a possible zip bomb"), msg);
  tight = {};
  tight.limits.max_entries = 3;
  msg = XlsxError(testing::ClerkWorkbook(testing::ParseTestCsv("seed000.csv")), tight);
  CHECK_MESSAGE(Has(msg, "entries, more than the 3 allowed"), msg);
  tight = {};
  tight.limits.max_cells = 50;  // a sheet's layout cannot make the reader hold more
  msg = XlsxError(testing::ClerkWorkbook(testing::ParseTestCsv("seed000.csv")), tight);
  CHECK_MESSAGE(Has(msg, "more than 50 cells"), msg);
  tight = {};
  tight.limits.max_total_bytes = 4 << 10;
  msg = XlsxError(testing::ClerkWorkbook(testing::ParseTestCsv("seed000.csv")), tight);
  CHECK_MESSAGE(Has(msg, "the archive would expand to"), msg);
}

TEST_CASE("xlsx: the export imports back unchanged") {
  LedgerEnv env;
  env.Import(testing::ParseTestCsv("unseen57_utf8.csv"));
  auto snap = env.ledger->Snapshot();
  REQUIRE(snap.ok());
  auto bytes = ExportLedgerXlsx(*snap);
  REQUIRE_MESSAGE(bytes.ok(), bytes.status().ToString());
  CHECK(LooksLikeZip(*bytes));
  SpreadsheetInfo info;
  auto rows = ParseLedgerSpreadsheet(*bytes, "导出.xlsx", "", &info);
  REQUIRE_MESSAGE(rows.ok(), rows.status().ToString());
  CHECK(info.format == "xlsx");
  CHECK(info.xlsx.sheet == "整改台账");
  CHECK(info.xlsx.skipped_rows == 1);  // the merged title
  auto csv_rows = ParseLedgerCsv(ExportLedgerCsv(*snap), "e.csv");
  REQUIRE(csv_rows.ok());
  REQUIRE(rows->size() == csv_rows->size());
  for (size_t i = 0; i < rows->size(); ++i) {
    CHECK((*rows)[i].number == (*csv_rows)[i].number);
    CHECK((*rows)[i].deadline == (*csv_rows)[i].deadline);
    CHECK((*rows)[i].measures == (*csv_rows)[i].measures);
    CHECK((*rows)[i].result == (*csv_rows)[i].result);
  }
  // Into a second ledger, and re-imported into the first: no change at all.
  LedgerEnv other;
  other.Import(*rows);
  CHECK(other.Content() == env.Content());
  ImportSummary sum;
  REQUIRE(env.ledger->ImportRows(*rows, "王", &sum).ok());
  CHECK(sum.ops_written == 0);
  CHECK(sum.problems_unchanged == 57);
}

TEST_CASE("anomaly: mutated sheets and strings never crash and always name the file") {
  const std::string good = testing::ClerkWorkbook(testing::ParseTestCsv("seed000.csv"));
  const auto entries = testing::ZipEntries(good);
  const uint32_t seed = static_cast<uint32_t>(std::random_device{}());
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  const std::string pieces[] = {"<",
                                ">",
                                "\"",
                                "&",
                                "r=\"A0\"",
                                "t=\"s\"",
                                "<v>99999</v>",
                                "s=\"9999\"",
                                "<mergeCell ref=\"A1:XFD1048576\"/>",
                                "\xFF",
                                "<c r=\"ZZZZ1\">",
                                "<v>1e308</v>",
                                "r=\"99999999999\""};
  const std::string texts[] = {"1", "0", "年", "；", "2024/2/30", "-1", "1e308", "一是"};
  int ok = 0;
  for (int round = 0; round < 150; ++round) {
    auto mutated = entries;
    for (auto& [name, bytes] : mutated) {
      if (name != "xl/worksheets/sheet1.xml" && name != "xl/sharedStrings.xml") continue;
      for (int k = static_cast<int>(rng() % 4); k >= 0; --k) {
        size_t at = rng() % bytes.size();
        if (round % 2 == 0) {  // text only, after a tag: the XML stays well formed
          at = bytes.find('>', at);
          if (at != std::string::npos) bytes.insert(at + 1, texts[rng() % std::size(texts)]);
        } else if (rng() % 2) {
          bytes.insert(at, pieces[rng() % std::size(pieces)]);
        } else {
          bytes.erase(at, rng() % 16);
        }
      }
    }
    auto rows = ParseLedgerXlsx(testing::BuildZip(mutated), "m.xlsx");
    if (rows.ok())
      ++ok;
    else
      CHECK_MESSAGE(rows.status().message().starts_with("m.xlsx"), rows.status().message());
  }
  MESSAGE(ok << " of 150 mutated workbooks still parsed");
}

TEST_CASE("xlsx: serial dates, date formats and column letters") {
  CHECK(ExcelSerialToDate(1, false) == "1900-01-01");
  CHECK(ExcelSerialToDate(59, false) == "1900-02-28");
  CHECK(ExcelSerialToDate(60, false) == "1900-02-29");  // Lotus's phantom day: not a real date
  CHECK(ExcelSerialToDate(61, false) == "1900-03-01");
  CHECK(ExcelSerialToDate(45393, false) == "2024-04-11");
  CHECK(ExcelSerialToDate(45393.75, false) == "2024-04-11");
  CHECK(ExcelSerialToDate(0, true) == "1904-01-01");
  CHECK(ExcelSerialToDate(2958465, false) == "9999-12-31");
  CHECK(ExcelSerialToDate(1e300, false).empty());
  CHECK(ExcelSerialToDate(-1, false).empty());
  CHECK(IsDateFormat(14, ""));
  CHECK(IsDateFormat(57, ""));
  CHECK(IsDateFormat(176, "yyyy\"年\"m\"月\"d\"日\""));
  CHECK(IsDateFormat(176, "yyyy年m月d日"));
  CHECK(IsDateFormat(177, "[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy"));
  CHECK_FALSE(IsDateFormat(0, "General"));
  CHECK_FALSE(IsDateFormat(2, "0.00"));
  CHECK_FALSE(IsDateFormat(178, "[Red]0.00;\"day\"0"));
  CHECK_FALSE(IsDateFormat(179, "#,##0_);(#,##0)"));
  CHECK(ColumnLetters(1) == "A");
  CHECK(ColumnLetters(26) == "Z");
  CHECK(ColumnLetters(27) == "AA");
  CHECK(ColumnLetters(16384) == "XFD");
}

}  // namespace
}  // namespace rectify
