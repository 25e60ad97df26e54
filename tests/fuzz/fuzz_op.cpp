// The op encoding (stored blobs, audit leaves, bundles): decode, re-encode.
#include "fuzz_util.h"
#include "shared/op.h"

using namespace rectify;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  Op op;
  if (!DecodeOp(bytes, &op)) return 0;
  // The encoding is canonical: whatever decodes (exactly) re-encodes to itself.
  FUZZ_CHECK(EncodeOp(op) == bytes);
  return 0;
}
