// The sans-I/O server session: a valid hello from a school, then arbitrary
// bytes in arbitrary chunks. The session must answer or end with an Error
// frame, never crash, and never buffer beyond its frame limit.
#include "fuzz_util.h"
#include "protocol/codec.h"
#include "protocol/server_session.h"

using namespace rectify;
using namespace rectify::protocol;

namespace {

// Accepts everything, stores nothing.
class NullService : public SyncService {
 public:
  Status Admit(const SessionContext&) override { return Status::OK(); }
  Result<PushAck> Push(const SessionContext&, const PushBatch& b) override {
    PushAck ack{b.batch_id, {}};
    for (const Op& op : b.ops) ack.results.push_back({op.device_seq, Outcome::kApplied, "", 1, 0});
    return ack;
  }
  Result<PullResponse> Pull(const SessionContext&, const PullRequest& r) override {
    PullResponse resp;
    resp.next_cursor = r.cursor;
    resp.from_cursor = r.cursor;
    resp.proof_from_size = r.known_tree_size;
    return resp;
  }
  Result<AuditResponse> Audit(const SessionContext&, const AuditQuery&) override {
    return Status::PermissionDenied("no audit in the fuzzer");
  }
  Result<ProofResponse> Proof(const SessionContext&, const ProofRequest&) override {
    return Status::NotFound("no proofs in the fuzzer");
  }
  int64_t NowMillis() const override { return 1000; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static NullService service;
  fuzz::Reader in(data, size);
  ServerSessionOptions options;
  options.max_frame_bytes = 64 * 1024;
  ServerSession session(service, PeerIdentity{"s1", "dev-1", "school", "127.0.0.1:1"}, options);
  Hello hello;
  hello.client_name = "fuzz";
  session.OnBytes(EncodeMessage(MsgType::kHello, hello));
  FrameDecoder replies(16u << 20);
  FUZZ_CHECK(replies.Feed(session.TakeOutput()).ok() && replies.HasFrame());
  FUZZ_CHECK(replies.Pop().type == static_cast<uint8_t>(MsgType::kHelloAck));
  int64_t now = 1000;
  while (!in.empty() && !session.Done()) {
    const size_t chunk = 1 + in.Byte() % 128;
    session.OnBytes(in.Bytes(chunk));
    session.OnTick(now += 10);
    FUZZ_CHECK(replies.Feed(session.TakeOutput()).ok());
  }
  (void)session.Summary();
  return 0;
}
