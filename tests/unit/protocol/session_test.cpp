#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "protocol/client_session.h"
#include "protocol/codec.h"
#include "protocol/server_session.h"

using namespace rectify;
using namespace rectify::protocol;

namespace {

// A service that accepts everything and echoes ops back on pull.
class FakeService : public SyncService {
 public:
  Status Admit(const SessionContext& ctx) override {
    if (ctx.peer.role == "school" && ctx.school_id != ctx.peer.school_id)
      return Status::PermissionDenied("school mismatch");
    return Status::OK();
  }
  Result<PushAck> Push(const SessionContext&, const PushBatch& b) override {
    PushAck ack{b.batch_id, {}};
    for (const auto& op : b.ops) {
      auto key = op.device_id + "/" + std::to_string(op.device_seq);
      if (!seen.count(key)) {
        seen[key] = ++seq;
        log.push_back({seq, op});
      }
      ack.results.push_back({op.device_seq, Outcome::kApplied, "", seen[key], 0});
    }
    ++pushes;
    return ack;
  }
  Result<PullResponse> Pull(const SessionContext&, const PullRequest& r) override {
    PullResponse resp;
    for (const auto& so : log)
      if (so.server_seq > r.cursor) resp.ops.push_back(so);
    resp.next_cursor = seq;
    resp.from_cursor = r.cursor;
    resp.proof_from_size = r.known_tree_size;
    return resp;
  }
  Result<AuditResponse> Audit(const SessionContext&, const AuditQuery&) override {
    return Status::PermissionDenied("no");
  }
  Result<ProofResponse> Proof(const SessionContext&, const ProofRequest&) override {
    return Status::NotFound("no");
  }
  int64_t NowMillis() const override { return now; }

  std::map<std::string, uint64_t> seen;
  std::vector<ServerOp> log;
  uint64_t seq = 0;
  int pushes = 0;
  int64_t now = 1000;
};

class FakeStore : public ClientStore {
 public:
  std::string SchoolId() override { return school; }
  Status AdoptIdentity(const HelloAck& ack) override {
    school = ack.school_id;
    return Status::OK();
  }
  std::vector<Op> PendingOps(size_t limit, uint64_t after_seq) override {
    std::vector<Op> out;
    for (const auto& op : pending)
      if (out.size() < limit && op.device_seq > after_seq) out.push_back(op);
    return out;
  }
  Status ApplyPushResults(const std::vector<Op>& sent, const std::vector<OpResult>&) override {
    pending.erase(pending.begin(), pending.begin() + static_cast<long>(sent.size()));
    return Status::OK();
  }
  uint64_t PullCursor() override { return cursor; }
  uint64_t KnownTreeSize() override { return 0; }
  Status AcceptCheckpoint(const std::string&, const std::vector<std::string>&) override {
    return Status::OK();
  }
  Status ApplyPull(const PullResponse& r) override {
    for (const auto& so : r.ops) pulled.push_back(so.op);
    cursor = r.next_cursor;
    return Status::OK();
  }
  std::string school;
  std::vector<Op> pending, pulled;
  uint64_t cursor = 0;
};

PeerIdentity SchoolPeer() { return {"s1", "dev1", "school", "127.0.0.1:1"}; }

// Shuttles bytes between the two until both are quiet.
void Pump(ClientSession& c, ServerSession& s) {
  for (int i = 0; i < 1000 && !(c.Done() && s.Done()); ++i) {
    std::string a = c.TakeOutput();
    if (!a.empty()) s.OnBytes(a);
    std::string b = s.TakeOutput();
    if (!b.empty()) c.OnBytes(b);
    if (a.empty() && b.empty()) break;
  }
}

Op MakeOp(uint64_t seq) {
  Op op;
  op.device_id = "dev1";
  op.device_seq = seq;
  op.school_id = "s1";
  op.entity = "problem";
  op.row_id = "r" + std::to_string(seq);
  op.fields = {{"title", std::string("问题"), {}}};
  return op;
}

}  // namespace

TEST_CASE("session: client pushes in batches and pulls everything") {
  FakeService svc;
  FakeStore store;
  for (uint64_t i = 1; i <= 25; ++i) store.pending.push_back(MakeOp(i));
  ClientSessionOptions opts;
  opts.batch_ops = 10;
  ClientSession c(store, opts);
  ServerSession s(svc, SchoolPeer());
  Pump(c, s);
  REQUIRE(c.succeeded());
  CHECK(svc.pushes == 3);
  CHECK(c.summary().pushed == 25);
  CHECK(c.summary().pulled == 25);
  CHECK(store.pending.empty());
  CHECK(store.school == "s1");
  CHECK(s.Done());
}

TEST_CASE("session: a request before the hello ends the session with an error") {
  FakeService svc;
  ServerSession s(svc, SchoolPeer());
  s.OnBytes(EncodeMessage(MsgType::kPullRequest, PullRequest{}));
  CHECK(s.Done());
  FrameDecoder d;
  REQUIRE(d.Feed(s.TakeOutput()).ok());
  REQUIRE(d.HasFrame());
  CHECK(d.Pop().type == static_cast<uint8_t>(MsgType::kError));
}

TEST_CASE("session: garbage bytes end the session with an error frame") {
  FakeService svc;
  ServerSession s(svc, SchoolPeer());
  s.OnBytes("\x16\x03\x01 this is not a rectify frame at all");
  CHECK(s.Done());
  CHECK_FALSE(s.TakeOutput().empty());
  CHECK(s.Summary().find("error") != std::string::npos);
}

TEST_CASE("session: a frame that never finishes is cut by the deadline") {
  FakeService svc;
  ServerSessionOptions o;
  o.partial_frame_deadline_ms = 100;
  ServerSession s(svc, SchoolPeer(), o);
  s.OnTick(0);
  s.OnBytes(std::string("\x00\x00\x10\x00\x01\x01\x00\x00partial", 15));
  CHECK_FALSE(s.Done());
  svc.now += 50;
  s.OnTick(0);
  CHECK_FALSE(s.Done());
  svc.now += 100;
  s.OnTick(0);
  CHECK(s.Done());
}

TEST_CASE("session: a school device naming another school is refused") {
  FakeService svc;
  FakeStore store;
  ClientSessionOptions opts;
  opts.school_id = "other-school";
  ClientSession c(store, opts);
  ServerSession s(svc, SchoolPeer());
  Pump(c, s);
  CHECK(c.Done());
  CHECK(c.status().code() == Status::Code::kPermissionDenied);
  CHECK(svc.pushes == 0);
}

TEST_CASE("session: unsupported versions are refused") {
  FakeService svc;
  ServerSession s(svc, SchoolPeer());
  Hello h;
  h.min_version = 9;
  h.max_version = 9;
  s.OnBytes(EncodeMessage(MsgType::kHello, h, 1));
  CHECK(s.Done());
  ServerSession s2(svc, SchoolPeer());
  s2.OnBytes(EncodeMessage(MsgType::kHello, Hello{}, 77));
  CHECK(s2.Done());
}

TEST_CASE("session: a cut mid-session loses nothing, the next session resends only unacked ops") {
  FakeService svc;
  FakeStore store;
  for (uint64_t i = 1; i <= 20; ++i) store.pending.push_back(MakeOp(i));
  ClientSessionOptions opts;
  opts.batch_ops = 5;
  opts.push_window = 2;
  {
    ClientSession c(store, opts);
    ServerSession s(svc, SchoolPeer());
    // Deliver the hello and the first two batches (the push window), then
    // cut in the middle of the second ack.
    s.OnBytes(c.TakeOutput());
    c.OnBytes(s.TakeOutput());  // hello ack -> batches 1 and 2 queued
    s.OnBytes(c.TakeOutput());  // server stores batches 1 and 2
    std::string acks = s.TakeOutput();
    c.OnBytes(acks.substr(0, acks.size() * 3 / 4));  // ack 1 whole, ack 2 cut
    CHECK_FALSE(c.Done());
  }
  // Ack 1 arrived: its 5 ops are done; ack 2 never did: nothing else dropped.
  CHECK(store.pending.size() == 15);
  CHECK(store.pending.front().device_seq == 6);
  ClientSession c(store, opts);
  ServerSession s(svc, SchoolPeer());
  Pump(c, s);
  REQUIRE(c.succeeded());
  CHECK(store.pending.empty());
  CHECK(svc.log.size() == 20);  // exactly once despite the resend
}

TEST_CASE("session: push_window batches go out before the first ack, each op stored once") {
  for (size_t window : {size_t{1}, size_t{2}, size_t{3}}) {
    INFO("window " << window);
    FakeService svc;
    FakeStore store;
    for (uint64_t i = 1; i <= 25; ++i) store.pending.push_back(MakeOp(i));
    ClientSessionOptions opts;
    opts.batch_ops = 10;
    opts.push_window = window;
    ClientSession c(store, opts);
    ServerSession s(svc, SchoolPeer());
    s.OnBytes(c.TakeOutput());  // hello
    c.OnBytes(s.TakeOutput());  // hello ack: the window fills
    s.OnBytes(c.TakeOutput());  // every batch sent so far, no ack seen yet
    CHECK(svc.pushes == static_cast<int>(std::min<size_t>(window, 3)));
    CHECK(store.pending.size() == 25);  // nothing acknowledged yet
    Pump(c, s);
    s.OnBytes(c.TakeOutput());
    REQUIRE(c.succeeded());
    CHECK(svc.pushes == 3);
    CHECK(c.summary().batches == 3);
    CHECK(c.summary().pushed == 25);
    CHECK(svc.log.size() == 25);
    for (size_t i = 0; i < svc.log.size(); ++i) CHECK(svc.log[i].op.device_seq == i + 1);
    CHECK(store.pending.empty());
  }
}

TEST_CASE("session: the driver can widen the push window after an ack") {
  FakeService svc;
  FakeStore store;
  for (uint64_t i = 1; i <= 40; ++i) store.pending.push_back(MakeOp(i));
  ClientSessionOptions opts;
  opts.batch_ops = 10;  // push_window defaults to 1
  int asked = 0;
  opts.next_push_window = [&] {
    ++asked;
    return size_t{2};
  };
  ClientSession c(store, opts);
  ServerSession s(svc, SchoolPeer());
  s.OnBytes(c.TakeOutput());  // hello
  c.OnBytes(s.TakeOutput());  // hello ack: one batch
  s.OnBytes(c.TakeOutput());
  CHECK(svc.pushes == 1);
  c.OnBytes(s.TakeOutput());  // ack 1: the window is now 2
  CHECK(asked == 1);
  s.OnBytes(c.TakeOutput());
  CHECK(svc.pushes == 3);
  Pump(c, s);
  s.OnBytes(c.TakeOutput());
  REQUIRE(c.succeeded());
  CHECK(svc.log.size() == 40);
  CHECK(store.pending.empty());
}
