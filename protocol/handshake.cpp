#include "protocol/handshake.h"

#include "protocol/codec.h"
#include "shared/schema.h"

namespace rectify::protocol {

std::string EncodeClientHello(const std::string& school_id, const std::string& client_name) {
  Hello hello;
  hello.schema_version = kSchemaVersion;
  hello.client_name = client_name;
  hello.school_id = school_id;
  return EncodeMessage(MsgType::kHello, hello);
}

Result<HelloAck> AcceptHelloAck(const Frame& frame, uint32_t max_frame_bytes) {
  HelloAck ack;
  RECTIFY_RETURN_IF_ERROR(DecodeMessage(frame, MsgType::kHelloAck, &ack, max_frame_bytes));
  if (ack.version < kMinProtocolVersion || ack.version > kProtocolVersion)
    return Status::FailedPrecondition("server chose unsupported protocol version " +
                                      std::to_string(ack.version));
  return ack;
}

std::optional<Status> ServerError(const Frame& frame, uint32_t max_frame_bytes) {
  if (frame.type != static_cast<uint8_t>(MsgType::kError)) return std::nullopt;
  return StatusFromErrorFrame(frame, max_frame_bytes);
}

std::string EncodeClientBye(uint8_t version) {
  return EncodeMessage(MsgType::kBye, Bye{"done"}, version);
}

}  // namespace rectify::protocol
