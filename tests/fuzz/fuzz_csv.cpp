// The ledger CSV importer, from raw file bytes (any encoding).
#include "client/report/csv_import.h"
#include "fuzz_util.h"

using namespace rectify;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto rows = ParseLedgerCsv(bytes, "fuzz.csv");
  (void)rows;
  (void)SplitMeasures(bytes);
  (void)NormalizeLedgerDate(bytes);
  return 0;
}
