// The district's evidence store: appends only at the held offset, resumes,
// ignores duplicate and out-of-order chunks, verifies the whole file.
#include "server/storage/evidence_store.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <random>

#include "shared/sha256.h"

namespace rectify {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  TempDir() {
    path = fs::temp_directory_path() / ("rectify-evs-" + std::to_string(std::random_device{}()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

protocol::ChunkPut Chunk(const std::string& file, uint64_t offset, uint64_t len) {
  protocol::ChunkPut p;
  p.sha256 = HashToHex(Sha256(file));
  p.total_size = file.size();
  p.offset = offset;
  p.bytes = file.substr(offset, len);
  p.chunk_sha256 = HashBytes(Sha256(p.bytes));
  return p;
}

std::unique_ptr<EvidenceStore> Open(const TempDir& d, uint64_t max = 100ull << 20) {
  auto s = EvidenceStore::Open((d.path / "evidence").string(), {max});
  REQUIRE(s.ok());
  return std::move(*s);
}

}  // namespace

TEST_CASE("evidence store: chunks resume, duplicates and gaps write nothing, whole file verified") {
  TempDir d;
  auto store = Open(d);
  const std::string file = RandomBytes(1000, 1);
  const std::string sha = HashToHex(Sha256(file));
  bool complete = true;
  CHECK(store->Held(sha, &complete) == 0);
  CHECK_FALSE(complete);

  auto a = store->Put(Chunk(file, 0, 400));
  REQUIRE(a.ok());
  CHECK(a->next_offset == 400);
  CHECK_FALSE(a->complete);
  CHECK(store->Held(sha, &complete) == 400);

  // A resent first chunk and a chunk from the future change nothing.
  auto dup = store->Put(Chunk(file, 0, 400));
  REQUIRE(dup.ok());
  CHECK(dup->next_offset == 400);
  auto ahead = store->Put(Chunk(file, 800, 200));
  REQUIRE(ahead.ok());
  CHECK(ahead->next_offset == 400);
  CHECK(store->Held(sha, &complete) == 400);

  // Resuming (e.g. from a new session) at the held offset finishes the file.
  auto b = store->Put(Chunk(file, 400, 600));
  REQUIRE(b.ok());
  CHECK(b->complete);
  CHECK(b->next_offset == 1000);
  CHECK(store->Held(sha, &complete) == 1000);
  CHECK(complete);
  CHECK(fs::exists(d.path / "evidence" / sha));
  CHECK_FALSE(fs::exists(d.path / "evidence" / (sha + ".part")));

  // Complete: a further put is answered complete, nothing rewritten.
  auto again = store->Put(Chunk(file, 0, 400));
  REQUIRE(again.ok());
  CHECK(again->complete);

  auto got = store->Get({sha, 300, 500});
  REQUIRE(got.ok());
  CHECK(got->total_size == 1000);
  CHECK(got->bytes == file.substr(300, 500));
}

TEST_CASE("evidence store: a wrong chunk hash or a wrong file is refused and nothing kept") {
  TempDir d;
  auto store = Open(d);
  const std::string file = RandomBytes(600, 2);
  const std::string sha = HashToHex(Sha256(file));

  auto bad_chunk = Chunk(file, 0, 300);
  bad_chunk.bytes[5] ^= 1;  // corrupted in transit, chunk hash no longer matches
  auto r = store->Put(bad_chunk);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("chunk hash wrong") != std::string::npos);
  bool complete = false;
  CHECK(store->Held(sha, &complete) == 0);

  // Consistent chunks of other bytes under this name: caught at the end.
  std::string forged = file;
  forged[500] ^= 1;
  auto p1 = Chunk(forged, 0, 300);
  p1.sha256 = sha;
  REQUIRE(store->Put(p1).ok());
  auto p2 = Chunk(forged, 300, 300);
  p2.sha256 = sha;
  auto end = store->Put(p2);
  REQUIRE_FALSE(end.ok());
  CHECK(end.status().message().find("file hash mismatch") != std::string::npos);
  CHECK(end.status().message().find(sha) != std::string::npos);
  CHECK(store->Held(sha, &complete) == 0);
  CHECK(fs::is_empty(d.path / "evidence"));
  CHECK_FALSE(store->Get({sha, 0, 100}).ok());
}

TEST_CASE("evidence store: size limit, bounds and names") {
  TempDir d;
  auto store = Open(d, 500);
  const std::string file = RandomBytes(600, 3);
  auto r = store->Put(Chunk(file, 0, 100));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("limit") != std::string::npos);

  const std::string small = RandomBytes(100, 4);
  auto beyond = Chunk(small, 0, 100);
  beyond.offset = 50;  // 50 + 100 > 100
  CHECK_FALSE(store->Put(beyond).ok());

  auto bad_name = Chunk(small, 0, 100);
  bad_name.sha256 = "../../etc/passwd";
  CHECK_FALSE(store->Put(bad_name).ok());
  CHECK_FALSE(store->Get({"../x", 0, 10}).ok());
  CHECK(fs::is_empty(d.path / "evidence"));
}

}  // namespace rectify
