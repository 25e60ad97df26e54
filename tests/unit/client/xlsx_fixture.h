// Test helpers for .xlsx: workbooks built with libxlsxwriter as a clerk's
// Excel file looks (merged title, two-row header, merged 方面 runs, serial
// dates in a Chinese date format, formulas with cached values), and zips
// built or rebuilt with libzip (bombs, missing parts).
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "client/ledger/import_row.h"

namespace rectify::testing {

inline std::string TempName(const std::string& suffix) {
  static std::atomic<int> n{0};
  return (std::filesystem::temp_directory_path() /
          ("rectify_xlsx_" + std::to_string(::getpid()) + "_" + std::to_string(n++) + suffix))
      .string();
}

inline std::string SlurpAndRemove(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::filesystem::remove(path);
  return ss.str();
}

// Runs `fill` on a fresh workbook and returns the .xlsx bytes.
inline std::string BuildWorkbook(const std::function<void(lxw_workbook*)>& fill) {
  std::string path = TempName(".xlsx");
  lxw_workbook* wb = workbook_new(path.c_str());
  REQUIRE(wb != nullptr);
  fill(wb);
  REQUIRE(workbook_close(wb) == LXW_NO_ERROR);
  return SlurpAndRemove(path);
}

// Writes `rows` as clerks keep them in Excel:
//   row 1: a title merged over A:L;
//   rows 2-3: a two-row header: 序号, 方面, 类别, 问题, 问题详情 merged down over both
//     rows, a group cell 整改情况 merged over 整改措施 | 责任部门 | 责任人 (row 3),
//     整改时限, 整改类型, 整改状态, 整改结果 merged down;
//   then one row per problem: 序号 as a formula =ROW()-3 with its cached value,
//   方面 and 类别 merged down over their runs, 整改时限 as a serial date shown
//   as yyyy"年"m"月"d"日" (长期 as text), measures joined with "；".
inline std::string ClerkWorkbook(const std::vector<ImportRow>& rows) {
  return BuildWorkbook([&](lxw_workbook* wb) {
    lxw_worksheet* ws = workbook_add_worksheet(wb, "台账");
    lxw_format* cn_date = workbook_add_format(wb);
    format_set_num_format(cn_date, "yyyy\"年\"m\"月\"d\"日\"");
    worksheet_merge_range(ws, 0, 0, 0, 11, "某某学校巡察整改台账（2024年）", nullptr);
    const char* down[] = {"序号", "方面", "类别", "问题", "问题详情"};
    for (lxw_col_t c = 0; c < 5; ++c) worksheet_merge_range(ws, 1, c, 2, c, down[c], nullptr);
    worksheet_merge_range(ws, 1, 5, 1, 7, "整改情况", nullptr);
    worksheet_write_string(ws, 2, 5, "整改措施", nullptr);
    worksheet_write_string(ws, 2, 6, "责任部门", nullptr);
    worksheet_write_string(ws, 2, 7, "责任人", nullptr);
    const char* down2[] = {"整改时限", "整改类型", "整改状态", "整改结果"};
    for (lxw_col_t c = 8; c < 12; ++c) worksheet_merge_range(ws, 1, c, 2, c, down2[c - 8], nullptr);
    auto text = [&](lxw_row_t r, lxw_col_t c, const std::string& v) {
      if (!v.empty()) worksheet_write_string(ws, r, c, v.c_str(), nullptr);
    };
    // A run of equal values in column c from row `start` (sheet row index) of length n.
    auto merged = [&](lxw_row_t start, lxw_col_t c, size_t n, const std::string& v) {
      if (v.empty()) return;
      if (n == 1)
        text(start, c, v);
      else
        worksheet_merge_range(ws, start, c, static_cast<lxw_row_t>(start + n - 1), c, v.c_str(),
                              nullptr);
    };
    const lxw_row_t first = 3;
    for (size_t i = 0; i < rows.size(); ++i) {
      const ImportRow& r = rows[i];
      const lxw_row_t row = static_cast<lxw_row_t>(first + i);
      worksheet_write_formula_num(ws, row, 0, "=ROW()-3", nullptr, std::stod(r.number));
      text(row, 3, r.title);
      text(row, 4, r.detail);
      std::string measures;
      for (const std::string& m : r.measures) measures += (measures.empty() ? "" : "；") + m;
      text(row, 5, measures);
      text(row, 6, r.department);
      text(row, 7, r.person);
      if (r.deadline.size() == 10) {
        lxw_datetime d = {std::atoi(r.deadline.substr(0, 4).c_str()),
                          std::atoi(r.deadline.substr(5, 2).c_str()),
                          std::atoi(r.deadline.substr(8, 2).c_str()),
                          0,
                          0,
                          0};
        worksheet_write_datetime(ws, row, 8, &d, cn_date);
      } else {
        text(row, 8, r.deadline);
      }
      text(row, 9, r.kind);
      text(row, 10, r.status);
      text(row, 11, r.result);
    }
    // 方面 and 类别 merged over each run of equal values.
    for (lxw_col_t c : {lxw_col_t{1}, lxw_col_t{2}}) {
      size_t start = 0;
      for (size_t i = 1; i <= rows.size(); ++i) {
        auto key = [&](size_t k) {
          return rows[k].aspect + "\x1f" + (c == 2 ? rows[k].category : "");
        };
        if (i < rows.size() && key(i) == key(start)) continue;
        merged(static_cast<lxw_row_t>(first + start), c, i - start,
               c == 1 ? rows[start].aspect : rows[start].category);
        start = i;
      }
    }
  });
}

// A zip of the given entries (name, bytes), deflated, made with libzip.
inline std::string BuildZip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string path = TempName(".zip");
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  REQUIRE(z != nullptr);
  for (const auto& [name, bytes] : entries) {
    zip_source_t* src = zip_source_buffer(z, bytes.data(), bytes.size(), 0);
    REQUIRE(src != nullptr);
    REQUIRE(zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8) >= 0);
  }
  REQUIRE(zip_close(z) == 0);
  return SlurpAndRemove(path);
}

// The entries of a zip, read with libzip.
inline std::vector<std::pair<std::string, std::string>> ZipEntries(const std::string& bytes) {
  std::string path = TempName(".zip");
  std::ofstream(path, std::ios::binary) << bytes;
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &err);
  REQUIRE(z != nullptr);
  std::vector<std::pair<std::string, std::string>> out;
  for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0); ++i) {
    zip_stat_t st;
    zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st);
    zip_file_t* f = zip_fopen_index(z, static_cast<zip_uint64_t>(i), 0);
    std::string data(st.size, '\0');
    REQUIRE(zip_fread(f, data.data(), st.size) == static_cast<zip_int64_t>(st.size));
    zip_fclose(f);
    out.emplace_back(st.name, std::move(data));
  }
  zip_discard(z);
  std::filesystem::remove(path);
  return out;
}

}  // namespace rectify::testing
