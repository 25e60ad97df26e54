#include "protocol/evidence_session.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>

#include "protocol/codec.h"
#include "shared/schema.h"
#include "shared/sha256.h"

namespace rectify::protocol {

namespace {
// Acks that do not move the offset forward before the session gives up, so a
// confused server cannot keep the client looping.
constexpr int kMaxStalls = 3;
}  // namespace

Result<std::string> FileSha256Hex(const std::string& path, uint64_t* size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    return Status::Internal("SHA-256 unavailable");
  std::string buf(1 << 16, '\0');
  uint64_t total = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), n);
    total += n;
  }
  if (in.bad()) return Status::IOError("cannot read " + path);
  Hash h{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), h.data(), &len);
  if (size) *size = total;
  return HashToHex(h);
}

EvidenceSession::EvidenceSession(Mode mode, std::string school_id, EvidenceSessionOptions options)
    : mode_(mode), options_(std::move(options)), decoder_(options_.max_frame_bytes) {
  if (options_.chunk_bytes == 0 || options_.chunk_bytes > kMaxEvidenceChunk)
    options_.chunk_bytes = kMaxEvidenceChunk;
  Hello hello;
  hello.schema_version = kSchemaVersion;
  hello.client_name = "rectify/0.1.0";
  hello.school_id = std::move(school_id);
  out_ += EncodeMessage(MsgType::kHello, hello);
}

std::unique_ptr<EvidenceSession> EvidenceSession::Query(std::string school_id,
                                                        std::vector<std::string> sha256,
                                                        EvidenceSessionOptions options) {
  std::unique_ptr<EvidenceSession> s(
      new EvidenceSession(Mode::kQuery, std::move(school_id), std::move(options)));
  s->query_ = std::move(sha256);
  return s;
}

std::unique_ptr<EvidenceSession> EvidenceSession::Upload(std::string school_id,
                                                         std::vector<EvidenceUpload> uploads,
                                                         EvidenceSessionOptions options) {
  std::unique_ptr<EvidenceSession> s(
      new EvidenceSession(Mode::kUpload, std::move(school_id), std::move(options)));
  for (const auto& u : uploads) s->query_.push_back(u.sha256);
  s->uploads_ = std::move(uploads);
  return s;
}

std::unique_ptr<EvidenceSession> EvidenceSession::Download(std::string school_id,
                                                           EvidenceDownload download,
                                                           EvidenceSessionOptions options) {
  std::unique_ptr<EvidenceSession> s(
      new EvidenceSession(Mode::kDownload, std::move(school_id), std::move(options)));
  s->download_ = std::move(download);
  return s;
}

void EvidenceSession::Finish(Status st) {
  if (done_) return;
  status_ = std::move(st);
  state_ = State::kDone;
  done_ = true;
}

void EvidenceSession::OnBytes(std::string_view data) {
  if (done_) return;
  if (Status st = decoder_.Feed(data); !st.ok()) return Finish(st.Annotate("from server"));
  while (!done_ && decoder_.HasFrame()) Handle(decoder_.Pop());
}

std::string EvidenceSession::TakeOutput() {
  std::string out;
  out.swap(out_);
  return out;
}

void EvidenceSession::Handle(const Frame& frame) {
  stats_.bytes_received += frame.body.size();
  if (frame.type == static_cast<uint8_t>(MsgType::kError)) {
    ErrorMsg err;
    Status st = DecodeMessage(frame, MsgType::kError, &err, options_.max_frame_bytes);
    if (!st.ok()) return Finish(st);
    const auto code = static_cast<Status::Code>(err.code);
    if (code == Status::Code::kPermissionDenied)
      return Finish(Status::PermissionDenied("server refused: " + err.message));
    if (code == Status::Code::kNotFound) return Finish(Status::NotFound(err.message));
    return Finish(Status::FailedPrecondition("server error: " + err.message));
  }
  switch (state_) {
    case State::kAwaitHelloAck: {
      HelloAck ack;
      Status st = DecodeMessage(frame, MsgType::kHelloAck, &ack, options_.max_frame_bytes);
      if (!st.ok()) return Finish(st);
      version_ = ack.version;
      if (mode_ == Mode::kDownload) return SendGet();
      out_ += EncodeMessage(MsgType::kEvidenceQuery, EvidenceQuery{query_}, version_);
      state_ = State::kAwaitState;
      return;
    }
    case State::kAwaitState:
      return OnState(frame);
    case State::kAwaitAck:
      return OnAck(frame);
    case State::kAwaitData:
      return OnData(frame);
    case State::kAwaitBye:
      return Finish(Status::OK());
    case State::kDone:
      return;
  }
}

void EvidenceSession::OnState(const Frame& frame) {
  Status st =
      DecodeMessage(frame, MsgType::kEvidenceState, &stats_.state, options_.max_frame_bytes);
  if (!st.ok()) return Finish(st);
  if (stats_.state.held.size() != query_.size() || stats_.state.complete.size() != query_.size())
    return Finish(Status::Corruption("evidence state does not answer the query"));
  if (mode_ == Mode::kQuery) return SendBye();
  current_ = 0;
  NextUpload();
}

void EvidenceSession::NextUpload() {
  // Skip what the server already holds completely: that is the dedupe.
  while (current_ < uploads_.size() && (stats_.state.complete[current_] ||
                                        stats_.state.held[current_] >= uploads_[current_].size))
    ++current_;
  if (current_ == uploads_.size()) return SendBye();
  stalls_ = 0;
  SendChunk(stats_.state.held[current_]);
}

void EvidenceSession::SendChunk(uint64_t offset) {
  if (options_.max_chunks != 0 && stats_.chunks_sent >= options_.max_chunks)
    return Finish(Status::Unavailable("upload stopped after " + std::to_string(stats_.chunks_sent) +
                                      " chunks (test limit)"));
  const EvidenceUpload& u = uploads_[current_];
  auto bytes = u.read(offset, options_.chunk_bytes);
  if (!bytes.ok()) return Finish(bytes.status().Annotate("reading evidence " + u.sha256));
  if (bytes->empty())
    return Finish(Status::Corruption("evidence " + u.sha256 + " is shorter than recorded"));
  ChunkPut put;
  put.sha256 = u.sha256;
  put.total_size = u.size;
  put.offset = offset;
  put.chunk_sha256 = HashBytes(Sha256(*bytes));
  put.bytes = std::move(*bytes);
  stats_.chunks_sent++;
  stats_.bytes_sent += put.bytes.size();
  sent_offset_ = offset;
  // Random bytes of photos and PDFs do not compress: skip zstd's effort.
  out_ += EncodeMessage(MsgType::kChunkPut, put, version_, /*allow_compression=*/false);
  state_ = State::kAwaitAck;
}

void EvidenceSession::OnAck(const Frame& frame) {
  ChunkAck ack;
  Status st = DecodeMessage(frame, MsgType::kChunkAck, &ack, options_.max_frame_bytes);
  if (!st.ok()) return Finish(st);
  const EvidenceUpload& u = uploads_[current_];
  if (ack.sha256 != u.sha256) return Finish(Status::Corruption("chunk ack for another file"));
  if (options_.progress) options_.progress(u.sha256, ack.next_offset, u.size);
  if (ack.complete) {
    stats_.files_completed++;
    ++current_;
    return NextUpload();
  }
  if (ack.next_offset >= u.size)
    return Finish(Status::Corruption("server holds all of " + u.sha256 + " but not complete"));
  if (ack.next_offset <= sent_offset_ && ++stalls_ > kMaxStalls)
    return Finish(Status::Unavailable("upload of " + u.sha256 + " makes no progress"));
  SendChunk(ack.next_offset);
}

void EvidenceSession::SendGet() {
  ChunkGet get{download_.sha256, download_.offset, options_.chunk_bytes};
  out_ += EncodeMessage(MsgType::kChunkGet, get, version_);
  state_ = State::kAwaitData;
}

void EvidenceSession::OnData(const Frame& frame) {
  ChunkData data;
  Status st = DecodeMessage(frame, MsgType::kChunkData, &data, options_.max_frame_bytes);
  if (!st.ok()) return Finish(st);
  if (data.sha256 != download_.sha256 || data.offset != download_.offset)
    return Finish(Status::Corruption("chunk data answers another request"));
  if (data.bytes.empty() && data.offset < data.total_size)
    return Finish(Status::Corruption("server sent an empty chunk"));
  if (Status w = download_.write(data.total_size, data.offset, data.bytes); !w.ok())
    return Finish(w);
  download_.offset += data.bytes.size();
  if (options_.progress) options_.progress(download_.sha256, download_.offset, data.total_size);
  if (download_.offset >= data.total_size) return SendBye();
  SendGet();
}

void EvidenceSession::SendBye() {
  out_ += EncodeMessage(MsgType::kBye, Bye{"done"}, version_);
  state_ = State::kAwaitBye;
}

}  // namespace rectify::protocol
