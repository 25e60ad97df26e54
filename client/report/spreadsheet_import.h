// One entry point for importing a ledger spreadsheet, CSV or .xlsx: picks the
// reader by the file's name and first bytes. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "client/ledger/import_row.h"
#include "client/report/xlsx_reader.h"
#include "shared/status.h"

namespace rectify {

struct SpreadsheetInfo {
  std::string format;    // "csv" or "xlsx"
  std::string encoding;  // CSV: "utf-8", "utf-8-bom" or "gb18030" (text_encoding.h); xlsx: "xlsx"
  XlsxInfo xlsx;         // xlsx only
};

// An .xlsx (name ending in .xlsx or .xlsm, any case, or bytes starting like a
// zip) goes to ParseLedgerXlsx with `sheet` (empty: the first); anything else
// to ParseLedgerCsv. Errors are those of the reader; `row_errors` (optional)
// collects every bad row's error (see ParseLedgerCsv).
Result<std::vector<ImportRow>> ParseLedgerSpreadsheet(std::string_view bytes,
                                                      const std::string& file_name,
                                                      const std::string& sheet,
                                                      SpreadsheetInfo* info,
                                                      std::vector<std::string>* row_errors = nullptr);

}  // namespace rectify
