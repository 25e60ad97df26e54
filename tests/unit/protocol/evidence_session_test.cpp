// EvidenceSession against a real ServerSession over a fake service that keeps
// blobs in memory with the server's append-at-held-offset rule.
#include "protocol/evidence_session.h"

#include <doctest/doctest.h>

#include <map>
#include <random>

#include "protocol/server_session.h"
#include "shared/sha256.h"

using namespace rectify;
using namespace rectify::protocol;

namespace {

class BlobService : public SyncService {
 public:
  Status Admit(const SessionContext&) override { return Status::OK(); }
  Result<PushAck> Push(const SessionContext&, const PushBatch&) override {
    return Status::Unavailable("no");
  }
  Result<PullResponse> Pull(const SessionContext&, const PullRequest&) override {
    return Status::Unavailable("no");
  }
  Result<AuditResponse> Audit(const SessionContext&, const AuditQuery&) override {
    return Status::Unavailable("no");
  }
  Result<ProofResponse> Proof(const SessionContext&, const ProofRequest&) override {
    return Status::Unavailable("no");
  }
  int64_t NowMillis() const override { return 1000; }

  Result<EvidenceState> QueryEvidence(const SessionContext&, const EvidenceQuery& q) override {
    EvidenceState st;
    for (const auto& sha : q.sha256) {
      st.held.push_back(blobs[sha].size());
      st.complete.push_back(complete[sha] ? 1 : 0);
    }
    return st;
  }
  Result<ChunkAck> PutEvidenceChunk(const SessionContext&, const ChunkPut& p) override {
    ++puts;
    if (HashBytes(Sha256(p.bytes)) != p.chunk_sha256)
      return Status::InvalidArgument("chunk hash wrong");
    std::string& b = blobs[p.sha256];
    if (!complete[p.sha256] && p.offset == b.size()) b += p.bytes;
    if (b.size() == p.total_size) complete[p.sha256] = HashToHex(Sha256(b)) == p.sha256;
    return ChunkAck{p.sha256, b.size(), complete[p.sha256]};
  }
  Result<ChunkData> GetEvidenceChunk(const SessionContext&, const ChunkGet& g) override {
    if (!complete[g.sha256]) return Status::NotFound("no such evidence");
    const std::string& b = blobs[g.sha256];
    return ChunkData{g.sha256, b.size(), g.offset, b.substr(g.offset, g.max_len)};
  }

  std::map<std::string, std::string> blobs;
  std::map<std::string, bool> complete;
  int puts = 0;
};

void Pump(EvidenceSession& c, ServerSession& s) {
  for (int i = 0; i < 10000 && !(c.Done() && s.Done()); ++i) {
    std::string a = c.TakeOutput();
    if (!a.empty()) s.OnBytes(a);
    std::string b = s.TakeOutput();
    if (!b.empty()) c.OnBytes(b);
    if (a.empty() && b.empty()) break;
  }
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

EvidenceUpload UploadOf(const std::string& file) {
  return {HashToHex(Sha256(file)), file.size(), [file](uint64_t off, uint32_t len) {
            return Result<std::string>(file.substr(off, len));
          }};
}

PeerIdentity Peer() { return {"s1", "dev1", "school", "127.0.0.1:1"}; }

}  // namespace

TEST_CASE("evidence session: a cut upload resumes from what the server holds") {
  BlobService svc;
  const std::string file = RandomBytes(10 * 1000, 7);
  const std::string sha = HashToHex(Sha256(file));
  EvidenceSessionOptions o;
  o.chunk_bytes = 1000;
  o.max_chunks = 3;
  {
    ServerSession server(svc, Peer());
    auto c = EvidenceSession::Upload("", {UploadOf(file)}, o);
    Pump(*c, server);
    CHECK(c->status().code() == Status::Code::kUnavailable);
    CHECK(c->stats().chunks_sent == 3);
  }
  CHECK(svc.blobs[sha].size() == 3000);

  o.max_chunks = 0;
  std::vector<uint64_t> progress;
  o.progress = [&](const std::string&, uint64_t done, uint64_t) { progress.push_back(done); };
  ServerSession server(svc, Peer());
  auto c = EvidenceSession::Upload("", {UploadOf(file)}, o);
  Pump(*c, server);
  REQUIRE(c->status().ok());
  CHECK(c->stats().state.held.at(0) == 3000);
  CHECK(c->stats().chunks_sent == 7);  // only the missing tail
  CHECK(c->stats().bytes_sent == 7000);
  CHECK(c->stats().files_completed == 1);
  CHECK(progress.back() == 10000);
  CHECK(svc.blobs[sha] == file);
  CHECK(svc.complete[sha]);
}

TEST_CASE("evidence session: a blob the server has is not sent again") {
  BlobService svc;
  const std::string a = RandomBytes(2500, 1), b = RandomBytes(1500, 2);
  const std::string sha_a = HashToHex(Sha256(a));
  svc.blobs[sha_a] = a;
  svc.complete[sha_a] = true;
  EvidenceSessionOptions o;
  o.chunk_bytes = 1000;
  ServerSession server(svc, Peer());
  auto c = EvidenceSession::Upload("", {UploadOf(a), UploadOf(b)}, o);
  Pump(*c, server);
  REQUIRE(c->status().ok());
  CHECK(c->stats().state.complete.at(0) == 1);
  CHECK(c->stats().bytes_sent == 1500);  // b only
  CHECK(svc.puts == 2);
  CHECK(svc.blobs[HashToHex(Sha256(b))] == b);
}

TEST_CASE("evidence session: download resumes from an offset, query reports held bytes") {
  BlobService svc;
  const std::string file = RandomBytes(5000, 3);
  const std::string sha = HashToHex(Sha256(file));
  svc.blobs[sha] = file;
  svc.complete[sha] = true;

  std::string got = file.substr(0, 1200);  // what an earlier, cut download left
  EvidenceDownload d{sha, got.size(), [&](uint64_t total, uint64_t off, const std::string& bytes) {
                       CHECK(total == 5000);
                       CHECK(off == got.size());
                       got += bytes;
                       return Status::OK();
                     }};
  EvidenceSessionOptions o;
  o.chunk_bytes = 1000;
  {
    ServerSession server(svc, Peer());
    auto c = EvidenceSession::Download("", d, o);
    Pump(*c, server);
    REQUIRE(c->status().ok());
  }
  CHECK(got == file);

  ServerSession server(svc, Peer());
  auto q = EvidenceSession::Query("", {sha, std::string(64, 'a')});
  Pump(*q, server);
  REQUIRE(q->status().ok());
  CHECK(q->stats().state.held == std::vector<uint64_t>{5000, 0});
  CHECK(q->stats().state.complete == std::vector<uint8_t>{1, 0});
}

TEST_CASE("evidence session: a server error ends the session with its message") {
  BlobService svc;
  EvidenceDownload d{std::string(64, 'b'), 0,
                     [](uint64_t, uint64_t, const std::string&) { return Status::OK(); }};
  ServerSession server(svc, Peer());
  auto c = EvidenceSession::Download("", d);
  Pump(*c, server);
  CHECK(c->status().code() == Status::Code::kNotFound);
}
