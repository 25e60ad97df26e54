// The client's side of evidence transfer (docs/evidence.md), sans-I/O like
// ClientSession: after the hello it either queries what the server holds,
// uploads the missing tail of each file, or downloads one file, each resuming
// from an offset, then says bye. Bytes come from and go to callbacks, so the
// session never touches files itself.
//
// Ownership: owns copies of the callbacks. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol/connection_handler.h"
#include "protocol/frame.h"
#include "protocol/messages.h"

namespace rectify::protocol {

// Streaming SHA-256 of a file as lowercase hex; `size` (optional) gets its length.
Result<std::string> FileSha256Hex(const std::string& path, uint64_t* size);

struct EvidenceUpload {
  std::string sha256;  // lowercase hex
  uint64_t size = 0;
  // Returns up to `len` bytes from `offset` (fewer only at the end).
  std::function<Result<std::string>(uint64_t offset, uint32_t len)> read;
};

struct EvidenceDownload {
  std::string sha256;
  uint64_t offset = 0;  // bytes the caller already holds
  // Receives each chunk in order; `total` is the file size the server states.
  std::function<Status(uint64_t total, uint64_t offset, const std::string& bytes)> write;
};

struct EvidenceSessionOptions {
  uint32_t chunk_bytes = kMaxEvidenceChunk;
  // Test hook for cut uploads: 0 = no limit; else the session stops (status
  // Unavailable) instead of sending chunk number max_chunks + 1.
  uint64_t max_chunks = 0;
  // (sha256, bytes the server holds, file size) after every acknowledged chunk.
  std::function<void(const std::string&, uint64_t, uint64_t)> progress;
  uint32_t max_frame_bytes = kDefaultMaxFrameBytes;
};

struct EvidenceSessionStats {
  EvidenceState state;  // the server's answer to the query (query and upload)
  uint64_t chunks_sent = 0, bytes_sent = 0, bytes_received = 0;
  uint64_t files_completed = 0;  // uploads finished by this session
};

class EvidenceSession final : public ConnectionHandler {
 public:
  // `school_id`: auditors name the school, school devices leave it empty.
  static std::unique_ptr<EvidenceSession> Query(std::string school_id,
                                                std::vector<std::string> sha256,
                                                EvidenceSessionOptions options = {});
  static std::unique_ptr<EvidenceSession> Upload(std::string school_id,
                                                 std::vector<EvidenceUpload> uploads,
                                                 EvidenceSessionOptions options = {});
  static std::unique_ptr<EvidenceSession> Download(std::string school_id, EvidenceDownload download,
                                                   EvidenceSessionOptions options = {});

  void OnBytes(std::string_view data) override;
  std::string TakeOutput() override;
  bool Done() const override { return done_; }
  std::string Summary() const override { return status_.ToString(); }

  // OK once everything asked for was done and the server said bye.
  const Status& status() const { return status_; }
  const EvidenceSessionStats& stats() const { return stats_; }

 private:
  enum class Mode { kQuery, kUpload, kDownload };
  enum class State { kAwaitHelloAck, kAwaitState, kAwaitAck, kAwaitData, kAwaitBye, kDone };
  EvidenceSession(Mode mode, std::string school_id, EvidenceSessionOptions options);

  void Handle(const Frame& frame);
  void OnState(const Frame& frame);
  void OnAck(const Frame& frame);
  void OnData(const Frame& frame);
  void NextUpload();                // the next unfinished file, or bye
  void SendChunk(uint64_t offset);  // of uploads_[current_]
  void SendGet();
  void SendBye();
  void Finish(Status st);

  Mode mode_;
  EvidenceSessionOptions options_;
  FrameDecoder decoder_;
  State state_ = State::kAwaitHelloAck;
  uint8_t version_ = kProtocolVersion;
  std::string out_;
  bool done_ = false;
  Status status_ = Status::Unavailable("evidence session not finished");
  EvidenceSessionStats stats_;

  std::vector<std::string> query_;
  std::vector<EvidenceUpload> uploads_;
  size_t current_ = 0;
  uint64_t sent_offset_ = 0;
  int stalls_ = 0;
  EvidenceDownload download_;
};

}  // namespace rectify::protocol
