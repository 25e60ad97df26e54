// EvidenceSession against a real ServerSession over a fake service that keeps
// blobs in memory with the server's append-at-held-offset rule; the
// pipelining tests put a tap between the two that splits, drops, duplicates
// or reorders frames.
#include "protocol/evidence_session.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>

#include "protocol/codec.h"
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
  int64_t NowMillis() const override { return now; }

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
  int64_t now = 1000;
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

namespace {

// The frames in `bytes` (whole frames only), each re-encoded as on the wire.
std::vector<std::string> SplitFrames(const std::string& bytes) {
  FrameDecoder d;
  REQUIRE(d.Feed(bytes).ok());
  std::vector<std::string> out;
  while (d.HasFrame()) out.push_back(EncodeFrame(d.Pop()));
  REQUIRE(d.buffered() == 0);
  return out;
}

int CountType(const std::vector<std::string>& frames, MsgType type) {
  int n = 0;
  for (const auto& f : frames) n += static_cast<uint8_t>(f[4]) == static_cast<uint8_t>(type);
  return n;
}

// Like Pump, but every server answer goes through `tap` (frame by frame) and
// the client's requests in flight are recorded after each turn.
using Tap = std::function<std::vector<std::string>(std::vector<std::string>)>;
void PumpTapped(EvidenceSession& c, ServerSession& s, const Tap& tap,
                std::vector<int>* chunk_puts_per_turn = nullptr) {
  for (int i = 0; i < 100000 && !c.Done(); ++i) {
    std::string a = c.TakeOutput();
    if (chunk_puts_per_turn && !a.empty())
      chunk_puts_per_turn->push_back(CountType(SplitFrames(a), MsgType::kChunkPut));
    if (!a.empty()) s.OnBytes(a);
    std::string b = s.TakeOutput();
    if (!b.empty())
      for (const auto& f : tap(SplitFrames(b))) c.OnBytes(f);
    if (a.empty() && b.empty()) break;
  }
}

// One answer frame per turn, so the window moves chunk by chunk.
void PumpOneByOne(EvidenceSession& c, ServerSession& s, std::vector<uint64_t>* in_flight) {
  std::deque<std::string> answers;
  uint64_t flight = 0;
  for (int i = 0; i < 100000 && !c.Done(); ++i) {
    std::string a = c.TakeOutput();
    for (const auto& f : a.empty() ? std::vector<std::string>{} : SplitFrames(a)) {
      FrameDecoder d;
      REQUIRE(d.Feed(f).ok());
      Frame fr = d.Pop();
      if (fr.type == static_cast<uint8_t>(MsgType::kChunkPut)) {
        ChunkPut put;
        REQUIRE(DecodeMessage(fr, MsgType::kChunkPut, &put).ok());
        flight += put.bytes.size();
      }
    }
    if (in_flight) in_flight->push_back(flight);
    if (!a.empty()) s.OnBytes(a);
    for (const auto& f : SplitFrames(s.TakeOutput())) answers.push_back(f);
    if (answers.empty()) break;
    std::string f = answers.front();
    answers.pop_front();
    FrameDecoder d;
    REQUIRE(d.Feed(f).ok());
    Frame fr = d.Pop();
    if (fr.type == static_cast<uint8_t>(MsgType::kChunkAck)) {
      // The acked chunk leaves the window (all chunks here are 1000 bytes but the last).
      flight -= std::min<uint64_t>(flight, 1000);
    }
    c.OnBytes(f);
  }
}

std::vector<std::string> Identity(std::vector<std::string> f) { return f; }

}  // namespace

TEST_CASE("evidence pipeline: the window fills at once and is never exceeded") {
  BlobService svc;
  const std::string file = RandomBytes(20 * 1000 + 300, 11);
  const std::string sha = HashToHex(Sha256(file));
  EvidenceSessionOptions o;
  o.chunk_bytes = 1000;
  o.window_bytes = 4000;
  ServerSession server(svc, Peer());
  auto c = EvidenceSession::Upload("", {UploadOf(file)}, o);
  std::vector<uint64_t> in_flight;
  PumpOneByOne(*c, server, &in_flight);
  REQUIRE(c->status().ok());
  CHECK(svc.blobs[sha] == file);
  CHECK(svc.complete[sha]);
  CHECK(c->stats().chunks_sent == 21);
  CHECK(c->stats().bytes_sent == file.size());
  // Pipelined: four chunks went out before the first ack came back ...
  CHECK(c->stats().max_in_flight_bytes == 4000);
  REQUIRE(!in_flight.empty());
  CHECK(*std::max_element(in_flight.begin(), in_flight.end()) <= 4000);
  CHECK(std::count(in_flight.begin(), in_flight.end(), 4000) >= 10);  // ... and kept full
}

TEST_CASE("evidence pipeline: a window smaller than a chunk still sends one chunk at a time") {
  BlobService svc;
  const std::string file = RandomBytes(5000, 12);
  EvidenceSessionOptions o;
  o.chunk_bytes = 1000;
  o.window_bytes = 10;
  ServerSession server(svc, Peer());
  auto c = EvidenceSession::Upload("", {UploadOf(file)}, o);
  std::vector<int> puts;
  PumpTapped(*c, server, Identity, &puts);
  REQUIRE(c->status().ok());
  CHECK(c->stats().max_in_flight_bytes == 1000);
  CHECK(*std::max_element(puts.begin(), puts.end()) == 1);
  CHECK(svc.blobs[HashToHex(Sha256(file))] == file);
}

TEST_CASE("evidence pipeline: a duplicated ack is an error, never a false completion") {
  const std::string file = RandomBytes(8000, 13);
  const std::string sha = HashToHex(Sha256(file));
  EvidenceSessionOptions o;
  o.chunk_bytes = 1000;
  o.window_bytes = 3000;
  o.first_chunk_alone = false;  // these test the full window from the first chunk

  SUBCASE("the last ack twice") {
    BlobService svc;
    ServerSession server(svc, Peer());
    auto c = EvidenceSession::Upload("", {UploadOf(file)}, o);
    // The final turn answers the last two chunks: repeat its last ack.
    PumpTapped(*c, server, [](std::vector<std::string> f) {
      const int acks = CountType(f, MsgType::kChunkAck);
      if (acks > 0 && acks < 3) f.push_back(f.back());
      return f;
    });
    CHECK(svc.complete[sha]);
    CHECK(c->status().code() == Status::Code::kCorruption);
    CHECK(c->status().message().find("after everything was answered") != std::string::npos);
  }
  SUBCASE("an ack in the middle twice") {
    BlobService svc;
    ServerSession server(svc, Peer());
    bool duplicated = false;
    std::vector<uint64_t> progress;
    o.progress = [&](const std::string&, uint64_t done, uint64_t) { progress.push_back(done); };
    auto c = EvidenceSession::Upload("", {UploadOf(file)}, o);
    PumpTapped(*c, server, [&](std::vector<std::string> f) {
      if (!duplicated && CountType(f, MsgType::kChunkAck) > 0) {
        duplicated = true;
        f.insert(f.begin(), f.front());
      }
      return f;
    });
    CHECK(duplicated);
    // Whatever the verdict, the client never claims more than the server holds.
    CHECK(std::is_sorted(progress.begin(), progress.end()));
    for (uint64_t p : progress) CHECK(p <= svc.blobs[sha].size());
    CHECK(c->status().code() == Status::Code::kCorruption);
    CHECK(c->status().message().find("repeated") != std::string::npos);
    CHECK(file.compare(0, svc.blobs[sha].size(), svc.blobs[sha]) == 0);
    CHECK(c->stats().files_completed == 0);
  }
  SUBCASE("an extra ack ahead of the chunks") {
    // An ack nobody asked for shifts every later answer by one: the first
    // real ack then goes backwards, which no correct server can send.
    BlobService svc;
    ServerSession server(svc, Peer());
    auto c = EvidenceSession::Upload("", {UploadOf(file)}, o);
    bool injected = false;
    PumpTapped(*c, server, [&](std::vector<std::string> f) {
      if (!injected && CountType(f, MsgType::kEvidenceState) == 1) {
        injected = true;
        f.push_back(EncodeMessage(MsgType::kChunkAck, ChunkAck{sha, 3000, false}));
      }
      return f;
    });
    CHECK(injected);
    CHECK(c->status().code() == Status::Code::kCorruption);
    CHECK(c->status().message().find("went backwards") != std::string::npos);
    CHECK(c->stats().files_completed == 0);
  }
}

TEST_CASE("evidence pipeline: acks out of order end the session with an error") {
  BlobService svc;
  const std::string file = RandomBytes(8000, 14);
  const std::string sha = HashToHex(Sha256(file));
  EvidenceSessionOptions o;
  o.chunk_bytes = 1000;
  o.window_bytes = 3000;
  std::vector<uint64_t> progress;
  o.progress = [&](const std::string&, uint64_t done, uint64_t) { progress.push_back(done); };
  ServerSession server(svc, Peer());
  auto c = EvidenceSession::Upload("", {UploadOf(file)}, o);
  bool swapped = false;
  PumpTapped(*c, server, [&](std::vector<std::string> f) {
    if (!swapped && CountType(f, MsgType::kChunkAck) >= 2) {
      swapped = true;
      std::swap(f[0], f[1]);
    }
    return f;
  });
  CHECK(swapped);
  CHECK(c->status().code() == Status::Code::kCorruption);
  CHECK(c->status().message().find("went backwards") != std::string::npos);
  CHECK_FALSE(svc.complete[sha]);
  for (uint64_t p : progress) CHECK(p <= svc.blobs[sha].size());
}

TEST_CASE("evidence pipeline: acks that lie about the file are refused") {
  const std::string file = RandomBytes(4000, 15);
  const std::string sha = HashToHex(Sha256(file));
  EvidenceSessionOptions o;
  o.chunk_bytes = 1000;
  struct Lie {
    const char* name;
    ChunkAck ack;
  };
  for (const Lie& lie : {Lie{"another file", ChunkAck{std::string(64, 'c'), 1000, false}},
                         Lie{"beyond the end", ChunkAck{sha, 5000, false}},
                         Lie{"complete too early", ChunkAck{sha, 1000, true}},
                         Lie{"all held but not complete", ChunkAck{sha, 4000, false}}}) {
    CAPTURE(lie.name);
    BlobService svc;
    ServerSession server(svc, Peer());
    auto c = EvidenceSession::Upload("", {UploadOf(file)}, o);
    PumpTapped(*c, server, [&](std::vector<std::string> f) {
      for (auto& x : f)
        if (CountType({x}, MsgType::kChunkAck)) x = EncodeMessage(MsgType::kChunkAck, lie.ack);
      return f;
    });
    CHECK(c->status().code() == Status::Code::kCorruption);
    CHECK(c->stats().files_completed == 0);
  }
}

TEST_CASE("evidence pipeline: a file's first chunk goes alone, then the window opens") {
  BlobService svc;
  const std::string file = RandomBytes(10 * 1000, 31);
  EvidenceSessionOptions o;
  o.chunk_bytes = 1000;
  o.window_bytes = 4000;
  ServerSession server(svc, Peer());
  auto c = EvidenceSession::Upload("", {UploadOf(file)}, o);
  for (int i = 0; i < 2; ++i) {  // hello -> ack, query -> state
    server.OnBytes(c->TakeOutput());
    c->OnBytes(server.TakeOutput());
  }
  // Alone on the wire: a refusal of it (size limit, tenancy) is then the
  // last thing the server says, with nothing of ours left to reset it.
  std::string first = c->TakeOutput();
  CHECK(CountType(SplitFrames(first), MsgType::kChunkPut) == 1);
  CHECK(c->TakeOutput().empty());
  server.OnBytes(first);
  c->OnBytes(server.TakeOutput());  // its ack opens the window
  CHECK(CountType(SplitFrames(c->TakeOutput()), MsgType::kChunkPut) == 4);
}

TEST_CASE("evidence pipeline: a cut mid-window resumes from the server's held offset") {
  BlobService svc;
  const std::string file = RandomBytes(10 * 1000, 16);
  const std::string sha = HashToHex(Sha256(file));
  EvidenceSessionOptions o;
  o.chunk_bytes = 1000;
  o.window_bytes = 4000;
  o.first_chunk_alone = false;  // these test the full window from the first chunk
  {
    ServerSession server(svc, Peer());
    auto c = EvidenceSession::Upload("", {UploadOf(file)}, o);
    // Hello, query, state: then the window goes out; the link dies after
    // two and a half of its four chunks reached the server, no ack returns.
    for (int i = 0; i < 2; ++i) {  // hello -> ack, query -> state
      server.OnBytes(c->TakeOutput());
      c->OnBytes(server.TakeOutput());
    }
    const std::string window = c->TakeOutput();
    const auto frames = SplitFrames(window);
    REQUIRE(CountType(frames, MsgType::kChunkPut) == 4);
    server.OnBytes(frames[0] + frames[1] + frames[2].substr(0, frames[2].size() / 2));
    CHECK_FALSE(c->Done());
  }
  CHECK(svc.blobs[sha].size() == 2000);

  ServerSession server(svc, Peer());
  auto c = EvidenceSession::Upload("", {UploadOf(file)}, o);
  std::vector<int> puts;
  PumpTapped(*c, server, Identity, &puts);
  REQUIRE(c->status().ok());
  CHECK(c->stats().state.held.at(0) == 2000);
  CHECK(c->stats().bytes_sent == 8000);  // only the missing tail, nothing twice
  CHECK(c->stats().chunks_sent == 8);
  CHECK(c->stats().resyncs == 0);
  CHECK(svc.blobs[sha] == file);
  CHECK(svc.complete[sha]);
}

TEST_CASE("evidence pipeline: another device's chunks in between resync, no byte lost") {
  BlobService svc;
  const std::string file = RandomBytes(10 * 1000, 17);
  const std::string sha = HashToHex(Sha256(file));
  EvidenceSessionOptions o;
  o.chunk_bytes = 1000;
  o.window_bytes = 3000;
  ServerSession server(svc, Peer());
  auto c = EvidenceSession::Upload("", {UploadOf(file)}, o);
  bool raced = false;
  // After the first acks, another device appends the next 2500 bytes (not
  // on a chunk boundary of ours): our chunks in flight no longer fit.
  PumpTapped(*c, server, [&](std::vector<std::string> f) {
    if (!raced && CountType(f, MsgType::kChunkAck) > 0) {
      raced = true;
      std::string& b = svc.blobs[sha];
      b += file.substr(b.size(), 2500);
    }
    return f;
  });
  REQUIRE(c->status().ok());
  CHECK(raced);
  CHECK(c->stats().resyncs >= 1);
  CHECK(svc.blobs[sha] == file);
  CHECK(svc.complete[sha]);
}

TEST_CASE("evidence pipeline: the test limit stops only after the chunks sent are acked") {
  BlobService svc;
  const std::string file = RandomBytes(10 * 1000, 18);
  EvidenceSessionOptions o;
  o.chunk_bytes = 1000;
  o.window_bytes = 8000;
  o.max_chunks = 5;
  ServerSession server(svc, Peer());
  auto c = EvidenceSession::Upload("", {UploadOf(file)}, o);
  PumpTapped(*c, server, Identity);
  CHECK(c->status().code() == Status::Code::kUnavailable);
  CHECK(c->stats().stopped_by_limit);
  CHECK(c->stats().bytes_progressed == 5000);
  CHECK(svc.blobs[HashToHex(Sha256(file))].size() == 5000);
}

TEST_CASE("evidence pipeline: downloads keep several requests in flight, in order") {
  BlobService svc;
  const std::string file = RandomBytes(20 * 1000 + 7, 19);
  const std::string sha = HashToHex(Sha256(file));
  svc.blobs[sha] = file;
  svc.complete[sha] = true;
  EvidenceSessionOptions o;
  o.chunk_bytes = 1000;
  o.window_bytes = 4000;
  std::string got = file.substr(0, 500);
  EvidenceDownload d{sha, got.size(), [&](uint64_t, uint64_t off, const std::string& bytes) {
                       REQUIRE(off == got.size());
                       got += bytes;
                       return Status::OK();
                     }};
  ServerSession server(svc, Peer());
  auto c = EvidenceSession::Download("", d, o);
  // Answers go back one frame at a time: each frees room for one request.
  std::vector<int> gets;  // ChunkGets in each output of the client
  auto send = [&](const std::string& a) {
    if (a.empty()) return;
    gets.push_back(CountType(SplitFrames(a), MsgType::kChunkGet));
    server.OnBytes(a);
  };
  send(c->TakeOutput());
  for (int i = 0; i < 1000 && !c->Done(); ++i) {
    const auto answers = SplitFrames(server.TakeOutput());
    if (answers.empty()) break;
    for (const auto& f : answers) {
      c->OnBytes(f);
      send(c->TakeOutput());
    }
  }
  REQUIRE(c->status().ok());
  CHECK(got == file);
  // One request alone (its answer states the size), then a full window at
  // once, then one request per answer.
  REQUIRE(gets.size() > 4);
  CHECK(gets[1] == 1);
  CHECK(gets[2] == 4);
  CHECK(*std::max_element(gets.begin() + 3, gets.end()) <= 1);
  CHECK(c->stats().max_in_flight_bytes == 4000);
}

TEST_CASE("evidence pipeline: download answers that do not fit are refused") {
  const std::string file = RandomBytes(6000, 20);
  const std::string sha = HashToHex(Sha256(file));
  EvidenceSessionOptions o;
  o.chunk_bytes = 1000;
  o.window_bytes = 3000;
  for (const char* how : {"duplicated", "reordered", "short", "resized"}) {
    CAPTURE(how);
    BlobService svc;
    svc.blobs[sha] = file;
    svc.complete[sha] = true;
    std::string got;
    EvidenceDownload d{sha, 0, [&](uint64_t, uint64_t off, const std::string& bytes) {
                         if (off != got.size()) return Status::InvalidArgument("gap");
                         got += bytes;
                         return Status::OK();
                       }};
    ServerSession server(svc, Peer());
    auto c = EvidenceSession::Download("", d, o);
    bool done = false;
    PumpTapped(*c, server, [&](std::vector<std::string> f) {
      if (done || CountType(f, MsgType::kChunkData) < 2) return f;
      done = true;
      const std::string h = how;
      if (h == "duplicated") f.insert(f.begin() + 1, f.front());
      if (h == "reordered") std::swap(f[0], f[1]);
      FrameDecoder dec;
      REQUIRE(dec.Feed(f[0]).ok());
      ChunkData data;
      REQUIRE(DecodeMessage(dec.Pop(), MsgType::kChunkData, &data).ok());
      if (h == "short") data.bytes.pop_back();
      if (h == "resized") data.total_size += 1;
      if (h == "short" || h == "resized") f[0] = EncodeMessage(MsgType::kChunkData, data);
      return f;
    });
    CHECK(done);
    CHECK(c->status().code() == Status::Code::kCorruption);
    CHECK(file.compare(0, got.size(), got) == 0);  // what was written is right
    CHECK(got.size() < file.size());
  }
}

TEST_CASE("evidence pipeline: a stream that never leaves a frame boundary is not a slowloris") {
  // Pipelined chunks arrive as a continuous stream: the server's buffer may
  // never be empty between frames. The partial-frame deadline is per frame,
  // so a minute-long upload at a slow, steady pace is not cut after 30 s.
  BlobService svc;
  const std::string file = RandomBytes(30 * 1000, 21);
  const std::string sha = HashToHex(Sha256(file));
  EvidenceSessionOptions o;
  o.chunk_bytes = 1000;
  o.window_bytes = 8000;
  ServerSessionOptions so;
  so.partial_frame_deadline_ms = 30'000;
  ServerSession server(svc, Peer(), so);
  auto c = EvidenceSession::Upload("", {UploadOf(file)}, o);
  std::string pipe;  // client -> server bytes not yet delivered
  int steps = 0;
  for (; steps < 10000 && !c->Done(); ++steps) {
    pipe += c->TakeOutput();
    // 700 bytes per 5 s: slower than a frame, never aligned to frames.
    const size_t n = std::min<size_t>(700, pipe.size());
    server.OnBytes(pipe.substr(0, n));
    pipe.erase(0, n);
    svc.now += 5000;
    server.OnTick(svc.now);
    c->OnBytes(server.TakeOutput());
    if (server.Done()) break;
  }
  CHECK(svc.now - 1000 > 120'000);  // well past the partial-frame deadline
  REQUIRE(c->status().ok());
  CHECK(svc.blobs[sha] == file);
}

TEST_CASE("evidence pipeline: a stop request drains the window and sends nothing new") {
  const std::string file = RandomBytes(20 * 1000, 22);
  const std::string sha = HashToHex(Sha256(file));
  EvidenceSessionOptions o;
  o.chunk_bytes = 1000;
  o.window_bytes = 4000;
  o.first_chunk_alone = false;  // these test the full window from the first chunk
  SUBCASE("upload") {
    BlobService svc;
    ServerSession server(svc, Peer());
    auto c = EvidenceSession::Upload("", {UploadOf(file)}, o);
    uint64_t sent_at_stop = 0;
    PumpTapped(*c, server, [&](std::vector<std::string> f) {
      if (sent_at_stop == 0 && CountType(f, MsgType::kChunkAck) > 0) {
        c->RequestStop();
        sent_at_stop = c->stats().bytes_sent;
      }
      return f;
    });
    CHECK(sent_at_stop == 4000);
    CHECK(c->status().code() == Status::Code::kUnavailable);
    CHECK(c->stats().stopped_on_request);
    CHECK(c->stats().bytes_sent == 4000);           // nothing after the stop
    CHECK(svc.blobs[sha] == file.substr(0, 4000));  // and all of it kept
    CHECK(c->stats().bytes_progressed == 4000);
  }
  SUBCASE("download") {
    BlobService svc;
    svc.blobs[sha] = file;
    svc.complete[sha] = true;
    std::string got;
    EvidenceDownload d{sha, 0, [&](uint64_t, uint64_t, const std::string& bytes) {
                         got += bytes;
                         return Status::OK();
                       }};
    ServerSession server(svc, Peer());
    auto c = EvidenceSession::Download("", d, o);
    bool stopped = false;
    PumpTapped(*c, server, [&](std::vector<std::string> f) {
      // After the first answer the window of four requests is out: stop then.
      if (!stopped && CountType(f, MsgType::kChunkData) == 4) {
        stopped = true;
        c->RequestStop();
      }
      return f;
    });
    CHECK(stopped);
    CHECK(c->status().code() == Status::Code::kUnavailable);
    CHECK(c->stats().stopped_on_request);
    CHECK(got == file.substr(0, 5000));  // the first answer and the window, no more
  }
}
