// A one-shot exchange after the hello: one request, one answer, bye. Used for
// auditor queries and inclusion proofs. Sans-I/O like the other sessions.
#pragma once

#include <functional>
#include <string>

#include "protocol/connection_handler.h"
#include "protocol/frame.h"
#include "protocol/messages.h"

namespace rectify::protocol {

class RequestSession final : public ConnectionHandler {
 public:
  // `make_request` encodes the request frame at the negotiated version.
  // `school_id`: the school to work on (auditors), empty for school devices.
  RequestSession(std::string school_id, std::function<std::string(uint8_t version)> make_request,
                 MsgType answer_type, uint32_t max_frame_bytes = kDefaultMaxFrameBytes);

  void OnBytes(std::string_view data) override;
  std::string TakeOutput() override;
  bool Done() const override { return done_; }
  std::string Summary() const override { return status_.ToString(); }

  // OK once the answer arrived; then answer() holds its frame.
  const Status& status() const { return status_; }
  const Frame& answer() const { return answer_; }
  const HelloAck& hello_ack() const { return ack_; }

 private:
  void Handle(const Frame& frame);
  void Finish(Status st);

  std::function<std::string(uint8_t)> make_request_;
  MsgType answer_type_;
  uint32_t max_frame_bytes_;
  FrameDecoder decoder_;
  enum class State {
    kAwaitHelloAck,
    kAwaitAnswer,
    kAwaitBye,
    kDone
  } state_ = State::kAwaitHelloAck;
  std::string out_;
  bool done_ = false;
  Status status_ = Status::Unavailable("request not finished");
  Frame answer_;
  HelloAck ack_;
};

}  // namespace rectify::protocol
