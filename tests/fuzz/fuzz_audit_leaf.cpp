// The audit leaf: canonical JSON; decoding accepts exactly one encoding.
#include "fuzz_util.h"
#include "shared/audit_leaf.h"

using namespace rectify;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto leaf = DecodeAuditLeaf(bytes);
  if (!leaf.ok()) return 0;
  auto again = EncodeAuditLeaf(*leaf);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == bytes);
  return 0;
}
