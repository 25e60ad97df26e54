#include "protocol/client_session.h"

#include <algorithm>

#include "protocol/codec.h"
#include "protocol/handshake.h"

namespace rectify::protocol {

ClientSession::ClientSession(ClientStore& store, ClientSessionOptions options)
    : store_(store), options_(std::move(options)), decoder_(options_.max_frame_bytes) {
  // The hello goes out at our highest version; the ack fixes the version.
  out_ += EncodeClientHello(options_.school_id, options_.client_name);
}

template <class M>
void ClientSession::Send(MsgType type, const M& msg) {
  out_ += EncodeMessage(type, msg, version_);
}

void ClientSession::Finish(Status status) {
  if (done_) return;
  status_ = std::move(status);
  state_ = State::kDone;
  done_ = true;
}

void ClientSession::OnBytes(std::string_view data) {
  if (done_) return;
  Status st = decoder_.Feed(data);
  if (!st.ok()) return Finish(st.Annotate("from server"));
  while (!done_ && decoder_.HasFrame()) Handle(decoder_.Pop());
}

void ClientSession::Handle(const Frame& frame) {
  if (auto error = ServerError(frame, options_.max_frame_bytes)) return Finish(*error);
  Status st;
  switch (state_) {
    case State::kAwaitHelloAck:
      st = OnHelloAck(frame);
      break;
    case State::kAwaitPushAck:
      st = OnPushAck(frame);
      break;
    case State::kAwaitPull:
      st = OnPull(frame);
      break;
    case State::kAwaitBye: {
      Bye bye;
      st = DecodeMessage(frame, MsgType::kBye, &bye, options_.max_frame_bytes);
      if (st.ok()) return Finish(Status::OK());
      break;
    }
    case State::kDone:
      return;
  }
  if (!st.ok()) Finish(st);
}

Status ClientSession::OnHelloAck(const Frame& frame) {
  auto accepted = AcceptHelloAck(frame, options_.max_frame_bytes);
  if (!accepted.ok()) return accepted.status();
  const HelloAck& ack = *accepted;
  version_ = ack.version;
  const std::string mine = store_.SchoolId();
  if (!mine.empty() && mine != ack.school_id)
    return Status::PermissionDenied("this ledger belongs to school " + mine +
                                    " but the server says the session is for " + ack.school_id);
  RECTIFY_RETURN_IF_ERROR(store_.AdoptIdentity(ack));
  return NextStep();
}

Status ClientSession::NextStep() {
  if (options_.push) {
    // Queried afresh on every ack, so edits made during the session go in it too.
    while (in_flight_.size() < std::max<size_t>(1, options_.push_window)) {
      const uint64_t after = in_flight_.empty() ? 0 : in_flight_.back().ops.back().device_seq;
      std::vector<Op> ops = store_.PendingOps(options_.batch_ops, after);
      if (ops.empty()) break;
      PushBatch batch;
      // Id names the device and the first op, so a resent batch is traceable.
      batch.batch_id = ops.front().device_id + ":" + std::to_string(ops.front().device_seq) + "-" +
                       std::to_string(ops.back().device_seq);
      batch.ops = std::move(ops);
      Send(MsgType::kPushBatch, batch);
      in_flight_.push_back({std::move(batch.batch_id), std::move(batch.ops)});
    }
    if (!in_flight_.empty()) {
      state_ = State::kAwaitPushAck;
      return Status::OK();
    }
  }
  if (options_.pull) return SendPull();
  out_ += EncodeClientBye(version_);
  state_ = State::kAwaitBye;
  return Status::OK();
}

Status ClientSession::SendPull() {
  PullRequest req;
  req.cursor = store_.PullCursor();
  req.limit = options_.pull_limit;
  req.known_tree_size = store_.KnownTreeSize();
  pull_cursor_sent_ = req.cursor;
  pull_tree_size_sent_ = req.known_tree_size;
  Send(MsgType::kPullRequest, req);
  state_ = State::kAwaitPull;
  return Status::OK();
}

Status ClientSession::OnPushAck(const Frame& frame) {
  PushAck ack;
  RECTIFY_RETURN_IF_ERROR(DecodeMessage(frame, MsgType::kPushAck, &ack, options_.max_frame_bytes));
  // The server answers in order: this ack must be for the oldest batch.
  const std::vector<Op>& sent = in_flight_.front().ops;
  if (ack.batch_id != in_flight_.front().batch_id || ack.results.size() != sent.size())
    return Status::InvalidArgument("push acknowledgement does not match the batch sent");
  for (size_t i = 0; i < ack.results.size(); ++i) {
    const OpResult& r = ack.results[i];
    if (r.device_seq != sent[i].device_seq)
      return Status::InvalidArgument("push acknowledgement out of order");
    ++summary_.pushed;
    if (r.replayed) ++summary_.replayed;
    if (r.outcome == Outcome::kApplied && !r.replayed) ++summary_.applied;
    if (r.outcome == Outcome::kSuperseded && !r.replayed) ++summary_.superseded;
    if (r.outcome == Outcome::kRejected) {
      ++summary_.rejected;
      summary_.rejections.push_back("seq " + std::to_string(r.device_seq) + " (" + sent[i].entity +
                                    "): " + r.reason);
    }
  }
  ++summary_.batches;
  RECTIFY_RETURN_IF_ERROR(store_.ApplyPushResults(sent, ack.results));
  in_flight_.pop_front();
  if (options_.next_batch_ops)
    options_.batch_ops = std::max<size_t>(1, options_.next_batch_ops(options_.batch_ops));
  if (options_.next_push_window) options_.push_window = options_.next_push_window();
  return NextStep();
}

Status ClientSession::OnPull(const Frame& frame) {
  PullResponse resp;
  RECTIFY_RETURN_IF_ERROR(
      DecodeMessage(frame, MsgType::kPullResponse, &resp, options_.max_frame_bytes));
  if (resp.from_cursor != pull_cursor_sent_ || resp.proof_from_size != pull_tree_size_sent_)
    return Status::InvalidArgument("pull answer does not match the request (stale or duplicated)");
  // Verify the log before taking anything from this answer.
  if (!resp.checkpoint.empty())
    RECTIFY_RETURN_IF_ERROR(store_.AcceptCheckpoint(resp.checkpoint, resp.consistency_proof));
  RECTIFY_RETURN_IF_ERROR(store_.ApplyPull(resp));
  summary_.pulled += resp.ops.size();
  summary_.conflicts += resp.conflicts.size();
  summary_.tree_size = store_.KnownTreeSize();
  if (options_.next_pull_limit)
    options_.pull_limit = std::max<uint32_t>(1, options_.next_pull_limit(options_.pull_limit));
  if (resp.more) return SendPull();
  out_ += EncodeClientBye(version_);
  state_ = State::kAwaitBye;
  return Status::OK();
}

std::string ClientSession::TakeOutput() {
  std::string out;
  out.swap(out_);
  return out;
}

std::string ClientSession::Summary() const {
  return "pushed=" + std::to_string(summary_.pushed) +
         " applied=" + std::to_string(summary_.applied) +
         " superseded=" + std::to_string(summary_.superseded) +
         " rejected=" + std::to_string(summary_.rejected) +
         " pulled=" + std::to_string(summary_.pulled) +
         " conflicts=" + std::to_string(summary_.conflicts);
}

}  // namespace rectify::protocol
