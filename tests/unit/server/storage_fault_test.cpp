// Storage-fault anomalies on the server (docs/security.md, "Storage faults"):
// a full disk, a failed write or a failed fsync while a push commits (ops,
// leaves, the signed checkpoint, one transaction) fails that push with an
// I/O error, leaves the store exactly as it was, and the retried batch then
// commits once: nothing lost, nothing twice.
#include <doctest/doctest.h>

#include "shared/fault_vfs.h"
#include "sync_fixture.h"

using namespace rectify;
using namespace rectify::testing;

namespace {

struct Faulty {
  Faulty() { REQUIRE(FaultVfs::Install().ok()); }  // before the store opens
  ~Faulty() { FaultVfs::Clear(); }
};

// What a client could observe of school A.
std::string Observed(SyncFixture& fx, const protocol::SessionContext& ctx) {
  auto pull = fx.service->Pull(ctx, {0, 1000, 0});
  REQUIRE(pull.ok());
  std::string s = "leaves=" + std::to_string(fx.LeafCount("A")) +
                  " ops=" + std::to_string(pull->ops.size()) + " cp=" + pull->checkpoint;
  return s;
}

std::vector<Op> Titles(const protocol::SessionContext& ctx, uint64_t first, int n) {
  std::vector<Op> ops;
  for (int i = 0; i < n; ++i)
    ops.push_back(SyncFixture::MakeOp(ctx, first + i, "problem", "p" + std::to_string(first + i),
                                      {F("title", Text("整改问题"))}, kNow + i));
  return ops;
}

}  // namespace

TEST_CASE("storage faults: a push under a full disk, a failed write or fsync stores nothing") {
  Faulty faulty;
  SyncFixture fx;
  auto a = SyncFixture::School("A", "dA");
  REQUIRE(fx.Push(a, Titles(a, 1, 3), "b0").ok());
  uint64_t next = 4;
  struct Case {
    const char* name;
    bool full, write, sync;
    uint64_t writes_first;
  };
  const Case cases[] = {
      {"full disk at the first write", true, false, false, 0},
      {"full disk mid-commit", true, false, false, 3},
      {"full disk late in the commit", true, false, false, 12},
      {"write error", false, true, false, 1},
      {"fsync error", false, false, true, 0},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const std::string before = Observed(fx, a);
    StorageFaults f;
    f.path_contains = fx.dir.filename().string();
    f.disk_full = c.full;
    f.fail_writes = c.write;
    f.fail_syncs = c.sync;
    f.writes_before_fault = c.writes_first;
    const std::vector<Op> batch = Titles(a, next, 4);
    const uint64_t injected = FaultVfs::injected();
    FaultVfs::Set(f);
    auto ack = fx.Push(a, batch, "b" + std::to_string(next));
    FaultVfs::Clear();
    CHECK(FaultVfs::injected() > injected);
    REQUIRE_FALSE(ack.ok());
    CHECK(ack.status().code() == Status::Code::kIOError);
    CHECK(Observed(fx, a) == before);
    // The client retries the same batch: it commits, once.
    auto retry = fx.Push(a, batch, "b" + std::to_string(next));
    REQUIRE_MESSAGE(retry.ok(), retry.status().ToString());
    for (const auto& r : retry->results) CHECK(r.outcome == protocol::Outcome::kApplied);
    CHECK(fx.LeafCount("A") == next - 1 + batch.size());
    auto replay = fx.Push(a, batch, "b" + std::to_string(next));
    REQUIRE(replay.ok());
    CHECK(fx.LeafCount("A") == next - 1 + batch.size());
    next += batch.size();
  }
}
