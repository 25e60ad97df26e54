// Frames: a fixed 8-byte header then a body (docs/design.md §6).
//
//   u32 body length (big endian) | u8 type | u8 version | u8 flags | u8 reserved (0)
//
// flags bit 0: the body is zstd-compressed. The length is checked against a
// hard maximum before any byte of the body is buffered. Pure: no sockets.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "shared/status.h"

namespace rectify::protocol {

inline constexpr size_t kFrameHeaderSize = 8;
inline constexpr uint32_t kDefaultMaxFrameBytes = 16u << 20;  // 16 MiB
inline constexpr uint8_t kFlagZstd = 0x01;

struct Frame {
  uint8_t type = 0;
  uint8_t version = 0;
  uint8_t flags = 0;
  std::string body;  // as on the wire (still compressed if kFlagZstd)
};

std::string EncodeFrame(const Frame& frame);

// Incremental decoder: feed bytes as they arrive, pop whole frames.
// After an error it stays failed; the session must close. Thread-compatible.
class FrameDecoder {
 public:
  explicit FrameDecoder(uint32_t max_frame_bytes = kDefaultMaxFrameBytes) : max_(max_frame_bytes) {}
  // Returns non-OK (InvalidArgument) on an oversized length or a bad header.
  Status Feed(std::string_view bytes);
  bool HasFrame() const { return !frames_.empty(); }
  Frame Pop();
  // Bytes of an unfinished frame (a peer that never finishes is cut by a deadline).
  size_t buffered() const { return buf_.size(); }

 private:
  Status Parse();
  uint32_t max_;
  std::string buf_;
  std::deque<Frame> frames_;
  Status failed_;
};

}  // namespace rectify::protocol
