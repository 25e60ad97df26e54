// Message <-> frame, with zstd compression of bodies above a threshold.
// Pure functions; no sockets.
#pragma once

#include <cstdint>
#include <string>

#include "protocol/frame.h"
#include "protocol/messages.h"

namespace rectify::protocol {

inline constexpr size_t kCompressThreshold = 256;  // smaller bodies are not worth it

// Encodes `msg` as one frame of `type` at protocol `version`.
template <class M>
std::string EncodeMessage(MsgType type, const M& msg, uint8_t version = kProtocolVersion,
                          bool allow_compression = true);

// The body of `frame`, decompressed if flagged. Refuses a body that would
// decompress beyond `max_bytes` (a zip bomb is bad input like any other).
Result<std::string> FrameBody(const Frame& frame, uint32_t max_bytes = kDefaultMaxFrameBytes);

// Decodes `frame` as message M, checking its type.
template <class M>
Status DecodeMessage(const Frame& frame, MsgType expected, M* out,
                     uint32_t max_bytes = kDefaultMaxFrameBytes) {
  if (frame.type != static_cast<uint8_t>(expected))
    return Status::InvalidArgument("expected message type " +
                                   std::to_string(static_cast<int>(expected)) + ", got " +
                                   std::to_string(static_cast<int>(frame.type)));
  auto body = FrameBody(frame, max_bytes);
  if (!body.ok()) return body.status();
  return DecodeBody(*body, out);
}

std::string CompressBody(const std::string& body);  // zstd level 3

// The Status an Error frame from the server carries: PermissionDenied and
// NotFound keep their code (callers act on them); anything else becomes
// FailedPrecondition("server error: …"). A malformed Error frame is itself
// an InvalidArgument.
Status StatusFromErrorFrame(const Frame& frame, uint32_t max_bytes = kDefaultMaxFrameBytes);

template <class M>
std::string EncodeMessage(MsgType type, const M& msg, uint8_t version, bool allow_compression) {
  Frame f;
  f.type = static_cast<uint8_t>(type);
  f.version = version;
  f.body = EncodeBody(msg);
  if (allow_compression && f.body.size() >= kCompressThreshold) {
    std::string z = CompressBody(f.body);
    if (z.size() < f.body.size()) {
      f.body = std::move(z);
      f.flags |= kFlagZstd;
    }
  }
  return EncodeFrame(f);
}

}  // namespace rectify::protocol
