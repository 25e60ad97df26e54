#include "protocol/request_session.h"

#include "protocol/handshake.h"

namespace rectify::protocol {

RequestSession::RequestSession(std::string school_id,
                               std::function<std::string(uint8_t)> make_request,
                               MsgType answer_type, uint32_t max_frame_bytes)
    : make_request_(std::move(make_request)),
      answer_type_(answer_type),
      max_frame_bytes_(max_frame_bytes),
      decoder_(max_frame_bytes) {
  out_ += EncodeClientHello(school_id);
}

void RequestSession::Finish(Status st) {
  if (done_) return;
  status_ = std::move(st);
  state_ = State::kDone;
  done_ = true;
}

void RequestSession::OnBytes(std::string_view data) {
  if (done_) return;
  if (Status st = decoder_.Feed(data); !st.ok()) return Finish(st.Annotate("from server"));
  while (!done_ && decoder_.HasFrame()) Handle(decoder_.Pop());
}

void RequestSession::Handle(const Frame& frame) {
  if (auto error = ServerError(frame, max_frame_bytes_)) return Finish(*error);
  switch (state_) {
    case State::kAwaitHelloAck: {
      auto ack = AcceptHelloAck(frame, max_frame_bytes_);
      if (!ack.ok()) return Finish(ack.status());
      ack_ = *ack;
      out_ += make_request_(ack_.version);
      state_ = State::kAwaitAnswer;
      return;
    }
    case State::kAwaitAnswer:
      if (frame.type != static_cast<uint8_t>(answer_type_))
        return Finish(
            Status::InvalidArgument("unexpected answer type " + std::to_string(frame.type)));
      answer_ = frame;
      out_ += EncodeClientBye(ack_.version);
      state_ = State::kAwaitBye;
      return;
    case State::kAwaitBye:
      return Finish(Status::OK());
    case State::kDone:
      return;
  }
}

std::string RequestSession::TakeOutput() {
  std::string out;
  out.swap(out_);
  return out;
}

}  // namespace rectify::protocol
