#include "protocol/evidence_session.h"

#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <memory>

#include "protocol/codec.h"
#include "protocol/handshake.h"
#include "shared/sha256.h"

namespace rectify::protocol {

namespace {
// Acks that do not move the offset forward before the session gives up, so a
// confused server cannot keep the client looping.
constexpr int kMaxStalls = 3;
}  // namespace

EvidenceSession::EvidenceSession(Mode mode, std::string school_id, EvidenceSessionOptions options)
    : mode_(mode), options_(std::move(options)), decoder_(options_.max_frame_bytes) {
  if (options_.chunk_bytes == 0 || options_.chunk_bytes > kMaxEvidenceChunk)
    options_.chunk_bytes = kMaxEvidenceChunk;
  options_.window_bytes = std::max(options_.window_bytes, options_.chunk_bytes);
  out_ += EncodeClientHello(school_id);
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
  if (auto error = ServerError(frame, options_.max_frame_bytes)) return Finish(*error);
  switch (state_) {
    case State::kAwaitHelloAck: {
      auto ack = AcceptHelloAck(frame, options_.max_frame_bytes);
      if (!ack.ok()) return Finish(ack.status());
      version_ = ack->version;
      if (mode_ == Mode::kDownload) {
        // One request first: its answer states the size, which bounds the rest.
        requested_ = download_.offset;
        return SendGet(download_.offset, options_.chunk_bytes);
      }
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
      // Everything asked for was answered: anything but the bye is surplus.
      if (frame.type != static_cast<uint8_t>(MsgType::kBye))
        return Finish(Status::Corruption("unexpected message " + std::to_string(frame.type) +
                                         " after everything was answered"));
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

bool EvidenceSession::WindowAllows(uint64_t len) const {
  return in_flight_.empty() || in_flight_bytes_ + len <= options_.window_bytes;
}

void EvidenceSession::TrackInFlight(uint64_t offset, uint64_t len) {
  in_flight_.push_back({offset, len});
  in_flight_bytes_ += len;
  stats_.max_in_flight_bytes = std::max(stats_.max_in_flight_bytes, in_flight_bytes_);
}

bool EvidenceSession::StopNow() {
  if (!stop_requested_) return false;
  if (in_flight_.empty()) {
    stats_.stopped_on_request = true;
    Finish(Status::Unavailable("transfer stopped on request"));
  }
  return true;
}

void EvidenceSession::NextUpload() {
  // Skip what the server already holds completely: that is the dedupe.
  while (current_ < uploads_.size() && stats_.state.complete[current_]) ++current_;
  if (current_ == uploads_.size()) return SendBye();
  stalls_ = 0;
  // Every byte held but never finished (the server's disk failed before its
  // rename): resending the last byte makes it finish (docs/evidence.md).
  StartFile(std::min<uint64_t>(stats_.state.held[current_], uploads_[current_].size - 1));
}

void EvidenceSession::StartFile(uint64_t held) {
  next_offset_ = acked_ = started_at_ = held;
  resync_ = file_complete_ = first_acked_ = false;
  FillUploadWindow();
}

void EvidenceSession::FillUploadWindow() {
  const EvidenceUpload& u = uploads_[current_];
  while (!done_ && !resync_ && !file_complete_ && next_offset_ < u.size) {
    const uint64_t len = std::min<uint64_t>(options_.chunk_bytes, u.size - next_offset_);
    if (StopNow() || !WindowAllows(len)) return;
    // See EvidenceSessionOptions::first_chunk_alone.
    if (options_.first_chunk_alone && !first_acked_ && !in_flight_.empty()) return;
    if (options_.max_chunks != 0 && stats_.chunks_sent >= options_.max_chunks) {
      if (!in_flight_.empty()) return;  // stop once what was sent is acked
      stats_.stopped_by_limit = true;
      return Finish(Status::Unavailable(
          "upload stopped after " + std::to_string(stats_.chunks_sent) + " chunks (test limit)"));
    }
    if (!SendChunk()) return;
  }
}

bool EvidenceSession::SendChunk() {
  const EvidenceUpload& u = uploads_[current_];
  auto bytes = u.read(next_offset_, options_.chunk_bytes);
  if (!bytes.ok()) {
    Finish(bytes.status().Annotate("reading evidence " + u.sha256));
    return false;
  }
  if (bytes->empty() || bytes->size() > u.size - next_offset_) {
    Finish(Status::Corruption("evidence " + u.sha256 + " does not have its recorded size"));
    return false;
  }
  ChunkPut put;
  put.sha256 = u.sha256;
  put.total_size = u.size;
  put.offset = next_offset_;
  put.chunk_sha256 = HashBytes(Sha256(*bytes));
  put.bytes = std::move(*bytes);
  stats_.chunks_sent++;
  stats_.bytes_sent += put.bytes.size();
  TrackInFlight(next_offset_, put.bytes.size());
  next_offset_ += put.bytes.size();
  // Random bytes of photos and PDFs do not compress: skip zstd's effort.
  out_ += EncodeMessage(MsgType::kChunkPut, put, version_, /*allow_compression=*/false);
  state_ = State::kAwaitAck;
  return true;
}

void EvidenceSession::OnAck(const Frame& frame) {
  ChunkAck ack;
  Status st = DecodeMessage(frame, MsgType::kChunkAck, &ack, options_.max_frame_bytes);
  if (!st.ok()) return Finish(st);
  const EvidenceUpload& u = uploads_[current_];
  if (in_flight_.empty()) return Finish(Status::Corruption("chunk ack with no chunk in flight"));
  const InFlight sent = in_flight_.front();
  in_flight_.pop_front();
  in_flight_bytes_ -= sent.len;
  if (ack.sha256 != u.sha256) return Finish(Status::Corruption("chunk ack for another file"));
  if (ack.next_offset > u.size)
    return Finish(Status::Corruption("chunk ack beyond the end of " + u.sha256));
  if (ack.next_offset == u.size && !ack.complete)
    return Finish(Status::Corruption("server holds all of " + u.sha256 + " but not complete"));
  if (ack.complete && ack.next_offset != u.size)
    return Finish(Status::Corruption("server calls " + u.sha256 + " complete at the wrong size"));
  // The server only appends until the file is complete: a smaller offset
  // than it already stated is an answer out of order (or a lost file).
  if (ack.next_offset < acked_)
    return Finish(Status::Corruption("chunk acks for " + u.sha256 + " went backwards"));
  // Outside a resync the chunk answered starts where the last ack ended, so
  // the server either wrote it or (another uploader) holds more: never the
  // same offset twice. The same offset again is an answer given twice.
  if (!resync_ && !ack.complete && ack.next_offset == acked_)
    return Finish(Status::Corruption("chunk ack for " + u.sha256 + " repeated"));
  first_acked_ = true;
  stats_.bytes_progressed += ack.next_offset - acked_;
  acked_ = ack.next_offset;
  if (options_.progress) options_.progress(u.sha256, acked_, u.size);
  if (ack.complete && !file_complete_) {
    file_complete_ = true;
    stats_.files_completed++;
  }
  if (!ack.complete && ack.next_offset != sent.offset + sent.len) resync_ = true;
  if (!in_flight_.empty()) {
    if (!resync_ && !file_complete_) FillUploadWindow();
    return;
  }
  if (file_complete_) {
    ++current_;
    return NextUpload();
  }
  if (resync_) {
    // Every chunk sent is answered; the last answer is what the server holds.
    if (acked_ <= started_at_ && ++stalls_ > kMaxStalls)
      return Finish(Status::Unavailable("upload of " + u.sha256 + " makes no progress"));
    stats_.resyncs++;
    return StartFile(acked_);
  }
  FillUploadWindow();
}

void EvidenceSession::SendGet(uint64_t offset, uint64_t len) {
  ChunkGet get{download_.sha256, offset, static_cast<uint32_t>(len)};
  TrackInFlight(offset, len);
  requested_ = offset + len;
  out_ += EncodeMessage(MsgType::kChunkGet, get, version_);
  state_ = State::kAwaitData;
}

void EvidenceSession::FillDownloadWindow() {
  while (requested_ < total_size_) {
    const uint64_t len = std::min<uint64_t>(options_.chunk_bytes, total_size_ - requested_);
    if (StopNow() || !WindowAllows(len)) return;
    SendGet(requested_, len);
  }
}

void EvidenceSession::OnData(const Frame& frame) {
  ChunkData data;
  Status st = DecodeMessage(frame, MsgType::kChunkData, &data, options_.max_frame_bytes);
  if (!st.ok()) return Finish(st);
  if (in_flight_.empty()) return Finish(Status::Corruption("chunk data with no request in flight"));
  const InFlight asked = in_flight_.front();
  in_flight_.pop_front();
  in_flight_bytes_ -= asked.len;
  if (data.sha256 != download_.sha256 || data.offset != asked.offset ||
      data.offset != download_.offset)
    return Finish(Status::Corruption("chunk data answers another request"));
  if (total_known_ && data.total_size != total_size_)
    return Finish(Status::Corruption("the server changed the size of " + download_.sha256));
  if (data.offset > data.total_size)
    return Finish(Status::Corruption("chunk data beyond the end of " + download_.sha256));
  // Pipelined requests follow each other, so every answer must be exactly
  // as long as asked (shorter only at the end of the file).
  const uint64_t want = std::min<uint64_t>(asked.len, data.total_size - data.offset);
  if (data.bytes.size() != want)
    return Finish(Status::Corruption(data.bytes.empty() ? "server sent an empty chunk"
                                                        : "chunk data of the wrong length"));
  if (Status w = download_.write(data.total_size, data.offset, data.bytes); !w.ok())
    return Finish(w);
  download_.offset += data.bytes.size();
  stats_.bytes_progressed += data.bytes.size();
  if (options_.progress) options_.progress(download_.sha256, download_.offset, data.total_size);
  if (!total_known_) {
    total_known_ = true;
    total_size_ = data.total_size;
    requested_ = std::min(requested_, total_size_);
  }
  if (download_.offset >= total_size_) {
    if (!in_flight_.empty())
      return Finish(Status::Corruption("requests beyond the end of " + download_.sha256));
    return SendBye();
  }
  FillDownloadWindow();
}

void EvidenceSession::SendBye() {
  out_ += EncodeClientBye(version_);
  state_ = State::kAwaitBye;
}

}  // namespace rectify::protocol
