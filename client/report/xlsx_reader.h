// Reading a school's ledger saved by Excel/WPS as .xlsx (docs/xlsx-format.md):
// the first worksheet (or a named one) becomes rows of cell texts, which go
// through the same column reader as CSV (ledger_table.h), so an .xlsx and its
// CSV twin give the same ImportRows. Pure functions over bytes in memory, no
// file I/O; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "client/ledger/import_row.h"
#include "shared/status.h"

namespace rectify {

// Limits against zip bombs and oversized workbooks; every one is checked from
// the zip directory before inflating, and again while inflating (a directory
// can lie).
struct XlsxLimits {
  int64_t max_entries = 10'000;             // entries in the zip
  int64_t max_entry_bytes = 64LL << 20;     // uncompressed size of one part read
  int64_t max_total_bytes = 256LL << 20;    // uncompressed size of the whole archive
  int64_t max_ratio = 100;                  // uncompressed : compressed, per entry ...
  int64_t ratio_applies_above = 1LL << 20;  // ... once the entry is larger than this
  // Cells held in memory: cells with a value plus cells filled by merged
  // ranges, and separately the cells of the rows read (blanks up to each
  // row's last value included). Bounds memory whatever the sheet's layout.
  int64_t max_cells = 1'000'000;
};

struct XlsxOptions {
  std::string sheet;  // worksheet name; empty: the first sheet of the workbook
  XlsxLimits limits;
  // Not null: a bad row's error is appended here and reading goes on, so a
  // preview can list every row's error; the result is still the first error.
  std::vector<std::string>* row_errors = nullptr;
};

// What the reader found, for the CLI's summary.
struct XlsxInfo {
  std::string sheet;     // the worksheet read
  int header_row = 0;    // 1-based sheet row of the (first) header row
  int header_rows = 0;   // 1 or 2
  int skipped_rows = 0;  // non-blank rows above the header (titles)
};

// Parses an .xlsx ledger. Cells: shared and inline strings, numbers (a number
// whose cell format is a date or time format becomes YYYY-MM-DD), booleans,
// formulas by their cached value; a merged range's value applies to every
// cell it covers. Rows above the header (titles) are skipped: the header is
// the first row naming both 序号 and 问题 among the first 10 non-blank rows; a
// second header row directly below it, holding only header names, refines
// the first (a group cell such as 整改情况 over 整改措施 | 责任部门).
//
// Errors are InvalidArgument: "<file_name>:<Sheet>!<Cell>: <header>: <what>"
// for a cell (as for CSV, docs/csv-format.md "Errors"), "<file_name>: <what>"
// for the file (not a zip, a limit exceeded, a part missing or malformed).
// Each row's `where` is its 序号 cell, e.g. "Sheet1!A7".
Result<std::vector<ImportRow>> ParseLedgerXlsx(std::string_view bytes, const std::string& file_name,
                                               const XlsxOptions& options = {},
                                               XlsxInfo* info = nullptr);

// True when `bytes` start like a zip archive ("PK\3\4"), as every .xlsx does.
bool LooksLikeZip(std::string_view bytes);

// "A" for 1, "Z" for 26, "AA" for 27.
std::string ColumnLetters(int column);

// Excel's day serial (1900 date system, with its phantom 1900-02-29, or the
// 1904 system) to "YYYY-MM-DD"; the fraction (time of day) is dropped. Empty
// outside 0 .. 2958465 (9999-12-31).
std::string ExcelSerialToDate(double serial, bool date1904);

// True when an Excel number format shows a date or time: built-in ids 14-22,
// 27-36, 45-47, 50-58, or a format code with y, m, d, h or s outside quoted
// text, escapes and [brackets] (e.g. yyyy"年"m"月"d"日", yyyy年m月d日).
bool IsDateFormat(int num_fmt_id, std::string_view format_code);

}  // namespace rectify
