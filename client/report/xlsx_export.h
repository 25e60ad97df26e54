// Export of a ledger to .xlsx in the columns of the CSV export
// (docs/xlsx-format.md), which ParseLedgerXlsx reads back unchanged.
// Thread-safe; libxlsxwriter writes through a temporary file, which is
// removed before returning.
#pragma once

#include <string>

#include "shared/domain.h"
#include "shared/status.h"

namespace rectify {

// One worksheet "整改台账": a title row merged over the 12 columns
// ("<school>巡察整改台账"), the header of LedgerExportHeader() (csv_export.h)
// in row 2, then one row per problem. 序号 is a number, a dated 整改时限 a real
// Excel date shown as yyyy-mm-dd (长期 stays text), everything else text.
// `tmp_dir` holds the temporary file; empty: $TMPDIR, else /tmp.
// Round trip: ParseLedgerXlsx(bytes) gives the rows ParseLedgerCsv gives for
// ExportLedgerCsv(snapshot), with the same measure caveats.
Result<std::string> ExportLedgerXlsx(const LedgerSnapshot& snapshot,
                                     const std::string& tmp_dir = "");

}  // namespace rectify
