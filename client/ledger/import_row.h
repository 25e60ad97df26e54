// One row of a ledger spreadsheet after parsing and validation by the CSV or
// .xlsx importer (client/report/csv_import.h, xlsx_reader.h), consumed by
// Ledger::ImportRows.
#pragma once

#include <string>
#include <vector>

namespace rectify {

struct ImportRow {
  int line = 0;                  // 1-based line (CSV) or row (sheet) in the source file
  std::string where;             // position for error messages ("Sheet1!A7"); empty: "line N"
  std::string number;            // digits, or empty (then matched by title, else max+1)
  std::string aspect, category;  // titles; find-or-create in first-appearance order
  std::string title, detail, department, person;
  std::string deadline;  // YYYY-MM-DD, 长期 or empty
  std::string kind;      // anything ParseKind accepts, or empty
  std::string status;    // anything ParseStatus accepts, or empty
  std::string result;
  std::vector<std::string> measures;  // measure texts; index i is ordinal i+1
};

}  // namespace rectify
