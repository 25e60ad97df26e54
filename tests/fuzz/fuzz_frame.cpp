// The frame decoder fed in arbitrary chunks, then every frame's body through
// the (possibly compressed) body path.
#include "fuzz_util.h"
#include "protocol/codec.h"
#include "protocol/frame.h"

using namespace rectify;
using namespace rectify::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Reader in(data, size);
  const uint32_t max = 1024 + (in.Byte() << 8);  // small limits find edge cases
  FrameDecoder dec(max);
  while (!in.empty()) {
    const size_t chunk = 1 + in.Byte() % 64;
    Status st = dec.Feed(in.Bytes(chunk));
    while (dec.HasFrame()) {
      Frame f = dec.Pop();
      FUZZ_CHECK(f.body.size() <= max);
      auto body = FrameBody(f, max);
      if (body.ok()) FUZZ_CHECK(body->size() <= max);
      // A frame re-encodes to the bytes it came from (header + body).
      FUZZ_CHECK(EncodeFrame(f).size() == kFrameHeaderSize + f.body.size());
    }
    if (!st.ok()) {
      FUZZ_CHECK(!dec.Feed("x").ok());  // a failed decoder stays failed
      break;
    }
    FUZZ_CHECK(dec.buffered() < kFrameHeaderSize + max);
  }
  return 0;
}
