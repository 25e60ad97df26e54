// Parsing of a school's ledger spreadsheet saved as CSV (docs/csv-format.md).
// Pure functions, no I/O: the caller reads the file. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "client/ledger/import_row.h"
#include "client/report/ledger_table.h"
#include "shared/status.h"

namespace rectify {

// Parses an RFC 4180 CSV ledger: a header row (Chinese names or English
// aliases, any order), then one problem per record. Quoted fields may hold
// commas, doubled quotes and line breaks; lines end in CRLF or LF; the bytes
// may be UTF-8 (with or without BOM) or GB18030 (see ToUtf8). Records whose
// fields are all blank are skipped.
//
// Normalisation: fields are trimmed (ASCII and full-width spaces); 整改时限
// becomes YYYY-MM-DD or 长期; 整改类型 and 整改状态 become their Chinese labels
// (KindLabel/StatusLabel) or stay empty; 整改措施 is split into measures (see
// SplitMeasures); line breaks inside fields become "\n".
//
// The file is all or nothing: on the first problem returns InvalidArgument
// whose message starts with "<file_name>:<line>:<column>: " where line is the
// 1-based physical line the record starts on and column the 1-based field
// index, followed by the header name when known.
// `row_errors` not null: a bad row's error is appended there and reading goes
// on (a preview lists them all); the result is still the first error.
Result<std::vector<ImportRow>> ParseLedgerCsv(std::string_view bytes, const std::string& file_name,
                                              std::vector<std::string>* row_errors = nullptr);

}  // namespace rectify
