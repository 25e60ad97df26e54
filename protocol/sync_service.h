// The server's side of sync as the protocol session sees it. Implemented in
// server/ over a Store; the session never touches storage directly.
// Implementations are thread-safe: sessions call them concurrently.
#pragma once

#include "protocol/connection_handler.h"
#include "protocol/messages.h"
#include "shared/status.h"

namespace rectify::protocol {

// The identity a session works as, after the hello: the school is the
// certificate's, or for an auditor the school named in the hello.
struct SessionContext {
  PeerIdentity peer;
  std::string school_id;
  std::string batch_prefix;  // unique per session, to make batch ids traceable
};

class SyncService {
 public:
  virtual ~SyncService() = default;
  // Refuses (PermissionDenied) a peer that is revoked or works on a school it
  // may not; the attempt is logged by the implementation.
  virtual Status Admit(const SessionContext& ctx) = 0;
  // Validates, resolves and durably stores every op before answering.
  virtual Result<PushAck> Push(const SessionContext& ctx, const PushBatch& batch) = 0;
  virtual Result<PullResponse> Pull(const SessionContext& ctx, const PullRequest& req) = 0;
  virtual Result<AuditResponse> Audit(const SessionContext& ctx, const AuditQuery& q) = 0;
  virtual Result<ProofResponse> Proof(const SessionContext& ctx, const ProofRequest& q) = 0;
  virtual int64_t NowMillis() const = 0;
  // Evidence blobs (docs/evidence.md). Only blobs referenced by an evidence
  // row of ctx.school_id may be queried, written or read.
  virtual Result<EvidenceState> QueryEvidence(const SessionContext&, const EvidenceQuery&) {
    return Status::Unavailable("evidence not supported");
  }
  virtual Result<ChunkAck> PutEvidenceChunk(const SessionContext&, const ChunkPut&) {
    return Status::Unavailable("evidence not supported");
  }
  virtual Result<ChunkData> GetEvidenceChunk(const SessionContext&, const ChunkGet&) {
    return Status::Unavailable("evidence not supported");
  }
};

}  // namespace rectify::protocol
