#include "protocol/server_session.h"

#include <atomic>

#include "protocol/codec.h"

namespace rectify::protocol {

namespace {
std::atomic<uint64_t> g_session_counter{0};
}

ServerSession::ServerSession(SyncService& service, PeerIdentity peer, ServerSessionOptions options)
    : service_(service), options_(std::move(options)), decoder_(options_.max_frame_bytes) {
  ctx_.peer = std::move(peer);
  ctx_.batch_prefix =
      std::to_string(service_.NowMillis()) + "-" + std::to_string(g_session_counter.fetch_add(1));
}

template <class M>
void ServerSession::Send(MsgType type, const M& msg) {
  out_ += EncodeMessage(type, msg, version_);
}

void ServerSession::Fail(const Status& status) {
  if (done_) return;
  ErrorMsg err{static_cast<uint16_t>(status.code()), status.message()};
  Send(MsgType::kError, err);
  outcome_ = "error: " + status.ToString();
  state_ = State::kDone;
  done_ = true;
}

void ServerSession::OnBytes(std::string_view data) {
  if (done_) return;
  Status st = decoder_.Feed(data);
  if (!st.ok()) return Fail(st);
  bool framed = false;
  while (!done_ && decoder_.HasFrame()) {
    Handle(decoder_.Pop());
    framed = true;
  }
  // The deadline is per frame: a pipelining client (evidence chunks) may
  // never leave the buffer empty, so a finished frame restarts the clock.
  if (decoder_.buffered() == 0) {
    partial_since_ms_ = -1;
  } else if (partial_since_ms_ < 0 || framed) {
    partial_since_ms_ = service_.NowMillis();
  }
}

void ServerSession::OnTick(int64_t /*now_ms*/) {
  if (done_) return;
  // Deadlines use the service clock so simulations can drive them.
  const int64_t now = service_.NowMillis();
  if (started_ms_ < 0) started_ms_ = now;
  if (partial_since_ms_ >= 0 && now - partial_since_ms_ > options_.partial_frame_deadline_ms)
    return Fail(Status::Unavailable("frame not finished within the deadline"));
  if (now - started_ms_ > options_.session_deadline_ms)
    return Fail(Status::Unavailable("session exceeded its deadline"));
}

void ServerSession::Handle(const Frame& frame) {
  if (frame.version < kMinProtocolVersion || frame.version > kProtocolVersion)
    return Fail(
        Status::InvalidArgument("unsupported protocol version " + std::to_string(frame.version)));
  Status st = state_ == State::kAwaitHello ? HandleHello(frame) : HandleRequest(frame);
  if (!st.ok()) Fail(st);
}

Status ServerSession::HandleHello(const Frame& frame) {
  Hello hello;
  RECTIFY_RETURN_IF_ERROR(DecodeMessage(frame, MsgType::kHello, &hello, options_.max_frame_bytes));
  if (hello.max_version < kMinProtocolVersion || hello.min_version > kProtocolVersion)
    return Status::FailedPrecondition(
        "no common protocol version: client speaks " + std::to_string(hello.min_version) + ".." +
        std::to_string(hello.max_version) + ", server " + std::to_string(kMinProtocolVersion) +
        ".." + std::to_string(kProtocolVersion));
  version_ = std::min<uint8_t>(hello.max_version, kProtocolVersion);
  // The school comes from the certificate; only an auditor names one.
  if (ctx_.peer.role == "auditor") {
    ctx_.school_id = hello.school_id;
  } else {
    ctx_.school_id = ctx_.peer.school_id;
    if (!hello.school_id.empty() && hello.school_id != ctx_.peer.school_id) {
      ctx_.school_id = hello.school_id;  // let Admit refuse and log the attempt
    }
  }
  RECTIFY_RETURN_IF_ERROR(service_.Admit(ctx_));
  HelloAck ack;
  ack.version = version_;
  ack.school_id = ctx_.school_id;
  ack.device_id = ctx_.peer.device_id;
  ack.role = ctx_.peer.role;
  ack.server_time_ms = service_.NowMillis();
  ack.server_name = options_.server_name;
  Send(MsgType::kHelloAck, ack);
  state_ = State::kReady;
  return Status::OK();
}

Status ServerSession::HandleRequest(const Frame& frame) {
  const uint32_t max = options_.max_frame_bytes;
  switch (static_cast<MsgType>(frame.type)) {
    case MsgType::kPushBatch: {
      PushBatch batch;
      RECTIFY_RETURN_IF_ERROR(DecodeMessage(frame, MsgType::kPushBatch, &batch, max));
      auto ack = service_.Push(ctx_, batch);
      if (!ack.ok()) return ack.status();
      pushed_ += batch.ops.size();
      for (const auto& r : ack->results) {
        if (r.outcome == Outcome::kApplied) ++applied_;
        if (r.outcome == Outcome::kSuperseded) ++superseded_;
        if (r.outcome == Outcome::kRejected) ++rejected_;
      }
      Send(MsgType::kPushAck, *ack);
      return Status::OK();
    }
    case MsgType::kPullRequest: {
      PullRequest req;
      RECTIFY_RETURN_IF_ERROR(DecodeMessage(frame, MsgType::kPullRequest, &req, max));
      auto resp = service_.Pull(ctx_, req);
      if (!resp.ok()) return resp.status();
      resp->from_cursor = req.cursor;
      resp->proof_from_size = req.known_tree_size;
      pulled_ += resp->ops.size();
      Send(MsgType::kPullResponse, *resp);
      return Status::OK();
    }
    case MsgType::kAuditQuery: {
      AuditQuery q;
      RECTIFY_RETURN_IF_ERROR(DecodeMessage(frame, MsgType::kAuditQuery, &q, max));
      auto resp = service_.Audit(ctx_, q);
      if (!resp.ok()) return resp.status();
      Send(MsgType::kAuditResponse, *resp);
      return Status::OK();
    }
    case MsgType::kProofRequest: {
      ProofRequest q;
      RECTIFY_RETURN_IF_ERROR(DecodeMessage(frame, MsgType::kProofRequest, &q, max));
      auto resp = service_.Proof(ctx_, q);
      if (!resp.ok()) return resp.status();
      Send(MsgType::kProofResponse, *resp);
      return Status::OK();
    }
    case MsgType::kEvidenceQuery: {
      EvidenceQuery q;
      RECTIFY_RETURN_IF_ERROR(DecodeMessage(frame, MsgType::kEvidenceQuery, &q, max));
      auto resp = service_.QueryEvidence(ctx_, q);
      if (!resp.ok()) return resp.status();
      Send(MsgType::kEvidenceState, *resp);
      return Status::OK();
    }
    case MsgType::kChunkPut: {
      ChunkPut put;
      RECTIFY_RETURN_IF_ERROR(DecodeMessage(frame, MsgType::kChunkPut, &put, max));
      auto resp = service_.PutEvidenceChunk(ctx_, put);
      if (!resp.ok()) return resp.status();
      Send(MsgType::kChunkAck, *resp);
      return Status::OK();
    }
    case MsgType::kChunkGet: {
      ChunkGet get;
      RECTIFY_RETURN_IF_ERROR(DecodeMessage(frame, MsgType::kChunkGet, &get, max));
      auto resp = service_.GetEvidenceChunk(ctx_, get);
      if (!resp.ok()) return resp.status();
      Send(MsgType::kChunkData, *resp);
      return Status::OK();
    }
    case MsgType::kBye: {
      Bye bye;
      RECTIFY_RETURN_IF_ERROR(DecodeMessage(frame, MsgType::kBye, &bye, max));
      Send(MsgType::kBye, Bye{"bye"});
      outcome_ = "ok";
      state_ = State::kDone;
      done_ = true;
      return Status::OK();
    }
    default:
      return Status::InvalidArgument("unexpected message type " + std::to_string(frame.type));
  }
}

std::string ServerSession::TakeOutput() {
  std::string out;
  out.swap(out_);
  return out;
}

std::string ServerSession::Summary() const {
  return "school=" + ctx_.school_id + " pushed=" + std::to_string(pushed_) +
         " applied=" + std::to_string(applied_) + " superseded=" + std::to_string(superseded_) +
         " rejected=" + std::to_string(rejected_) + " pulled=" + std::to_string(pulled_) +
         " outcome=" + outcome_;
}

}  // namespace rectify::protocol
