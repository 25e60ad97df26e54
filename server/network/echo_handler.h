// A diagnostic ConnectionHandler for `rectifyd serve --echo` and transport
// tests: echoes every well-formed frame back; a frame of type kEchoByeType is
// echoed and then ends the session; malformed input (garbage, an oversized
// length) gets one kEchoErrorType frame carrying the reason, then the session
// ends. Not thread-safe (one per connection, as the seam requires).
#pragma once

#include <cstdint>
#include <string>

#include "protocol/connection_handler.h"
#include "protocol/frame.h"

namespace rectify {

inline constexpr uint8_t kEchoByeType = 0xEF;
inline constexpr uint8_t kEchoErrorType = 0xEE;

class EchoHandler final : public protocol::ConnectionHandler {
 public:
  explicit EchoHandler(uint32_t max_frame_bytes = 1u << 20) : decoder_(max_frame_bytes) {}
  void OnBytes(std::string_view data) override;
  std::string TakeOutput() override;
  bool Done() const override { return done_; }
  std::string Summary() const override;

 private:
  protocol::FrameDecoder decoder_;
  std::string out_;
  std::string error_;
  uint64_t frames_ = 0;
  bool done_ = false;
};

// A thread-safe factory making one EchoHandler per connection.
protocol::HandlerFactory MakeEchoHandlerFactory(uint32_t max_frame_bytes = 1u << 20);

}  // namespace rectify
