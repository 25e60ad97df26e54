// Every message body, plain or zstd-compressed: the first byte picks the
// type, the second whether the rest goes through the compressed path.
// Whatever decodes must re-encode to bytes that decode to the same encoding.
#include "fuzz_util.h"
#include "protocol/codec.h"

using namespace rectify;
using namespace rectify::protocol;

namespace {

template <class M>
void RoundTrip(const std::string& body) {
  M m;
  if (!DecodeBody(body, &m).ok()) return;
  const std::string again = EncodeBody(m);
  M m2;
  FUZZ_CHECK(DecodeBody(again, &m2).ok());
  FUZZ_CHECK(EncodeBody(m2) == again);
}

void DecodeAs(uint8_t type, const std::string& body) {
  switch (static_cast<MsgType>(type % 18 + 1)) {
    case MsgType::kHello:
      return RoundTrip<Hello>(body);
    case MsgType::kHelloAck:
      return RoundTrip<HelloAck>(body);
    case MsgType::kPushBatch:
      return RoundTrip<PushBatch>(body);
    case MsgType::kPushAck:
      return RoundTrip<PushAck>(body);
    case MsgType::kPullRequest:
      return RoundTrip<PullRequest>(body);
    case MsgType::kPullResponse:
      return RoundTrip<PullResponse>(body);
    case MsgType::kError:
      return RoundTrip<ErrorMsg>(body);
    case MsgType::kBye:
      return RoundTrip<Bye>(body);
    case MsgType::kAuditQuery:
      return RoundTrip<AuditQuery>(body);
    case MsgType::kAuditResponse:
      return RoundTrip<AuditResponse>(body);
    case MsgType::kProofRequest:
      return RoundTrip<ProofRequest>(body);
    case MsgType::kProofResponse:
      return RoundTrip<ProofResponse>(body);
    case MsgType::kEvidenceQuery:
      return RoundTrip<EvidenceQuery>(body);
    case MsgType::kEvidenceState:
      return RoundTrip<EvidenceState>(body);
    case MsgType::kChunkPut:
      return RoundTrip<ChunkPut>(body);
    case MsgType::kChunkAck:
      return RoundTrip<ChunkAck>(body);
    case MsgType::kChunkGet:
      return RoundTrip<ChunkGet>(body);
    case MsgType::kChunkData:
      return RoundTrip<ChunkData>(body);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Reader in(data, size);
  const uint8_t type = in.Byte();
  const bool compressed = in.Byte() & 1;
  Frame f;
  f.type = type;
  f.flags = compressed ? kFlagZstd : 0;
  f.body = std::string(in.Rest());
  auto body = FrameBody(f, 1u << 20);
  if (!body.ok()) return 0;
  DecodeAs(type, *body);
  if (type == static_cast<uint8_t>(MsgType::kError)) (void)StatusFromErrorFrame(f, 1u << 20);
  return 0;
}
