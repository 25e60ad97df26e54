// Export of a ledger to CSV, in the format ParseLedgerCsv reads back
// (docs/csv-format.md). Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "shared/domain.h"

namespace rectify {

// UTF-8 with a BOM and CRLF line ends, because that is what Excel opens
// without garbling Chinese; the 12 Chinese headers of docs/csv-format.md;
// one record per problem in snapshot order; measures (by ordinal) joined with
// "；"; status and kind as Chinese labels. Fields holding a comma, quote, line
// break or leading/trailing space are quoted (RFC 4180).
//
// Round trip: ParseLedgerCsv(ExportLedgerCsv(s)) yields the rows s came from,
// provided no measure text itself contains "；", ";" or a line break, and no
// measure starts with an enumeration marker such as "一是" (both are split or
// stripped on import).
std::string ExportLedgerCsv(const LedgerSnapshot& snapshot);

// The 12 Chinese column headers of an export, in order (shared with the .xlsx
// export, client/report/xlsx_export.h).
const std::vector<std::string>& LedgerExportHeader();

// One record of LedgerExportHeader() cells per problem, in snapshot order:
// 序号, 方面, 类别, 问题, 问题详情, 整改措施 (joined with "；"), 责任部门, 责任人,
// 整改时限, 整改类型, 整改状态 (Chinese labels), 整改结果.
std::vector<std::vector<std::string>> LedgerExportRecords(const LedgerSnapshot& snapshot);

}  // namespace rectify
