// The ledger columns of a spreadsheet, whatever file it came from: the header
// names and their aliases, and the validation and normalisation of each cell
// (docs/csv-format.md "Columns"). The CSV parser (csv_import.h) and the .xlsx
// reader (xlsx_reader.h) both feed rows of cell texts through this one reader,
// so both produce the same ImportRow for the same cells. Pure; a reader
// instance is not thread-safe, the free functions are.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/ledger/import_row.h"
#include "shared/status.h"

namespace rectify {

// One row of cells: a CSV record or a worksheet row.
struct TableRecord {
  int line = 0;                     // 1-based: the CSV line the record starts on, or the sheet row
  std::vector<std::string> fields;  // cell texts as read; index 0 is column 1
};

// Names a position in error messages: "a.csv:7:9" for CSV, "a.xlsx:Sheet1!I7"
// for a worksheet; `Line` names a whole row ("line 7", "row 7").
class CellNamer {
 public:
  virtual ~CellNamer() = default;
  virtual std::string Cell(int line, int column) const = 0;
  virtual std::string Line(int line) const = 0;
};

// Reads the header once, then rows; every error is InvalidArgument with the
// message "<Cell(line, column)>: <header>: <what>" (header omitted for
// header-row errors). The first error ends the file (all or nothing).
class LedgerTableReader {
 public:
  explicit LedgerTableReader(const CellNamer& namer) : namer_(namer) {}

  bool has_header() const { return header_line_ != 0; }
  int header_line() const { return header_line_; }
  // The 1-based column of 序号, once the header is read.
  int number_column() const { return number_column_; }

  // Unknown, duplicate and missing required headers are errors.
  Status ReadHeader(const TableRecord& rec);
  // Validates and normalises one row; checks 序号 is unique in the file.
  Status ReadRow(const TableRecord& rec, ImportRow* row);

  // InvalidArgument "<Cell(line, column)>: <message>".
  Status Fail(int line, int column, const std::string& message) const;
  // Prefixes the header name of `column` when `line` is below the header.
  std::string WithName(int line, int column, const std::string& message) const;

  // The twelve ledger columns (defined in ledger_table.cpp).
  enum class Column;

 private:
  Status FieldError(int line, int column, const std::string& message) const;
  Status SetField(int line, int column, Column c, const std::string& value, ImportRow* row);
  Status SetDeadline(int line, int column, const std::string& value, ImportRow* row);
  Status CheckUniqueNumber(const ImportRow& row);

  const CellNamer& namer_;
  int header_line_ = 0;
  std::vector<Column> columns_;     // by field index
  std::vector<std::string> names_;  // as written in the file, trimmed
  int number_column_ = 1;
  std::map<std::string, int> first_line_of_number_;
};

// True when every cell is blank after TrimCell.
bool IsBlankRecord(const TableRecord& rec);

// True when `name` (trimmed, English case-insensitive) is a ledger header.
bool IsLedgerHeaderName(std::string_view name);
// True for the names of the required columns 序号 and 问题 respectively.
bool IsNumberHeaderName(std::string_view name);
bool IsTitleHeaderName(std::string_view name);

// Trims ASCII whitespace and full-width spaces (U+3000) from both ends.
std::string_view TrimCell(std::string_view s);

// Splits a 整改措施 cell into measures at "；", ";" and line breaks, trims each
// piece, drops empty ones and strips one leading enumeration marker
// ("一是", "二是", "1.", "1、", "（1）", "(1)", "①"…).
std::vector<std::string> SplitMeasures(std::string_view cell);

}  // namespace rectify
