// protocol::SyncService over a Store: the server side of sync (docs/design.md §4)
// and the auditor's queries over the audit log (§5).
//
// Push: one write unit of work per batch — resolve every op, append one
// audit leaf per new op, sign a checkpoint, commit — and only then answer,
// so an acknowledged op is durable. Pull, Proof and Audit read a snapshot.
//
// Ownership: borrows `store` and `clock`, which must outlive the service.
// Thread-safety: thread-safe; sessions call it concurrently (writes are
// serialised by the Store).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "protocol/sync_service.h"
#include "server/service/audit_log.h"
#include "server/service/resolver.h"
#include "server/storage/evidence_store.h"
#include "server/storage/store.h"
#include "shared/clock.h"
#include "shared/ed25519.h"
#include "shared/log_throttle.h"
#include "shared/limits.h"

namespace rectify {

struct SyncServiceOptions {
  int64_t max_skew_ms = 5 * 60 * 1000;
  // True if the device must be refused (server-side revocation list).
  std::function<bool(const std::string& device_id)> is_revoked;
  // One line per notable event (refused access, clamped clock). No secrets.
  std::function<void(const std::string& line)> log;
  // Key name of checkpoint signatures and prefix of every origin line.
  std::string log_name = kDefaultLogName;
  // Day boundaries for "as_of" dates: the district's local time (UTC+8).
  int64_t utc_offset_minutes = 8 * 60;
  uint32_t max_pull_limit = 5000;
  // Bytes of encoded ops one pull answer carries at most (at least one op):
  // answers are cut by bytes, never by count alone (docs/protocol.md "Limits").
  size_t pull_byte_budget = kAnswerByteBudget;
  // Evidence blobs (docs/evidence.md); null: evidence requests are refused.
  // Borrowed, must outlive the service.
  EvidenceStore* evidence = nullptr;
};

class SyncServiceImpl final : public protocol::SyncService {
 public:
  SyncServiceImpl(Store& store, SigningKey log_key, const Clock& clock,
                  SyncServiceOptions options = {});

  Status Admit(const protocol::SessionContext& ctx) override;
  Result<protocol::PushAck> Push(const protocol::SessionContext& ctx,
                                 const protocol::PushBatch& batch) override;
  Result<protocol::PullResponse> Pull(const protocol::SessionContext& ctx,
                                      const protocol::PullRequest& req) override;
  // Kinds: "log", "history", "as_of", "conflicts", "rejected", "export".
  // Auditors only.
  Result<protocol::AuditResponse> Audit(const protocol::SessionContext& ctx,
                                        const protocol::AuditQuery& q) override;
  Result<protocol::ProofResponse> Proof(const protocol::SessionContext& ctx,
                                        const protocol::ProofRequest& q) override;
  int64_t NowMillis() const override { return clock_.NowMillis(); }
  // Evidence: every hash must be referenced by an evidence row of the school.
  Result<protocol::EvidenceState> QueryEvidence(const protocol::SessionContext& ctx,
                                                const protocol::EvidenceQuery& q) override;
  Result<protocol::ChunkAck> PutEvidenceChunk(const protocol::SessionContext& ctx,
                                              const protocol::ChunkPut& put) override;
  Result<protocol::ChunkData> GetEvidenceChunk(const protocol::SessionContext& ctx,
                                               const protocol::ChunkGet& get) override;

  // The verifier key string of the log key ("<name>+<hash>+<base64 key>").
  std::string VerifierKey() const;

 private:
  void Log(const std::string& line) const;
  // OK if an evidence row of ctx's school names `sha256`; else PermissionDenied (logged).
  Status CheckEvidenceAccess(const protocol::SessionContext& ctx, const std::string& sha256);

  Store& store_;
  SigningKey log_key_;
  const Clock& clock_;
  SyncServiceOptions options_;
  mutable LogThrottle refusals_;  // a refused device is logged once, not per request
  Resolver resolver_;
};

}  // namespace rectify
