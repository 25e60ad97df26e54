// The .xlsx ledger reader (docs/xlsx-format.md), from raw file bytes: a zip
// (libzip) of SpreadsheetML parts (expat), with limits against zip bombs.
#include "client/report/xlsx_reader.h"
#include "fuzz_util.h"

using namespace rectify;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  XlsxOptions options;  // smaller limits than a user's: the fuzzer's memory cap is 1 GiB
  options.limits.max_entry_bytes = 8 << 20;
  options.limits.max_total_bytes = 32 << 20;
  options.limits.max_cells = 100'000;
  XlsxInfo info;
  auto rows = ParseLedgerXlsx(bytes, "fuzz.xlsx", options, &info);
  (void)rows;
  return 0;
}
