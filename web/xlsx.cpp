#include "web/xlsx.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <xlsxwriter.h>

namespace rectify::web {

namespace {

// Sheet names: at most 31 characters, none of []:*?/\ ; cut on a UTF-8 boundary.
std::string SheetName(const std::string& title) {
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < title.size() && chars < 31;) {
    const unsigned char c = static_cast<unsigned char>(title[i]);
    const size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    std::string ch = title.substr(i, len);
    if (ch.find_first_of("[]:*?/\\") == std::string::npos) {
      out += ch;
      ++chars;
    }
    i += len;
  }
  return out.empty() ? "Sheet1" : out;
}

}  // namespace

Result<std::string> TableToXlsx(const Table& table) {
  // libxlsxwriter 1.1 writes to a file only: a private temporary file,
  // read back and removed.
  char path[] = "/tmp/rectify-xlsx-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return Status::IOError("cannot create a temporary file for the workbook");
  close(fd);
  lxw_workbook* wb = workbook_new(path);
  if (!wb) {
    std::remove(path);
    return Status::IOError("cannot start the workbook");
  }
  lxw_worksheet* ws = workbook_add_worksheet(wb, SheetName(table.title).c_str());
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  for (size_t c = 0; c < table.columns.size(); ++c)
    worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c), table.columns[c].c_str(), bold);
  for (size_t r = 0; r < table.rows.size(); ++r)
    for (size_t c = 0; c < table.rows[r].size(); ++c)
      worksheet_write_string(ws, static_cast<lxw_row_t>(r + 1), static_cast<lxw_col_t>(c),
                             table.rows[r][c].c_str(), nullptr);
  const lxw_error err = workbook_close(wb);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::remove(path);
  if (err != LXW_NO_ERROR)
    return Status::IOError(std::string("workbook not written: ") + lxw_strerror(err));
  return bytes.str();
}

}  // namespace rectify::web
