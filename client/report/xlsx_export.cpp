#include "client/report/xlsx_export.h"

#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "client/report/csv_export.h"

namespace rectify {

namespace {

constexpr int kNumberColumn = 0;
constexpr int kDeadlineColumn = 8;
constexpr double kWidths[] = {6, 18, 18, 30, 36, 40, 12, 10, 12, 10, 10, 40};

// Removes the temporary file on every path out.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Result<std::string> MakeTempPath(const std::string& tmp_dir) {
  std::string dir = tmp_dir;
  if (dir.empty()) {
    const char* env = std::getenv("TMPDIR");
    dir = env && *env ? env : "/tmp";
  }
  std::string tmpl = dir + "/rectify-export-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  int fd = ::mkstemp(buf.data());
  if (fd < 0) return Status::IOError("cannot create a temporary file in " + dir);
  ::close(fd);
  return std::string(buf.data());
}

// "2024-03-31" -> a date; anything else (长期, empty) is not one.
bool ToDate(const std::string& iso, lxw_datetime* out) {
  if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-') return false;
  *out = {std::atoi(iso.substr(0, 4).c_str()),
          std::atoi(iso.substr(5, 2).c_str()),
          std::atoi(iso.substr(8, 2).c_str()),
          0,
          0,
          0};
  return true;
}

Status Check(lxw_error err, const char* what) {
  if (err == LXW_NO_ERROR) return Status::OK();
  return Status::Internal(std::string("xlsx export: ") + what + ": " + lxw_strerror(err));
}

Status WriteWorkbook(const LedgerSnapshot& s, const std::string& path) {
  lxw_workbook* wb = workbook_new(path.c_str());
  if (wb == nullptr) return Status::IOError("xlsx export: cannot create " + path);
  lxw_worksheet* ws = workbook_add_worksheet(wb, "整改台账");
  lxw_format* title = workbook_add_format(wb);
  format_set_bold(title);
  format_set_font_size(title, 16);
  format_set_align(title, LXW_ALIGN_CENTER);
  lxw_format* head = workbook_add_format(wb);
  format_set_bold(head);
  format_set_border(head, LXW_BORDER_THIN);
  format_set_align(head, LXW_ALIGN_CENTER);
  lxw_format* text = workbook_add_format(wb);
  format_set_text_wrap(text);
  format_set_align(text, LXW_ALIGN_VERTICAL_TOP);
  lxw_format* date = workbook_add_format(wb);
  format_set_num_format(date, "yyyy-mm-dd");
  format_set_align(date, LXW_ALIGN_VERTICAL_TOP);

  const std::vector<std::string>& header = LedgerExportHeader();
  const auto last = static_cast<lxw_col_t>(header.size() - 1);
  Status st = Check(
      worksheet_merge_range(ws, 0, 0, 0, last, (s.school.name + "巡察整改台账").c_str(), title),
      "title");
  for (lxw_col_t c = 0; st.ok() && c <= last; ++c) {
    st = Check(worksheet_set_column(ws, c, c, kWidths[c], nullptr), "column width");
    if (st.ok()) st = Check(worksheet_write_string(ws, 1, c, header[c].c_str(), head), "header");
  }
  worksheet_freeze_panes(ws, 2, 0);
  lxw_row_t row = 2;
  for (const auto& record : LedgerExportRecords(s)) {
    for (lxw_col_t c = 0; st.ok() && c < record.size(); ++c) {
      const std::string& v = record[c];
      lxw_datetime dt;
      if (v.empty()) continue;
      if (c == kNumberColumn)
        st = Check(worksheet_write_number(ws, row, c, std::stod(v), text), "序号");
      else if (c == kDeadlineColumn && ToDate(v, &dt))
        st = Check(worksheet_write_datetime(ws, row, c, &dt, date), "整改时限");
      else
        st = Check(worksheet_write_string(ws, row, c, v.c_str(), text), "cell");
    }
    ++row;
  }
  lxw_error closed = workbook_close(wb);  // frees wb whatever happened
  if (!st.ok()) return st;
  return Check(closed, "writing the file");
}

}  // namespace

Result<std::string> ExportLedgerXlsx(const LedgerSnapshot& snapshot, const std::string& tmp_dir) {
  auto path = MakeTempPath(tmp_dir);
  if (!path.ok()) return path.status();
  TempFile file(*path);
  RECTIFY_RETURN_IF_ERROR(WriteWorkbook(snapshot, file.path()));
  std::ifstream in(file.path(), std::ios::binary);
  if (!in) return Status::IOError("xlsx export: cannot read back " + file.path());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace rectify
