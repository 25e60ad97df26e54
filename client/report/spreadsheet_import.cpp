#include "client/report/spreadsheet_import.h"

#include <algorithm>
#include <cctype>

#include "client/report/csv_import.h"
#include "client/report/text_encoding.h"

namespace rectify {

namespace {

bool EndsWithNoCase(const std::string& s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.begin(), suffix.end(), s.end() - static_cast<long>(suffix.size()),
                    [](char a, char b) {
                      return std::tolower(static_cast<unsigned char>(a)) ==
                             std::tolower(static_cast<unsigned char>(b));
                    });
}

}  // namespace

Result<std::vector<ImportRow>> ParseLedgerSpreadsheet(std::string_view bytes,
                                                      const std::string& file_name,
                                                      const std::string& sheet,
                                                      SpreadsheetInfo* info,
                                                      std::vector<std::string>* row_errors) {
  SpreadsheetInfo local;
  SpreadsheetInfo* out = info ? info : &local;
  if (EndsWithNoCase(file_name, ".xlsx") || EndsWithNoCase(file_name, ".xlsm") ||
      LooksLikeZip(bytes)) {
    out->format = out->encoding = "xlsx";
    XlsxOptions options;
    options.sheet = sheet;
    options.row_errors = row_errors;
    return ParseLedgerXlsx(bytes, file_name, options, &out->xlsx);
  }
  out->format = "csv";
  auto text = ToUtf8(bytes, &out->encoding);
  if (!text.ok()) {
    auto slash = file_name.find_last_of('/');
    return text.status().Annotate(slash == std::string::npos ? file_name
                                                             : file_name.substr(slash + 1));
  }
  return ParseLedgerCsv(bytes, file_name, row_errors);
}

}  // namespace rectify
