// Push: one device's ops to a fresh server.
//  - push_wire_bytes: bytes per op of a PushBatch frame of 500 typical
//    single-field edits, zstd-compressed and not (protocol::EncodeMessage).
//  - server_apply: SyncServiceImpl::Push in-process on batches of 500 (resolve,
//    store, audit leaf, Merkle nodes, signed checkpoint, commit FULL).
//  - push_e2e: the same ops from a ledger to `rectifyd serve` (a separate
//    process) over mutual TLS on loopback: connect, hello, every batch acked
//    durably and marked in the ledger, batches sized as `rectify sync` sizes
//    them (100 doubling to 2,000, two in flight while answers are quick).
//    Pull is off (see bench_pull).
#include "bench/bench_util.h"
#include "client/sync/ledger_sync_store.h"
#include "client/sync/sync_runner.h"
#include "client/sync/tls_channel.h"
#include "protocol/codec.h"
#include "server/storage/sqlite_store.h"
#include "server/service/sync_service_impl.h"
#include "shared/checkpoint.h"

using namespace rectify;
using namespace rectify::bench;

namespace {

void WireBytes(const std::vector<Op>& ops) {
  protocol::PushBatch batch;
  batch.batch_id = "s-1700000000000-000001";
  batch.ops.assign(ops.begin(), ops.begin() + std::min<size_t>(500, ops.size()));
  const double n = double(batch.ops.size());
  const size_t raw = protocol::EncodeMessage(protocol::MsgType::kPushBatch, batch,
                                             protocol::kProtocolVersion, false)
                         .size();
  const size_t z = protocol::EncodeMessage(protocol::MsgType::kPushBatch, batch).size();
  protocol::PushBatch one;
  one.batch_id = batch.batch_id;
  one.ops = {ops.front()};
  const size_t single = protocol::EncodeMessage(protocol::MsgType::kPushBatch, one).size();
  Emit({{"bench", "push_wire_bytes"},
        {"ops_per_batch", batch.ops.size()},
        {"bytes_per_op_uncompressed", std::round(raw / n * 10) / 10},
        {"bytes_per_op_compressed", std::round(z / n * 10) / 10},
        {"bytes_single_op_batch", single},
        {"op_encoded_bytes", EncodeOp(ops.front()).size()},
        {"target_bytes_per_op", 60},
        {"met", z / n <= 60}});
}

void ServerApply(const std::vector<Op>& ops, const std::string& school, double limit) {
  TempDir dir;
  auto store = Must(SqliteStore::Open(dir.path()), "open server store");
  SystemClock clock;
  SyncServiceImpl service(*store, Must(SigningKey::Generate(), "log key"), clock);
  protocol::SessionContext ctx{{school, ops.front().device_id, "school", "bench"}, school, "b"};
  Must(service.Admit(ctx), "admit");
  const double t0 = NowSec();
  for (size_t i = 0; i < ops.size(); i += 500) {
    protocol::PushBatch b;
    b.batch_id = "b" + std::to_string(i);
    b.ops.assign(ops.begin() + i, ops.begin() + std::min(ops.size(), i + 500));
    auto ack = Must(service.Push(ctx, b), "push");
    for (const auto& r : ack.results)
      if (r.outcome == protocol::Outcome::kRejected) Die("apply", Status::Internal(r.reason));
  }
  const double rate = ops.size() / (NowSec() - t0);
  Emit({{"bench", "server_apply"},
        {"n", ops.size()},
        {"batch", 500},
        {"ops_per_s", std::round(rate)},
        {"ratio_to_limit", Ratio(rate, limit)}});
}

void PushE2e(int n, double limit, bool with_apply, bool apply_only = false) {
  TempDir dir;
  const std::string school = "school-0042";
  MakeDistrict(dir / "district");
  Enroll(dir / "district", school, "office-pc-1", dir / "id");
  BenchLedger bl(dir / "ledger.db", school, "pc1-");
  MakeEdits(*bl.ledger, n, 500, "push");
  const std::vector<Op> ops = bl.ledger->PendingOps(size_t(n));
  if (with_apply) {
    WireBytes(ops);
    ServerApply(ops, school, limit);
  }
  if (apply_only) return;
  ServerProcess server(dir / "district", 2);
  auto key_line = [&] {
    std::ifstream in(dir / "id/log.pub");
    std::string l;
    std::getline(in, l);
    return Must(ParseVerifierKey(l), "log.pub");
  }();
  LedgerSyncStore store(*bl.ledger, key_line.name, key_line.key);
  protocol::ClientSessionOptions so;
  so.pull = false;
  // Batches sized as `rectify sync` sizes them (client/sync/sync_runner.h): from
  // 100 ops, doubling after every quick answer, up to 2,000.
  AdaptiveSize push_size;
  double batch_t0 = NowSec();
  so.batch_ops = push_size.next;
  so.next_batch_ops = [&](size_t) {
    const auto ms = static_cast<int64_t>((NowSec() - batch_t0) * 1000);
    batch_t0 = NowSec();
    return push_size.OnAnswer(ms);
  };
  so.next_push_window = [&] { return push_size.Window(); };
  const double t0 = NowSec();
  auto channel = Must(TlsChannel::Connect("127.0.0.1", server.port(), dir / "id"), "connect");
  protocol::ClientSession session(store, so);
  Must(DriveOverChannel(*channel, session), "drive");
  channel->Close();
  const double secs = NowSec() - t0;
  Must(session.status(), "session");
  if (session.summary().applied != uint64_t(n) || bl.ledger->PendingCount() != 0)
    Die("push", Status::Internal("not every op applied: " + session.Summary()));
  const double rate = n / secs;
  Emit({{"bench", "push_e2e"},
        {"n", n},
        {"transport", "TLS 1.3 loopback, rectifyd serve process"},
        {"batches", session.summary().batches},
        {"seconds", std::round(secs * 1000) / 1000},
        {"ops_per_s", std::round(rate)},
        {"tls_bytes_sent_per_op", std::round(double(channel->bytes_sent()) / n * 10) / 10},
        {"ratio_to_limit", Ratio(rate, limit)},
        {"target_ratio", 0.5},
        {"met", Ratio(rate, limit) >= 0.5}});
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv);
  const double limit = LimitOrMeasure(a);
  // --apply-only: wire bytes and the in-process apply rate (for profiling).
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--apply-only") {
      PushE2e(a.quick ? 2'000 : 10'000, limit, true, true);
      return 0;
    }
  PushE2e(a.quick ? 2'000 : 10'000, limit, true);
  PushE2e(a.quick ? 10'000 : 100'000, limit, false);
  return 0;
}
