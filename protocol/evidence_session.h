// The client's side of evidence transfer (docs/evidence.md), sans-I/O like
// ClientSession: after the hello it either queries what the server holds,
// uploads the missing tail of each file, or downloads one file, each resuming
// from an offset, then says bye. Bytes come from and go to callbacks, so the
// session never touches files itself.
//
// Transfers are pipelined: up to `window_bytes` of chunks (uploads) or of
// requested bytes (downloads) are unanswered at any time. The server answers
// in order over one connection, so every answer must match the oldest
// request in flight; an answer that cannot (no request in flight, another
// file, a held offset going backwards, a wrong length) ends the session with
// Corruption rather than writing or reporting wrong data. An upload ack that
// is well-formed but says the server holds something other than expected
// (another device uploads the same file) drains the window and resumes from
// the server's offset.
//
// Ownership: owns copies of the callbacks. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol/connection_handler.h"
#include "protocol/frame.h"
#include "protocol/messages.h"

namespace rectify::protocol {


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

// Defaults for a link of a few hundred kbit/s, ~0.5 s round trip and a cut
// every ~100 KB (docs/evidence.md, "Transfer"): a cut wastes on average half
// a chunk, and the window must cover bandwidth x round trip plus one chunk.
inline constexpr uint32_t kDefaultEvidenceChunk = 16u << 10;
inline constexpr uint32_t kDefaultEvidenceWindow = 64u << 10;

struct EvidenceSessionOptions {
  uint32_t chunk_bytes = kDefaultEvidenceChunk;  // at most kMaxEvidenceChunk
  // Payload bytes unanswered at once (raised to chunk_bytes if smaller).
  uint32_t window_bytes = kDefaultEvidenceWindow;
  // Test hook for cut uploads: 0 = no limit; else the session stops (status
  // Unavailable, stats().stopped_by_limit) once chunk max_chunks is acked
  // instead of sending chunk number max_chunks + 1.
  uint64_t max_chunks = 0;
  // Uploads: the first chunk of each file (and of each resync) goes alone,
  // and the window opens once it is answered. The usual refusals (over the
  // server's size limit, a file the school does not record) answer that
  // chunk; were more chunks on the wire, the server's close after its error
  // would make its kernel reset the connection over the answer. Off only in
  // tests of the window's mechanics.
  bool first_chunk_alone = true;
  // (sha256, bytes the server holds, file size) after every acknowledged chunk.
  std::function<void(const std::string&, uint64_t, uint64_t)> progress;
  uint32_t max_frame_bytes = kDefaultMaxFrameBytes;
};

struct EvidenceSessionStats {
  EvidenceState state;  // the server's answer to the query (query and upload)
  uint64_t chunks_sent = 0, bytes_sent = 0, bytes_received = 0;
  uint64_t files_completed = 0;  // uploads finished by this session
  // Bytes the server newly acknowledged (uploads) or that were written
  // (downloads) in this session: > 0 means the connection made progress.
  uint64_t bytes_progressed = 0;
  uint64_t max_in_flight_bytes = 0;  // the largest unanswered payload seen
  uint64_t resyncs = 0;              // uploads resumed from an unexpected server offset
  bool stopped_by_limit = false;     // ended by the max_chunks test hook
  bool stopped_on_request = false;   // ended by RequestStop()
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

  // Asks the session to end early but cleanly: no new chunk or request is
  // sent, and once every one in flight is answered (so the server keeps, or
  // the caller has written, all of them) the session ends with Unavailable.
  void RequestStop() { stop_requested_ = true; }

  // OK once everything asked for was done and the server said bye.
  const Status& status() const { return status_; }
  const EvidenceSessionStats& stats() const { return stats_; }

 private:
  enum class Mode { kQuery, kUpload, kDownload };
  enum class State { kAwaitHelloAck, kAwaitState, kAwaitAck, kAwaitData, kAwaitBye, kDone };
  EvidenceSession(Mode mode, std::string school_id, EvidenceSessionOptions options);

  struct InFlight {
    uint64_t offset;
    uint64_t len;
  };

  void Handle(const Frame& frame);
  void OnState(const Frame& frame);
  void OnAck(const Frame& frame);
  void OnData(const Frame& frame);
  void NextUpload();  // the next unfinished file, or bye
  void StartFile(uint64_t held);
  void FillUploadWindow();  // sends chunks of uploads_[current_] while the window allows
  bool SendChunk();         // the chunk at next_offset_; false if the session ended
  void FillDownloadWindow();
  void SendGet(uint64_t offset, uint64_t len);
  void SendBye();
  void Finish(Status st);
  bool WindowAllows(uint64_t len) const;
  bool StopNow();  // true if the session ended (or must wait) because of a stop request
  void TrackInFlight(uint64_t offset, uint64_t len);

  Mode mode_;
  EvidenceSessionOptions options_;
  FrameDecoder decoder_;
  State state_ = State::kAwaitHelloAck;
  uint8_t version_ = kProtocolVersion;
  std::string out_;
  bool done_ = false;
  bool stop_requested_ = false;
  Status status_ = Status::Unavailable("evidence session not finished");
  EvidenceSessionStats stats_;

  std::vector<std::string> query_;
  std::vector<EvidenceUpload> uploads_;
  size_t current_ = 0;
  // Requests unanswered, oldest first, and their payload bytes.
  std::deque<InFlight> in_flight_;
  uint64_t in_flight_bytes_ = 0;
  // Uploads: next byte to send, the server's last acked offset, the offset
  // the file was (re)started from, and whether acks disagreed (drain, resume).
  uint64_t next_offset_ = 0, acked_ = 0, started_at_ = 0;
  bool resync_ = false, file_complete_ = false;
  bool first_acked_ = false;  // the first chunk of this file (or resync) was answered
  int stalls_ = 0;
  EvidenceDownload download_;
  uint64_t total_size_ = 0;  // downloads: known after the first answer
  bool total_known_ = false;
  uint64_t requested_ = 0;  // downloads: next offset to ask for
};

}  // namespace rectify::protocol
