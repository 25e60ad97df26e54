// Export of a ledger to CSV, in the format ParseLedgerCsv reads back
// (docs/csv-format.md). Pure; thread-safe.
#pragma once

#include <string>

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

}  // namespace rectify
