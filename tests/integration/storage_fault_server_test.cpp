// Storage faults under a real server (docs/security.md, "Storage faults"):
// the sync service and TLS transport of `rectifyd serve` run in this process
// over a district made by `rectifyd init`, with both fault seams installed
// (SQLite: shared/fault_vfs.h; evidence files: shared/file_env.h), and real
// `rectify` processes sync against them over TLS 1.3 on loopback. Each case
// asserts the error the user sees, that the server keeps serving, that
// nothing half-written is visible, and that after the fault clears the work
// completes once. Bundle imports get the same treatment in-process.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "server/network/tls_context.h"
#include "server/network/tls_server.h"
#include "server/service/bundle_import.h"
#include "server/service/serve_wiring.h"
#include "server/storage/sqlite_store.h"
#include "shared/fault_vfs.h"
#include "shared/file_env.h"
#include "shared/sha256.h"
#include "tests/integration/district.h"

namespace rectify::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Both seams, installed before any store opens and removed afterwards.
struct Seams {
  Seams() {
    REQUIRE(FaultVfs::Install().ok());
    FileEnv::InstallForTesting(&files);
  }
  ~Seams() {
    FaultVfs::Clear();
    FileEnv::InstallForTesting(nullptr);
  }
  FaultFileEnv files;
};

// `rectifyd serve` without the process: SyncServer + TlsServer on loopback.
struct InProcessServer {
  explicit InProcessServer(const std::string& data_dir) {
    ServeOptions so;
    so.log = [](const std::string&) {};
    auto opened = SyncServer::Open(data_dir, so);
    REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    sync = std::move(*opened);
    TlsServerOptions o;
    o.tls = DistrictTlsFiles(data_dir);
    o.threads = 2;
    o.log = [](const std::string&) {};
    auto made = TlsServer::Create(o, sync->handler_factory());
    REQUIRE_MESSAGE(made.ok(), made.status().ToString());
    tls = std::move(*made);
    REQUIRE(tls->Start().ok());
  }
  ~InProcessServer() { tls->Stop(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(tls->port()); }
  uint64_t Leaves(const std::string& school) {
    auto txn = sync->store().BeginRead(school);
    REQUIRE(txn.ok());
    return *(*txn)->LeafCount();
  }
  std::unique_ptr<SyncServer> sync;
  std::unique_ptr<TlsServer> tls;
};

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

uint64_t FileSize(const fs::path& p) {
  std::error_code ec;
  const uint64_t n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A school ledger of pc1 with the seed problem list, not yet synced.
uint64_t SeedLedger(District& d, const std::string& device) {
  d.RectifyOk(device, {"init", "--school-id", "s1", "--school-name", "第一中学"});
  d.RectifyOk(device, {"import", RECTIFY_TEST_DATA "/seed000.csv"});
  const json st = json::parse(d.RectifyOk(device, {"--json", "status"}).out);
  return st["pending_ops"].get<uint64_t>();
}

uint64_t Pending(District& d, const std::string& device) {
  return json::parse(d.RectifyOk(device, {"--json", "status"}).out)["pending_ops"].get<uint64_t>();
}

}  // namespace

TEST_CASE("storage faults over TLS: a push under a full disk fails with the reason, then commits once") {
  Seams seams;
  District d;
  InProcessServer server(d.data);
  const uint64_t made = SeedLedger(d, "pc1");
  REQUIRE(made > 40);
  const std::vector<std::string> sync = {"sync", "--server", server.address(), "--identity",
                                         d.dir / "id-pc1"};
  for (uint64_t writes_first : {0u, 5u}) {
    CAPTURE(writes_first);
    StorageFaults f;
    f.path_contains = "rectifyd.db";
    f.disk_full = true;
    f.writes_before_fault = writes_first;
    FaultVfs::Set(f);
    Ran r = d.Rectify("pc1", sync);
    FaultVfs::Clear();
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.rc != 0);
    CHECK(r.err.find("full") != std::string::npos);  // the server's reason, not a reset
    CHECK(r.err.find("reset") == std::string::npos);
    CHECK(Pending(d, "pc1") == made);   // nothing acknowledged on the device
    CHECK(server.Leaves("s1") == 0);    // nothing half-committed at the district
  }
  // The fault clears: the same process serves the retry, which commits once.
  d.RectifyOk("pc1", sync);
  CHECK(Pending(d, "pc1") == 0);
  CHECK(server.Leaves("s1") == made);
  d.RectifyOk("pc1", {"sync"});
  CHECK(server.Leaves("s1") == made);
}

TEST_CASE("storage faults over TLS: evidence under a full disk with a full window in flight") {
  // The upload runs with the window full (first chunk alone, then 64 KiB of
  // 16 KiB chunks unanswered): the disk fills at 100 KiB, the server ends the
  // session with its error, and the client prints that error, not a reset.
  Seams seams;
  District d;
  InProcessServer server(d.data);
  SeedLedger(d, "pc1");
  const std::vector<std::string> sync = {"sync", "--server", server.address(), "--identity",
                                         d.dir / "id-pc1"};
  d.RectifyOk("pc1", sync);
  const fs::path file = d.dir / "scan.pdf";
  const std::string bytes = RandomBytes(1 << 20, 7);
  std::ofstream(file, std::ios::binary) << bytes;
  const std::string sha = json::parse(d.RectifyOk("pc1", {"--json", "evidence", "add", "1",
                                                          file.string()})
                                          .out)["sha256"];
  const fs::path blob = fs::path(d.data) / "evidence" / sha;
  const fs::path part = fs::path(blob.string() + ".part");

  // The sync carries the op naming the file, then uploads it into the full disk.
  FileFaults full;
  full.path_contains = "evidence";
  full.bytes_before_full = 100 << 10;
  seams.files.Set(full);
  Ran cut = d.Rectify("pc1", {"sync"});
  INFO("stderr: " << cut.err);
  CHECK(cut.err.find("No space left on device") != std::string::npos);
  CHECK(cut.err.find("reset") == std::string::npos);
  CHECK(cut.err.find(d.data) == std::string::npos);  // the district's paths stay private
  CHECK(seams.files.injected() >= 1);
  CHECK(Pending(d, "pc1") == 0);             // the op itself arrived
  CHECK_FALSE(fs::exists(blob));             // no complete blob is visible
  CHECK(FileSize(part) == (100u << 10));     // the bytes that fitted, all of them right
  CHECK(Slurp(part) == bytes.substr(0, 100 << 10));
  Ran again = d.Rectify("pc1", {"evidence", "push"});
  CHECK(again.rc != 0);
  CHECK(again.err.find("No space left on device") != std::string::npos);

  // The disk has room again but the fsync before the rename fails.
  FileFaults sync_fails;
  sync_fails.path_contains = "evidence";
  sync_fails.fail_syncs = true;
  seams.files.Set(sync_fails);
  Ran unsynced = d.Rectify("pc1", {"evidence", "push"});
  CHECK(unsynced.rc != 0);
  CHECK(unsynced.err.find("Input/output error") != std::string::npos);
  CHECK_FALSE(fs::exists(blob));
  CHECK(FileSize(part) == bytes.size());

  // Fault cleared: the upload finishes from what is held, once, byte for byte.
  seams.files.Clear();
  d.RectifyOk("pc1", {"evidence", "push"});
  CHECK(Slurp(blob) == bytes);
  CHECK_FALSE(fs::exists(part));
  const json listed = json::parse(d.RectifyOk("pc1", {"--json", "evidence", "list", "1"}).out);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["uploaded"] == true);
}

TEST_CASE("storage faults: a bundle import under a full disk stores nothing, then imports once") {
  Seams seams;
  District d;
  const uint64_t made = SeedLedger(d, "pc2");
  const fs::path file = d.dir / "photo.jpg";
  const std::string bytes = RandomBytes(300 << 10, 9);
  std::ofstream(file, std::ios::binary) << bytes;
  const std::string sha = json::parse(d.RectifyOk("pc2", {"--json", "evidence", "add", "1",
                                                          file.string()})
                                          .out)["sha256"];
  const std::string up = d.dir / "up.bundle";
  d.RectifyOk("pc2", {"bundle", "export", up, "--identity", d.dir / "id-pc2"});
  const fs::path blob = fs::path(d.data) / "evidence" / sha;
  auto leaves = [&] {
    auto store = SqliteStore::Open(d.data);
    REQUIRE(store.ok());
    auto txn = (*store)->BeginRead("s1");
    return txn.ok() ? *(*txn)->LeafCount() : 0;
  };
  const uint64_t ops = made + 1;  // the list and the evidence row

  StorageFaults f;
  f.path_contains = "rectifyd.db";
  f.disk_full = true;
  f.writes_before_fault = 3;
  FaultVfs::Set(f);
  auto failed = ImportSchoolBundle(d.data, up);
  FaultVfs::Clear();
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().code() == Status::Code::kIOError);
  CHECK(leaves() == 0);
  CHECK_FALSE(fs::exists(blob));

  // The ops commit but the evidence file meets a full disk: the ops are whole
  // units and stay; the file is not visible as complete.
  FileFaults full;
  full.path_contains = "evidence";
  full.bytes_before_full = 1000;
  seams.files.Set(full);
  auto half = ImportSchoolBundle(d.data, up);
  seams.files.Clear();
  REQUIRE_FALSE(half.ok());
  CHECK(half.status().message().find("No space left on device") != std::string::npos);
  CHECK(leaves() == ops);
  CHECK_FALSE(fs::exists(blob));

  // Cleared: the retry replays the ops (no second leaf) and stores the file.
  auto done = ImportSchoolBundle(d.data, up);
  REQUIRE_MESSAGE(done.ok(), done.status().ToString());
  CHECK(done->replayed == ops);
  CHECK(done->evidence_stored == 1);
  CHECK(leaves() == ops);
  CHECK(Slurp(blob) == bytes);
}

}  // namespace rectify::test
