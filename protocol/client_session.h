// The client's sync session, sans-I/O: hello, push every pending op in
// batches, pull everything after the cursor (verifying the log checkpoint on
// each answer), bye. The same code runs over TLS and in the simulation.
// Safe to cut at any byte: acknowledged ops are marked in the store as soon
// as their ack arrives, and a later session resends only the rest.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "protocol/connection_handler.h"
#include "protocol/frame.h"
#include "protocol/handshake.h"
#include "protocol/messages.h"

namespace rectify::protocol {

// What the session needs from the local ledger. Each call is one durable
// transaction; a non-OK Status ends the session.
class ClientStore {
 public:
  virtual ~ClientStore() = default;
  // The school this ledger belongs to ("" for a new, empty ledger).
  virtual std::string SchoolId() = 0;
  // Called after the hello with the identity the server read from the certificate.
  virtual Status AdoptIdentity(const HelloAck& ack) = 0;
  // Up to `limit` pending ops with device_seq > after_seq, ascending.
  virtual std::vector<Op> PendingOps(size_t limit, uint64_t after_seq) = 0;
  // `results` are parallel to `sent`. Applied/superseded ops become acked,
  // rejected ones are dropped from the view.
  virtual Status ApplyPushResults(const std::vector<Op>& sent,
                                  const std::vector<OpResult>& results) = 0;
  virtual uint64_t PullCursor() = 0;
  virtual uint64_t KnownTreeSize() = 0;
  // Verifies the signed checkpoint and the consistency proof from the last
  // checkpoint kept, then keeps the new one. Corruption if the history changed.
  virtual Status AcceptCheckpoint(const std::string& note,
                                  const std::vector<std::string>& proof) = 0;
  virtual Status ApplyPull(const PullResponse& response) = 0;
};

struct ClientSessionOptions {
  size_t batch_ops = 500;  // ops per push batch (the first one, if next_batch_ops is set)
  // Push batches sent before the first is acknowledged: with 2 the device
  // encodes the next batch while the server applies this one, and the
  // server's commit latency is hidden. A cut loses at most this many batches
  // (resent by the next session; the server answers replays from its store),
  // so drivers widen it only on a fast link (AdaptiveSize::Window).
  size_t push_window = 1;
  uint32_t pull_limit = 2000;
  // Optional, for a driver that adapts sizes to the link (the session has no
  // clock; the driver measures time). Called once per push ack / pull answer,
  // before the next request is built; returns the size to use from then on.
  std::function<size_t(size_t current)> next_batch_ops;
  std::function<uint32_t(uint32_t current)> next_pull_limit;
  // Called once per push ack, after next_batch_ops: the push window from then on.
  std::function<size_t()> next_push_window;
  std::string school_id;  // auditors: the school to work on
  std::string client_name = kClientName;
  uint32_t max_frame_bytes = kDefaultMaxFrameBytes;
  bool push = true;
  bool pull = true;
};

struct SyncSummary {
  uint64_t pushed = 0, applied = 0, superseded = 0, rejected = 0, pulled = 0, conflicts = 0;
  uint64_t replayed = 0;  // pushed ops the server already held (a resend): not counted as applied
  uint64_t batches = 0;
  uint64_t tree_size = 0;
  std::vector<std::string> rejections;  // "seq N: reason"
};

class ClientSession final : public ConnectionHandler {
 public:
  // `store` must outlive the session. The hello is queued at construction.
  ClientSession(ClientStore& store, ClientSessionOptions options = {});

  void OnBytes(std::string_view data) override;
  std::string TakeOutput() override;
  bool Done() const override { return done_; }
  std::string Summary() const override;

  // OK once the session finished cleanly; the first error otherwise.
  // Unavailable (with "not finished") while still running or after a cut.
  const Status& status() const { return status_; }
  bool succeeded() const { return done_ && status_.ok(); }
  const SyncSummary& summary() const { return summary_; }

 private:
  enum class State { kAwaitHelloAck, kAwaitPushAck, kAwaitPull, kAwaitBye, kDone };
  void Handle(const Frame& frame);
  Status OnHelloAck(const Frame& frame);
  Status OnPushAck(const Frame& frame);
  Status OnPull(const Frame& frame);
  Status NextStep();  // fill the push window, else pull, else bye
  Status SendPull();
  void Finish(Status status);
  template <class M>
  void Send(MsgType type, const M& msg);

  ClientStore& store_;
  ClientSessionOptions options_;
  FrameDecoder decoder_;
  State state_ = State::kAwaitHelloAck;
  uint8_t version_ = kProtocolVersion;
  struct InFlight {
    std::string batch_id;
    std::vector<Op> ops;
  };
  std::deque<InFlight> in_flight_;  // sent, not yet acknowledged; oldest first
  uint64_t pull_cursor_sent_ = 0, pull_tree_size_sent_ = 0;
  std::string out_;
  bool done_ = false;
  Status status_ = Status::Unavailable("sync not finished");
  SyncSummary summary_;
};

}  // namespace rectify::protocol
