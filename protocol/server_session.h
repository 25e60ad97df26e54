// The server's protocol session, sans-I/O: one per connection. Negotiates the
// version in the hello, then answers push, pull, audit and proof requests in
// any order until Bye. Any bad input (garbage, oversized or unknown frames,
// malformed bodies, a request before the hello) gets one Error frame and ends
// the session; nothing is stored for it.
#pragma once

#include <cstdint>
#include <string>

#include "protocol/connection_handler.h"
#include "protocol/frame.h"
#include "protocol/sync_service.h"

namespace rectify::protocol {

struct ServerSessionOptions {
  uint32_t max_frame_bytes = kDefaultMaxFrameBytes;
  // A frame started but unfinished for this long ends the session (slowloris).
  int64_t partial_frame_deadline_ms = 30'000;
  int64_t session_deadline_ms = 10 * 60 * 1000;
  std::string server_name = "rectifyd/0.1.0";
};

class ServerSession final : public ConnectionHandler {
 public:
  // `service` must outlive the session.
  ServerSession(SyncService& service, PeerIdentity peer, ServerSessionOptions options = {});

  void OnBytes(std::string_view data) override;
  void OnTick(int64_t now_ms) override;
  std::string TakeOutput() override;
  bool Done() const override { return done_; }
  std::string Summary() const override;

 private:
  enum class State { kAwaitHello, kReady, kDone };
  void Handle(const Frame& frame);
  Status HandleHello(const Frame& frame);
  Status HandleRequest(const Frame& frame);
  void Fail(const Status& status);
  template <class M>
  void Send(MsgType type, const M& msg);

  SyncService& service_;
  SessionContext ctx_;
  ServerSessionOptions options_;
  FrameDecoder decoder_;
  State state_ = State::kAwaitHello;
  uint8_t version_ = kProtocolVersion;
  std::string out_;
  bool done_ = false;
  int64_t started_ms_ = -1;
  int64_t partial_since_ms_ = -1;
  // Counters for the session log line.
  uint64_t pushed_ = 0, applied_ = 0, superseded_ = 0, rejected_ = 0, pulled_ = 0;
  std::string outcome_ = "open";
};

}  // namespace rectify::protocol
