#include "server/network/echo_handler.h"

namespace rectify {

void EchoHandler::OnBytes(std::string_view data) {
  if (done_) return;
  Status st = decoder_.Feed(data);
  while (decoder_.HasFrame()) {
    protocol::Frame f = decoder_.Pop();
    out_ += protocol::EncodeFrame(f);
    ++frames_;
    if (f.type == kEchoByeType) {
      done_ = true;
      return;
    }
  }
  if (!st.ok()) {
    error_ = st.message();
    out_ += protocol::EncodeFrame({kEchoErrorType, 1, 0, error_});
    done_ = true;
  }
}

std::string EchoHandler::TakeOutput() {
  std::string out;
  out.swap(out_);
  return out;
}

std::string EchoHandler::Summary() const {
  return "echo frames=" + std::to_string(frames_) + (error_.empty() ? "" : " error=" + error_);
}

protocol::HandlerFactory MakeEchoHandlerFactory(uint32_t max_frame_bytes) {
  return [max_frame_bytes](const protocol::PeerIdentity&) {
    return std::make_unique<EchoHandler>(max_frame_bytes);
  };
}

}  // namespace rectify
