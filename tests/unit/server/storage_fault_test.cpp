// Storage-fault anomalies on the server (docs/security.md, "Storage faults"):
// a full disk, a failed write or a failed fsync while a push commits (ops,
// leaves, the signed checkpoint, one transaction) fails that push with an
// I/O error, leaves the store exactly as it was, and the retried batch then
// commits once: nothing lost, nothing twice.
#include <doctest/doctest.h>

#include "server/storage/evidence_store.h"
#include "shared/fault_vfs.h"
#include "shared/file_env.h"
#include "shared/sha256.h"
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

TEST_CASE("storage faults: an evidence chunk under a full disk or a failed fsync shows no blob, then resumes") {
  FaultFileEnv env;
  FileEnv::InstallForTesting(&env);
  struct Restore {
    ~Restore() { FileEnv::InstallForTesting(nullptr); }
  } restore;
  SyncFixture fx;
  auto opened = EvidenceStore::Open((fx.dir / "evidence").string());
  REQUIRE(opened.ok());
  EvidenceStore& store = **opened;
  std::string file(40'000, '\0');
  for (size_t i = 0; i < file.size(); ++i) file[i] = static_cast<char>(i * 131 + 7);
  const std::string sha = HashToHex(Sha256(file));
  auto put = [&](uint64_t offset, size_t len) {
    protocol::ChunkPut p;
    p.sha256 = sha;
    p.total_size = file.size();
    p.offset = offset;
    p.bytes = file.substr(offset, len);
    p.chunk_sha256 = HashBytes(Sha256(p.bytes));
    return store.Put(p);
  };
  bool complete = true;
  // The disk fills 5,000 bytes into the second 16,000-byte chunk.
  REQUIRE(put(0, 16'000).ok());
  FileFaults full;
  full.bytes_before_full = 5'000;
  env.Set(full);
  auto cut = put(16'000, 16'000);
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.status().code() == Status::Code::kIOError);
  CHECK(cut.status().message().find("No space left on device") != std::string::npos);
  CHECK(store.Held(sha, &complete) == 21'000);  // a prefix of right bytes
  CHECK_FALSE(complete);
  // The last chunk arrives while fsync fails: every byte is held, none visible as a blob.
  env.Clear();
  REQUIRE(put(21'000, 16'000).ok());
  FileFaults no_sync;
  no_sync.fail_syncs = true;
  env.Set(no_sync);
  auto unsynced = put(37'000, 3'000);
  REQUIRE_FALSE(unsynced.ok());
  CHECK(unsynced.status().message().find("Input/output error") != std::string::npos);
  CHECK(store.Held(sha, &complete) == file.size());
  CHECK_FALSE(complete);
  protocol::ChunkGet get;
  get.sha256 = sha;
  CHECK(store.Get(get).status().code() == Status::Code::kNotFound);
  // Cleared: any put of that file finishes what is held (no byte twice).
  env.Clear();
  auto done = put(file.size(), 0);
  REQUIRE_MESSAGE(done.ok(), done.status().ToString());
  CHECK(done->complete);
  CHECK(store.Held(sha, &complete) == file.size());
  CHECK(complete);
  auto back = store.Get(get);
  REQUIRE(back.ok());
  CHECK(back->total_size == file.size());
  CHECK(env.injected() == 2);
}
