// The text encoding detector: whatever it accepts comes out as valid UTF-8.
#include "client/report/text_encoding.h"
#include "fuzz_util.h"

using namespace rectify;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string detected;
  auto utf8 = ToUtf8(bytes, &detected);
  if (utf8.ok()) FUZZ_CHECK(!FirstInvalidUtf8(*utf8).has_value());
  return 0;
}
