// Runs sync sessions of a Ledger against the district server over TLS: the
// thin I/O driver around protocol::ClientSession (which does all the logic).
// Not thread-safe: one run at a time per Ledger.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "client/ledger/ledger.h"
#include "client/sync/tls_channel.h"
#include "protocol/client_session.h"
#include "protocol/request_session.h"
#include "shared/duration.h"

namespace rectify {

struct SyncTarget {
  std::string server;  // HOST:PORT as given; remembered after a successful sync
  std::string host;
  uint16_t port = 0;
  std::string identity_dir;  // from `rectifyd enroll --out DIR`
  std::string school_id;     // auditors: the school to work on
};

// A request size that follows the link (docs/bad-links.md): doubles after an
// answer that came back quickly, halves after a slow one or a cut, within
// [min, max]. The driver owns one per kind (push batch, pull limit) and keeps
// it across retries, so a bad link is learnt once per `rectify sync` run.
// Plain value type; not thread-safe.
struct AdaptiveSize {
  size_t next = 100, min = 10, max = 2000;
  int64_t fast_ms = 1000;  // an answer within this doubles the size
  int64_t slow_ms = 6000;  // an answer slower than this halves it
  // Two push batches go in flight only while answers come back within this:
  // on a fast link that hides the server's apply and commit time; on a slow
  // one it would only add the bytes a cut throws away (docs/bad-links.md).
  int64_t pipeline_ms = 250;
  int64_t last_ms = -1;  // the last answer's time; -1 before one or after a cut
  // Records how long the last request of size `next` took; returns the new size.
  size_t OnAnswer(int64_t elapsed_ms);
  // A transport failure (cut, deadline) happened: halve.
  void OnCut();
  // Push batches to keep in flight now: 2 on a fast link, else 1.
  size_t Window() const { return last_ms >= 0 && last_ms <= pipeline_ms ? 2 : 1; }
};

struct SyncRunOptions {
  ChannelOptions channel;
  size_t batch_ops = 500;  // fixed push batch size when `push_size` is null
  // Optional (not owned; must outlive the call): adapt the push batch size and
  // the pull limit to the link, starting from their `next`. On a transport
  // failure RunSyncOnce calls OnCut() on both before returning.
  AdaptiveSize* push_size = nullptr;
  AdaptiveSize* pull_size = nullptr;
  // Called after every received chunk with (ops pushed so far, pending at start).
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct SyncRun {
  protocol::SyncSummary summary;
  uint64_t bytes_sent = 0, bytes_received = 0;
  int64_t millis = 0;
};

// "host:port" -> target host and port; InvalidArgument names what is wrong.
Status ParseServerAddress(const std::string& text, SyncTarget* target);

// Meta keys of the sync settings a ledger remembers. They are written only by
// a sync that succeeded with them (RunSyncOnce), so a refused or failed
// `--server`, `--identity` or `--school` is never remembered (issue 11, 4).
inline constexpr const char* kMetaServer = "sync.server";
inline constexpr const char* kMetaIdentity = "sync.identity";
inline constexpr const char* kMetaSchool = "sync.school";
inline constexpr const char* kMetaLastSync = "sync.last_ok_ms";

// The server, identity and school to talk to: each flag if given, else what
// the ledger remembers from an earlier successful sync. Reads only.
Result<SyncTarget> ResolveSyncTarget(Ledger& ledger, const std::string& server_flag,
                                     const std::string& identity_flag,
                                     const std::string& school_flag);

// Whether `identity` may sync this ledger, decided before connecting: a
// ledger that has a school keeps its school and its role for good (a school
// ledger never becomes an auditor's, an auditor's ledger never changes school);
// a new ledger takes both from the first successful sync. `school` is the
// school an auditor names. PermissionDenied says what to do instead.
Status CheckIdentityFitsLedger(const Ledger& ledger, const protocol::PeerIdentity& identity,
                               const std::string& school);

// One complete session: connect, push every pending op, pull everything,
// verify the log checkpoint, disconnect. On a cut the ledger keeps what was
// acknowledged; calling again resumes. Corruption if the server's history of
// this school changed (sync stays halted for this ledger afterwards). Only
// after the session succeeded are the target's settings and the time stored
// (kMetaServer ... kMetaLastSync); a refusal changes neither them nor the
// ledger's school and role.
Result<SyncRun> RunSyncOnce(Ledger& ledger, const SyncTarget& target, const SyncRunOptions& options,
                            const Clock& clock);

// Shuttles bytes between `channel` and `handler` until the handler is done.
// `on_chunk` (optional) runs after every received chunk.
Status DriveOverChannel(TlsChannel& channel, protocol::ConnectionHandler& handler,
                        const std::function<void()>& on_chunk = {});

// One request/answer exchange (audit queries, proofs) with the server.
// Returns the answer frame; the caller decodes it.
Result<protocol::Frame> RunRequest(const SyncTarget& target, const ChannelOptions& channel,
                                   std::function<std::string(uint8_t version)> make_request,
                                   protocol::MsgType answer_type);

// Exponential backoff with full jitter: a delay in [0, min(cap, base * 2^attempt)].
int64_t BackoffMillis(int attempt, uint64_t random, int64_t base_ms = 1000,
                      int64_t cap_ms = 5 * 60 * 1000);

}  // namespace rectify
