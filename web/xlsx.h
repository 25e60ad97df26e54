// A table as an .xlsx workbook (libxlsxwriter): one sheet, a bold header row
// with the column names as shown, then the rows as text (numbers stay text
// so "07" and "93%" read exactly as on the page). Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "shared/status.h"

namespace rectify::web {

struct Table {
  std::string title;  // sheet name (at most 31 characters are kept)
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // each as long as columns
};

// The workbook's bytes. IOError if the temporary file cannot be written.
Result<std::string> TableToXlsx(const Table& table);

}  // namespace rectify::web
